"""Analysis of the static experiments (§2.1, §3.1, §3.2): pure functions on ``models.csv`` tables.

Input rows are one trained model each (see ``psn.analysis.runs.model_rows``). Diverged models
(``diverged`` true, accuracies NaN) are never averaged: every summary counts them in
``n_diverged`` and takes means and standard deviations (ddof=1) over the finished models only,
whose count is ``n``. Tests between conditions are over seeds (Welch's t-test, unequal
variances), as the paper compares "5 seeds each".

The random baseline is the condition ``"random"`` (profile ``uniform`` or ``random``); dense
models are condition ``"dense"``. Profile names are matched on the ``profile`` column, so
parameter suffixes in ``condition`` ("bell-beta3") do not matter.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from psn.analysis import published as pub
from psn.analysis.gradients import READINGS

WHENS = ("init", "final")
GRAD_COLUMNS = tuple(f"grad_ratio_{w}_{r}" for w in WHENS for r in READINGS)
DEFAULT_METRICS = ("final_acc", "best_acc", "fan_in_cv", *GRAD_COLUMNS)
# What makes two rows the same trained configuration (seeds aside).
CONFIG_KEYS = ("dataset", "arch", "epochs", "condition", "profile", "spread", "target_sparsity",
               "ccv_target", "k", "beta")
RANDOM_CONDITION = "random"
DENSE_CONDITION = "dense"
STANDARD_PROFILES = ("linear", "quadratic", "exponential", "bell")
COMPARISON_COLUMNS = ["comparison", "dataset", "sparsity", "spread", "a", "b", "mean_a", "mean_b",
                      "diff", "n_a", "n_b", "n_diverged_a", "n_diverged_b", "test", "statistic",
                      "p", "paper", "source"]


# ---- basics ----------------------------------------------------------------------------------

def diverged_mask(models: pd.DataFrame) -> pd.Series:
    """Boolean ``diverged`` whether the column holds bools, 0/1 or the strings a CSV gives."""
    if "diverged" not in models:
        return pd.Series(False, index=models.index)
    col = models["diverged"]
    if col.dtype == bool:
        return col
    return col.astype(str).str.strip().str.lower().isin(("true", "1", "1.0"))


def finished(models: pd.DataFrame) -> pd.DataFrame:
    """Models that trained to the end: not diverged and with a final accuracy."""
    return models[~diverged_mask(models) & models["final_acc"].notna()]


def sparsity_key(s) -> float:
    """Target sparsities as group keys, immune to float noise from CSV round trips."""
    return round(float(s), 6)


def _present(models: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c in models.columns]


def summarise(models: pd.DataFrame, by: Sequence[str], metrics: Iterable[str] = DEFAULT_METRICS) -> pd.DataFrame:
    """Per group of ``by``: n (finished models), n_diverged, and ``{metric}_mean``/``_std``
    (ddof=1, over finished models only) for each metric present in ``models``."""
    by = list(by)
    metrics = _present(models, metrics)
    cols = [*by, "n", "n_diverged"] + [f"{m}_{s}" for m in metrics for s in ("mean", "std")]
    if models.empty:
        return pd.DataFrame(columns=cols)
    div = diverged_mask(models)
    rows = []
    for key, group in models.groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        gdiv = div.loc[group.index]
        done = group[~gdiv & group["final_acc"].notna()]
        row = dict(zip(by, key), n=len(done), n_diverged=int(gdiv.sum()))
        for m in metrics:
            vals = pd.to_numeric(done[m], errors="coerce").dropna()
            row[f"{m}_mean"] = float(vals.mean()) if len(vals) else np.nan
            row[f"{m}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def welch(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Welch's t statistic and two-sided p (scipy); NaN when either side has < 2 values."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan
    with warnings.catch_warnings():  # identical seeds: scipy warns, then returns NaN or ±inf
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(a, b, equal_var=False)
    return float(res.statistic), float(res.pvalue)


def paired(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Paired t statistic and two-sided p (scipy ``ttest_rel``); NaN with < 2 pairs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 2:
        return np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_rel(a[ok], b[ok])
    return float(res.statistic), float(res.pvalue)


def _acc(models: pd.DataFrame) -> np.ndarray:
    return finished(models)["final_acc"].to_numpy(float)


def _n_div(models: pd.DataFrame) -> int:
    return int(diverged_mask(models).sum())


def _with_keys(models: pd.DataFrame) -> pd.DataFrame:
    out = models.copy()
    out["_s"] = out["target_sparsity"].map(sparsity_key)
    return out


def _pair_row(comparison, a_name, b_name, a, b, **extra) -> dict:
    """One comparison row: a − b over seeds, Welch."""
    xa, xb = _acc(a), _acc(b)
    t, p = welch(xa, xb)
    ma = float(xa.mean()) if len(xa) else np.nan
    mb = float(xb.mean()) if len(xb) else np.nan
    row = dict(comparison=comparison, a=a_name, b=b_name, mean_a=ma, mean_b=mb, diff=ma - mb,
               n_a=len(xa), n_b=len(xb), n_diverged_a=_n_div(a), n_diverged_b=_n_div(b),
               test="welch", statistic=t, p=p, paper=np.nan, source="")
    row.update(extra)
    return row


def _summary_row(comparison, test, value, paper=np.nan, source="", **extra) -> dict:
    row = dict(comparison=comparison, a="all", b="", test=test, diff=value, paper=paper, source=source)
    row.update(extra)
    return row


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS) if rows else pd.DataFrame(columns=COMPARISON_COLUMNS)


# ---- Table 5 ----------------------------------------------------------------------------------

def _table5_cells(sweep: pd.DataFrame, spread: str) -> dict[str, pd.DataFrame]:
    cells = {p: sweep[(sweep["profile"] == p) & (sweep["spread"] == spread)] for p in pub.TABLE5_COLUMNS[:-1]}
    cells["random"] = sweep[sweep["condition"] == RANDOM_CONDITION]
    return cells


def table5(sweep: pd.DataFrame, spread: str = "even") -> pd.DataFrame:
    """Table 5 in long form, ours beside the paper's: one row per (sparsity, column) over the
    union of our sparsities and the paper's, plus the dense baseline (sparsity NaN).

    Columns: sparsity, column, mean, std, n, n_diverged, paper, paper_std, diff, source.
    """
    sweep = _with_keys(sweep)
    # The paper's Table 5 is MNIST at 5 epochs: set it beside ours only when ours is that too.
    comparable = set(sweep["dataset"]) == {"mnist"}
    paper = {(sparsity_key(s), c): v for s, vals in pub.TABLE5_VALUES.items()
             for c, v in zip(pub.TABLE5_COLUMNS, vals)} if comparable else {}
    cells = _table5_cells(sweep, spread)
    ours_s = set(sweep.loc[sweep["condition"] != DENSE_CONDITION, "_s"])
    rows = []
    for s in sorted(ours_s | {k[0] for k in paper}):
        for col in pub.TABLE5_COLUMNS:
            cell = cells[col][cells[col]["_s"] == s]
            acc = _acc(cell)
            mean = float(acc.mean()) if len(acc) else np.nan
            pv = paper.get((s, col), np.nan)
            rows.append(dict(sparsity=s, column=col, mean=mean,
                             std=float(acc.std(ddof=1)) if len(acc) > 1 else np.nan,
                             n=len(acc), n_diverged=_n_div(cell), paper=pv, paper_std=np.nan,
                             diff=mean - pv, source=pub.TABLE5_SOURCE if np.isfinite(pv) else ""))
    dense = sweep[sweep["condition"] == DENSE_CONDITION]
    acc = _acc(dense)
    mean = float(acc.mean()) if len(acc) else np.nan
    ref = pub.DENSE_MNIST_5EP if comparable else {"mean": np.nan, "std": np.nan, "source": ""}
    rows.append(dict(sparsity=np.nan, column="dense", mean=mean,
                     std=float(acc.std(ddof=1)) if len(acc) > 1 else np.nan, n=len(acc),
                     n_diverged=_n_div(dense), paper=ref["mean"],
                     paper_std=ref["std"], diff=mean - ref["mean"],
                     source=ref["source"]))
    return pd.DataFrame(rows)


def table5_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The paper's layout: one row per sparsity (percent), ours and paper per column, and
    the smallest n and total n_diverged of the row. The dense row is left out."""
    body = long[long["column"] != "dense"]
    rows = []
    for s, g in body.groupby("sparsity", sort=True):
        row = {"sparsity (%)": round(100 * s, 4)}
        for col in pub.TABLE5_COLUMNS:
            c = g[g["column"] == col].iloc[0]
            row[col] = c["mean"]
            row[f"{col} (paper)"] = c["paper"]
        row["n_min"] = int(g["n"].min())
        row["n_diverged"] = int(g["n_diverged"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


# ---- Table 6 ----------------------------------------------------------------------------------

def table6_key(row: Mapping) -> tuple[str, float | None]:
    """(profile, ccv) naming a Table 6 row: 'random' and 'dense' for the baselines, the ccv
    only for the CCV-parameterised families (lognormal, power-law)."""
    if row["condition"] == RANDOM_CONDITION:
        return "random", None
    if row["condition"] == DENSE_CONDITION:
        return "dense", None
    ccv = row.get("ccv_target")
    if row["profile"] in ("lognormal", "powerlaw") and ccv is not None and np.isfinite(ccv):
        return row["profile"], round(float(ccv), 6)
    return row["profile"], None


def table6(cross: pd.DataFrame, sparsity: float = 0.9) -> pd.DataFrame:
    """Table 6 in long form: per (row, spread, dataset) at ``sparsity`` (dense at 0), ours
    beside the paper's; rows in the paper's order, then any extra conditions we trained.

    Columns: label, profile, ccv, condition, spread, dataset, mean, std, n, n_diverged,
    fan_in_cv, paper, diff, source.
    """
    cross = _with_keys(cross)
    s = sparsity_key(sparsity)
    sel = cross[(cross["condition"] == DENSE_CONDITION) | (cross["_s"] == s)].copy()
    sel["_key"] = [table6_key(r) for r in sel.to_dict("records")]
    paper_rows = {(p, ccv): (label, dict(zip(pub.TABLE6_DATASETS, vals)))
                  for label, p, ccv, _, vals in pub.TABLE6_ROWS}
    ours_keys = sorted(set(sel["_key"]) - set(paper_rows), key=lambda k: (k[0], k[1] or 0.0))
    datasets = list(pub.TABLE6_DATASETS) + sorted(set(sel["dataset"]) - set(pub.TABLE6_DATASETS))
    rows = []
    for key in [*paper_rows, *ours_keys]:
        label, paper = paper_rows.get(key, (None, {}))
        if label is None:
            label = key[0] if key[1] is None else f"{key[0]} ({key[1]:g})"
        grp = sel[sel["_key"].map(lambda k: k == key)]
        spreads = sorted(set(grp["spread"])) or ["random" if key[0] != "dense" else "none"]
        for spread in spreads:
            for d in datasets:
                cell = grp[(grp["spread"] == spread) & (grp["dataset"] == d)]
                done = finished(cell)
                acc = done["final_acc"].to_numpy(float)
                mean = float(acc.mean()) if len(acc) else np.nan
                pv = paper.get(d, np.nan)
                rows.append(dict(label=label, profile=key[0], ccv=key[1],
                                 condition=cell["condition"].iloc[0] if len(cell) else "",
                                 spread=spread, dataset=d, mean=mean,
                                 std=float(acc.std(ddof=1)) if len(acc) > 1 else np.nan,
                                 n=len(acc), n_diverged=_n_div(cell),
                                 fan_in_cv=float(done["fan_in_cv"].mean()) if len(done) else np.nan,
                                 paper=pv, diff=mean - pv,
                                 source=pub.TABLE6_SOURCE if np.isfinite(pv) else ""))
    out = pd.DataFrame(rows)
    # Drop extra datasets/rows for which we have nothing and the paper has nothing.
    return out[(out["n"] + out["n_diverged"] > 0) | out["paper"].notna()].reset_index(drop=True)


def table6_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The paper's layout: one row per profile (and spread), ours and paper per dataset."""
    rows = []
    for (label, spread), g in long.groupby(["label", "spread"], sort=False):
        row = {"profile": label, "spread": spread}
        for d in dict.fromkeys(long["dataset"]):
            c = g[g["dataset"] == d]
            row[d] = c["mean"].iloc[0] if len(c) else np.nan
            row[f"{d} (paper)"] = c["paper"].iloc[0] if len(c) else np.nan
        trained = g.loc[g["n"] + g["n_diverged"] > 0, "n"]
        row["n_min"] = int(trained.min()) if len(trained) else 0  # over datasets we trained
        row["n_diverged"] = int(g["n_diverged"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def relative_to_dense(cross: pd.DataFrame, sparsity: float = 0.9) -> pd.DataFrame:
    """Figure 2c: each condition's mean accuracy at ``sparsity`` minus its dataset's dense
    mean, ours and the paper's (Table 6). Columns: dataset, label, condition, spread, rel,
    std, n, n_diverged, paper_rel."""
    t6 = table6(cross, sparsity)
    rows = []
    for d, g in t6.groupby("dataset", sort=False):
        dense = g[g["profile"] == "dense"]
        dm = dense["mean"].iloc[0] if len(dense) else np.nan
        dp = dense["paper"].iloc[0] if len(dense) else np.nan
        for r in g[g["profile"] != "dense"].itertuples():
            if r.n + r.n_diverged == 0:  # a condition or dataset we did not train
                continue
            rows.append(dict(dataset=d, label=r.label, condition=r.condition, spread=r.spread,
                             rel=r.mean - dm, std=r.std, n=r.n, n_diverged=r.n_diverged,
                             paper_rel=r.paper - dp))
    return pd.DataFrame(rows, columns=["dataset", "label", "condition", "spread", "rel", "std",
                                       "n", "n_diverged", "paper_rel"])


# ---- Comparisons (§3.1, §3.2) --------------------------------------------------------------------

def inverse_vs_standard(sweep: pd.DataFrame) -> pd.DataFrame:
    """Each profile vs its inverse (inverse − standard) per sparsity and spread (Welch over
    seeds), then over matched configurations: the mean difference, a paired t-test on the
    configuration means (§3.1: 0.01%, p = 0.57) and the largest |difference| (0.1–0.2%)."""
    sweep = _with_keys(sweep)
    rows = []
    for prof in sorted(set(sweep["profile"].dropna())):
        inv = f"inverse_{prof}"
        if prof.startswith("inverse_") or inv not in set(sweep["profile"]):
            continue
        for (d, s, spread), a in sweep[sweep["profile"] == inv].groupby(["dataset", "_s", "spread"]):
            b = sweep[(sweep["profile"] == prof) & (sweep["dataset"] == d) & (sweep["_s"] == s)
                      & (sweep["spread"] == spread)]
            if len(b):
                rows.append(_pair_row("inverse_vs_standard", inv, prof, a, b,
                                      dataset=d, sparsity=s, spread=spread))
    per = _frame(rows)
    ok = per.dropna(subset=["mean_a", "mean_b"])
    out = [per]
    if len(ok):
        t, p = paired(ok["mean_a"], ok["mean_b"])
        c = pub.COMPARISONS
        out.append(_frame([
            _summary_row("inverse_vs_standard", "mean diff (inverse − standard, matched configs)",
                         float(ok["diff"].mean()), c["inverse_vs_standard_mean_diff"]["value"],
                         c["inverse_vs_standard_mean_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            _summary_row("inverse_vs_standard", "paired t (config means)",
                         float(ok["diff"].mean()), c["inverse_vs_standard_p"]["value"],
                         c["inverse_vs_standard_p"]["source"], n_a=len(ok), n_b=len(ok),
                         statistic=t, p=p),
            _summary_row("inverse_vs_standard", "max |diff|", float(ok["diff"].abs().max()),
                         c["inverse_vs_standard_max_abs_diff"]["value"][1],
                         c["inverse_vs_standard_max_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
        ]))
    return pd.concat(out, ignore_index=True)


def even_vs_random(sweep: pd.DataFrame) -> pd.DataFrame:
    """Even − random spreading per profile and sparsity (Welch over seeds), then the largest
    gap and the mean absolute difference over configurations (§3.1: 0.34% / 0.11%)."""
    sweep = _with_keys(sweep)
    psn = sweep[~sweep["condition"].isin([RANDOM_CONDITION, DENSE_CONDITION])]
    rows = []
    for (d, cond, s), g in psn.groupby(["dataset", "condition", "_s"]):
        a, b = g[g["spread"] == "even"], g[g["spread"] == "random"]
        if len(a) and len(b):
            rows.append(_pair_row("even_vs_random", f"{cond} even", f"{cond} random", a, b,
                                  dataset=d, sparsity=s, spread="even−random"))
    per = _frame(rows)
    ok = per.dropna(subset=["diff"])
    out = [per]
    if len(ok):
        c = pub.COMPARISONS
        t, p = paired(ok["mean_a"], ok["mean_b"])
        out.append(_frame([
            _summary_row("even_vs_random", "max |diff|", float(ok["diff"].abs().max()),
                         c["even_vs_random_max_abs_diff"]["value"],
                         c["even_vs_random_max_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            _summary_row("even_vs_random", "mean |diff|", float(ok["diff"].abs().mean()),
                         c["even_vs_random_mean_abs_diff"]["value"],
                         c["even_vs_random_mean_abs_diff"]["source"], n_a=len(ok), n_b=len(ok)),
            _summary_row("even_vs_random", "paired t (config means)", float(ok["diff"].mean()),
                         n_a=len(ok), n_b=len(ok),
                         statistic=t, p=p),
        ]))
    return pd.concat(out, ignore_index=True)


def profiles_vs_random(models: pd.DataFrame, comparison: str = "profile_vs_random",
                       sparsities: Iterable[float] | None = None,
                       paper_min_p: float = np.nan, source: str = "") -> pd.DataFrame:
    """Every PSN (condition, spread) vs the random baseline at the same dataset and sparsity
    (Welch over seeds, profile − random); then per dataset the smallest p, how many of the
    tests fall below 0.05 and 0.1, and the spread (max − min) of all variants' means."""
    models = _with_keys(models)
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
    per = _frame(rows)
    out = [per]
    summ = []
    for d, g in per.groupby("dataset"):
        ps = g["p"].dropna()
        summ.append(_summary_row(comparison, "min p", np.nan, paper_min_p, source, dataset=d, n_a=len(ps),
                                 p=float(ps.min()) if len(ps) else np.nan))
        summ.append(_summary_row(comparison, "count p < 0.05", float((ps < 0.05).sum()), 0.0,
                                 source, dataset=d, n_a=len(ps)))
        summ.append(_summary_row(comparison, "count p < 0.1", float((ps < 0.1).sum()), np.nan,
                                 source, dataset=d, n_a=len(ps)))
    out.append(_frame(summ))
    return pd.concat(out, ignore_index=True)


def variant_spread(models: pd.DataFrame, comparison: str, paper: Mapping[str, float] | float = np.nan,
                   source: str = "", sparsities: Iterable[float] | None = None) -> pd.DataFrame:
    """max − min of the (condition, spread) mean accuracies, dense excluded, per dataset and
    sparsity (§3.1 "spans only around 0.2%"; §3.2 0.20/0.18/0.25/0.55%)."""
    models = _with_keys(models)
    if sparsities is not None:
        models = models[models["_s"].isin({sparsity_key(s) for s in sparsities})]
    m = summarise(models[models["condition"] != DENSE_CONDITION], ["dataset", "_s", "condition", "spread"],
                  metrics=("final_acc",))
    rows = []
    for (d, s), g in m.groupby(["dataset", "_s"]):
        means = g["final_acc_mean"].dropna()
        pv = paper.get(d, np.nan) if isinstance(paper, Mapping) else paper
        rows.append(_summary_row(comparison, "range of means (max − min)",
                                 float(means.max() - means.min()) if len(means) else np.nan,
                                 pv, source, dataset=d, sparsity=s, n_a=len(means),
                                 a=str(g.loc[g["final_acc_mean"].idxmax(), "condition"]) if len(means) else "",
                                 b=str(g.loc[g["final_acc_mean"].idxmin(), "condition"]) if len(means) else "",
                                 n_diverged_a=int(g["n_diverged"].sum())))
    return _frame(rows)


def comparisons(models_by_experiment: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every comparison of §3.1–3.2 the present experiments allow, one table."""
    parts = []
    c = pub.COMPARISONS
    sweep = models_by_experiment.get("mnist_sweep")
    if sweep is not None and len(sweep):
        parts += [inverse_vs_standard(sweep), even_vs_random(sweep),
                  profiles_vs_random(sweep, "mnist_profile_vs_random",
                                     paper_min_p=c["profiles_vs_random_min_p"]["value"],
                                     source=c["profiles_vs_random_min_p"]["source"]),
                  variant_spread(sweep, "mnist_variant_spread", c["mnist_variant_spread"]["value"],
                                 c["mnist_variant_spread"]["source"])]
    cross = models_by_experiment.get("cross_dataset")
    if cross is not None and len(cross):
        parts += [profiles_vs_random(cross, "cross_dataset_vs_random", sparsities=[0.9],
                                     paper_min_p=c["cross_dataset_min_p"]["value"],
                                     source=c["cross_dataset_min_p"]["source"]),
                  variant_spread(cross, "cross_dataset_spread", pub.CROSS_DATASET_SPREAD,
                                 pub.CROSS_DATASET_SPREAD_SOURCE, sparsities=[0.9])]
    mp = models_by_experiment.get("multipeak")
    if mp is not None and len(mp):
        dense = sweep[sweep["condition"] == DENSE_CONDITION] if sweep is not None and len(sweep) else None
        parts.append(multipeak_ranges(multipeak_summary(mp),
                                      dense_mean=float(_acc(dense).mean()) if dense is not None and len(_acc(dense)) else None))
    abl = models_by_experiment.get("spreading_ablation")
    if abl is not None and len(abl):
        t = spreading_ablation(abl)
        seq = t[t["label"] == "sequential"]
        if len(seq):
            src = pub.SPREADING_ABLATION["sequential_minus_even"]
            parts.append(_frame([_summary_row("spreading_ablation", "sequential − even",
                                              float(seq["diff_vs_even"].iloc[0]), src["value"],
                                              src["source"], a="sequential", b="even")]))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _frame([])


# ---- Multi-peak (Figure 2b) ---------------------------------------------------------------------

def multipeak_summary(mp: pd.DataFrame) -> pd.DataFrame:
    """Per (β, k): accuracy and realised fan-in CCV mean ± std, gradient ratios, n, n_diverged."""
    return summarise(mp, ["beta", "k"])


def multipeak_ranges(summary: pd.DataFrame, dense_mean: float | None = None) -> pd.DataFrame:
    """The §3.1 multi-peak figures from :func:`multipeak_summary`: total and per-β range of
    the configuration means, extremes, CCV at k=1, and the k=1 β=1200 drop relative to the
    dense mean (the paper's 0.69% = 97.81 − 97.12) when ``dense_mean`` is given."""
    mp = pub.MULTIPEAK
    acc = summary["final_acc_mean"]
    rows = [_summary_row("multipeak", "total range", float(acc.max() - acc.min()),
                         mp["total_range"]["value"], mp["total_range"]["source"], n_a=int(acc.notna().sum())),
            _summary_row("multipeak", "min config mean", float(acc.min()), mp["acc_min"]["value"], mp["acc_min"]["source"]),
            _summary_row("multipeak", "max config mean", float(acc.max()), mp["acc_max"]["value"], mp["acc_max"]["source"])]
    for beta, g in summary.groupby("beta"):
        key = f"range_beta{beta:g}"
        a = g["final_acc_mean"]
        rows.append(_summary_row("multipeak", f"range β={beta:g}", float(a.max() - a.min()),
                                 mp.get(key, {}).get("value", np.nan), mp.get(key, {}).get("source", ""),
                                 n_a=int(a.notna().sum())))
    for beta in (1200, 50):
        k1 = summary[(summary["k"] == 1) & (summary["beta"] == beta)]
        key = f"ccv_k1_beta{beta}"
        if len(k1):
            rows.append(_summary_row("multipeak", f"fan-in CCV k=1 β={beta}", float(k1["fan_in_cv_mean"].iloc[0]),
                                     mp[key]["value"], mp[key]["source"]))
    k1 = summary[(summary["k"] == 1) & (summary["beta"] == 1200)]
    if len(k1):
        a = float(k1["final_acc_mean"].iloc[0])
        rows.append(_summary_row("multipeak", "acc k=1 β=1200", a, mp["acc_k1_beta1200"]["value"],
                                 mp["acc_k1_beta1200"]["source"], n_a=int(k1["n"].iloc[0]),
                                 n_diverged_a=int(k1["n_diverged"].iloc[0])))
        if dense_mean is not None:
            rows.append(_summary_row("multipeak", "drop k=1 β=1200 vs dense (mnist_sweep)", dense_mean - a,
                                     mp["drop_k1_beta1200"]["value"], mp["drop_k1_beta1200"]["source"]))
        rows.append(_summary_row("multipeak", "drop k=1 β=1200 vs best multi-peak", float(acc.max()) - a))
    return _frame(rows)


# ---- Gradient hierarchy -------------------------------------------------------------------------

def gradient_points(models: pd.DataFrame, unit: str = "configuration") -> pd.DataFrame:
    """Fan-in CV beside the gradient ratios (both readings, init and final), dense models
    excluded, diverged ones too. ``unit``: "model" (one point per trained model, layers
    averaged), "configuration" (seeds averaged) or "layer" (one point per model and layer)."""
    m = finished(models[models["condition"] != DENSE_CONDITION])
    keys = _present(m, CONFIG_KEYS)
    if unit == "model":
        out = m[[*keys, "seed", "fan_in_cv", *_present(m, GRAD_COLUMNS)]].copy()
    elif unit == "configuration":
        cols = ["fan_in_cv", *_present(m, GRAD_COLUMNS)]
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


def pearson(x: Sequence[float], y: Sequence[float]) -> tuple[float, float, int]:
    """scipy's Pearson r and p over the finite pairs; NaN when < 3 pairs or a constant side."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan, np.nan, int(len(x))
    res = stats.pearsonr(x, y)
    return float(res.statistic), float(res.pvalue), int(len(x))


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
