"""The dynamic stage's readings table (what would give the paper's Table 4?) as markdown, from
``psn.analysis.dst_readings``' rows; and, run as a module, the table of several results
directories, one reading each:

    python -m psn.render.dst_readings default=results/dst_readings/default \\
        ties_inactive=results/dst_readings/ties_inactive ... > readings.md
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from psn.analysis.dst_readings import nearest_reading, readings_rows, statistic_rows
from psn.analysis.report import read_table
from psn.render.io import to_markdown
from psn.render.style import fmt, start_label


def readings_markdown(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "_Dynamic readings: no RigL equilibrium tables._\n"
    table = pd.DataFrame({
        "reading": rows["reading"], "sparsity": [f"{100 * s:g}%" for s in rows["target_sparsity"]],
        "start": [start_label(s) for s in rows["start"]], "n": rows["n"],
        "CCV": [fmt(v) for v in rows["ccv"]], "CCV / bound": [fmt(v) for v in rows["over_bound"]],
        "paper (/ bound)": [f"{fmt(p)} ({fmt(b)})" for p, b in zip(rows["paper"], rows["paper_over_bound"])],
        "starts meet": ["yes" if m else f"no ({fmt(s)} apart)" for m, s in zip(rows["starts_meet"],
                                                                                 rows["spread_final"])],
        "corr(index, fan-in)": [fmt(v) for v in rows["index_corr"]],
    })
    near = nearest_reading(rows)
    best = near.iloc[0]
    verdict = (f"Nearest to the paper's CCV over its bound: **{best['reading']}** (mean |ours − paper| "
               f"{best['mean_distance']:.2f} of the bound, starts "
               f"{'meet in every cell' if best['starts_meet_everywhere'] else 'do not meet in every cell'}).")
    ranking = pd.DataFrame({"reading": near["reading"], "distance to the paper (/ bound)": [fmt(v) for v in
                                                                                         near["mean_distance"]],
                            "cells": near["cells"], "starts meet everywhere": near["starts_meet_everywhere"]})
    return "\n".join([
        "What would give the paper's equilibrium: RigL's final fan-in CCV (mean over hidden layers and "
        "seeds) per reading, cell and start, over the bound √(1/d − 1) at the target density, beside "
        "the paper's Table 4 value and its ratio; whether the starts meet (final spread within the "
        "tolerance); and the correlation of fan-in with the neuron's index (near −1 when growth falls "
        "to top-k's order and fills the lowest rows; read it on the ERK rows, since a lognormal start's "
        "fan-in follows the neuron's index by construction, Eq. 6). Rows named 'layer k alone' and 'per input "
        "(fan-out)' read the default runs' statistic otherwise, with no new training.\n",
        to_markdown(table), "", to_markdown(ranking), "", verdict, ""])


TABLES = ("equilibrium", "fanin", "trajectories")  # a reading's tables, under tables/dst/


def reading_tables(root: str | Path) -> dict[str, Path]:
    """The tables of one reading's results directory that exist; its equilibrium is required."""
    paths = {name: Path(root) / "tables" / "dst" / f"{name}.csv" for name in TABLES}
    if not paths["equilibrium"].exists():
        raise FileNotFoundError(f"{root}: no tables/dst/equilibrium.csv (run its preset's dst target first)")
    return {name: p for name, p in paths.items() if p.exists()}


def readings_section(tables: Mapping[str, Mapping[str, pd.DataFrame | None]]) -> str:
    """The readings table (Markdown) of several readings, name -> its tables (``TABLES``); the
    first is the default, whose statistic is also read per layer and per input."""
    rows = readings_rows({n: t["equilibrium"] for n, t in tables.items()},
                         {n: t.get("fanin") for n, t in tables.items()})
    first = next(iter(tables.values()))
    stat = statistic_rows(first["equilibrium"], first.get("trajectories"), reading=next(iter(tables)))
    return readings_markdown(pd.concat([rows, stat], ignore_index=True))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or any("=" not in a for a in args):
        print("usage: python -m psn.render.dst_readings NAME=RESULTS_DIR [NAME=RESULTS_DIR ...]"
              " (the first is the default: its statistic is read per layer and per input too)", file=sys.stderr)
        return 2
    named = dict(a.split("=", 1) for a in args)
    tables = {name: {t: read_table(str(p), f"dst_{t}") for t, p in reading_tables(root).items()}
              for name, root in named.items()}
    sys.stdout.write(readings_section(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
