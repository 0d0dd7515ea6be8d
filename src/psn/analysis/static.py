"""The static experiments' own analyses (§2.1, §3.1): multi-peak (Figure 2b), the gradient
hierarchy, the spreading ablation and the Forest Cover grid; and which comparisons
(:mod:`psn.analysis.comparisons`) each static experiment gets, :data:`STATIC_COMPARISONS`.

Pure functions on ``models.csv`` tables (one row a trained model, see ``psn.analysis.runs``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import (CONFIG_KEYS, DEFAULT_METRICS, DENSE_CONDITION, GRAD_COLUMNS,
                                  RANDOM_CONDITION, WHENS, present)
from psn.analysis.comparisons import (CROSS_DATASET_SPREAD, CROSS_DATASET_SPREAD_ALL, CROSS_DATASET_VS_RANDOM,
                                      MNIST_PROFILE_VS_RANDOM, MNIST_VARIANT_SPREAD, Comparison, comparison_frame,
                                      even_vs_random, inverse_vs_standard, profiles_vs_random, summary_row,
                                      variant_spread)
from psn.analysis.stats import final_accuracies, finished, pearson, summarise
from psn.model.gradients import READINGS


# ---- Multi-peak (Figure 2b) ---------------------------------------------------------------------

# The multi-peak comparison's name and its rows' tests (the report imports them)
MULTIPEAK = "multipeak"
TOTAL_RANGE, MIN_CONFIG_MEAN, MAX_CONFIG_MEAN = "total range", "min config mean", "max config mean"
ACC_K1_BETA1200 = "acc k=1 β=1200"
DROP_K1_VS_DENSE = "drop k=1 β=1200 vs dense (mnist_sweep)"
DROP_K1_VS_BEST = "drop k=1 β=1200 vs best multi-peak"


def range_at_beta(beta: float) -> str:
    return f"range β={beta:g}"


def ccv_k1_at_beta(beta: float) -> str:
    return f"fan-in CCV k=1 β={beta:g}"


def multipeak_summary(mp: pd.DataFrame) -> pd.DataFrame:
    """Per (β, k): accuracy, realised fan-in CCV and realised sparsity mean ± std, gradient
    ratios, n, n_diverged."""
    return summarise(mp, ["beta", "k"], metrics=(*DEFAULT_METRICS, "sparsity"))


def multipeak_ranges(summary: pd.DataFrame, dense_mean: float | None = None) -> pd.DataFrame:
    """The §3.1 multi-peak figures from :func:`multipeak_summary`: total and per-β range of
    the configuration means, extremes, CCV at k=1, and the k=1 β=1200 drop relative to the
    dense mean (the paper's 0.69% = 97.81 − 97.12) when ``dense_mean`` is given."""
    mp = pub.MULTIPEAK
    acc = summary["final_acc_mean"]
    rows = [summary_row(MULTIPEAK, TOTAL_RANGE, float(acc.max() - acc.min()),
                         mp["total_range"]["value"], mp["total_range"]["source"], n_a=int(acc.notna().sum())),
            summary_row(MULTIPEAK, MIN_CONFIG_MEAN, float(acc.min()), mp["acc_min"]["value"], mp["acc_min"]["source"]),
            summary_row(MULTIPEAK, MAX_CONFIG_MEAN, float(acc.max()), mp["acc_max"]["value"], mp["acc_max"]["source"])]
    for beta, g in summary.groupby("beta"):
        key = f"range_beta{beta:g}"
        a = g["final_acc_mean"]
        rows.append(summary_row(MULTIPEAK, range_at_beta(beta), float(a.max() - a.min()),
                                 mp.get(key, {}).get("value", np.nan), mp.get(key, {}).get("source", ""),
                                 n_a=int(a.notna().sum())))
    for beta in (1200, 50):
        k1 = summary[(summary["k"] == 1) & (summary["beta"] == beta)]
        key = f"ccv_k1_beta{beta}"
        if len(k1):
            rows.append(summary_row(MULTIPEAK, ccv_k1_at_beta(beta), float(k1["fan_in_cv_mean"].iloc[0]),
                                     mp[key]["value"], mp[key]["source"]))
    k1 = summary[(summary["k"] == 1) & (summary["beta"] == 1200)]
    if len(k1):
        a = float(k1["final_acc_mean"].iloc[0])
        rows.append(summary_row(MULTIPEAK, ACC_K1_BETA1200, a, mp["acc_k1_beta1200"]["value"],
                                 mp["acc_k1_beta1200"]["source"], n_a=int(k1["n"].iloc[0]),
                                 n_diverged_a=int(k1["n_diverged"].iloc[0])))
        if dense_mean is not None:
            rows.append(summary_row(MULTIPEAK, DROP_K1_VS_DENSE, dense_mean - a,
                                     mp["drop_k1_beta1200"]["value"], mp["drop_k1_beta1200"]["source"]))
        rows.append(summary_row(MULTIPEAK, DROP_K1_VS_BEST, float(acc.max()) - a))
    return comparison_frame(rows)


# ---- Gradient hierarchy -------------------------------------------------------------------------

def gradient_points(models: pd.DataFrame, unit: str = "configuration") -> pd.DataFrame:
    """Fan-in CV beside the gradient ratios (both readings, init and final), dense models
    excluded, diverged ones too. ``unit``: "model" (one point per trained model, layers
    averaged), "configuration" (seeds averaged) or "layer" (one point per model and layer)."""
    m = finished(models[models["condition"] != DENSE_CONDITION])
    keys = present(m, CONFIG_KEYS)
    if unit == "model":
        out = m[[*keys, "seed", "fan_in_cv", *present(m, GRAD_COLUMNS)]].copy()
    elif unit == "configuration":
        cols = ["fan_in_cv", *present(m, GRAD_COLUMNS)]
        if m.empty:
            out = pd.DataFrame(columns=[*keys, *cols])
        else:
            out = m.groupby(keys, dropna=False, sort=True)[cols].mean(numeric_only=True).reset_index()
    elif unit == "layer":
        parts = []
        layers = sorted({int(c.rsplit("_l", 1)[1]) for c in m.columns if c.startswith("fan_in_cv_l")})
        for i in layers:
            cols = {f"fan_in_cv_l{i}": "fan_in_cv"}
            cols.update({f"{g}_l{i}": g for g in GRAD_COLUMNS if f"{g}_l{i}" in m.columns})
            part = m[[*keys, "seed", *cols]].rename(columns=cols)
            part["layer"] = i
            parts.append(part)
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*keys, "fan_in_cv"])
    else:
        raise ValueError(f"unit must be model, configuration or layer, not {unit!r}")
    out["group"] = np.where(out["condition"] == RANDOM_CONDITION, "random baseline", "structured")
    return out


