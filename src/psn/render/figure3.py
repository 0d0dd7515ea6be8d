"""Figure 3 (§3.3): RigL's final test accuracy against sparsity, one line per start, one panel per
dataset, architecture and epochs; static random masks dashed gray; the paper's Forest Cover ERK
and static accuracies (90%) as crosses.

:func:`figure3_data` is exactly what is plotted; :func:`render_figure3` draws it (rule
``render_dst``, ``scripts/render_dst.py``; ``psn.render.outputs`` lists both).
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
from psn.analysis.dst_cells import PAPER_METHOD, common_seeds, of_method, ordered_cells  # noqa: E402
from psn.analysis.published import RIGL_FOREST  # noqa: E402
from psn.analysis.stats import summarise  # noqa: E402
from psn.masks.starts import ordered_starts  # noqa: E402
from psn.render.io import Path, save_figure  # noqa: E402
from psn.render.style import (NO_RUNS, dataset_label, epochs_text, finish, grid, legend_below,  # noqa: E402
                              placeholder_figure, present, start_style)

TITLE = "Figure 3: RigL accuracy vs sparsity by start"
PANEL = ["dataset", "arch", "epochs"]
COLUMNS = [*PANEL, "target_sparsity", "start", "n", "n_diverged", "final_acc_mean", "final_acc_std"]


def figure3_data(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """One row per point: RigL's models (``tables["models"]``) over the seeds every start of the
    cell has, per panel, sparsity and start, the finished models' count ``n`` and the mean and
    sd (ddof 1) of their final test accuracy (%); empty without RigL runs."""
    models = of_method(tables.get("models"), PAPER_METHOD)
    if not present(models):
        return pd.DataFrame(columns=COLUMNS)
    return summarise(common_seeds(models), [*PANEL, "target_sparsity", "start"], ["final_acc"])


def render_figure3(tables: Mapping[str, pd.DataFrame | None], png: Path | None, pdf: Path | None) -> None:
    """Draw :func:`figure3_data`: a categorical sparsity axis (one sparsity works too), the starts
    side by side at each, error bars ± sd."""
    s = figure3_data(tables)
    if s.empty:
        return placeholder_figure(png, pdf, TITLE, NO_RUNS)
    panels = ordered_cells(s, PANEL)
    starts = ordered_starts(s["start"])
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = grid(len(panels), 2, 5.2, 3.6)
        for n, (ax, p) in enumerate(zip(axes, panels)):
            g = s[(s["dataset"] == p.dataset) & (s["arch"] == p.arch) & (s["epochs"] == p.epochs)]
            sparsities = sorted(g["target_sparsity"].map(sparsity_key).unique())
            xpos = {v: i for i, v in enumerate(sparsities)}
            here = [st for st in starts if st in set(g["start"])]
            width = 0.5 / max(len(here), 1)
            shift = {st: (j - (len(here) - 1) / 2) * width for j, st in enumerate(here)}
            for st in here:
                gs = g[g["start"] == st].sort_values("target_sparsity")
                x = np.array([xpos[sparsity_key(v)] for v in gs["target_sparsity"]]) + shift[st]
                sty = start_style(st)
                ax.errorbar(x, gs["final_acc_mean"], yerr=gs["final_acc_std"].fillna(0), color=sty["color"],
                            ls=sty["ls"], marker=sty["marker"], ms=4, lw=1.1, capsize=2)
            if p.dataset == "forest_cover" and 0.9 in xpos:
                for st in ("erk", "static"):
                    ax.scatter([xpos[0.9] + shift.get(st, 0.0)], [RIGL_FOREST[st]["value"]], marker="x", s=30,
                               color=start_style(st)["color"], zorder=4)
            ax.set_xticks(range(len(sparsities)), [f"{100 * v:g}%" for v in sparsities])
            ax.set_xlim(-0.5, len(sparsities) - 0.5)
            nseeds = int(g["n"].max()) if len(g) else 0
            ax.set(xlabel="sparsity", ylabel="test accuracy (%)",
                   title=f"({chr(97 + n)}) {dataset_label(p.dataset)} {p.arch}, {epochs_text(p.epochs)}, "
                         f"{nseeds} seeds")
        extra = []
        if any(p.dataset == "forest_cover" for p in panels):
            extra.append(plt.Line2D([], [], marker="x", ls="", color="0.3", label="paper §3.3 (Forest, 90%)"))
        rows = legend_below(fig, starts, extra)
        finish(fig, TITLE + " (mean ± sd over seeds)", rows)
        save_figure(fig, png, pdf)
