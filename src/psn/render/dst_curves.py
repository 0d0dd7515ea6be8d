"""The dynamic stage's figures over training time: the training curves (RigL's: mean test accuracy
per epoch by start, each start − ERK below, the crossover marked) and the fan-in CCV trajectories
(every method: CCV against optimizer step per start and hidden layer, beside the equilibrium).

:func:`curves_data` and :func:`trajectories_data` are exactly what is plotted; the render
functions draw them (rule ``render_dst``, ``scripts/render_dst.py``; ``psn.render.outputs``).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis.columns import sparsity_key  # noqa: E402
from psn.analysis.dst_cells import (BASELINE, CELL_KEYS, EQUIL, PAPER_METHOD, common_seeds, of_method,  # noqa: E402
                                    ordered_cells, with_method)
from psn.analysis.dst_gaps import crossover_epoch  # noqa: E402
from psn.analysis.published import RIGL_CROSSOVER_EPOCH  # noqa: E402
from psn.analysis.stats import diverged_mask  # noqa: E402
from psn.masks.starts import ordered_starts  # noqa: E402
from psn.render.io import Path, save_figure  # noqa: E402
from psn.render.style import (MIN_WIDTH, NO_RUNS, cell_title, finish, legend_below, method_label,  # noqa: E402
                              placeholder_figure, present, start_label, start_style)


# ---- training curves ------------------------------------------------------------------------------

def _finished_curves(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame | None:
    """RigL's curves over the seeds every start of the cell has, diverged models left out."""
    curves = of_method(tables.get("curves"), PAPER_METHOD)
    if not present(curves):
        return None
    c = common_seeds(curves)
    return c[~diverged_mask(c)]


