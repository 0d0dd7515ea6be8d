"""Workflow glue: Figures 2a–c, the gradient figure and Tables 5–6 etc. from the static
experiments' models.csv (only the experiments the config enabled are in the input)."""

import pandas as pd

from psn.render.static import render_all
from psn.workflow.runtime import job_log

with job_log(snakemake.log[0], "render_static") as log:  # noqa: F821 (snakemake global)
    models = {name: pd.read_csv(path) for name, path in snakemake.input.items()}  # noqa: F821
    log.info("experiments present: %s", ", ".join(sorted(models)) or "none")
    render_all(models, dict(snakemake.output.items()))  # noqa: F821
