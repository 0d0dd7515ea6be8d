"""Workflow glue: the paper's quoted mask figures beside ours, for both roundings of Eq. 6."""

from psn.render.io import write_csv, write_markdown
from psn.render.table3 import published_mask_comparison
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_mask_published.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("mask_published", configfiles=["presets/tiny.yaml"])


with job_log(snakemake.log[0], "mask_published") as log:
    table = published_mask_comparison()
    write_csv(table, snakemake.output.csv)
    write_markdown(table, snakemake.output.md, floatfmt=".4g")
