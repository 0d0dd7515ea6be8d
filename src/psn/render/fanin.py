"""The fan-in distributions of the dynamic methods: the CCDF figure (log-log, the end of training
solid, the start each began from dashed) and the table of their shape, with one sentence per
method on whether its fan-in grew a heavier tail (``psn.analysis.fanin``)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis.dst_cells import method_rank, ordered_cells, with_method  # noqa: E402
from psn.analysis.columns import sparsity_key  # noqa: E402
from psn.analysis.fanin import (CCV_STEP, TOP10_STEP, ccdf, fanin_summary, heavy_tail_verdict,  # noqa: E402
                                tail_direction)
from psn.masks.starts import Start, ordered_starts  # noqa: E402
from psn.render.io import Path, save_figure, to_markdown, write_csv, write_text  # noqa: E402
from psn.render.style import (MIN_WIDTH, NO_RUNS, cell_title, finish, fmt, legend_below, method_label,  # noqa: E402
                              placeholder_figure, present, start_label, start_style)

TITLE = "Fan-in CCDF at the end of training"


def _equilibrium_start(name: str) -> bool:
    """ERK, uniform and fixed-CCV lognormal starts: the ones every method trains."""
    start = Start.parse(name)
    return start.kind in ("erk", "uniform") or start.ccv is not None


def ccdf_data(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """What the figure plots: per method, cell, equilibrium start, moment and layer, each fan-in
    value ≥ 1 with the fraction of neurons at or above it (fan-in 0 has no place on log axes),
    from ``tables["fanin_counts"]``."""
    counts = tables.get("fanin_counts")
    if not present(counts):
        return pd.DataFrame()
    counts = with_method(counts)
    counts = counts[counts["start"].map(_equilibrium_start)]
    data = ccdf(counts)
    return data[data["fan_in"] >= 1].reset_index(drop=True)


def render_fanin_ccdf(tables: Mapping[str, pd.DataFrame | None], png: Path | None, pdf: Path | None) -> None:
    """One panel per method, cell and hidden layer: P(fan-in ≥ f) against f on log-log axes,
    pooled over seeds, for each equilibrium start at the end (solid) and at its start (dashed,
    thin): a heavy tail shows as a straight, slowly falling line."""
    data = ccdf_data(tables)
    if data.empty:
        return placeholder_figure(png, pdf, TITLE, NO_RUNS)
    cells = ordered_cells(data)
    n_layer = int(data["layer"].max()) + 1
    starts = ordered_starts(data["start"])
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(len(cells), n_layer, figsize=(max(3.4 * n_layer, MIN_WIDTH), 2.8 * len(cells)),
                                 squeeze=False)
        for r, cell in enumerate(cells):
            g = data[(data["method"] == cell.method) & (data["dataset"] == cell.dataset) & (data["arch"] == cell.arch)
                     & (data["epochs"] == cell.epochs)
                     & (data["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
            for layer in range(n_layer):
                ax = axes[r, layer]
                gl = g[g["layer"] == layer]
                if gl.empty:
                    ax.set_visible(False)
                    continue
                for st in [s for s in starts if s in set(gl["start"])]:
                    sty = start_style(st)
                    for when, lw, ls in (("start", 0.8, "--"), ("final", 1.3, "-")):
                        gw = gl[(gl["start"] == st) & (gl["when"] == when)]
                        if len(gw):
                            ax.step(gw["fan_in"], gw["ccdf"], where="post", color=sty["color"], lw=lw, ls=ls)
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_title(f"{method_label(cell.method)}, "
                             f"{cell_title(cell.dataset, cell.arch, cell.epochs, cell.target_sparsity)}, "
                             f"layer {layer + 1}", fontsize=7.5)
                ax.set_xlabel("fan-in f")
                ax.set_ylabel("P(fan-in ≥ f)")
        extra = [plt.Line2D([], [], color="0.3", ls="-", lw=1.3, label="end of training"),
                 plt.Line2D([], [], color="0.3", ls="--", lw=0.8, label="its start")]
        rows = legend_below(fig, starts, extra)
        finish(fig, f"{TITLE}, pooled over seeds (dashed: the starting masks)", rows)
        save_figure(fig, png, pdf)


def fanin_markdown(summary: pd.DataFrame) -> str:
    if summary.empty:
        return f"_Fan-in distributions: {NO_RUNS}._\n"
    s = summary

    def arrow(stat: str, spec: str = ".2f", scale: float = 1.0) -> list[str]:
        return [f"{fmt(scale * a, spec)} → {fmt(scale * b, spec)}"
                for a, b in zip(s[f"{stat}_start"], s[f"{stat}_final"])]

    table = pd.DataFrame({
        "method": [method_label(m) for m in s["method"]],
        "cell": [cell_title(d, a, e, t) for d, a, e, t in zip(s["dataset"], s["arch"], s["epochs"],
                                                               s["target_sparsity"])],
        "start": [start_label(x) for x in s["start"]], "layer": s["layer"] + 1, "n": s["n"],
        "fan-in CCV": arrow("ccv"), "max / mean": arrow("max_over_mean"),
        "neurons with no input": arrow("zero_fanin", ".1f"),
        "top-10% share (%)": arrow("top10_share", ".1f", 100.0),
    })
    verdicts = [heavy_tail_verdict(s, m, method_label, start_label) for m in sorted(s["method"].unique(), key=method_rank)]
    return "\n".join([
        "Fan-in distribution per method, start and hidden layer, at the start → at the end of "
        "training (mean over seeds): CCV, the largest fan-in over the mean, neurons with no input, "
        "and the share of the layer's connections held by the top 10% of neurons by fan-in (10% "
        "for a constant fan-in, more the heavier the tail). SET (Mocanu et al. 2018) reports that "
        "it evolves toward scale-free topologies; a fan-in bounded by the layer's inputs cannot be "
        "a power law, so read the CCDF figure for the shape and these numbers for the direction.\n",
        to_markdown(table), "", *[f"- {v}" for v in verdicts], ""])


def render_fanin_table(tables: Mapping[str, pd.DataFrame | None], csv: Path | None, md: Path | None) -> pd.DataFrame:
    """The fan-in shape per method, start and layer, from ``tables["fanin"]``."""
    fanin = tables.get("fanin")
    summary = fanin_summary(with_method(fanin)) if present(fanin) else pd.DataFrame()
    if len(summary):
        summary = summary.iloc[np.argsort(summary["method"].map(method_rank).to_numpy(), kind="stable")]
    if csv is not None:
        write_csv(summary, csv)
    if md is not None:
        write_text(md, fanin_markdown(summary))
    return summary


def heavy_tail_markdown(fanin: pd.DataFrame | None) -> str:
    """The report's paragraph on SET's claimed scale-free topology: per cell where SET ran, what
    its fan-in did from each equilibrium start, and RigL's beside it ("" when SET did not run)."""
    summary = fanin_summary(with_method(fanin)) if present(fanin) else pd.DataFrame()
    if summary.empty or "set" not in set(summary["method"]):
        return ""
    lines = ["SET (Mocanu et al. 2018), the method RigL grew from, is said to evolve toward scale-free "
             "topologies. Measured here per cell: the fan-in's CCV, the top 10% of neurons' share of the "
             "connections and max/mean, at the start → at the end (mean over hidden layers and seeds); "
             f"a tail counts as heavier when the CCV rises by at least {CCV_STEP} and the top-10% share by "
             f"at least {100 * TOP10_STEP:g} points.\n"]
    cells = summary[summary["method"] == "set"][["dataset", "arch", "epochs", "target_sparsity"]].drop_duplicates()
    for c in cells.itertuples(index=False):
        here = summary[(summary["dataset"] == c.dataset) & (summary["arch"] == c.arch)
                       & (summary["epochs"] == c.epochs) & (summary["target_sparsity"] == c.target_sparsity)]
        n = int(here.loc[here["method"] == "set", "n"].min())
        lines.append(f"- {cell_title(c.dataset, c.arch, c.epochs, c.target_sparsity)}, {n} seeds:")
        random = here[(here["method"] == "set") & here["start"].isin(["erk", "uniform"])]
        if len(random):
            m = random.mean(numeric_only=True)
            moves = tail_direction(m["ccv_change"], m["top10_share_change"]) == "heavier"
            lines.append(f"  - **SET's fan-in {'moves' if moves else 'does not move'} toward a heavy tail here**: "
                         f"from the random starts (ERK, uniform) its CCV goes {m['ccv_start']:.2f} → "
                         f"{m['ccv_final']:.2f} and the top 10% of neurons hold {100 * m['top10_share_start']:.1f}% → "
                         f"{100 * m['top10_share_final']:.1f}% of the connections.")
        for method in sorted(here["method"].unique(), key=method_rank, reverse=True):
            lines.append(f"  - {heavy_tail_verdict(here, method, method_label, start_label)}")
    return "\n".join(lines) + "\n"
