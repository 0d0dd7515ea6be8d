"""Statistics over tables of trained models (one row a model): summaries and tests.

Diverged models (``diverged`` true, accuracies NaN) are never averaged: every summary counts
them in ``n_diverged`` and takes means and standard deviations (ddof=1) over the finished
models only, whose count is ``n``. Tests between conditions are over seeds (Welch's t-test,
unequal variances), as the paper compares "5 seeds each".
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from psn.analysis.columns import DEFAULT_METRICS, present


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


def final_accuracies(models: pd.DataFrame) -> np.ndarray:
    """Final accuracies of the finished models."""
    return finished(models)["final_acc"].to_numpy(float)


def n_diverged(models: pd.DataFrame) -> int:
    return int(diverged_mask(models).sum())


def accuracy_summary(models: pd.DataFrame) -> dict[str, float | int]:
    """mean, std (ddof=1) and n of the finished models' final accuracies (NaN where too few),
    and n_diverged."""
    acc = final_accuracies(models)
    return dict(mean=float(acc.mean()) if len(acc) else np.nan,
                std=float(acc.std(ddof=1)) if len(acc) > 1 else np.nan,
                n=len(acc), n_diverged=n_diverged(models))


def summarise(models: pd.DataFrame, by: Sequence[str], metrics: Iterable[str] = DEFAULT_METRICS) -> pd.DataFrame:
    """Per group of ``by``: n (finished models), n_diverged, and ``{metric}_mean``/``_std``
    (ddof=1, over finished models only) for each metric present in ``models``."""
    by = list(by)
    metrics = present(models, metrics)
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


def cohens_d(a: Sequence[float], b: Sequence[float], ddof: int = 1) -> float:
    """(mean a − mean b) / pooled SD, the pooled variance being the summed squared deviations
    over n_a + n_b − 2·ddof (ddof = 0: over n_a + n_b); NaN when that is not positive or the
    pooled SD is 0."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    dof = len(a) + len(b) - 2 * ddof
    if not len(a) or not len(b) or dof <= 0:
        return np.nan
    ss = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
    sd = np.sqrt(ss / dof)
    return float((a.mean() - b.mean()) / sd) if sd > 0 else np.nan
