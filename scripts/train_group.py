"""Workflow glue: train every seed of one configuration together and write their results
(``psn.workflow.train_job.run_static_job``)."""

from psn.workflow.runtime import job_log
from psn.workflow.train_job import run_static_job

if "snakemake" not in globals():  # run on its own: python scripts/train_group.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("train_group", configfiles=["presets/tiny.yaml"], dataset="fashion_mnist",
                               arch="784-64-64-10", epochs="1", condition="exponential-alpha3",
                               spread="random", sparsity="90")


with job_log(snakemake.log[0], "train_group") as log:
    run_static_job(snakemake.params.job, dict(snakemake.input.items()), snakemake.output[0],
                   snakemake.params.checkpoint, log)
