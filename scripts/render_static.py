"""Workflow glue: Figures 2a–c, the gradient figure and Tables 5–6 etc. from the static
experiments' models.csv (only the experiments the config enabled are in the input)."""

import pandas as pd

from psn.render.static import render_all
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_static.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("render_static", configfiles=["presets/tiny.yaml"])


with job_log(snakemake.log[0], "render_static") as log:
    models = {name: pd.read_csv(path) for name, path in snakemake.input.items()}
    log.info("experiments present: %s", ", ".join(sorted(models)) or "none")
    render_all(models, dict(snakemake.output.items()))
