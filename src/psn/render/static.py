"""Figures 2a–c, the gradient-hierarchy figure and Tables 5–6 (plus the comparison, multi-peak,
gradient, ablation and Forest grid tables) from the static experiments' ``models.csv``.

Every renderer draws what its experiment holds and, when the experiment is absent from the
config, writes a placeholder that says so, so the pipeline can always call :func:`render_all`
with whichever tables exist. PNG and PDF carry no timestamp or software version, and every
file is written atomically, so the same inputs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis import published as pub  # noqa: E402
from psn.analysis.comparisons import comparisons  # noqa: E402
from psn.analysis.static import (STATIC_COMPARISONS, forest_grid, gradient_points, gradient_table,  # noqa: E402
                                 multipeak_summary, spreading_ablation)
from psn.analysis.readings import DEFAULT as DEFAULT_READING, closest_readings, readings_table  # noqa: E402
from psn.analysis.tables import relative_to_dense, table5, table5_wide, table6, table6_wide  # noqa: E402
from psn.model.gradients import READINGS  # noqa: E402
from psn.render.io import Path, save_figure, to_markdown, write_csv, write_text  # noqa: E402

NOT_IN_CONFIG = "experiment not in this config"
DATASET_LABELS = {"mnist": "MNIST", "fashion_mnist": "Fashion", "emnist_balanced": "EMNIST",
                  "forest_cover": "Forest"}


# ---- placeholders and cells ------------------------------------------------------------------

def placeholder_figure(png: Path | None, pdf: Path | None, title: str, experiment: str) -> None:
    with sns.axes_style("white"):
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.axis("off")
        ax.text(0.5, 0.6, title, ha="center", va="center", fontsize=11)
        ax.text(0.5, 0.35, f"{experiment}: {NOT_IN_CONFIG}", ha="center", va="center", fontsize=9, color="0.4")
        save_figure(fig, png, pdf)


def placeholder_table(experiment: str) -> pd.DataFrame:
    return pd.DataFrame([{"experiment": experiment, "note": NOT_IN_CONFIG}])


def _fmt(v, spec=".2f") -> str:
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return format(v, spec)
    return str(v)


def _fmt_p(v) -> str:
    return _fmt(v, ".3g")


def _ours_paper(ours, paper) -> str:
    """'97.77 (97.79)': ours, then the paper's in brackets."""
    o, p = _fmt(ours), _fmt(paper)
    return f"{o or '–'} ({p})" if p else (o or "–")


def _present(models: pd.DataFrame | None) -> bool:
    return models is not None and len(models) > 0


