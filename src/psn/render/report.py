"""The reproduction report as Markdown: the verdict counts, the rule, every published number
beside ours by section, what to launch for the rows not run, and the paper's contradictions;
:func:`reproduction_report` makes it, table and text, from the report rule's inputs."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.readings import choose_readings, readings_table
from psn.analysis.report import (NOT_RUN, OTHER_SETTINGS, VERDICT_RULE, VERDICTS, claims, figure_inputs, measure,
                                 merge_measurements, read_results, read_table, report_table, settings_of,
                                 verdict_counts)
from psn.provenance import environment

MARK = {"reproduced": "✓ reproduced", "differs": "✗ differs", "other settings": "· other settings",
        "not run": "– not run"}


def _num(v, decimals: int = 2) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(v):
        return "never" if v == math.inf else ""
    return f"{v:.{decimals}f}"


def _decimals(row: Mapping) -> int:
    """Ours printed one digit finer than the paper (at least 2 for accuracies)."""
    text = str(row["paper"]).split("–")[-1].lstrip("<>≤ ")
    paper = len(text.split(".")[1]) if "." in text else 0
    return min(4, paper + 1)


def ours_text(row: Mapping) -> str:
    if row["verdict"] == NOT_RUN:
        return ""
    d = _decimals(row)
    text = _num(row["ours"], d)
    if np.isfinite(float(row["sd"])):
        text += f" ± {_num(row['sd'], d)}"
    if int(row["n"]) > 0:
        text += f" (n {int(row['n'])})"
    return text


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def section_markdown(rows: pd.DataFrame) -> str:
    head = "| quantity | where | paper | ours | ours − paper | verdict | measured at / note |\n|---|---|---|---|---|---|---|\n"
    lines = []
    for r in rows.to_dict("records"):
        note = "; ".join(x for x in (r["settings"], r["note"]) if x)
        lines.append(f"| {_escape(r['quantity'])} | {_escape(r['where'])} | {r['paper']} | {ours_text(r)} | "
                     f"{_num(r['diff'], _decimals(r))} | {MARK[r['verdict']]} | {_escape(note)} |")
    return head + "\n".join(lines) + "\n"


def counts_markdown(table: pd.DataFrame) -> str:
    counts = verdict_counts(table)
    total = sum(counts.values())
    lines = [f"| {v} | {counts[v]} | {100 * counts[v] / total:.0f}% |" for v in VERDICTS] if total else []
    by_section = table.groupby("section", sort=False)["verdict"].value_counts().unstack(fill_value=0)
    sec = ["| section | " + " | ".join(VERDICTS) + " |", "|---|" + "---|" * len(VERDICTS)]
    for name, r in by_section.iterrows():
        sec.append(f"| {name} | " + " | ".join(str(int(r.get(v, 0))) for v in VERDICTS) + " |")
    return (f"{total} published numbers.\n\n| verdict | numbers | share |\n|---|---|---|\n" + "\n".join(lines)
            + "\n\n" + "\n".join(sec) + "\n")


def todo_markdown(table: pd.DataFrame) -> str:
    """One line per (experiment, dataset) with rows not run or at other settings."""
    todo = table[table["verdict"].isin([NOT_RUN, OTHER_SETTINGS]) & (table["command"] != "")]
    if not len(todo):
        return "Every number was measured at the paper's settings.\n"
    lines = ["| experiment | dataset | numbers | command (paper settings, `config.yaml`) | est. hours |",
             "|---|---|---|---|---|"]
    for (exp, dataset), g in todo.groupby(["experiment", "dataset"], sort=False):
        lines.append(f"| {exp} | {dataset or '–'} | {len(g)} | `{g['command'].iloc[0]}` | {_num(g['hours'].iloc[0], 1)} |")
    return "\n".join(lines) + "\n"


def contradictions_markdown(table: pd.DataFrame, items: Sequence[Mapping] = pub.CONTRADICTIONS) -> str:
    by_id = table.set_index("id")
    out = []
    for c in items:
        measured = []
        for cid in c["rows"]:
            if cid in by_id.index:
                r = by_id.loc[cid]
                ours = ours_text(r.to_dict() | {"id": cid}) or "not run"
                measured.append(f"{r['quantity']}: paper {r['paper']}, ours {ours}")
        out.append(f"- **{c['topic']}.** {c['a']}. Against: {c['b']}."
                   + (f" We measured: {'; '.join(measured)}." if measured else ""))
    return "\n".join(out) + "\n"


READINGS_NOTE = ("EMNIST's epochs (§2.7's 20 against §3.2's 10) is a reading too: config.yaml trains §2.7's "
                 "20; a preset with `experiments: {cross_dataset: {epochs: {emnist_balanced: 10}}}` trains "
                 "§3.2's. EMNIST cannot be downloaded on the machine this report was made on, so its rows "
                 "say not run.\n")


def report_markdown(table: pd.DataFrame, *, title: str = "Reproduction report", preamble: str = "",
                    figures: Mapping[str, str] | None = None, environment: Mapping | None = None,
                    readings: str = "", dynamic: str = "", dst_readings: str = "") -> str:
    """The report; ``readings`` is the readings experiment's table (Markdown), if it ran;
    ``dynamic`` what the dynamic methods' fan-in did (Markdown), if they ran; ``dst_readings`` the
    dynamic stage's readings side by side (Markdown), if ``report.dst_readings`` names any."""
    parts = [f"# {title}\n", preamble, "## Summary\n", counts_markdown(table), "## The rule\n", VERDICT_RULE + "\n"]
    for section, rows in table.groupby("section", sort=False):
        parts += [f"## {section}\n", section_markdown(rows)]
    parts += ["## The paper's open readings, by experiment\n",
              (readings or "_The readings experiment is not in this config "
                           "(`experiments.readings` in `config.yaml`)._\n") + "\n" + READINGS_NOTE]
    if dynamic:
        parts += ["## Dynamic methods: does SET's fan-in grow a heavy tail?\n", dynamic]
    if dst_readings:
        parts += ["## What would give the paper's Table 4? The dynamic stage's readings\n", dst_readings]
    parts += ["## Not run, or not at the paper's settings: what to launch\n",
              "Hours are the paper plan's matmul FLOPs over the engine's measured rate (`report.gflops`); "
              "a target trains every dataset of its experiment.\n", todo_markdown(table),
              "## Where the paper contradicts itself\n", contradictions_markdown(table)]
    if figures:
        parts += ["## Figures\n", "\n".join(f"- [{name}]({path})" for name, path in figures.items()) + "\n"]
    if environment:
        parts += ["## Environment\n", "\n".join(f"- {k}: {v}" for k, v in environment.items()) + "\n"]
    return "\n".join(p for p in parts if p)


