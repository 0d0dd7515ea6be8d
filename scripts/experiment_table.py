"""Workflow glue: one experiment's models and learning curves as flat tables."""

from psn.analysis.runs import experiment_table
from psn.provenance import atomic_write_bytes
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/experiment_table.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("experiment_table", configfiles=["presets/tiny.yaml"], experiment="cross_dataset")


with job_log(snakemake.log[0], "experiment_table") as log:
    models, curves = experiment_table(snakemake.input, snakemake.params.members,
                                      snakemake.wildcards.experiment)
    log.info("%d models, %d curve points", len(models), len(curves))
    atomic_write_bytes(snakemake.output.models, models.to_csv(index=False).encode())
    atomic_write_bytes(snakemake.output.curves, curves.to_csv(index=False).encode())
