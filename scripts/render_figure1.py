"""Workflow glue: Figure 1 (fan-in profiles, lognormal family, a mask, multi-peak)."""

from psn.render.figure1 import render_figure1
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "figure1") as log:  # noqa: F821 (snakemake global)
    render_figure1(snakemake.output.png, snakemake.output.pdf,  # noqa: F821
                   rounding=snakemake.params.rounding)  # noqa: F821