GRADIENT_TABLE_COLUMNS = ["kind", "set", "unit", "group", "reading", "when", "r", "p", "n",
                          "min", "max", "mean", "paper", "source"]


def gradient_table(models_by_set: Mapping[str, pd.DataFrame],
                   units: Sequence[str] = ("configuration", "model", "layer")) -> pd.DataFrame:
    """Pearson r of gradient ratio vs fan-in CV for every set (each experiment, and all
    pooled), unit, reading and timepoint (paper: r = 0.93, reading unstated); then the range
    of configuration-mean ratios for structured profiles vs the random baseline (2–5× vs ~1×)."""
    sets = {k: v for k, v in models_by_set.items() if v is not None and len(v)}
    if len(sets) > 1:
        sets["all"] = pd.concat(sets.values(), ignore_index=True)
    g = pub.GRADIENTS
    rows = []
    for name, models in sets.items():
        for unit in units:
            pts = gradient_points(models, unit)
            for when in WHENS:
                for reading in READINGS:
                    col = f"grad_ratio_{when}_{reading}"
                    if col not in pts:
                        continue
                    r, p, n = pearson(pts["fan_in_cv"], pts[col])
                    rows.append(dict(kind="pearson", set=name, unit=unit, group="all", reading=reading,
                                     when=when, r=r, p=p, n=n, paper=g["r_fan_in_cv"]["value"],
                                     source=g["r_fan_in_cv"]["source"]))
        pts = gradient_points(models, "configuration")
        for when in WHENS:
            for reading in READINGS:
                col = f"grad_ratio_{when}_{reading}"
                if col not in pts:
                    continue
                for group, key, hi in (("structured", "structured_ratio_range", 1), ("random baseline", "random_ratio", None)):
                    v = pd.to_numeric(pts.loc[pts["group"] == group, col], errors="coerce").dropna()
                    pv = g[key]["value"]
                    rows.append(dict(kind="ratio_range", set=name, unit="configuration", group=group,
                                     reading=reading, when=when, n=len(v),
                                     min=float(v.min()) if len(v) else np.nan,
                                     max=float(v.max()) if len(v) else np.nan,
                                     mean=float(v.mean()) if len(v) else np.nan,
                                     paper=pv[hi] if hi is not None else pv, source=g[key]["source"]))
    return pd.DataFrame(rows, columns=GRADIENT_TABLE_COLUMNS)


