"""Workflow glue: one experiment's models and learning curves as flat tables."""

from psn.analysis.runs import experiment_table
from psn.provenance import atomic_write_bytes
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "experiment_table") as log:  # noqa: F821 (snakemake global)
    models, curves = experiment_table(snakemake.input, snakemake.params.members,  # noqa: F821
                                      snakemake.wildcards.experiment)  # noqa: F821
    log.info("%d models, %d curve points", len(models), len(curves))
    atomic_write_bytes(snakemake.output.models, models.to_csv(index=False).encode())  # noqa: F821
    atomic_write_bytes(snakemake.output.curves, curves.to_csv(index=False).encode())  # noqa: F821
