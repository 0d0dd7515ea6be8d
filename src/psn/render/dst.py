"""The dynamic sparse training stage's figures and tables, from the tables
``scripts/dst_tables.py`` writes (models, curves, trajectories, equilibrium, fan-in; see
``psn.analysis.rigl`` and ``psn.analysis.fanin``): Figure 3 and the training curves (RigL's, as
the paper's), the CCV trajectories and Table 4 (every method), the gaps to ERK (every method, the
paper's beside RigL's), the starts table (RigL's), and the fan-in distributions
(``psn.render.fanin``).

Figure 3 and the curves compare starts over the seeds every start of a cell has (the
confirmation's extra seeds enter the gaps table only). Error bars are the sd over seeds (ddof=1).
PNG and PDF carry no timestamp or software version; every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis import rigl as ar  # noqa: E402
from psn.analysis.columns import sparsity_key  # noqa: E402
from psn.analysis.published import RIGL_CROSSOVER_EPOCH, RIGL_FOREST  # noqa: E402
from psn.analysis.stats import diverged_mask, summarise  # noqa: E402
from psn.masks.starts import Start  # noqa: E402
from psn.render.io import Path, save_figure, to_markdown, write_csv, write_text  # noqa: E402
from psn.render.static import DATASET_LABELS, placeholder_figure  # noqa: E402

OUTPUTS = ("fig3_png", "fig3_pdf", "curves_png", "curves_pdf", "trajectories_png", "trajectories_pdf",
           "fanin_ccdf_png", "fanin_ccdf_pdf", "table4_csv", "table4_md", "gaps_csv", "gaps_md",
           "erk_forest_csv", "erk_forest_md", "fanin_csv", "fanin_md")
TABLES = ("models", "curves", "trajectories", "equilibrium", "fanin", "fanin_counts")
NO_RUNS = "no RigL runs"
MIN_WIDTH = 7.5  # inches: room for the title and the shared legend of a one-panel figure


# ---- names and styles ---------------------------------------------------------------------------

def start_label(start: str) -> str:
    """A start's label (``Start.label``: 'ln-equil' -> 'LN (equil.)'); a bare mask kind as itself."""
    try:
        return Start.parse(start).label
    except ValueError:
        return {"lognormal": "Lognormal"}.get(start, start)


def method_label(method: str) -> str:
    return {"rigl": "RigL", "set": "SET"}.get(method, method)


def start_style(start: str) -> dict:
    """A start's colour, line and marker, the same in every figure: LN (equil.) family blue,
    LN (paper) purple, other lognormals teal, ERK red, uniform green, static dashed gray."""
    if start == "static":
        return dict(color="0.45", ls="--", marker="s")
    if start == ar.EQUIL:
        return dict(color="#1f4e9c", ls="-", marker="o")
    if start.startswith(ar.EQUIL):
        light = start[len(ar.EQUIL):].startswith("-")
        return dict(color="#7fa7e0" if light else "#0b1f4d", ls="-", marker="v" if light else "^")
    fixed = {ar.PAPER_START: dict(color="#7b3294", ls="-", marker="D"),
             "erk": dict(color="#d7301f", ls="-", marker="o"),
             "uniform": dict(color="#1a9850", ls="-", marker="P")}
    return fixed.get(start, dict(color="#35978f", ls="-", marker="X"))


def dataset_label(dataset: str) -> str:
    return DATASET_LABELS.get(dataset, dataset)


def _epochs_txt(e) -> str:
    return f"{int(e)} epoch{'s' if int(e) != 1 else ''}"


def cell_title(dataset: str, arch: str, epochs, sparsity: float | None = None) -> str:
    s = f", {100 * sparsity:g}%" if sparsity is not None else ""
    return f"{dataset_label(dataset)} {arch}, {_epochs_txt(epochs)}{s}"


def _fmt(v, spec: str = ".2f") -> str:
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return format(v, spec)
    return str(v)


def _present(df: pd.DataFrame | None) -> bool:
    return df is not None and len(df) > 0


def _grid(n: int, ncols: int, width: float, height: float):
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(width * ncols, MIN_WIDTH), height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


LEGEND_COLUMNS = 5


