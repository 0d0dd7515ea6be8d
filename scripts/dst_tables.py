"""Workflow glue: every dynamic sparse training run and equilibrium file as flat tables (models,
curves, trajectories, equilibrium, and the fan-in distributions at the start and the end)."""

from psn.analysis.fanin import fanin_tables
from psn.analysis.rigl import curves_table, equilibrium_table, models_table, trajectories_table
from psn.analysis.runs import load_results
from psn.masks.starts import group_start_masks
from psn.provenance import atomic_write_bytes
from psn.workflow.runtime import job_log, rebuilt_by

if "snakemake" not in globals():  # run on its own: python scripts/dst_tables.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("dst_tables", configfiles=["presets/tiny.yaml"])


def start_fan_in(job, res):
    """A model's starting fan-in per layer: its masks rebuilt from its job and resolved target."""
    masks = group_start_masks(job, int(res["seed"]), (res.get("start") or {}).get("ccv_target"))
    return [m.sum(dim=1).numpy() for m in masks]


with job_log(snakemake.log[0], "dst_tables") as log:
    runs = []
    for path in snakemake.input.runs:
        with rebuilt_by("train_dst", path):
            runs.append(load_results(path))
    equilibria = []
    for path in snakemake.input.equilibria:
        with rebuilt_by("dst_equilibrium", path):
            equilibria.append(load_results(path))
    models = models_table(runs)
    fanin, fanin_counts = fanin_tables(runs, start_fan_in)
    tables = {"models": models, "curves": curves_table(runs), "trajectories": trajectories_table(runs),
              "equilibrium": equilibrium_table(equilibria, models), "fanin": fanin,
              "fanin_counts": fanin_counts}
    for name, df in tables.items():
        log.info("%s: %d rows", name, len(df))
        atomic_write_bytes(getattr(snakemake.output, name), df.to_csv(index=False).encode())
