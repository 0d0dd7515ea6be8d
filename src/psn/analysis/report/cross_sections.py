"""The report's cross-dataset sections (§3.2): Table 6, and §3.2's spreads, p-values, the
within-dense bound and the separate Fashion-MNIST 98% run."""

from __future__ import annotations

import math

import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.comparisons import CROSS_DATASET_SPREAD, CROSS_DATASET_SPREAD_ALL, CROSS_DATASET_VS_RANDOM, MIN_P
from psn.analysis.report.core import Claim, Ours, Results, Section, claim_id, num
from psn.analysis.report.judging import (FIGURE2C_KEYS, TABLE6_SPARSE_KEYS, of, put, settings_of, summary,
                                         table6_members, widest_spread)
from psn.analysis.report.static_sections import static_comparisons
from psn.analysis.tables import table6


# ---- Table 6 ---------------------------------------------------------------------------------------

def _table6_claims() -> list[Claim]:
    return [Claim(claim_id("table6", label, d), "Table 6", pub.TABLE6_SOURCE, f"{label}, {d}", v, 2,
                  experiment="cross_dataset", dataset=d)
            for label, _, _, _, values in pub.TABLE6_ROWS for d, v in zip(pub.TABLE6_DATASETS, values)]


def _table6_rows(long: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Of ours in Table 6's long form (:func:`psn.analysis.tables.table6`), the rows on ``dataset``
    that have a published number and a model, the random-spread (or dense) variant of a profile first."""
    rows = long[(long["dataset"] == dataset) & long["paper"].notna() & (long["n"] > 0)]
    return rows.sort_values("spread", key=lambda c: c.map({"random": 0, "none": 0}).fillna(1))


def _table6_cells(res: Results):
    """Per Table 6 dataset with cross-dataset models: (dataset, its models, their settings, its
    Table 6 rows)."""
    cross = res.static.get("cross_dataset")
    if cross is None or not len(cross):
        return
    long = table6(cross)
    for d in pub.TABLE6_DATASETS:
        sub = of(cross, d)
        if sub is not None:
            yield d, sub, settings_of(sub, "cross_dataset", d), _table6_rows(long, d)


def _measure_table6(res: Results, out: dict[str, Ours]) -> None:
    for d, sub, settings, rows in _table6_cells(res):
        for label in dict.fromkeys(rows["label"]):
            r = rows[rows["label"] == label].iloc[0]
            put(out, claim_id("table6", label, d), r["mean"], settings, r["std"], r["n"],
                note="" if r["spread"] in ("random", "none") else f"{r['spread']} spreading",
                seeds=r["n"], diverged=r["n_diverged"])


TABLE6 = Section("table6", _table6_claims, _measure_table6)


# ---- §3.2 ------------------------------------------------------------------------------------------

_FASHION98 = (("powerlaw", "Fashion-MNIST 98%, power-law CV 1.0"), ("random", "Fashion-MNIST 98%, random"),
              ("gap", "Fashion-MNIST 98%, power-law − random"))
# claim stem and the variant-spread comparison that measures it: Table 6's seven sparse rows, or
# Figure 2c's nine profiles
_SPREADS = (("cross_spread", CROSS_DATASET_SPREAD, TABLE6_SPARSE_KEYS),
            ("cross_spread_nine", CROSS_DATASET_SPREAD_ALL, FIGURE2C_KEYS))


def _section32_claims() -> list[Claim]:
    c = pub.COMPARISONS
    out = [Claim(claim_id("cross_spread", d), "§3.2 cross-dataset", pub.CROSS_DATASET_SPREAD_SOURCE,
                 f"spread of the seven sparse rows' means (max − min), {d}", v, 2,
                 experiment="cross_dataset", dataset=d) for d, v in pub.CROSS_DATASET_SPREAD.items()]
    out += [Claim(claim_id("cross_spread_nine", d), "§3.2 cross-dataset", pub.CROSS_DATASET_SPREAD_SOURCE,
                  f"the same spread over Figure 2c's nine profiles (with power-law CV 1.0, 1.5), {d}", v, 2,
                  experiment="cross_dataset", dataset=d) for d, v in pub.CROSS_DATASET_SPREAD.items()]
    out += [Claim(claim_id("cross_min_p", d), "§3.2 cross-dataset", c["cross_dataset_min_p"]["source"],
                  f"smallest p of profile vs random, {d}", c["cross_dataset_min_p"]["value"], 2, "above",
                  "cross_dataset", d) for d in pub.TABLE6_DATASETS]
    out += [Claim(claim_id("within_dense", d), "§3.2 cross-dataset", c["within_dense_90"]["source"],
                  f"largest |sparse − dense| at 90% (Forest's lognormal 2.5 excepted), {d}",
                  c["within_dense_90"]["value"], 1, "below", "cross_dataset", d) for d in pub.TABLE6_DATASETS]
    f = pub.FASHION_98
    out += [Claim(claim_id("fashion98", k), "§3.2 cross-dataset", f[k]["source"], q, f[k]["value"], 2,
                  experiment="fashion_98", dataset="fashion_mnist") for k, q in _FASHION98]
    return out


def _measure_cross(res: Results, out: dict[str, Ours]) -> None:
    """The smallest p against random and the spreads of the variants' means, per dataset."""
    table = static_comparisons(res, "cross_dataset")
    if not len(table):
        return
    for d in pub.TABLE6_DATASETS:
        sub = of(res.static.get("cross_dataset"), d)
        if sub is None:
            continue
        st = settings_of(sub, "cross_dataset", d)
        seven = table6_members(sub, d, TABLE6_SPARSE_KEYS, st.n)
        r = summary(table, CROSS_DATASET_VS_RANDOM, MIN_P, d)
        if r is not None:
            put(out, claim_id("cross_min_p", d), r["p"], st, n=r["n_a"], missing=seven[0], thin=seven[1])
        for stem, comparison, keys in _SPREADS:
            r = widest_spread(table, comparison, d)  # one sparsity, 90%
            if r is not None:
                missing, thin = table6_members(sub, d, keys, st.n)
                put(out, claim_id(stem, d), r["diff"], st, n=r["n_a"], note=f"{r['a']} highest, {r['b']} lowest",
                    missing=missing, thin=thin)


def _measure_within_dense(res: Results, out: dict[str, Ours]) -> None:
    """The largest |sparse − dense| of Table 6's rows (Forest Cover's lognormal 2.5 excepted)."""
    for d, sub, settings, rows in _table6_cells(res):
        dense = rows[rows["profile"] == "dense"]
        sparse = rows[rows["profile"] != "dense"]
        if d == "forest_cover":
            sparse = sparse[~((sparse["profile"] == "lognormal") & (sparse["ccv"].map(num) == 2.5))]
        if len(dense) and len(sparse):
            gap = (sparse["mean"] - float(dense["mean"].iloc[0])).abs()
            worst = sparse.loc[gap.idxmax(), "label"]
            keys = [("dense", None), *(k for k in TABLE6_SPARSE_KEYS
                                      if not (d == "forest_cover" and k == ("lognormal", 2.5)))]
            missing, thin = table6_members(sub, d, keys, settings.n)
            put(out, claim_id("within_dense", d), float(gap.max()), settings, note=f"largest: {worst}",
                missing=missing, thin=thin)


def _measure_fashion98(res: Results, out: dict[str, Ours]) -> None:
    run = of(res.static.get("fashion_98"), "fashion_mnist")
    if run is None:
        return
    at98 = run[run["target_sparsity"].map(sparsity_key) == 0.98]
    pl = at98[(at98["profile"] == "powerlaw") & (at98["ccv_target"].map(num) == 1.0)]
    rnd = at98[at98["condition"] == "random"]
    accs = {}
    for key, m in (("powerlaw", pl), ("random", rnd)):
        acc = m["final_acc"].dropna()
        if len(acc):
            accs[key] = acc
            put(out, claim_id("fashion98", key), acc.mean(), settings_of(m, "fashion_98", "fashion_mnist"),
                acc.std(ddof=1) if len(acc) > 1 else math.nan, len(acc), seeds=len(acc))
    if len(accs) == 2:
        a, b = accs["powerlaw"], accs["random"]
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) if len(a) > 1 and len(b) > 1 else math.nan
        put(out, claim_id("fashion98", "gap"), a.mean() - b.mean(),
            settings_of(pd.concat([pl, rnd]), "fashion_98", "fashion_mnist"),
            n=min(len(a), len(b)), se=se, seeds=min(len(a), len(b)))


def _measure_section32(res: Results, out: dict[str, Ours]) -> None:
    _measure_cross(res, out)
    _measure_within_dense(res, out)
    _measure_fashion98(res, out)


SECTION32 = Section("section32", _section32_claims, _measure_section32)
