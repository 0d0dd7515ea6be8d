"""Workflow glue: Table 3, S_max by minimum fan-in and input size (Eq. 7)."""

from psn.render.io import write_csv, write_markdown
from psn.render.table3 import smax_table
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "table3") as log:  # noqa: F821 (snakemake global)
    table = smax_table()
    write_csv(table, snakemake.output.csv)  # noqa: F821
    write_markdown(table, snakemake.output.md)  # noqa: F821
