"""Tables 5 and 6 and Figure 2c's accuracy relative to dense, ours beside the paper's.

Pure functions on ``models.csv`` tables (one row a trained model, see ``psn.analysis.runs``);
the paper's values come from :mod:`psn.analysis.published`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import DENSE_CONDITION, RANDOM_CONDITION, sparsity_key, with_sparsity_key
from psn.analysis.stats import accuracy_summary, finished


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
    sweep = with_sparsity_key(sweep)
    # The paper's Table 5 is MNIST at 5 epochs: set it beside ours only when ours is that too.
    comparable = set(sweep["dataset"]) == {"mnist"}
    paper = {(sparsity_key(s), c): v for s, vals in pub.TABLE5_VALUES.items()
             for c, v in zip(pub.TABLE5_COLUMNS, vals)} if comparable else {}
    cells = _table5_cells(sweep, spread)
    ours_s = set(sweep.loc[sweep["condition"] != DENSE_CONDITION, "_s"])
    rows = []
    for s in sorted(ours_s | {k[0] for k in paper}):
        for col in pub.TABLE5_COLUMNS:
            ours = accuracy_summary(cells[col][cells[col]["_s"] == s])
            pv = paper.get((s, col), np.nan)
            rows.append(dict(sparsity=s, column=col, **ours, paper=pv, paper_std=np.nan,
                             diff=ours["mean"] - pv, source=pub.TABLE5_SOURCE if np.isfinite(pv) else ""))
    ours = accuracy_summary(sweep[sweep["condition"] == DENSE_CONDITION])
    ref = pub.DENSE_MNIST_5EP if comparable else {"mean": np.nan, "std": np.nan, "source": ""}
    rows.append(dict(sparsity=np.nan, column="dense", **ours, paper=ref["mean"],
                     paper_std=ref["std"], diff=ours["mean"] - ref["mean"], source=ref["source"]))
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


_FAMILY_LABELS = {"powerlaw": "Power-law", "lognormal": "Lognormal"}


def table6(cross: pd.DataFrame, sparsity: float = 0.9) -> pd.DataFrame:
    """Table 6 in long form: per (row, spread, dataset) at ``sparsity`` (dense at 0), ours
    beside the paper's; rows in the paper's order, then any extra conditions we trained.

    Columns: label, profile, ccv, condition, spread, dataset, mean, std, n, n_diverged,
    fan_in_cv, paper, diff, source.
    """
    cross = with_sparsity_key(cross)
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
            name = _FAMILY_LABELS.get(key[0], key[0])
            label = name if key[1] is None else f"{name} ({key[1]:.1f})"
        grp = sel[sel["_key"].map(lambda k: k == key).astype(bool)]
        spreads = sorted(set(grp["spread"])) or ["random" if key[0] != "dense" else "none"]
        for spread in spreads:
            for d in datasets:
                cell = grp[(grp["spread"] == spread) & (grp["dataset"] == d)]
                done = finished(cell)
                ours = accuracy_summary(cell)
                pv = paper.get(d, np.nan)
                rows.append(dict(label=label, profile=key[0], ccv=key[1],
                                 condition=cell["condition"].iloc[0] if len(cell) else "",
                                 spread=spread, dataset=d, **ours,
                                 fan_in_cv=float(done["fan_in_cv"].mean()) if len(done) else np.nan,
                                 paper=pv, diff=ours["mean"] - pv,
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
