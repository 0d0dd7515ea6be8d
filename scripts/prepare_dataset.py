"""Workflow glue: turn one dataset's verified files into the cached training artifact."""

from pathlib import Path

from psn.data import prepare_dataset
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/prepare_dataset.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("prepare_dataset", configfiles=["presets/tiny.yaml"], dataset="fashion_mnist")

with job_log(snakemake.log[0], "prepare_dataset") as log:
    prepare_dataset(
        snakemake.wildcards.dataset,
        Path(snakemake.input[0]).parent.parent,  # RAW of RAW/<dataset>/manifest.json
        snakemake.output[0],
        normalise=snakemake.params.normalise,
        split_seed=snakemake.params.split["seed"],
        test_fraction=snakemake.params.split["test_fraction"],
        log=log.info,
    )
