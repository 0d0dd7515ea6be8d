"""Workflow glue: train every seed of one dynamic sparse training group (a method from a start)
and write results (``psn.workflow.train_job.run_dst_job``)."""

from psn.workflow.runtime import job_log
from psn.workflow.train_job import run_dst_job

if "snakemake" not in globals():  # run on its own: python scripts/train_dst.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("train_dst", configfiles=["presets/tiny.yaml"], method="rigl",
                               dataset="fashion_mnist", arch="784-64-64-10", epochs="1", start="erk",
                               sparsity="90")


with job_log(snakemake.log[0], "train_dst") as log:
    run_dst_job(snakemake.params.job, dict(snakemake.input.items()), snakemake.output[0],
                snakemake.params.checkpoint, log)
