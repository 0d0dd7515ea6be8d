"""Workflow glue: Figure 1 (fan-in profiles, lognormal family, a mask, multi-peak)."""

from psn.render.figure1 import render_figure1
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_figure1.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("figure1", configfiles=["presets/tiny.yaml"])


with job_log(snakemake.log[0], "figure1") as log:
    render_figure1(snakemake.output.png, snakemake.output.pdf,
                   rounding=snakemake.params.rounding)
