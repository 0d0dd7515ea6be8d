"""Tables 5–6 and the comparison, multi-peak, gradient-hierarchy, ablation, Forest grid and
readings tables, and the gradient-hierarchy figure, from the static experiments' ``models.csv``;
Figure 2a–c are ``psn.render.figure2``'s. ``psn.render.outputs`` names every output, its file
and its function; :func:`render_all` draws the ones asked for.

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
from psn.analysis.tables import table5, table5_wide, table6, table6_wide  # noqa: E402
from psn.model.gradients import READINGS  # noqa: E402
from psn.render.io import Path, save_figure, to_markdown, write_csv, write_text  # noqa: E402
from psn.render.outputs import output_keys, render_stage  # noqa: E402
from psn.render.style import (DATASET_LABELS, NOT_IN_CONFIG, fmt, placeholder_figure,  # noqa: E402
                              placeholder_table, present)

STAGE = "render_static"
OUTPUTS = output_keys(STAGE)
GRADIENT_SETS = ("mnist_sweep", "multipeak")
Tables = Mapping[str, pd.DataFrame | None]


def fmt_p(v) -> str:
    return fmt(v, ".3g")


def _ours_paper(ours, paper) -> str:
    """'97.77 (97.79)': ours, then the paper's in brackets."""
    o, p = fmt(ours), fmt(paper)
    return f"{o or '–'} ({p})" if p else (o or "–")