def _legend_below(fig, starts, extra: list | None = None) -> int:
    """One legend for the figure, below the panels; returns its number of rows."""
    handles = [plt.Line2D([], [], marker=start_style(s)["marker"], ls=start_style(s)["ls"],
                          color=start_style(s)["color"], ms=5, label=start_label(s)) for s in starts]
    handles += extra or []
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), LEGEND_COLUMNS), fontsize=7,
               frameon=False)
    return -(-len(handles) // LEGEND_COLUMNS)


def _finish(fig, title: str, legend_rows: int) -> None:
    """Title on top and the panels between it and the legend, margins fixed in inches so tall
    and one-panel figures alike leave neither overlap nor empty bands."""
    height = fig.get_figheight()
    fig.suptitle(title, fontsize=10, y=1 - 0.12 / height, va="top")
    fig.tight_layout(rect=(0, (0.15 + 0.17 * legend_rows) / height, 1, 1 - 0.4 / height))


# ---- Figure 3: accuracy vs sparsity --------------------------------------------------------------

def render_fig3(models: pd.DataFrame | None, png: Path | None, pdf: Path | None) -> None:
    """Final test accuracy vs sparsity per start, one panel per dataset (and architecture,
    epochs); categorical sparsity axis, so one sparsity works too; static dashed gray; the
    paper's Forest Cover ERK and static accuracies (§3.3, 90%) as crosses."""
    title = "Figure 3: RigL accuracy vs sparsity by start"
    models = ar.of_method(models, ar.PAPER_METHOD)
    if not _present(models):
        return placeholder_figure(png, pdf, title, NO_RUNS)
    m = ar.common_seeds(models)
    s = summarise(m, ["dataset", "arch", "epochs", "target_sparsity", "start"], ["final_acc"])
    panels = ar.ordered_cells(s, ["dataset", "arch", "epochs"])
    starts = ar.ordered_starts(s["start"])
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = _grid(len(panels), 2, 5.2, 3.6)
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
                   title=f"({chr(97 + n)}) {dataset_label(p.dataset)} {p.arch}, {_epochs_txt(p.epochs)}, "
                         f"{nseeds} seeds")
        extra = []
        if any(p.dataset == "forest_cover" for p in panels):
            extra.append(plt.Line2D([], [], marker="x", ls="", color="0.3", label="paper §3.3 (Forest, 90%)"))
        rows = _legend_below(fig, starts, extra)
        _finish(fig, title + " (mean ± sd over seeds)", rows)
        save_figure(fig, png, pdf)


# ---- training curves ------------------------------------------------------------------------------

