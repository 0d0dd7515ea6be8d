"""Figure 2 (§3.1–3.2) from the static experiments' ``models.csv``: (a) accuracy against sparsity
for Table 5's profiles (``mnist_sweep``), (b) multi-peak interpolation against k
(``multipeak``), (c) accuracy relative to dense at 90% per dataset (``cross_dataset``).

Each ``fig2*_data(tables)`` is exactly what its figure plots; ``render_fig2*`` draws it, or a
placeholder when the experiment is not in the config (rule ``render_static``,
``scripts/render_static.py``; ``psn.render.outputs``).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis import published as pub  # noqa: E402
from psn.analysis.static import multipeak_summary  # noqa: E402
from psn.analysis.tables import relative_to_dense, table5  # noqa: E402
from psn.render.io import Path, save_figure  # noqa: E402
from psn.render.style import DATASET_LABELS, placeholder_figure, present  # noqa: E402

Tables = Mapping[str, pd.DataFrame | None]


# ---- Figure 2a ------------------------------------------------------------------------------------

def fig2a_data(tables: Tables, spread: str = "even") -> pd.DataFrame:
    """Table 5's long rows (``psn.analysis.tables.table5``) that Figure 2a plots: per profile
    column and sparsity with models (every sparsity when none has), ours (mean, std over seeds)
    and the paper's; then the dense row (its mean is the dotted line). Empty without a sweep."""
    sweep = tables.get("mnist_sweep")
    if not present(sweep):
        return pd.DataFrame()
    long = table5(sweep, spread)
    sparse = long[long["column"] != "dense"]
    sparsities = sorted(set(sparse.loc[sparse["n"] > 0, "sparsity"])) or sorted(set(sparse["sparsity"]))
    return pd.concat([sparse[sparse["sparsity"].isin(sparsities)], long[long["column"] == "dense"]])


def render_fig2a(tables: Tables, png: Path | None, pdf: Path | None, spread: str = "even") -> None:
    """:func:`fig2a_data` on a categorical sparsity axis: the four Table 5 profiles and the random
    baseline, mean ± std over seeds; the paper's Table 5 values as crosses."""
    sweep = tables.get("mnist_sweep")
    if not present(sweep):
        title = "Figure 2a: accuracy vs sparsity"
        return placeholder_figure(png, pdf, title, "mnist_sweep")
    names = ", ".join(DATASET_LABELS.get(d, d) for d in sorted(set(sweep["dataset"])))
    title = f"Figure 2a: {names} accuracy vs sparsity"
    data = fig2a_data(tables, spread)
    long = data[data["column"] != "dense"]
    sparsities = sorted(set(long["sparsity"]))
    xpos = {s: i for i, s in enumerate(sparsities)}
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        colors = sns.color_palette("tab10", len(pub.TABLE5_COLUMNS))
        for j, (col, c) in enumerate(zip(pub.TABLE5_COLUMNS, colors)):
            g = long[long["column"] == col].sort_values("sparsity")
            x = np.array([xpos[s] for s in g["sparsity"]]) + (j - 2) * 0.06
            label = f"{col} ({spread})" if col != "random" else "random baseline"
            ax.errorbar(x, g["mean"], yerr=g["std"].fillna(0), color=c, marker="o", ms=4, lw=1.2,
                        capsize=2, label=label, ls="-" if col != "random" else "--")
            ax.scatter(x, g["paper"], color=c, marker="x", s=18, zorder=3)
        dense = data[data["column"] == "dense"].iloc[0]
        if np.isfinite(dense["mean"]):
            ax.axhline(dense["mean"], color="k", lw=0.8, ls=":", label=f"dense ({dense['mean']:.2f})")
        ax.scatter([], [], color="0.3", marker="x", label="paper (Table 5)")
        ax.set_xticks(range(len(sparsities)), [f"{100 * s:g}%" for s in sparsities])
        ax.set(title=title, xlabel="sparsity", ylabel="test accuracy (%)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, png, pdf)


# ---- Figure 2b ------------------------------------------------------------------------------------

def fig2b_data(tables: Tables) -> pd.DataFrame:
    """Per β and k (``multipeak_summary``): accuracy, realised fan-in CCV and realised sparsity,
    mean and std over seeds; Figure 2b's three panels. Empty without the multipeak experiment."""
    mp = tables.get("multipeak")
    return multipeak_summary(mp) if present(mp) else pd.DataFrame()


def render_fig2b(tables: Tables, png: Path | None, pdf: Path | None) -> None:
    """:func:`fig2b_data`: accuracy, realised fan-in CCV and realised sparsity against k, one
    line per β (clamping at n lifts the sparsity above its target where the peaks are narrow)."""
    title = "Figure 2b: multi-peak interpolation"
    mp = tables.get("multipeak")
    if not present(mp):
        return placeholder_figure(png, pdf, title, "multipeak")
    names = ", ".join(DATASET_LABELS.get(d, d) for d in sorted(set(mp["dataset"])))
    title = f"Figure 2b: multi-peak interpolation ({names})"
    s = fig2b_data(tables)
    betas = sorted(s["beta"].dropna().unique())
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(12, 3.6))
        for beta, c in zip(betas, sns.color_palette("viridis", len(betas))):
            g = s[s["beta"] == beta].sort_values("k")
            a1.errorbar(g["k"], g["final_acc_mean"], yerr=g["final_acc_std"].fillna(0), color=c, marker="o",
                        ms=3, lw=1, capsize=2, label=f"β={beta:g}")
            a2.errorbar(g["k"], g["fan_in_cv_mean"], yerr=g["fan_in_cv_std"].fillna(0), color=c, marker="o",
                        ms=3, lw=1, capsize=2, label=f"β={beta:g}")
            a3.plot(g["k"], 100 * g["sparsity_mean"], color=c, marker="o", ms=3, lw=1, label=f"β={beta:g}")
        for target in sorted(set(mp["target_sparsity"].dropna())):
            a3.axhline(100 * float(target), color="k", lw=0.8, ls=":", label=f"target {100 * float(target):g}%")
        if set(mp["dataset"]) == {"mnist"}:  # the paper's reference lines are MNIST's
            ref = pub.MULTIPEAK
            a1.axhline(ref["dense_baseline"]["value"], color="k", lw=0.8, ls=":", label="paper dense 97.81")
            a1.axhline(ref["random_baseline"]["value"], color="0.5", lw=0.8, ls="--", label="paper random 97.84")
        a1.set(xscale="log", xlabel="peak count k", ylabel="test accuracy (%)", title="(b) accuracy vs k")
        a2.set(xscale="log", xlabel="peak count k", ylabel="realised fan-in CCV", title="fan-in CCV vs k")
        a3.set(xscale="log", xlabel="peak count k", ylabel="realised sparsity (%)", title="sparsity vs k")
        ks = [k for k in (1, 2, 5, 10, 20, 50) if k <= s["k"].max()]
        for ax in (a1, a2, a3):
            ax.set_xticks(ks, [str(k) for k in ks])
            ax.minorticks_off()
            ax.legend(fontsize=7)
        fig.suptitle(title)
        fig.tight_layout()
        save_figure(fig, png, pdf)


