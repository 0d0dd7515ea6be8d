"""Workflow glue: gather every mask artifact's statistics into one table."""

import pandas as pd

from psn.provenance import atomic_write_bytes
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/mask_stats_table.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("mask_stats_table", configfiles=["presets/tiny.yaml"])


with job_log(snakemake.log[0], "mask_stats_table") as log:
    frames = [pd.read_csv(path, sep="\t") for path in snakemake.input]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    log.info("%d rows from %d artifacts", len(table), len(frames))
    atomic_write_bytes(snakemake.output[0], table.to_csv(index=False, float_format="%.6g").encode())