def _write_table(long: pd.DataFrame | None, experiment: str, markdown: Callable[[pd.DataFrame | None], str],
                 csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    """``long`` (a placeholder naming ``experiment`` when None) to ``csv``, ``markdown(long)`` to ``md``."""
    if csv is not None:
        write_csv(long if long is not None else placeholder_table(experiment), csv)
    if md is not None:
        write_text(md, markdown(long))
    return long


# ---- Table 5 and Figure 2a ----------------------------------------------------------------------

def table5_markdown(long: pd.DataFrame | None) -> str:
    """The paper's layout, 'ours (paper)' per cell, then the dense baseline line."""
    if long is None:
        long = pub.table5().assign(mean=np.nan, n=0, n_diverged=0)
        head = f"_mnist_sweep: {NOT_IN_CONFIG}; the paper's Table 5 in brackets._\n\n"
    else:
        head = ""
    wide = table5_wide(long[long["column"] != "dense"])
    out = pd.DataFrame({"Sparsity": [f"{s:g}%" for s in wide["sparsity (%)"]]})
    for col in pub.TABLE5_COLUMNS:
        out[col.capitalize()] = [_ours_paper(o, p) for o, p in zip(wide[col], wide[f"{col} (paper)"])]
    out["n (min)"] = wide["n_min"].astype(int)
    out["diverged"] = wide["n_diverged"].astype(int)
    dense = long[long["column"] == "dense"]
    tail = ""
    if len(dense):
        d = dense.iloc[0]
        tail = (f"\nDense baseline: ours {_fmt(d['mean'])} ± {_fmt(d['std'])} (n = {int(d['n'])}, "
                f"diverged {int(d['n_diverged'])}); "
                + (f"paper {_fmt(d['paper'])} ± {_fmt(d['paper_std'])}.\n" if np.isfinite(d["paper"])
                   else "the paper's Table 5 is MNIST only.\n"))
    return ("Table 5: test accuracy (%) for even-spread PSN profiles and the random baseline, "
            "mean over seeds; ours (paper).\n\n" + head + to_markdown(out) + tail)


def render_table5(sweep: pd.DataFrame | None, csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    return _write_table(table5(sweep) if _present(sweep) else None, "mnist_sweep", table5_markdown, csv, md)


def render_fig2a(sweep: pd.DataFrame | None, png: Path | None, pdf: Path | None, spread: str = "even") -> None:
    """Accuracy vs sparsity (categorical axis) for the four Table 5 profiles and the random
    baseline, mean ± std over seeds; the paper's Table 5 values as crosses."""
    if not _present(sweep):
        title = "Figure 2a: accuracy vs sparsity"
        return placeholder_figure(png, pdf, title, "mnist_sweep")
    names = ", ".join(DATASET_LABELS.get(d, d) for d in sorted(set(sweep["dataset"])))
    title = f"Figure 2a: {names} accuracy vs sparsity"
    long = table5(sweep, spread)
    long = long[long["column"] != "dense"]
    sparsities = sorted(set(long.loc[long["n"] > 0, "sparsity"])) or sorted(set(long["sparsity"]))
    xpos = {s: i for i, s in enumerate(sparsities)}
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        colors = sns.color_palette("tab10", len(pub.TABLE5_COLUMNS))
        for j, (col, c) in enumerate(zip(pub.TABLE5_COLUMNS, colors)):
            g = long[(long["column"] == col) & long["sparsity"].isin(sparsities)].sort_values("sparsity")
            x = np.array([xpos[s] for s in g["sparsity"]]) + (j - 2) * 0.06
            label = f"{col} ({spread})" if col != "random" else "random baseline"
            ax.errorbar(x, g["mean"], yerr=g["std"].fillna(0), color=c, marker="o", ms=4, lw=1.2,
                        capsize=2, label=label, ls="-" if col != "random" else "--")
            ax.scatter(x, g["paper"], color=c, marker="x", s=18, zorder=3)
        dense = table5(sweep, spread)
        dense = dense[dense["column"] == "dense"].iloc[0]
        if np.isfinite(dense["mean"]):
            ax.axhline(dense["mean"], color="k", lw=0.8, ls=":", label=f"dense ({dense['mean']:.2f})")
        ax.scatter([], [], color="0.3", marker="x", label="paper (Table 5)")
        ax.set_xticks(range(len(sparsities)), [f"{100 * s:g}%" for s in sparsities])
        ax.set(title=title, xlabel="sparsity", ylabel="test accuracy (%)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, png, pdf)


# ---- Table 6 and Figure 2c ----------------------------------------------------------------------

def table6_markdown(long: pd.DataFrame | None) -> str:
    if long is None:
        long = pub.table6().assign(mean=np.nan, n=0, n_diverged=0, spread="")
        head = f"_cross_dataset: {NOT_IN_CONFIG}; the paper's Table 6 in brackets._\n\n"
    else:
        head = ""
    wide = table6_wide(long)
    datasets = list(dict.fromkeys(long["dataset"]))
    out = pd.DataFrame({"Profile (CV)": wide["profile"], "spread": wide["spread"]})
    for d in datasets:
        out[DATASET_LABELS.get(d, d)] = [_ours_paper(o, p) for o, p in zip(wide[d], wide[f"{d} (paper)"])]
    out["n (min)"] = wide["n_min"].astype(int)
    out["diverged"] = wide["n_diverged"].astype(int)
    return ("Table 6: test accuracy (%) at 90% sparsity, mean over seeds; ours (paper).\n\n"
            + head + to_markdown(out))


def render_table6(cross: pd.DataFrame | None, csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    return _write_table(table6(cross) if _present(cross) else None, "cross_dataset", table6_markdown, csv, md)


def render_fig2c(cross: pd.DataFrame | None, png: Path | None, pdf: Path | None, sparsity: float = 0.9) -> None:
    """Accuracy relative to dense at 90% per dataset, one marker per profile (filled: ours
    ± std; hollow: the paper's Table 6)."""
    title = f"Figure 2c: accuracy relative to dense at {sparsity:.0%}"
    rel = relative_to_dense(cross, sparsity) if _present(cross) else None
    if rel is None or rel.empty:
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


# ---- Figure 2b and the multi-peak table ---------------------------------------------------------

def render_fig2b(mp: pd.DataFrame | None, png: Path | None, pdf: Path | None) -> None:
    """Multi-peak: accuracy, realised fan-in CCV and realised sparsity against k, one line per
    β (clamping at n lifts the sparsity above its target where the peaks are narrow)."""
    title = "Figure 2b: multi-peak interpolation"
    if not _present(mp):
        return placeholder_figure(png, pdf, title, "multipeak")
    names = ", ".join(DATASET_LABELS.get(d, d) for d in sorted(set(mp["dataset"])))
    title = f"Figure 2b: multi-peak interpolation ({names})"
    s = multipeak_summary(mp)
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


def render_multipeak_table(mp: pd.DataFrame | None, csv: Path | None) -> None:
    if csv is not None:
        write_csv(multipeak_summary(mp) if _present(mp) else placeholder_table("multipeak"), csv)


# ---- Gradient hierarchy ----------------------------------------------------------------------------

def render_gradients(models_by_set: Mapping[str, pd.DataFrame | None], png: Path | None, pdf: Path | None,
                     csv: Path | None, md: Path | None, when: str = "init") -> pd.DataFrame | None:
    """Ratio at ``when`` vs fan-in CV, one panel per reading, configuration means, r in the
    legend; and the full correlation/range table (every set, unit, reading, timepoint)."""
    sets = {k: v for k, v in models_by_set.items() if _present(v)}
    title = "Gradient hierarchy: hub/specialist gradient ratio vs fan-in CV"
    if not sets:
        placeholder_figure(png, pdf, title, "mnist_sweep and multipeak")
        if csv is not None:
            write_csv(placeholder_table("mnist_sweep, multipeak"), csv)
        if md is not None:
            write_text(md, f"_mnist_sweep, multipeak: {NOT_IN_CONFIG}._\n")
        return None
    table = gradient_table(sets)
    if csv is not None:
        write_csv(table, csv)
    if md is not None:
        write_text(md, gradients_markdown(table))
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
        colors = sns.color_palette("tab10", len(sets))
        for ax, reading in zip(axes, READINGS):
            col = f"grad_ratio_{when}_{reading}"
            for (name, models), c in zip(sets.items(), colors):
                pts = gradient_points(models, "configuration")
                if col not in pts:
                    continue
                r = table[(table["kind"] == "pearson") & (table["set"] == name) & (table["unit"] == "configuration")
                          & (table["reading"] == reading) & (table["when"] == when)]["r"]
                rtxt = _fmt(r.iloc[0]) if len(r) else ""
                for group, marker in (("structured", "o"), ("random baseline", "s")):
                    g = pts[pts["group"] == group]
                    ax.scatter(g["fan_in_cv"], g[col], s=10 if group == "structured" else 22, color=c,
                               marker=marker, alpha=0.7, edgecolors="none" if marker == "o" else "k",
                               label=f"{name} (r = {rtxt or 'n/a'})" if group == "structured" else None)
            ax.axhline(1, color="k", lw=0.6)
            ax.set(xlabel="fan-in CV (mean over hidden layers)", ylabel=f"gradient ratio at {when}",
                   title=f"{reading.replace('_', ' ')} |∇W|")
            ax.scatter([], [], marker="s", color="0.6", edgecolors="k", s=22, label="random baseline")
            ax.legend(fontsize=7, title=f"paper r = {pub.GRADIENTS['r_fan_in_cv']['value']}", title_fontsize=7)
        fig.suptitle(title)
        fig.tight_layout()
        save_figure(fig, png, pdf)
    return table


def gradients_markdown(table: pd.DataFrame) -> str:
    pr = table[table["kind"] == "pearson"]
    rr = table[table["kind"] == "ratio_range"]
    a = pd.DataFrame({"set": pr["set"], "unit": pr["unit"], "reading": pr["reading"], "when": pr["when"],
                      "r": [_fmt(v, ".3f") for v in pr["r"]], "p": [_fmt_p(v) for v in pr["p"]],
                      "n": pr["n"].astype(int), "paper r": pr["paper"]})
    b = pd.DataFrame({"set": rr["set"], "group": rr["group"], "reading": rr["reading"], "when": rr["when"],
                      "min": rr["min"], "max": rr["max"], "mean": rr["mean"], "n": rr["n"].astype(int),
                      "paper": [("2–5×" if g == "structured" else "~1×") for g in rr["group"]]})
    return ("Gradient ratio (hub/specialist mean |∇W|) vs fan-in CV: Pearson r (paper: r = 0.93).\n\n"
            + to_markdown(a) + "\nRange of configuration-mean ratios (paper: 2–5× structured, ~1× random).\n\n"
            + to_markdown(b))


# ---- Comparisons, ablation, Forest grid -----------------------------------------------------------

def comparisons_markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return f"_No comparison possible: mnist_sweep, cross_dataset, multipeak, spreading_ablation: {NOT_IN_CONFIG}._\n"
    t = table.copy()
    out = pd.DataFrame({
        "comparison": t["comparison"], "dataset": t["dataset"].fillna(""),
        "sparsity": [_fmt(100 * s, "g") + "%" if isinstance(s, float) and np.isfinite(s) else "" for s in t["sparsity"]],
        "spread": t["spread"].fillna(""), "a": t["a"], "b": t["b"].fillna(""),
        "mean a": [_fmt(v) for v in t["mean_a"]], "mean b": [_fmt(v) for v in t["mean_b"]],
        "diff / value": [_fmt(v, ".3f") for v in t["diff"]],
        "n": [f"{_fmt(a, 'g')}/{_fmt(b, 'g')}".strip("/") for a, b in zip(t["n_a"], t["n_b"])],
        "diverged": [f"{_fmt(a, 'g')}/{_fmt(b, 'g')}".strip("/") for a, b in zip(t["n_diverged_a"], t["n_diverged_b"])],
        "test": t["test"], "p": [_fmt_p(v) for v in t["p"]], "paper": [_fmt(v, "g") for v in t["paper"]],
        "source": t["source"].fillna(""),
    })
    summary = out[t["a"].eq("all").to_numpy()]
    return ("Comparisons (§3.1–3.2). Differences are a − b in accuracy points; Welch's t-test over "
            "seeds unless stated.\n\n## Summary\n\n" + to_markdown(summary)
            + "\n## Every test\n\n" + to_markdown(out))


def render_comparisons(models_by_experiment: Mapping[str, pd.DataFrame], csv: Path | None, md: Path | None) -> pd.DataFrame:
    table = comparisons({k: v for k, v in models_by_experiment.items() if _present(v)}, STATIC_COMPARISONS)
    if csv is not None:
        write_csv(table if len(table) else placeholder_table("mnist_sweep, cross_dataset, multipeak, spreading_ablation"), csv)
    if md is not None:
        write_text(md, comparisons_markdown(table))
    return table


def render_ablation(abl: pd.DataFrame | None, csv: Path | None) -> None:
    if csv is not None:
        write_csv(spreading_ablation(abl) if _present(abl) else placeholder_table("spreading_ablation"), csv)


def render_forest_grid(grid: pd.DataFrame | None, csv: Path | None) -> None:
    if csv is not None:
        write_csv(forest_grid(grid) if _present(grid) else placeholder_table("forest_grid"), csv)


def readings_markdown(table: pd.DataFrame, settings: str = "") -> str:
    """One row per reading and accuracy: each Table 6 row's mean (ours; the paper's in the
    header), the distance to the paper and the sparse − dense gap; '*' marks a value the
    reading shares with the default (a group it does not change). ``settings``: how the
    models were run, said under the table when given."""
    if table.empty:
        return "_readings: experiment not in this config._\n"
    labels = [c.removesuffix(" paper") for c in table.columns if c.endswith(" paper")]
    most = table["n"].max() if "n" in table else 0
    out = pd.DataFrame({"reading": [_reading_label(r, most) for r in table.to_dict("records")],
                        "accuracy": table["accuracy"]})
    for label in labels:
        head = f"{label} ({_fmt(table[f'{label} paper'].iloc[0])})"
        out[head] = [_fmt(v) + ("" if own else "*") for v, own in zip(table[label], table[f"{label} own"])]
    out["mean abs(ours − paper)"] = [_fmt(v) for v in table["distance"]]
    out["sparse − dense ± se (paper)"] = [
        f"{_fmt(v)} ± {_fmt(se)} ({_fmt(p)})" for v, se, p in
        zip(table["sparse_minus_dense"], table["sparse_minus_dense_se"], table["paper_sparse_minus_dense"])]
    return ("The paper's open readings (Fashion-MNIST, 90%): accuracy (%) per Table 6 row, ours beside the "
            "paper's (in the header), each reading a one-axis change from the config's settings; * = the "
            "default's group, which the reading does not change.\n\n" + to_markdown(out)
            + (f"\nRun at: {settings}.\n" if settings else "") + _readings_finding(table))


def _reading_label(row: dict, most: int = 0) -> str:
    """'default (init mean_fan_in)': the default row names the init it ran under, which the
    other readings share unless they change it (results made under another config default);
    a reading with fewer seeds than the others says how many: 'normalise-standardise (n = 3)'."""
    init = row.get("init") or ""
    label = f"{row['reading']} (init {init})" if row["reading"] == DEFAULT_READING and init else row["reading"]
    n = row.get("n") or 0
    return f"{label} (n = {n})" if 0 < n < most else label


def _readings_finding(table: pd.DataFrame) -> str:
    c = closest_readings(table)
    if not c:
        return ""
    reading, acc, dist = c["distance"]
    g_reading, g_acc, gap, se, paper = c["gap"]
    closed = ("within two standard errors of the paper's" if c["gap_closed"]
              else "not within two standard errors of the paper's: no reading closes the gap")
    return (f"\nNearest the paper's accuracies: {reading} ({acc}-epoch accuracy), mean |ours − paper| "
            f"{_fmt(dist)}. Nearest the paper's sparse − dense gap ({_fmt(paper)}): {g_reading} "
            f"({g_acc}-epoch), {_fmt(gap)} ± {_fmt(se)}, {closed}.\n")


def render_readings(readings: pd.DataFrame | None, csv: Path | None, md: Path | None) -> None:
    table = readings_table(readings) if _present(readings) else pd.DataFrame()
    if csv is not None:
        write_csv(table if len(table) else placeholder_table("readings"), csv)
    if md is not None:
        write_text(md, readings_markdown(table))


# ---- everything ------------------------------------------------------------------------------------

OUTPUTS = ("fig2a_png", "fig2a_pdf", "fig2b_png", "fig2b_pdf", "fig2c_png", "fig2c_pdf", "gradients_png",
           "gradients_pdf", "table5_csv", "table5_md", "table6_csv", "table6_md", "comparisons_csv",
           "comparisons_md", "multipeak_csv", "gradients_csv", "gradients_md", "ablation_csv", "forest_grid_csv",
           "readings_csv", "readings_md")


def render_all(models_by_experiment: Mapping[str, pd.DataFrame], outputs: Mapping[str, Path]) -> None:
    """Every static figure and table named in ``outputs`` (keys from :data:`OUTPUTS`; missing
    keys are skipped) from whichever experiments ``models_by_experiment`` holds."""
    m = {k: v for k, v in models_by_experiment.items() if _present(v)}
    o = {k: outputs[k] for k in OUTPUTS if k in outputs}
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise KeyError(f"unknown outputs {sorted(unknown)}; expected some of {OUTPUTS}")
    sweep, cross, mp = m.get("mnist_sweep"), m.get("cross_dataset"), m.get("multipeak")
    if {"fig2a_png", "fig2a_pdf"} & o.keys():
        render_fig2a(sweep, o.get("fig2a_png"), o.get("fig2a_pdf"))
    if {"fig2b_png", "fig2b_pdf"} & o.keys():
        render_fig2b(mp, o.get("fig2b_png"), o.get("fig2b_pdf"))
    if {"fig2c_png", "fig2c_pdf"} & o.keys():
        render_fig2c(cross, o.get("fig2c_png"), o.get("fig2c_pdf"))
    if {"gradients_png", "gradients_pdf", "gradients_csv", "gradients_md"} & o.keys():
        render_gradients({"mnist_sweep": sweep, "multipeak": mp}, o.get("gradients_png"), o.get("gradients_pdf"),
                         o.get("gradients_csv"), o.get("gradients_md"))
    if {"table5_csv", "table5_md"} & o.keys():
        render_table5(sweep, o.get("table5_csv"), o.get("table5_md"))
    if {"table6_csv", "table6_md"} & o.keys():
        render_table6(cross, o.get("table6_csv"), o.get("table6_md"))
    if {"comparisons_csv", "comparisons_md"} & o.keys():
        render_comparisons(m, o.get("comparisons_csv"), o.get("comparisons_md"))
    render_multipeak_table(mp, o.get("multipeak_csv"))
    render_ablation(m.get("spreading_ablation"), o.get("ablation_csv"))
    render_forest_grid(m.get("forest_grid"), o.get("forest_grid_csv"))
    render_readings(m.get("readings"), o.get("readings_csv"), o.get("readings_md"))
