"""Workflow glue: the reproduction report from the pipeline's own tables (whichever stages the
config ran), the paper's plan for what was not run, and the machine it ran on."""

import os

import pandas as pd

from psn.analysis.report import (Results, check_table, claims, measure, merge_measurements, report_table,
                                 settings_of, verdict_counts)
from psn.config import load
from psn.provenance import ArtifactError, atomic_write_bytes, environment
from psn.analysis.readings import choose_readings, readings_table
from psn.render.fanin import heavy_tail_markdown
from psn.render.report import report_markdown
from psn.render.static import readings_markdown
from psn.workflow.estimate import commands
from psn.workflow.runtime import job_log

inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821 (snakemake globals)


def read_table(path, kind):
    """A pipeline table of ``kind`` (psn.analysis.report.TABLE_NEEDS); one that does not parse,
    lacks a column the report reads or holds a model twice is an ArtifactError naming the file."""
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is damaged: not a readable CSV ({exc}); rerun the rule that "
                            "makes it (snakemake --forcerun <rule>)") from None
    return check_table(df, kind, path)


def table(name):
    return read_table(inp[name], name) if name in inp.keys() else None


FIELDS = {"tables/table3.csv": "table3", "tables/mask_published.csv": "mask_published",
          "tables/dst/models.csv": "dst_models", "tables/dst/curves.csv": "dst_curves",
          "tables/dst/equilibrium.csv": "dst_equilibrium", "tables/dst/fanin.csv": "dst_fanin"}


def included_results():
    """One Results per ``report.include`` directory, from its tables present."""
    per_root: dict[int, Results] = {}
    for key, (i, rel) in params.included.items():
        res = per_root.setdefault(i, Results(rounding=params.rounding, static={}))
        df = read_table(inp[key], FIELDS.get(rel, "models"))
        if rel in FIELDS:
            setattr(res, FIELDS[rel], df)
        else:  # tables/<experiment>/models.csv
            res.static[rel.split("/")[1]] = df
    return [per_root[i] for i in sorted(per_root)]


with job_log(snakemake.log[0], "report") as log:  # noqa: F821
    static = {k.removeprefix("static_"): read_table(v, "models") for k, v in inp.items() if k.startswith("static_")}
    res = Results(static=static, table3=table("table3"), mask_published=table("mask_published"),
                  rounding=params.rounding, dst_models=table("dst_models"), dst_curves=table("dst_curves"),
                  dst_equilibrium=table("dst_equilibrium"))
    extra = included_results()
    ours = merge_measurements(*(measure(r) for r in extra), measure(res))  # ties: the included runs
    rows = report_table(claims(), ours, commands(load(params.paper_config), params.gflops))
    log.info("verdicts: %s", verdict_counts(rows))
    here = os.path.dirname(out.md)
    figures = {k.removeprefix("figure_"): os.path.relpath(v, here) for k, v in inp.items() if k.startswith("figure_")}
    env = environment()
    env = {"machine": f"{env['platform']} ({env['machine']})",
           **{k: v for k, v in env["versions"].items()}}
    preamble = params.preamble
    if params.include:
        preamble += ("\nFull-size runs read too (a number measured at the paper's settings there wins): "
                     + ", ".join(f"`{root}/`" for root in params.include) + ".\n")
    chosen = choose_readings([static.get("readings"), *(r.static.get("readings") for r in extra)])
    readings = ""
    if chosen is not None:
        settings = settings_of(chosen, "readings", "fashion_mnist").text
        readings = readings_markdown(readings_table(chosen), settings=settings)
    # SET's fan-in: from a run at the paper's size when one is included, else this config's
    fanin = [r.dst_fanin for r in extra] + [table("dst_fanin")]
    dynamic = next((md for md in map(heavy_tail_markdown, fanin) if md), "")
    md = report_markdown(rows, title=params.title, preamble=preamble, figures=figures, environment=env,
                         readings=readings, dynamic=dynamic)
    atomic_write_bytes(out.csv, rows.to_csv(index=False).encode())
    atomic_write_bytes(out.md, md.encode())
