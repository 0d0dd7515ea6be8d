"""Workflow glue: turn one dataset's verified files into the cached training artifact."""

from psn.data import prepare_dataset
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "prepare_dataset") as log:  # noqa: F821 (snakemake global)
    prepare_dataset(
        snakemake.wildcards.dataset,
        snakemake.params.raw_dir,
        snakemake.output[0],
        normalise=snakemake.params.normalise,
        split_seed=snakemake.params.split["seed"],
        test_fraction=snakemake.params.split["test_fraction"],
        log=log.info,
    )