def render_curves(curves: pd.DataFrame | None, png: Path | None, pdf: Path | None,
                  a: str = ar.EQUIL, b: str = ar.BASELINE) -> None:
    """Per cell: (top) mean test accuracy per epoch by start; (bottom) each start − ERK. The
    first epoch from which LN (equil.) stays ≥ ERK is marked, and the paper's epochs 10–12
    shaded where the run is that long."""
    title = "RigL training curves"
    curves = ar.of_method(curves, ar.PAPER_METHOD)
    if not _present(curves):
        return placeholder_figure(png, pdf, title, NO_RUNS)
    c = ar.common_seeds(curves)
    c = c[~diverged_mask(c)]
    cross = ar.crossover_epoch(c, a, b)
    cells = ar.ordered_cells(c)
    starts = ar.ordered_starts(c["start"])
    ncols = max(1, min(4, len(cells)))
    nrows = -(-len(cells) // ncols)
    lo, hi = RIGL_CROSSOVER_EPOCH["value"]
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig = plt.figure(figsize=(max(4.2 * ncols, MIN_WIDTH), 4.6 * nrows))
        outer = fig.add_gridspec(nrows, ncols)
        for n, cell in enumerate(cells):
            inner = outer[n // ncols, n % ncols].subgridspec(2, 1, height_ratios=(2, 1), hspace=0.08)
            top, bot = fig.add_subplot(inner[0]), None
            bot = fig.add_subplot(inner[1], sharex=top)
            g = c[(c["dataset"] == cell.dataset) & (c["arch"] == cell.arch) & (c["epochs"] == cell.epochs)
                  & (c["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
            mean = g.groupby(["start", "epoch"])["test_acc"].mean()
            base = mean.loc[b] if b in mean.index.get_level_values(0) else None
            for st in [s for s in starts if s in set(g["start"])]:
                sty = start_style(st)
                ms = mean.loc[st]
                top.plot(ms.index, ms.values, color=sty["color"], ls=sty["ls"], marker=sty["marker"], ms=3, lw=1.1)
                if base is not None and st != b:
                    d = (ms - base).dropna()
                    bot.plot(d.index, d.values, color=sty["color"], ls=sty["ls"], marker=sty["marker"], ms=3, lw=1.1)
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
        rows = _legend_below(fig, starts, extra)
        _finish(fig, f"{title}: mean test accuracy over seeds; below, each start − {start_label(b)}", rows)
        save_figure(fig, png, pdf)


# ---- CCV trajectories -------------------------------------------------------------------------------

def render_trajectories(traj: pd.DataFrame | None, eq: pd.DataFrame | None, png: Path | None,
                        pdf: Path | None) -> None:
    """Fan-in CCV vs optimizer step t per start (mean over seeds), one panel per cell and hidden
    layer, with the layer's equilibrium (black dashed), the paper's Table 4 value (gray
    dotted), ½·T_end (where convergence is judged) and T_end (the last update)."""
    title = "Fan-in CCV trajectories"
    traj, eq = ar.with_method(traj), ar.with_method(eq)
    if not _present(traj):
        return placeholder_figure(png, pdf, title, NO_RUNS)
    cells = ar.ordered_cells(traj)
    n_layer = int(traj["layer"].max()) + 1
    starts = ar.ordered_starts(traj["start"])
    mean = traj.groupby([*ar.CELL_KEYS, "start", "layer", "record"], sort=True).agg(
        t=("t", "mean"), ccv=("fanin_ccv", "mean"), t_end=("t_end", "mean")).reset_index()
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(len(cells), n_layer, figsize=(max(3.6 * n_layer, MIN_WIDTH), 2.8 * len(cells)),
                                 squeeze=False)
        for r, cell in enumerate(cells):
            sel = ((mean["method"] == cell.method) & (mean["dataset"] == cell.dataset) & (mean["arch"] == cell.arch)
                   & (mean["epochs"] == cell.epochs)
                   & (mean["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity)))
            g = mean[sel]
            e = None
            if _present(eq):
                hit = eq[(eq["method"] == cell.method) & (eq["dataset"] == cell.dataset) & (eq["arch"] == cell.arch)
                         & (eq["epochs"] == cell.epochs)
                         & (eq["target_sparsity"].map(sparsity_key) == sparsity_key(cell.target_sparsity))]
                e = hit.iloc[0] if len(hit) else None
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
        rows = _legend_below(fig, starts, extra)
        _finish(fig, f"{title}: mean over seeds per start", rows)
        save_figure(fig, png, pdf)


# ---- Table 4 -----------------------------------------------------------------------------------------

def table4_markdown(eq: pd.DataFrame) -> str:
    eq = ar.with_method(eq)
    wide = ar.table4(eq)
    sparsities = [c[len("paper "):] for c in wide.columns if c.startswith("paper ")]
    head = pd.DataFrame({"Dataset": [dataset_label(d) for d in wide["dataset"]],
                         "method": [method_label(m) for m in wide["method"]], "arch": wide["arch"],
                         "epochs": [_fmt(e) for e in wide["epochs"]]})
    mean_t, layer_t = head.copy(), head.copy()
    for s in sparsities:
        mean_t[s] = [f"{_fmt(o) or '–'} ({_fmt(p)})" for o, p in zip(wide[f"ours {s}"], wide[f"paper {s}"])]
        layer_t[s] = [o or "–" for o in wide[f"ours per layer {s}"]]
    out = ["Table 4: equilibrium fan-in CCV reached by each method; ours (paper's RigL). Ours is the mean over "
           "hidden layers of each layer's final CCV, averaged over seeds and then over the "
           "equilibrium starts; the paper does not say whether it prints that mean or one layer "
           "(per layer below).\n", to_markdown(mean_t), "\nPer hidden layer (layer 1 / layer 2 ...):\n",
           to_markdown(layer_t)]
    if len(eq):
        n = ar.n_layers(eq, "ccv_l")

        def per_layer(prefix: str, spec: str = ".2f") -> list[str]:
            return [" / ".join(_fmt(v, spec) for v in ar.layer_values(r, prefix, n)) for _, r in eq.iterrows()]

        detail = pd.DataFrame({
            "Dataset": [dataset_label(d) for d in eq["dataset"]],
            "method": [method_label(m) for m in eq["method"]], "arch": eq["arch"],
            "epochs": eq["epochs"].astype(int), "sparsity": [f"{100 * s:g}%" for s in eq["target_sparsity"]],
            "starts": eq["starts"], "seeds": eq["n_seeds"],
            "per layer": per_layer("ccv_l"),
            "mean": eq["ccv_mean"], "paper": eq["paper"], "ours − paper": eq["ours_minus_paper"],
            "spread ½T_end": eq["spread_half_max"], "converged": eq["converged"],
            "density": per_layer("density_l", ".3f"), "bound √(1/d−1)": per_layer("bound_l"),
            "ours/bound": eq["over_bound_mean"], "paper/bound": eq["paper_over_bound"]})
        out += ["\nEach cell: the starts that measure it, the spread of their CCV (max over layers) at "
                "½·T_end, whether it is within the tolerance there (converged), the realised density "
                "per layer, the CCV bound √(1/d − 1) and the CCV over it (ours: mean over layers; "
                "the paper's: at its target density).\n", to_markdown(detail)]
    pb = ar.paper_bound_ratios()
    img = pb[pb["dataset"] != "forest_cover"]["paper_over_bound"]
    forest = pb[pb["dataset"] == "forest_cover"]["paper_over_bound"]
    out.append(f"\nThe paper's 784-input values sit at {img.min():.2f}–{img.max():.2f} of the bound "
               f"√(1/d − 1) at d = 1 − sparsity; Forest Cover's at {forest.min():.2f}–{forest.max():.2f}.\n")
    return "\n".join(out)


def render_table4(eq: pd.DataFrame | None, csv: Path | None, md: Path | None) -> None:
    eq = eq if eq is not None else pd.DataFrame()
    if csv is not None:
        write_csv(ar.table4(eq), csv)
    if md is not None:
        write_text(md, table4_markdown(eq))


# ---- gaps and the crossover ------------------------------------------------------------------------

def gaps_markdown(table: pd.DataFrame, cross: pd.DataFrame, confirmation: Mapping | None = None) -> str:
    if table.empty:
        return f"_RigL gaps: {NO_RUNS} with an ERK start._\n"
    t = table
    out = pd.DataFrame({
        "Dataset": [dataset_label(d) for d in t["dataset"]], "method": [method_label(m) for m in t["method"]],
        "arch": t["arch"], "epochs": t["epochs"],
        "sparsity": [f"{100 * s:g}%" for s in t["target_sparsity"]],
        "start": [start_label(a) for a in t["a"]], "seeds": t["seeds"],
        "n": [f"{a}/{b}" for a, b in zip(t["n_a"], t["n_b"])],
        "start acc": [f"{_fmt(m)} ± {_fmt(s)}" for m, s in zip(t["mean_a"], t["sd_a"])],
        "ERK acc": [f"{_fmt(m)} ± {_fmt(s)}" for m, s in zip(t["mean_b"], t["sd_b"])],
        "diff (pp)": [_fmt(v, "+.2f") for v in t["diff"]], "t": [_fmt(v) for v in t["t"]],
        "p": [_fmt(v, ".3g") for v in t["p"]], "d (ddof 0)": [_fmt(v) for v in t["d_ddof0"]],
        "d (ddof 1)": [_fmt(v) for v in t["d_ddof1"]],
        "paper diff": [_fmt(v, "+.2f") for v in t["paper_diff"]],
        "paper p, d (n)": [f"{_fmt(p, 'g')}, {_fmt(d, 'g')} ({_fmt(n, '.0f')})" if np.isfinite(p) else ""
                           for p, d, n in zip(t["paper_p"], t["paper_d"], t["paper_n"])],
        "paper acc (start/ERK)": [f"{_fmt(a) or '–'}/{_fmt(b)}" if np.isfinite(b) else ""
                                  for a, b in zip(t["paper_mean_a"], t["paper_mean_b"])],
    })
    conf = ""
    if confirmation and confirmation.get("enabled", True):
        conf = (f" The confirmation ({dataset_label(confirmation['dataset'])}, "
                f"{100 * confirmation['sparsity']:g}%, {len(confirmation['seeds'])} seeds) is the 'pair' rows.")
    text = ["Gaps to ERK (§3.3), per method: each start − ERK in final test accuracy (percentage points), mean ± sd "
            "(ddof 1) over seeds, Welch's t-test. Cohen's d divides by the pooled SD over n_a + n_b "
            "(ddof 0, what the paper's d = 1.07 at t ≈ 2.27 on 10 + 10 seeds fits) or n_a + n_b − 2 "
            "(ddof 1). 'common': the seeds every start of the cell has (Figure 3's); 'pair': every "
            "seed both starts have." + conf + " The paper's gap is LN (equil.) − ERK at 90%, shown "
            "beside LN (paper CCV) too, which starts at the paper's own Table 4 CCV; its Forest "
            "Cover accuracies (§3.3: ERK 94.27, static 94.75) are read as 90%.\n", to_markdown(out)]
    if len(cross):
        c = cross
        ct = pd.DataFrame({
            "Dataset": [dataset_label(d) for d in c["dataset"]], "arch": c["arch"], "epochs": c["epochs"],
            "sparsity": [f"{100 * s:g}%" for s in c["target_sparsity"]],
            "n": [f"{a}/{b}" for a, b in zip(c["n_a"], c["n_b"])],
            "starts below": c["a_starts_below"], "gap at epoch 1": [_fmt(v, "+.2f") for v in c["first_gap"]],
            "final gap": [_fmt(v, "+.2f") for v in c["final_gap"]],
            "crossover epoch": [("never" if e is None or (isinstance(e, float) and not np.isfinite(e))
                                 else str(int(e))) for e in c["crossover_epoch"]],
            "paper": c["paper"]})
        text += [f"\nCrossover: the first epoch from which {start_label(ar.EQUIL)}'s mean test "
                 f"accuracy stays ≥ ERK's to the last epoch (1: never below; never: ends below), "
                 "over the common seeds. The paper: LN starts below and overtakes at epoch 10–12.\n",
                 to_markdown(ct)]
    return "\n".join(text)


def render_gaps(models: pd.DataFrame | None, curves: pd.DataFrame | None, csv: Path | None, md: Path | None,
                confirmation: Mapping | None = None) -> pd.DataFrame:
    table = ar.gaps(models) if _present(models) else pd.DataFrame(columns=ar.GAP_COLUMNS)
    cross = (ar.crossover_epoch(ar.common_seeds(curves)) if _present(curves)
             else pd.DataFrame(columns=ar.CROSSOVER_COLUMNS))
    if csv is not None:
        write_csv(table, csv)
    if md is not None:
        write_text(md, gaps_markdown(table, cross, confirmation))
    return table


# ---- starts ------------------------------------------------------------------------------------------

def starts_markdown(table: pd.DataFrame) -> str:
    n = ar.n_layers(table, "density_l")
    out = pd.DataFrame({
        "Dataset": [dataset_label(d) for d in table["dataset"]], "arch": table["arch"],
        "sparsity": [f"{100 * s:g}%" for s in table["target_sparsity"]],
        "start": [start_label(s) for s in table["start"]],
        "density (mean fan-in) per layer": [
            " / ".join(f"{_fmt(d, '.3f')} ({_fmt(f, '.1f')})"
                       for d, f in zip(ar.layer_values(r, "density_l", n), ar.layer_values(r, "fanin_l", n)))
            for _, r in table.iterrows()],
        "realised density": [" / ".join(_fmt(v, ".3f") for v in ar.layer_values(r, "realised_density_l", n))
                             for _, r in table.iterrows()],
        "n": table["n"],
        "final acc": [f"{_fmt(m)} ± {_fmt(s)}" if np.isfinite(m) else "" for m, s in
                      zip(table["final_acc_mean"], table["final_acc_std"])],
        "paper acc": [_fmt(v) for v in table["paper_acc"]],
    })
    text = ["What each start gives each hidden layer: its density and mean fan-in (density × n_in), "
            "computed from the start's budget (ERK, uniform) or the target (lognormal, static), the "
            "realised density where runs exist, and the final test accuracy (%) over the common seeds. "
            f"ERK's budget {'includes' if table['erk_output_in_budget'].any() else 'leaves out'} the dense "
            "output layer.\n",
            to_markdown(out)]
    erk = table[(table["dataset"] == "forest_cover") & (table["start_kind"] == "erk")]
    uni = table[(table["dataset"] == "forest_cover") & (table["start_kind"] == "uniform")]
    if len(erk) and len(uni):
        parts = [f"{100 * r.target_sparsity:g}%: density {r.density_l0:.2f}, {r.fanin_l0:.1f} inputs per neuron"
                 for r in erk.drop_duplicates(["arch", "target_sparsity"]).itertuples()]
        u90 = uni[uni["target_sparsity"] == 0.9]
        text.append(f"\nStandard ERK on Forest Cover's {erk.iloc[0]['fanin_l0'] / erk.iloc[0]['density_l0']:.0f}-input "
                    f"first hidden layer — {'; '.join(parts)}. The paper (§3.3) says ERK leaves it a mean fan-in "
                    f"of \"~5\"" + (f", which is what a uniform 90% start gives ({u90.iloc[0]['fanin_l0']:.1f})."
                                   if len(u90) else ".") + "\n")
    return "\n".join(text)


def render_starts(models: pd.DataFrame | None, csv: Path | None, md: Path | None) -> pd.DataFrame:
    models = ar.of_method(models, ar.PAPER_METHOD)
    table = ar.starts_table(models if _present(models) else None)
    if csv is not None:
        write_csv(table, csv)
    if md is not None:
        write_text(md, starts_markdown(table))
    return table


# ---- everything ----------------------------------------------------------------------------------------

def render_all(tables: Mapping[str, pd.DataFrame | None], outputs: Mapping[str, Path],
               confirmation: Mapping | None = None) -> None:
    """Every figure and table of the stage named in ``outputs`` (keys from :data:`OUTPUTS`; missing keys
    are skipped) from ``tables`` (keys from :data:`TABLES`, any may be absent)."""
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise KeyError(f"unknown outputs {sorted(unknown)}; expected some of {OUTPUTS}")
    bad = set(tables) - set(TABLES)
    if bad:
        raise KeyError(f"unknown tables {sorted(bad)}; expected some of {TABLES}")
    from psn.render.fanin import render_fanin_ccdf, render_fanin_table  # it draws with this module's styles

    o = dict(outputs)
    models, curves = tables.get("models"), tables.get("curves")
    if {"fig3_png", "fig3_pdf"} & o.keys():
        render_fig3(models, o.get("fig3_png"), o.get("fig3_pdf"))
    if {"curves_png", "curves_pdf"} & o.keys():
        render_curves(curves, o.get("curves_png"), o.get("curves_pdf"))
    if {"trajectories_png", "trajectories_pdf"} & o.keys():
        render_trajectories(tables.get("trajectories"), tables.get("equilibrium"), o.get("trajectories_png"),
                            o.get("trajectories_pdf"))
    if {"table4_csv", "table4_md"} & o.keys():
        render_table4(tables.get("equilibrium"), o.get("table4_csv"), o.get("table4_md"))
    if {"gaps_csv", "gaps_md"} & o.keys():
        render_gaps(models, curves, o.get("gaps_csv"), o.get("gaps_md"), confirmation)
    if {"erk_forest_csv", "erk_forest_md"} & o.keys():
        render_starts(models, o.get("erk_forest_csv"), o.get("erk_forest_md"))
    if {"fanin_ccdf_png", "fanin_ccdf_pdf"} & o.keys():
        render_fanin_ccdf(tables.get("fanin_counts"), o.get("fanin_ccdf_png"), o.get("fanin_ccdf_pdf"))
    if {"fanin_csv", "fanin_md"} & o.keys():
        render_fanin_table(tables.get("fanin"), o.get("fanin_csv"), o.get("fanin_md"))
