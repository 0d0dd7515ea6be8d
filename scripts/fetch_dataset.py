"""Workflow glue: locate or download one dataset's original files and verify them."""

from pathlib import Path

from psn.data import fetch_dataset
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/fetch_dataset.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("fetch_dataset", configfiles=["presets/tiny.yaml"], dataset="fashion_mnist")

with job_log(snakemake.log[0], "fetch_dataset") as log:
    fetch_dataset(
        snakemake.wildcards.dataset,
        Path(snakemake.output[0]).parent.parent,  # RAW of RAW/<dataset>/manifest.json
        manual_dirs=[snakemake.params.manual_dir],
        log=log.info,
    )
