"""Workflow glue: Table 3, S_max by minimum fan-in and input size (Eq. 7)."""

from psn.render.io import write_csv, write_markdown
from psn.render.table3 import smax_table
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_table3.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("table3", configfiles=["presets/tiny.yaml"])


with job_log(snakemake.log[0], "table3") as log:
    table = smax_table()
    write_csv(table, snakemake.output.csv)
    write_markdown(table, snakemake.output.md)
