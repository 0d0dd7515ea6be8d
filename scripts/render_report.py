"""Workflow glue: the reproduction report from the pipeline's own tables (whichever stages the
config ran), the paper's plan for what was not run, and the machine it ran on."""

from psn.analysis.report import verdict_counts
from psn.config import load
from psn.provenance import atomic_write_bytes
from psn.render.report import reproduction_report
from psn.workflow.estimate import commands
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/render_report.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("report", configfiles=["presets/tiny.yaml"])


inp, out, params = snakemake.input, snakemake.output, snakemake.params

with job_log(snakemake.log[0], "report") as log:
    rows, md = reproduction_report(dict(inp.items()), out.md, included=params.included, rounding=params.rounding,
                                   plan=commands(load(params.paper_config), params.gflops), title=params.title,
                                   preamble=params.preamble, include=params.include,
                                   dst_readings=params.dst_readings)
    log.info("verdicts: %s", verdict_counts(rows))
    atomic_write_bytes(out.csv, rows.to_csv(index=False).encode())
    atomic_write_bytes(out.md, md.encode())
