"""Comparisons between conditions (§3.1, §3.2), each row beside the paper's figure.

A comparison table has the columns :data:`COMPARISON_COLUMNS`: per-configuration rows (a − b
over seeds, Welch's t-test) and summary rows (``a == "all"``) holding one figure each in
``diff``. Which comparisons an experiment gets is data: :func:`comparisons` runs a registry of
(experiment, comparison) pairs that the caller supplies, and names no experiment itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import DENSE_CONDITION, RANDOM_CONDITION, sparsity_key, with_sparsity_key
from psn.analysis.stats import final_accuracies, n_diverged, paired, summarise, welch

COMPARISON_COLUMNS = ["comparison", "dataset", "sparsity", "spread", "a", "b", "mean_a", "mean_b",
                      "diff", "n_a", "n_b", "n_diverged_a", "n_diverged_b", "test", "statistic",
                      "p", "paper", "source"]
# One experiment's comparison: (its models, every experiment's models) -> comparison rows.
Comparison = Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], pd.DataFrame]

# The names of comparisons and of their summary rows' tests: the rows' keys, which readers of
# the table (the reproduction report) import rather than spell again.
INVERSE_VS_STANDARD = "inverse_vs_standard"
EVEN_VS_RANDOM = "even_vs_random"
PROFILE_VS_RANDOM = "profile_vs_random"
MNIST_PROFILE_VS_RANDOM = "mnist_profile_vs_random"
MNIST_VARIANT_SPREAD = "mnist_variant_spread"
CROSS_DATASET_VS_RANDOM = "cross_dataset_vs_random"
CROSS_DATASET_SPREAD = "cross_dataset_spread"            # Table 6's seven sparse rows
CROSS_DATASET_SPREAD_ALL = "cross_dataset_spread_all"    # every variant (Figure 2c's nine)
MEAN_DIFF_MATCHED = "mean diff (inverse − standard, matched configs)"
PAIRED_T = "paired t (config means)"
MAX_ABS_DIFF = "max |diff|"
MEAN_ABS_DIFF = "mean |diff|"
MIN_P = "min p"
RANGE_OF_MEANS = "range of means (max − min)"


def _pair_row(comparison, a_name, b_name, a, b, **extra) -> dict:
    """One comparison row: a − b over seeds, Welch."""
    xa, xb = final_accuracies(a), final_accuracies(b)
    t, p = welch(xa, xb)
    ma = float(xa.mean()) if len(xa) else np.nan
    mb = float(xb.mean()) if len(xb) else np.nan
    row = dict(comparison=comparison, a=a_name, b=b_name, mean_a=ma, mean_b=mb, diff=ma - mb,
               n_a=len(xa), n_b=len(xb), n_diverged_a=n_diverged(a), n_diverged_b=n_diverged(b),
               test="welch", statistic=t, p=p, paper=np.nan, source="")
    row.update(extra)
    return row


def summary_row(comparison, test, value, paper=np.nan, source="", **extra) -> dict:
    row = dict(comparison=comparison, a="all", b="", test=test, diff=value, paper=paper, source=source)
    row.update(extra)
    return row


def comparison_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS) if rows else pd.DataFrame(columns=COMPARISON_COLUMNS)


def inverse_vs_standard(sweep: pd.DataFrame) -> pd.DataFrame:
    """Each profile vs its inverse (inverse − standard) per sparsity and spread (Welch over
    seeds), then over matched configurations: the mean difference, a paired t-test on the
    configuration means (§3.1: 0.01%, p = 0.57) and the largest |difference| (0.1–0.2%)."""
    sweep = with_sparsity_key(sweep)
    rows = []
    for prof in sorted(set(sweep["profile"].dropna())):
        inv = f"inverse_{prof}"
        if prof.startswith("inverse_") or inv not in set(sweep["profile"]):
            continue
        for (d, s, spread), a in sweep[sweep["profile"] == inv].groupby(["dataset", "_s", "spread"]):
            b = sweep[(sweep["profile"] == prof) & (sweep["dataset"] == d) & (sweep["_s"] == s)
                      & (sweep["spread"] == spread)]
            if len(b):
                rows.append(_pair_row(INVERSE_VS_STANDARD, inv, prof, a, b,
                                      dataset=d, sparsity=s, spread=spread))
    per = comparison_frame(rows)
    ok = per.dropna(subset=["mean_a", "mean_b"])
    out = [per]
    if len(ok):
        t, p = paired(ok["mean_a"], ok["mean_b"])
        c = pub.COMPARISONS
        out.append(comparison_frame([
            summary_row(INVERSE_VS_STANDARD, MEAN_DIFF_MATCHED,
                         float(ok["diff"].mean()), c["inverse_vs_standard_mean_diff"]["value"],
                         c["inverse_vs_standard_mean_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            summary_row(INVERSE_VS_STANDARD, PAIRED_T,
                         float(ok["diff"].mean()), c["inverse_vs_standard_p"]["value"],
                         c["inverse_vs_standard_p"]["source"], n_a=len(ok), n_b=len(ok),
                         statistic=t, p=p),
            summary_row(INVERSE_VS_STANDARD, MAX_ABS_DIFF, float(ok["diff"].abs().max()),
                         c["inverse_vs_standard_max_abs_diff"]["value"][1],
                         c["inverse_vs_standard_max_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
        ]))
    return pd.concat(out, ignore_index=True)


def even_vs_random(sweep: pd.DataFrame) -> pd.DataFrame:
    """Even − random spreading per profile and sparsity (Welch over seeds), then the largest
    gap and the mean absolute difference over configurations (§3.1: 0.34% / 0.11%)."""
    sweep = with_sparsity_key(sweep)
    psn = sweep[~sweep["condition"].isin([RANDOM_CONDITION, DENSE_CONDITION])]
    rows = []
    for (d, cond, s), g in psn.groupby(["dataset", "condition", "_s"]):
        a, b = g[g["spread"] == "even"], g[g["spread"] == "random"]
        if len(a) and len(b):
            rows.append(_pair_row(EVEN_VS_RANDOM, f"{cond} even", f"{cond} random", a, b,
                                  dataset=d, sparsity=s, spread="even−random"))
    per = comparison_frame(rows)
    ok = per.dropna(subset=["diff"])
    out = [per]
    if len(ok):
        c = pub.COMPARISONS
        t, p = paired(ok["mean_a"], ok["mean_b"])
        out.append(comparison_frame([
            summary_row(EVEN_VS_RANDOM, MAX_ABS_DIFF, float(ok["diff"].abs().max()),
                         c["even_vs_random_max_abs_diff"]["value"],
                         c["even_vs_random_max_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            summary_row(EVEN_VS_RANDOM, MEAN_ABS_DIFF, float(ok["diff"].abs().mean()),
                         c["even_vs_random_mean_abs_diff"]["value"],
                         c["even_vs_random_mean_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            summary_row(EVEN_VS_RANDOM, PAIRED_T, float(ok["diff"].mean()),
                         n_a=len(ok), n_b=len(ok),
                         statistic=t, p=p),
        ]))
    return pd.concat(out, ignore_index=True)


def profiles_vs_random(models: pd.DataFrame, comparison: str = PROFILE_VS_RANDOM,
                       sparsities: Iterable[float] | None = None,
                       paper_min_p: float = np.nan, source: str = "") -> pd.DataFrame:
    """Every PSN (condition, spread) vs the random baseline at the same dataset and sparsity
    (Welch over seeds, profile − random); then per dataset the smallest p, how many of the
    tests fall below 0.05 and 0.1, and the spread (max − min) of all variants' means."""
    models = with_sparsity_key(models)
    if sparsities is not None:
        models = models[models["_s"].isin({sparsity_key(s) for s in sparsities})
                        | (models["condition"] == DENSE_CONDITION)]
    rows = []
    for (d, s), g in models[models["condition"] != DENSE_CONDITION].groupby(["dataset", "_s"]):
        base = g[g["condition"] == RANDOM_CONDITION]
        if base.empty:
            continue
        for (cond, spread), a in g[g["condition"] != RANDOM_CONDITION].groupby(["condition", "spread"]):
            rows.append(_pair_row(comparison, cond, "random", a, base, dataset=d, sparsity=s, spread=spread))
    per = comparison_frame(rows)
    out = [per]
    summ = []
    for d, g in per.groupby("dataset"):
        ps = g["p"].dropna()
        summ.append(summary_row(comparison, MIN_P, np.nan, paper_min_p, source, dataset=d, n_a=len(ps),
                                 p=float(ps.min()) if len(ps) else np.nan))
        summ.append(summary_row(comparison, "count p < 0.05", float((ps < 0.05).sum()), 0.0,
                                 source, dataset=d, n_a=len(ps)))
        summ.append(summary_row(comparison, "count p < 0.1", float((ps < 0.1).sum()), np.nan,
                                 source, dataset=d, n_a=len(ps)))
    out.append(comparison_frame(summ))
    return pd.concat(out, ignore_index=True)