def curves_data(tables: Mapping[str, pd.DataFrame | None], b: str = BASELINE) -> pd.DataFrame:
    """One row per cell, start and epoch: the mean test accuracy (%) over the finished models of
    the common seeds, and the start's minus ``b``'s at that epoch (``minus_baseline``; NaN for
    ``b`` itself, or where ``b`` has no such epoch)."""
    c = _finished_curves(tables)
    cols = [*CELL_KEYS, "start", "epoch", "test_acc", "minus_baseline"]
    if c is None:
        return pd.DataFrame(columns=cols)
    rows = []
    for cell in ordered_cells(c):
        g = c[(c["dataset"] == cell.dataset) & (c["arch"] == cell.arch) & (c["epochs"] == cell.epochs)
              & (c["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
        mean = g.groupby(["start", "epoch"])["test_acc"].mean()
        base = mean.loc[b] if b in mean.index.get_level_values(0) else None
        for st in ordered_starts(g["start"]):
            ms = mean.loc[st]
            d = (ms - base) if base is not None and st != b else pd.Series(np.nan, index=ms.index)
            rows.append(pd.DataFrame({**cell._asdict(), "start": st, "epoch": ms.index, "test_acc": ms.values,
                                      "minus_baseline": d.reindex(ms.index).values}))
    return pd.concat(rows, ignore_index=True)[cols]


def render_curves(tables: Mapping[str, pd.DataFrame | None], png: Path | None, pdf: Path | None,
                  a: str = EQUIL, b: str = BASELINE) -> None:
    """Per cell: (top) :func:`curves_data`'s mean test accuracy per epoch by start; (bottom) each
    start − ERK. The first epoch from which LN (equil.) stays ≥ ERK is marked, and the paper's
    epochs 10–12 shaded where the run is that long."""
    title = "RigL training curves"
    c = _finished_curves(tables)
    if c is None:
        return placeholder_figure(png, pdf, title, NO_RUNS)
    data = curves_data(tables, b)
    cross = crossover_epoch(c, a, b)
    cells = ordered_cells(c)
    starts = ordered_starts(c["start"])
    ncols = max(1, min(4, len(cells)))
    nrows = -(-len(cells) // ncols)
    lo, hi = RIGL_CROSSOVER_EPOCH["value"]
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig = plt.figure(figsize=(max(4.2 * ncols, MIN_WIDTH), 4.6 * nrows))
        outer = fig.add_gridspec(nrows, ncols)
        for n, cell in enumerate(cells):
            inner = outer[n // ncols, n % ncols].subgridspec(2, 1, height_ratios=(2, 1), hspace=0.08)
            top = fig.add_subplot(inner[0])
            bot = fig.add_subplot(inner[1], sharex=top)
            g = data[(data["dataset"] == cell.dataset) & (data["arch"] == cell.arch) & (data["epochs"] == cell.epochs)
                     & (data["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
            for st in [s for s in starts if s in set(g["start"])]:
                sty = start_style(st)
                ms = g[g["start"] == st]
                top.plot(ms["epoch"].to_numpy(), ms["test_acc"].to_numpy(), color=sty["color"], ls=sty["ls"],
                         marker=sty["marker"], ms=3, lw=1.1)
                if st != b and b in set(g["start"]):
                    d = ms[ms["minus_baseline"].notna()]
                    bot.plot(d["epoch"].to_numpy(), d["minus_baseline"].to_numpy(), color=sty["color"],
                             ls=sty["ls"], marker=sty["marker"], ms=3, lw=1.1)
            bot.axhline(0, color=start_style(b)["color"], lw=0.9)
            last = int(g["epoch"].max())
            if last >= lo:
                for ax in (top, bot):
                    ax.axvspan(lo - 0.5, hi + 0.5, color="0.85", zorder=0)
            row = cross[(cross["dataset"] == cell.dataset) & (cross["arch"] == cell.arch)
                        & (cross["epochs"] == cell.epochs)
                        & (cross["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
            if len(row):
                e = row.iloc[0]["crossover_epoch"]
                if e is None or (isinstance(e, float) and not np.isfinite(e)):
                    note = f"{start_label(a)} ends below {start_label(b)}"
                else:
                    note = (f"{start_label(a)} ≥ {start_label(b)} from epoch {int(e)}"
                            if row.iloc[0]["a_starts_below"] or int(e) > 1 else
                            f"{start_label(a)} ≥ {start_label(b)} throughout")
                    for ax in (top, bot):
                        ax.axvline(int(e), color=start_style(a)["color"], lw=0.9, ls=":")
                top.text(0.98, 0.04, note, transform=top.transAxes, fontsize=6.5, ha="right", va="bottom",
                         bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
            top.set_title(cell_title(cell.dataset, cell.arch, cell.epochs, cell.target_sparsity), fontsize=8)
            top.set_ylabel("test accuracy (%)")
            bot.set_ylabel(f"− {start_label(b)} (pp)")
            bot.set_xlabel("epoch")
            ticks = range(1, last + 1) if last <= 12 else range(0, last + 1, 5 if last <= 30 else 10)
            bot.set_xticks(list(ticks))
            bot.set_xlim(0.5, last + 0.5)
            plt.setp(top.get_xticklabels(), visible=False)
        extra = [plt.Line2D([], [], color=start_style(a)["color"], ls=":", label="crossover (ours)")]
        if c["epoch"].max() >= lo:
            extra.append(plt.Rectangle((0, 0), 1, 1, color="0.85", label=f"paper crossover, epochs {lo}–{hi}"))
        rows = legend_below(fig, starts, extra)
        finish(fig, f"{title}: mean test accuracy over seeds; below, each start − {start_label(b)}", rows)
        save_figure(fig, png, pdf)


# ---- CCV trajectories -------------------------------------------------------------------------------

def trajectories_data(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """One row per cell, start, hidden layer and record: the mean over seeds of the optimizer step
    ``t``, the fan-in CCV and ``t_end`` (every method; ``tables["trajectories"]``)."""
    traj = with_method(tables.get("trajectories"))
    if not present(traj):
        return pd.DataFrame(columns=[*CELL_KEYS, "start", "layer", "record", "t", "ccv", "t_end"])
    return traj.groupby([*CELL_KEYS, "start", "layer", "record"], sort=True).agg(
        t=("t", "mean"), ccv=("fanin_ccv", "mean"), t_end=("t_end", "mean")).reset_index()


def _equilibrium_row(eq: pd.DataFrame | None, cell) -> pd.Series | None:
    if not present(eq):
        return None
    hit = eq[(eq["method"] == cell.method) & (eq["dataset"] == cell.dataset) & (eq["arch"] == cell.arch)
             & (eq["epochs"] == cell.epochs)
             & (eq["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
    return hit.iloc[0] if len(hit) else None


def render_trajectories(tables: Mapping[str, pd.DataFrame | None], png: Path | None, pdf: Path | None) -> None:
    """:func:`trajectories_data`: fan-in CCV vs optimizer step t per start, one panel per cell and
    hidden layer, with the layer's equilibrium (black dashed; ``tables["equilibrium"]``), the
    paper's Table 4 value (gray dotted), ½·T_end (where convergence is judged) and T_end (the
    last update)."""
    title = "Fan-in CCV trajectories"
    traj, eq = with_method(tables.get("trajectories")), with_method(tables.get("equilibrium"))
    if not present(traj):
        return placeholder_figure(png, pdf, title, NO_RUNS)
    cells = ordered_cells(traj)
    n_layer = int(traj["layer"].max()) + 1
    starts = ordered_starts(traj["start"])
    mean = trajectories_data(tables)
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(len(cells), n_layer, figsize=(max(3.6 * n_layer, MIN_WIDTH), 2.8 * len(cells)),
                                 squeeze=False)
        for r, cell in enumerate(cells):
            sel = ((mean["method"] == cell.method) & (mean["dataset"] == cell.dataset) & (mean["arch"] == cell.arch)
                   & (mean["epochs"] == cell.epochs)
                   & (mean["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity)))
            g = mean[sel]
            e = _equilibrium_row(eq, cell)
            layers = sorted(g["layer"].unique())
            for layer in range(n_layer):
                ax = axes[r, layer]
                if layer not in layers:
                    ax.set_visible(False)
                    continue
                gl = g[g["layer"] == layer]
                for st in [s for s in starts if s in set(gl["start"])]:
                    sty = start_style(st)
                    gs = gl[gl["start"] == st]
                    ax.plot(gs["t"], gs["ccv"], color=sty["color"], ls=sty["ls"], lw=1.1,
                            marker=sty["marker"] if len(gs) <= 25 else None, ms=2.5)  # markers only when sparse
                if e is not None and f"ccv_l{layer}" in e and np.isfinite(e[f"ccv_l{layer}"]):
                    ax.axhline(e[f"ccv_l{layer}"], color="k", ls="--", lw=0.9)
                if e is not None and np.isfinite(e.get("paper", np.nan)):
                    ax.axhline(e["paper"], color="0.5", ls=":", lw=1.0)
                t_end = gl["t_end"].mean()
                if np.isfinite(t_end):
                    ax.axvline(0.5 * t_end, color="0.6", lw=0.7, ls="-.")
                    ax.axvline(t_end, color="0.3", lw=0.7, ls="-.")
                ax.set_title(f"{method_label(cell.method)}, "
                             f"{cell_title(cell.dataset, cell.arch, cell.epochs, cell.target_sparsity)}, "
                             f"layer {layer + 1}", fontsize=7.5)
                ax.set_xlabel("optimizer step t")
                ax.set_ylabel("fan-in CCV")
        extra = [plt.Line2D([], [], color="k", ls="--", label="equilibrium (this layer)"),
                 plt.Line2D([], [], color="0.5", ls=":", label="paper Table 4"),
                 plt.Line2D([], [], color="0.6", ls="-.", label="½·T_end, T_end")]
        rows = legend_below(fig, starts, extra)
        finish(fig, f"{title}: mean over seeds per start", rows)
        save_figure(fig, png, pdf)
