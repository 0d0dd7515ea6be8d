"""Workflow glue: the dynamic sparse training stage's figures and tables (Figure 3, the curves and
CCV trajectories, the fan-in CCDF; Table 4, the gaps to ERK, the starts, the fan-in shape) from
its flat tables."""

import pandas as pd

from psn.render.dst import render_all
from psn.workflow.runtime import job_log


def read_table(path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no rows and no columns
        return pd.DataFrame()


with job_log(snakemake.log[0], "render_dst") as log:  # noqa: F821 (snakemake global)
    tables = {name: read_table(path) for name, path in snakemake.input.items()}  # noqa: F821
    log.info("%s", ", ".join(f"{name}: {len(df)} rows" for name, df in tables.items()))
    render_all(tables, dict(snakemake.output.items()),  # noqa: F821
               confirmation=snakemake.params.confirmation)  # noqa: F821