def _write_table(long: pd.DataFrame | None, experiment: str, markdown: Callable[[pd.DataFrame | None], str],
                 csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    """``long`` (a placeholder naming ``experiment`` when None) to ``csv``, ``markdown(long)`` to ``md``."""
    if csv is not None:
        write_csv(long if long is not None else placeholder_table(experiment), csv)
    if md is not None:
        write_text(md, markdown(long))
    return long


# ---- Tables 5 and 6 -----------------------------------------------------------------------------

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
        tail = (f"\nDense baseline: ours {fmt(d['mean'])} ± {fmt(d['std'])} (n = {int(d['n'])}, "
                f"diverged {int(d['n_diverged'])}); "
                + (f"paper {fmt(d['paper'])} ± {fmt(d['paper_std'])}.\n" if np.isfinite(d["paper"])
                   else "the paper's Table 5 is MNIST only.\n"))
    return ("Table 5: test accuracy (%) for even-spread PSN profiles and the random baseline, "
            "mean over seeds; ours (paper).\n\n" + head + to_markdown(out) + tail)


def render_table5(tables: Tables, csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    sweep = tables.get("mnist_sweep")
    return _write_table(table5(sweep) if present(sweep) else None, "mnist_sweep", table5_markdown, csv, md)


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


def render_table6(tables: Tables, csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    cross = tables.get("cross_dataset")
    return _write_table(table6(cross) if present(cross) else None, "cross_dataset", table6_markdown, csv, md)


def render_multipeak_table(tables: Tables, csv: Path | None) -> None:
    mp = tables.get("multipeak")
    if csv is not None:
        write_csv(multipeak_summary(mp) if present(mp) else placeholder_table("multipeak"), csv)


# ---- Gradient hierarchy ----------------------------------------------------------------------------

def _gradient_sets(tables: Tables) -> dict[str, pd.DataFrame]:
    return {k: tables[k] for k in GRADIENT_SETS if present(tables.get(k))}


def _gradient_points(sets: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: gradient_points(models, "configuration") for name, models in sets.items()}


def gradients_data(tables: Tables) -> pd.DataFrame:
    """The gradient figure's points: per set (mnist_sweep, multipeak; column ``set``) and
    configuration, the fan-in CV and the hub/specialist gradient ratio per reading and time
    (``gradient_points``), and the group (structured or random baseline) that picks the marker."""
    points = _gradient_points(_gradient_sets(tables))
    if not points:
        return pd.DataFrame()
    return pd.concat([pts.assign(set=name) for name, pts in points.items()], ignore_index=True)


def render_gradients_figure(tables: Tables, png: Path | None, pdf: Path | None, when: str = "init") -> None:
    """Ratio at ``when`` vs fan-in CV (:func:`gradients_data`'s points), one panel per reading,
    configuration means, r in the legend."""
    sets = _gradient_sets(tables)
    title = "Gradient hierarchy: hub/specialist gradient ratio vs fan-in CV"
    if not sets:
        return placeholder_figure(png, pdf, title, "mnist_sweep and multipeak")
    table = gradient_table(sets)
    points = _gradient_points(sets)
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
        colors = sns.color_palette("tab10", len(sets))
        for ax, reading in zip(axes, READINGS):
            col = f"grad_ratio_{when}_{reading}"
            for name, c in zip(sets, colors):
                pts = points[name]
                if col not in pts:
                    continue
                r = table[(table["kind"] == "pearson") & (table["set"] == name) & (table["unit"] == "configuration")
                          & (table["reading"] == reading) & (table["when"] == when)]["r"]
                rtxt = fmt(r.iloc[0]) if len(r) else ""
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


def render_gradients_table(tables: Tables, csv: Path | None, md: Path | None) -> pd.DataFrame | None:
    """The full correlation/range table (every set, unit, reading, timepoint)."""
    sets = _gradient_sets(tables)
    table = gradient_table(sets) if sets else None
    if csv is not None:
        write_csv(table if table is not None else placeholder_table("mnist_sweep, multipeak"), csv)
    if md is not None:
        write_text(md, gradients_markdown(table) if table is not None
                   else f"_mnist_sweep, multipeak: {NOT_IN_CONFIG}._\n")
    return table


def gradients_markdown(table: pd.DataFrame) -> str:
    pr = table[table["kind"] == "pearson"]
    rr = table[table["kind"] == "ratio_range"]
    a = pd.DataFrame({"set": pr["set"], "unit": pr["unit"], "reading": pr["reading"], "when": pr["when"],
                      "r": [fmt(v, ".3f") for v in pr["r"]], "p": [fmt_p(v) for v in pr["p"]],
                      "n": pr["n"].astype(int), "paper r": pr["paper"]})
    b = pd.DataFrame({"set": rr["set"], "group": rr["group"], "reading": rr["reading"], "when": rr["when"],
                      "min": rr["min"], "max": rr["max"], "mean": rr["mean"], "n": rr["n"].astype(int),
                      "paper": [("2–5×" if g == "structured" else "~1×") for g in rr["group"]]})
    return ("Gradient ratio (hub/specialist mean |∇W|) vs fan-in CV: Pearson r (paper: r = 0.93).\n\n"
            + to_markdown(a) + "\nRange of configuration-mean ratios (paper: 2–5× structured, ~1× random).\n\n"
            + to_markdown(b))


# ---- Comparisons, ablation, Forest grid, readings -------------------------------------------------

def comparisons_markdown(table: pd.DataFrame) -> str:
    if table.empty:
        return f"_No comparison possible: mnist_sweep, cross_dataset, multipeak, spreading_ablation: {NOT_IN_CONFIG}._\n"
    t = table.copy()
    out = pd.DataFrame({
        "comparison": t["comparison"], "dataset": t["dataset"].fillna(""),
        "sparsity": [fmt(100 * s, "g") + "%" if isinstance(s, float) and np.isfinite(s) else "" for s in t["sparsity"]],
        "spread": t["spread"].fillna(""), "a": t["a"], "b": t["b"].fillna(""),
        "mean a": [fmt(v) for v in t["mean_a"]], "mean b": [fmt(v) for v in t["mean_b"]],
        "diff / value": [fmt(v, ".3f") for v in t["diff"]],
        "n": [f"{fmt(a, 'g')}/{fmt(b, 'g')}".strip("/") for a, b in zip(t["n_a"], t["n_b"])],
        "diverged": [f"{fmt(a, 'g')}/{fmt(b, 'g')}".strip("/") for a, b in zip(t["n_diverged_a"], t["n_diverged_b"])],
        "test": t["test"], "p": [fmt_p(v) for v in t["p"]], "paper": [fmt(v, "g") for v in t["paper"]],
        "source": t["source"].fillna(""),
    })
    summary = out[t["a"].eq("all").to_numpy()]
    return ("Comparisons (§3.1–3.2). Differences are a − b in accuracy points; Welch's t-test over "
            "seeds unless stated.\n\n## Summary\n\n" + to_markdown(summary)
            + "\n## Every test\n\n" + to_markdown(out))


def render_comparisons(tables: Tables, csv: Path | None, md: Path | None) -> pd.DataFrame:
    table = comparisons({k: v for k, v in tables.items() if present(v)}, STATIC_COMPARISONS)
    if csv is not None:
        write_csv(table if len(table) else placeholder_table("mnist_sweep, cross_dataset, multipeak, spreading_ablation"), csv)
    if md is not None:
        write_text(md, comparisons_markdown(table))
    return table


def render_ablation(tables: Tables, csv: Path | None) -> None:
    abl = tables.get("spreading_ablation")
    if csv is not None:
        write_csv(spreading_ablation(abl) if present(abl) else placeholder_table("spreading_ablation"), csv)


def render_forest_grid(tables: Tables, csv: Path | None) -> None:
    grid = tables.get("forest_grid")
    if csv is not None:
        write_csv(forest_grid(grid) if present(grid) else placeholder_table("forest_grid"), csv)


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
        head = f"{label} ({fmt(table[f'{label} paper'].iloc[0])})"
        out[head] = [fmt(v) + ("" if own else "*") for v, own in zip(table[label], table[f"{label} own"])]
    out["mean abs(ours − paper)"] = [fmt(v) for v in table["distance"]]
    out["sparse − dense ± se (paper)"] = [
        f"{fmt(v)} ± {fmt(se)} ({fmt(p)})" for v, se, p in
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
            f"{fmt(dist)}. Nearest the paper's sparse − dense gap ({fmt(paper)}): {g_reading} "
            f"({g_acc}-epoch), {fmt(gap)} ± {fmt(se)}, {closed}.\n")


def render_readings(tables: Tables, csv: Path | None, md: Path | None) -> None:
    readings = tables.get("readings")
    table = readings_table(readings) if present(readings) else pd.DataFrame()
    if csv is not None:
        write_csv(table if len(table) else placeholder_table("readings"), csv)
    if md is not None:
        write_text(md, readings_markdown(table))


# ---- everything ------------------------------------------------------------------------------------

def render_all(models_by_experiment: Tables, outputs: Mapping[str, Path]) -> None:
    """Every static figure and table named in ``outputs`` (keys from :data:`OUTPUTS`; missing
    keys are skipped), each by its function in ``psn.render.outputs``, from whichever
    experiments ``models_by_experiment`` holds."""
    render_stage(STAGE, {k: v for k, v in models_by_experiment.items() if present(v)}, outputs)