def reproduction_report(inputs: Mapping[str, str], md_path: str, *,
                        included: Mapping[str, tuple[int, str]] | None = None, rounding: str = "ceil",
                        plan: Mapping[tuple[str, str], tuple[str, float]] | None = None,
                        title: str = "Reproduction report", preamble: str = "",
                        include: Sequence[str] = (), dst_readings: Sequence[str] = ()) -> tuple[pd.DataFrame, str]:
    """The reproduction report (its table and its Markdown, to be written at ``md_path``) from
    the report rule's named inputs (:func:`psn.analysis.report.read_results`; ``figure_<name>``
    the figures it links), the ``report.include`` directories' tables (``included``, from the
    directories ``include``), the mask rounding, and ``plan``: (experiment, dataset) -> (command,
    hours) for the rows not run (:func:`psn.workflow.estimate.commands`); ``dst_readings``: the
    names of ``report.dst_readings``, whose tables are the inputs ``dstreading<i>_<table>``."""
    from psn.render.dst_readings import TABLES, readings_section
    from psn.render.fanin import heavy_tail_markdown
    from psn.render.static import readings_markdown

    res, extra = read_results(inputs, included, rounding)
    ours = merge_measurements(*(measure(r) for r in extra), measure(res))  # ties: the included runs
    rows = report_table(claims(), ours, plan)
    here = os.path.dirname(md_path)
    figures = {k: os.path.relpath(v, here) for k, v in figure_inputs(inputs).items()}
    env = environment()
    env = {"machine": f"{env['platform']} ({env['machine']})", **env["versions"]}
    if include:
        preamble += ("\nFull-size runs read too (a number measured at the paper's settings there wins): "
                     + ", ".join(f"`{root}/`" for root in include) + ".\n")
    chosen = choose_readings([res.static.get("readings"), *(r.static.get("readings") for r in extra)])
    readings = ""
    if chosen is not None:
        settings = settings_of(chosen, "readings", "fashion_mnist").text
        readings = readings_markdown(readings_table(chosen), settings=settings)
    # SET's fan-in: from a run at the paper's size when one is included, else this config's
    fanin = [r.dst_fanin for r in extra] + [res.dst_fanin]
    dynamic = next((md for md in map(heavy_tail_markdown, fanin) if md), "")
    dst = ""
    if dst_readings:
        dst = readings_section({name: {t: read_table(inputs[key], f"dst_{t}") for t in TABLES
                                       if (key := f"dstreading{i}_{t}") in inputs}
                                for i, name in enumerate(dst_readings)})
    md = report_markdown(rows, title=title, preamble=preamble, figures=figures, environment=env,
                         readings=readings, dynamic=dynamic, dst_readings=dst)
    return rows, md