def variant_spread(models: pd.DataFrame, comparison: str, paper: Mapping[str, float] | float = np.nan,
                   source: str = "", sparsities: Iterable[float] | None = None,
                   profiles: Iterable[str] | None = None) -> pd.DataFrame:
    """max − min of the (condition, spread) mean accuracies, dense excluded, per dataset and
    sparsity (§3.1 "spans only around 0.2%"; §3.2 0.20/0.18/0.25/0.55%); only the rows of
    ``profiles`` when given."""
    models = with_sparsity_key(models)
    if sparsities is not None:
        models = models[models["_s"].isin({sparsity_key(s) for s in sparsities})]
    if profiles is not None:
        models = models[models["profile"].isin(set(profiles))]
    m = summarise(models[models["condition"] != DENSE_CONDITION], ["dataset", "_s", "condition", "spread"],
                  metrics=("final_acc",))
    rows = []
    for (d, s), g in m.groupby(["dataset", "_s"]):
        means = g["final_acc_mean"].dropna()
        pv = paper.get(d, np.nan) if isinstance(paper, Mapping) else paper
        rows.append(summary_row(comparison, RANGE_OF_MEANS,
                                 float(means.max() - means.min()) if len(means) else np.nan,
                                 pv, source, dataset=d, sparsity=s, n_a=len(means),
                                 a=str(g.loc[g["final_acc_mean"].idxmax(), "condition"]) if len(means) else "",
                                 b=str(g.loc[g["final_acc_mean"].idxmin(), "condition"]) if len(means) else "",
                                 n_diverged_a=int(g["n_diverged"].sum())))
    return comparison_frame(rows)


def comparisons(models_by_experiment: Mapping[str, pd.DataFrame],
                registry: Sequence[tuple[str, Comparison]]) -> pd.DataFrame:
    """One table of every registered comparison whose experiment has models, in registry
    order; experiments absent, empty or not registered give no rows."""
    parts = []
    for experiment, compare in registry:
        models = models_by_experiment.get(experiment)
        if models is not None and len(models):
            parts.append(compare(models, models_by_experiment))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else comparison_frame([])