# ---- Figure 2c ------------------------------------------------------------------------------------

def fig2c_data(tables: Tables, sparsity: float = 0.9) -> pd.DataFrame:
    """Per dataset and profile (``relative_to_dense``): accuracy − dense at ``sparsity``, ours
    (``rel`` ± ``std``) and the paper's Table 6 (``paper_rel``). Empty without cross_dataset."""
    cross = tables.get("cross_dataset")
    rel = relative_to_dense(cross, sparsity) if present(cross) else None
    return pd.DataFrame() if rel is None else rel


def render_fig2c(tables: Tables, png: Path | None, pdf: Path | None, sparsity: float = 0.9) -> None:
    """:func:`fig2c_data` per dataset, one marker per profile (filled: ours ± std; hollow: the
    paper's Table 6)."""
    title = f"Figure 2c: accuracy relative to dense at {sparsity:.0%}"
    rel = fig2c_data(tables, sparsity)
    if rel.empty:
        return placeholder_figure(png, pdf, title, "cross_dataset")
    datasets = list(dict.fromkeys(rel["dataset"]))
    labels = list(dict.fromkeys(rel["label"] + np.where(rel["spread"] == "random", "", " (" + rel["spread"] + ")")))
    rel = rel.assign(key=rel["label"] + np.where(rel["spread"] == "random", "", " (" + rel["spread"] + ")"))
    markers = "osD^v<>ph*XP"
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        colors = sns.color_palette("tab10", len(labels))
        width = 0.7
        for j, (lab, c) in enumerate(zip(labels, colors)):
            g = rel[rel["key"] == lab]
            off = (j - (len(labels) - 1) / 2) * width / max(len(labels), 1)
            x = np.array([datasets.index(d) for d in g["dataset"]]) + off
            ax.errorbar(x, g["rel"], yerr=g["std"].fillna(0), fmt=markers[j % len(markers)], color=c,
                        ms=5, capsize=2, label=lab)
            ax.scatter(x, g["paper_rel"], facecolors="none", edgecolors=c, marker=markers[j % len(markers)], s=30)
        ax.axhline(0, color="k", lw=0.8)
        for y in (-0.5, 0.5):
            ax.axhline(y, color="0.5", lw=0.6, ls="--")
        ax.scatter([], [], facecolors="none", edgecolors="0.3", label="paper (Table 6)")
        ax.set_xticks(range(len(datasets)), [DATASET_LABELS.get(d, d) for d in datasets])
        ax.set(title=title, ylabel="accuracy − dense (%)")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        save_figure(fig, png, pdf)
