"""Workflow glue: every RigL run and equilibrium file as flat tables (models, curves,
trajectories, equilibrium)."""

from psn.analysis.rigl import curves_table, equilibrium_table, models_table, trajectories_table
from psn.analysis.runs import load_results
from psn.provenance import atomic_write_bytes
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "rigl_tables") as log:  # noqa: F821 (snakemake global)
    runs = [load_results(p) for p in snakemake.input.runs]  # noqa: F821
    equilibria = [load_results(p) for p in snakemake.input.equilibria]  # noqa: F821
    models = models_table(runs)
    tables = {"models": models, "curves": curves_table(runs), "trajectories": trajectories_table(runs),
              "equilibrium": equilibrium_table(equilibria, models)}
    for name, df in tables.items():
        log.info("%s: %d rows", name, len(df))
        atomic_write_bytes(getattr(snakemake.output, name), df.to_csv(index=False).encode())  # noqa: F821
