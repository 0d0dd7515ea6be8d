"""Workflow glue: the dynamic sparse training stage's figures and tables (Figure 3, the curves and
CCV trajectories, the fan-in CCDF; Table 4, the gaps to ERK, the starts, the fan-in shape) from
its flat tables."""

import pandas as pd

from psn.render.dst import render_all
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_dst.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("render_dst", configfiles=["presets/tiny.yaml"])


def read_table(path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no rows and no columns
        return pd.DataFrame()


with job_log(snakemake.log[0], "render_dst") as log:
    tables = {name: read_table(path) for name, path in snakemake.input.items()}
    log.info("%s", ", ".join(f"{name}: {len(df)} rows" for name, df in tables.items()))
    render_all(tables, dict(snakemake.output.items()),
               confirmation=snakemake.params.confirmation)
