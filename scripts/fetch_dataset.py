"""Workflow glue: locate or download one dataset's original files and verify them."""

from pathlib import Path

from psn.data import fetch_dataset
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "fetch_dataset") as log:  # noqa: F821 (snakemake global)
    fetch_dataset(
        snakemake.wildcards.dataset,
        Path(snakemake.output[0]).parent.parent,  # noqa: F821 (RAW of RAW/<dataset>/manifest.json)
        manual_dirs=[snakemake.params.manual_dir],
        log=log.info,
    )
