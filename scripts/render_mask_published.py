"""Workflow glue: the paper's quoted mask figures beside ours, for both roundings of Eq. 6."""

from psn.render.io import write_csv, write_markdown
from psn.render.table3 import published_mask_comparison
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "mask_published") as log:  # noqa: F821 (snakemake global)
    table = published_mask_comparison()
    write_csv(table, snakemake.output.csv)  # noqa: F821
    write_markdown(table, snakemake.output.md, floatfmt=".4g")  # noqa: F821