# ---- Spreading ablation ---------------------------------------------------------------------------

# The ablation comparison's name and its one row's test (the report imports them)
SPREADING_ABLATION, SEQUENTIAL_MINUS_EVEN = "spreading_ablation", "sequential − even"


def spreading_ablation(abl: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per spread (sequential, even, random) of the PSN profile and of the random
    baseline, and each one's difference from even (paper: sequential − even = −22.49%)."""
    abl = abl.copy()
    abl["label"] = np.where(abl["condition"] == RANDOM_CONDITION, "random baseline", abl["spread"])
    s = summarise(abl, ["label", "condition", "spread", "target_sparsity"],
                  metrics=("final_acc", "best_acc", "fan_in_cv"))
    order = {"sequential": 0, "even": 1, "random": 2, "random baseline": 3}
    s = s.sort_values("label", key=lambda c: c.map(lambda v: order.get(v, 9))).reset_index(drop=True)
    even = s.loc[s["label"] == "even", "final_acc_mean"]
    s["diff_vs_even"] = s["final_acc_mean"] - (float(even.iloc[0]) if len(even) else np.nan)
    src = pub.SPREADING_ABLATION["sequential_minus_even"]
    s["paper_diff_vs_even"] = np.where(s["label"] == "sequential", src["value"], np.nan)
    acc = {"sequential": pub.SPREADING_ABLATION["sequential_accuracy"]["value"],
           "even": pub.SPREADING_ABLATION["even_accuracy"]["value"]}
    s["paper_final_acc"] = s["label"].map(acc)
    s["source"] = np.where(s["label"] == "sequential", src["source"], "")
    s.loc[s["label"] == "even", "source"] = pub.SPREADING_ABLATION["even_accuracy"]["source"]
    return s


# ---- Forest Cover grid (§2.1) --------------------------------------------------------------------

def hidden_shape(arch: str) -> tuple[float, int]:
    """'54-1024-1024-1024-7' -> (1024, 3): hidden width (NaN if the widths differ) and depth."""
    hidden = [int(x) for x in str(arch).split("-")[1:-1]]
    width = float(hidden[0]) if hidden and len(set(hidden)) == 1 else np.nan
    return width, len(hidden)


def forest_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std per (width, depth), and for depth 3 the gain over depth 2 at that width
    (paper: +1.3–1.5% everywhere; 1024×3 = 95.07 ± 0.04)."""
    grid = grid.copy()
    shapes = grid["arch"].map(hidden_shape)
    grid["width"] = [w for w, _ in shapes]
    grid["depth"] = [d for _, d in shapes]
    s = summarise(grid, ["dataset", "width", "depth"], metrics=("final_acc", "best_acc"))
    base = s[s["depth"] == 2].set_index(["dataset", "width"])["final_acc_mean"]
    s["gain_vs_depth2"] = [r.final_acc_mean - base.get((r.dataset, r.width), np.nan)
                           if r.depth == 3 else np.nan for r in s.itertuples()]
    fg = pub.FOREST_GRID
    sel = (s["width"] == 1024) & (s["depth"] == 3)
    s["paper_mean"] = np.where(sel, fg["selected_1024x3"]["value"], np.nan)
    s["paper_std"] = np.where(sel, fg["selected_1024x3"]["std"], np.nan)
    d3 = s["depth"] == 3
    s["paper_gain_min"] = np.where(d3, fg["depth3_gain"]["value"][0], np.nan)
    s["paper_gain_max"] = np.where(d3, fg["depth3_gain"]["value"][1], np.nan)
    s["source"] = np.where(sel, fg["selected_1024x3"]["source"], np.where(d3, fg["depth3_gain"]["source"], ""))
    return s


# ---- Which comparisons each static experiment gets ---------------------------------------------

def multipeak_comparison(mp: pd.DataFrame, sweep: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`multipeak_ranges` of ``mp``, the k=1 drop measured against the dense models of
    ``sweep`` (the paper's 5-epoch dense baseline) when it has any."""
    acc = np.empty(0)
    if sweep is not None and len(sweep):
        acc = final_accuracies(sweep[sweep["condition"] == DENSE_CONDITION])
    return multipeak_ranges(multipeak_summary(mp), dense_mean=float(acc.mean()) if len(acc) else None)


def ablation_comparison(abl: pd.DataFrame) -> pd.DataFrame:
    """The sequential − even gap of :func:`spreading_ablation` beside the paper's (§3.1)."""
    t = spreading_ablation(abl)
    seq = t[t["label"] == "sequential"]
    if not len(seq):
        return comparison_frame([])
    src = pub.SPREADING_ABLATION["sequential_minus_even"]
    gap = float(seq["diff_vs_even"].iloc[0])
    return comparison_frame([summary_row(SPREADING_ABLATION, SEQUENTIAL_MINUS_EVEN, gap, src["value"], src["source"],
                                         a="sequential", b="even")])


_C = pub.COMPARISONS
# (experiment, comparison) in the order of the comparisons table.
STATIC_COMPARISONS: tuple[tuple[str, Comparison], ...] = (
    ("mnist_sweep", lambda sweep, _: inverse_vs_standard(sweep)),
    ("mnist_sweep", lambda sweep, _: even_vs_random(sweep)),
    ("mnist_sweep", lambda sweep, _: profiles_vs_random(
        sweep, MNIST_PROFILE_VS_RANDOM, paper_min_p=_C["profiles_vs_random_min_p"]["value"],
        source=_C["profiles_vs_random_min_p"]["source"])),
    ("mnist_sweep", lambda sweep, _: variant_spread(
        sweep, MNIST_VARIANT_SPREAD, _C["mnist_variant_spread"]["value"], _C["mnist_variant_spread"]["source"])),
    ("cross_dataset", lambda cross, _: profiles_vs_random(
        cross, CROSS_DATASET_VS_RANDOM, sparsities=[0.9], paper_min_p=_C["cross_dataset_min_p"]["value"],
        source=_C["cross_dataset_min_p"]["source"])),
    ("cross_dataset", lambda cross, _: variant_spread(
        cross, CROSS_DATASET_SPREAD, pub.CROSS_DATASET_SPREAD, pub.CROSS_DATASET_SPREAD_SOURCE, sparsities=[0.9],
        profiles=pub.TABLE6_PROFILES)),
    ("cross_dataset", lambda cross, _: variant_spread(
        cross, CROSS_DATASET_SPREAD_ALL, pub.CROSS_DATASET_SPREAD, pub.CROSS_DATASET_SPREAD_SOURCE,
        sparsities=[0.9])),
    ("multipeak", lambda mp, models: multipeak_comparison(mp, models.get("mnist_sweep"))),
    ("spreading_ablation", lambda abl, _: ablation_comparison(abl)),
)
