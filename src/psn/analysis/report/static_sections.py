"""The report's MNIST sections (§3.1): Table 5, the sweep's comparisons, multi-peak, the
gradient hierarchy and the spreading ablation; and §2.1's Forest Cover grid. Each section's
claims and its measurement read the same spec, so their ids cannot drift apart."""

from __future__ import annotations

import math

import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import DENSE_CONDITION, sparsity_key
from psn.analysis.comparisons import (EVEN_VS_RANDOM, INVERSE_VS_STANDARD, MAX_ABS_DIFF, MEAN_ABS_DIFF,
                                      MEAN_DIFF_MATCHED, MIN_P, MNIST_PROFILE_VS_RANDOM, MNIST_VARIANT_SPREAD,
                                      PAIRED_T, comparisons)
from psn.analysis.report.core import Claim, Ours, Results, Section, claim_id, num, pct
from psn.analysis.report.judging import (multipeak_members, of, put, run, settings_of, summary, sweep_members,
                                         widest_spread)
from psn.analysis.static import (ACC_K1_BETA1200, DROP_K1_VS_DENSE, MAX_CONFIG_MEAN, MIN_CONFIG_MEAN, MULTIPEAK,
                                 STATIC_COMPARISONS, TOTAL_RANGE, ccv_k1_at_beta, forest_grid, gradient_table,
                                 range_at_beta, spreading_ablation)
from psn.analysis.stats import finished
from psn.analysis.tables import table5


def static_comparisons(res: Results, experiment: str) -> pd.DataFrame:
    """The comparisons (:data:`psn.analysis.static.STATIC_COMPARISONS`) of one static experiment."""
    return comparisons(res.static, [(e, c) for e, c in STATIC_COMPARISONS if e == experiment])


# ---- Table 5 and the 5-epoch dense baseline --------------------------------------------------------

def _table5_claims() -> list[Claim]:
    out = [Claim(claim_id("table5", c, s=s), "Table 5", pub.TABLE5_SOURCE,
                 f"MNIST 5 ep, {pct(s)}%, {c}", v, 2, experiment="mnist_sweep", dataset="mnist")
           for s, values in pub.TABLE5_VALUES.items() for c, v in zip(pub.TABLE5_COLUMNS, values)]
    d = pub.DENSE_MNIST_5EP
    out.append(Claim(claim_id("dense_mnist_5ep"), "Dense baselines", d["source"], "dense MNIST, 5 epochs", d["mean"],
                     2, experiment="mnist_sweep", dataset="mnist"))
    return out


def _measure_table5(res: Results, out: dict[str, Ours]) -> None:
    sweep, settings = run(res, "mnist_sweep", "mnist")
    if sweep is None:
        return
    paper = {sparsity_key(s) for s in pub.TABLE5_VALUES}
    for r in table5(sweep).to_dict("records"):
        own = dict(seeds=r["n"], diverged=r["n_diverged"])
        if r["column"] == "dense":
            put(out, claim_id("dense_mnist_5ep"), r["mean"], settings, r["std"], r["n"], **own)
        elif sparsity_key(r["sparsity"]) in paper:  # our sweep's other sparsities have no published number
            put(out, claim_id("table5", r["column"], s=r["sparsity"]), r["mean"], settings, r["std"], r["n"], **own)


TABLE5 = Section("table5", _table5_claims, _measure_table5)


# ---- §3.1: the sweep's comparisons and best-epoch gap ---------------------------------------------

# claim key, quantity, decimals, kind; the comparison row that measures it (comparison, test,
# dataset or None, column)
_SWEEP = (
    ("inverse_vs_standard_mean_diff", "inverse − standard, mean over matched configurations", 2, "value",
     INVERSE_VS_STANDARD, MEAN_DIFF_MATCHED, None, "diff"),
    ("inverse_vs_standard_p", "inverse vs standard, paired p", 2, "significance",
     INVERSE_VS_STANDARD, PAIRED_T, None, "p"),
    ("inverse_vs_standard_max_abs_diff", "inverse vs standard, largest |difference|", 1, "range",
     INVERSE_VS_STANDARD, MAX_ABS_DIFF, None, "diff"),
    ("even_vs_random_max_abs_diff", "even − random spreading, largest |difference|", 2, "value",
     EVEN_VS_RANDOM, MAX_ABS_DIFF, None, "diff"),
    ("even_vs_random_mean_abs_diff", "even − random spreading, mean |difference|", 2, "value",
     EVEN_VS_RANDOM, MEAN_ABS_DIFF, None, "diff"),
    ("profiles_vs_random_min_p", "smallest p of profile vs random (all > 0.1)", 1, "above",
     MNIST_PROFILE_VS_RANDOM, MIN_P, "mnist", "p"),
)
_VARIANT_SPREAD = ("mnist_variant_spread", "spread of the 17 sparse variants' means (~0.2%)", 1, "value")
_BEST_MINUS_FINAL = ("mean", "max")


def _section31_claims() -> list[Claim]:
    c = pub.COMPARISONS
    spec = [row[:4] for row in _SWEEP] + [_VARIANT_SPREAD]
    out = [Claim(claim_id(key), "§3.1 MNIST sweep", c[key]["source"], quantity, c[key]["value"], dec, kind,
                 "mnist_sweep", "mnist") for key, quantity, dec, kind in spec]
    b = pub.BEST_MINUS_FINAL
    out += [Claim(claim_id("best_minus_final", k), "§3.1 MNIST sweep", b[k]["source"],
                  f"best − final epoch accuracy, {k} over models", b[k]["value"], 2, experiment="mnist_sweep",
                  dataset="mnist") for k in _BEST_MINUS_FINAL]
    return out


def _measure_section31(res: Results, out: dict[str, Ours]) -> None:
    sweep, st = run(res, "mnist_sweep", "mnist")
    if sweep is None:
        return
    missing, thin = sweep_members(sweep, st.n)
    table = static_comparisons(res, "mnist_sweep")
    if len(table):
        for key, _, _, _, comparison, test, dataset, col in _SWEEP:
            r = summary(table, comparison, test, dataset)
            if r is not None:
                put(out, claim_id(key), r[col], st, n=r["n_a"], missing=missing, thin=thin)
        # Figure 2a: "all profiles cluster within 0.2% of each other up to 98% sparsity"
        r = widest_spread(table, MNIST_VARIANT_SPREAD, "mnist", up_to=0.98)
        if r is not None:
            up_to = sweep_members(sweep, st.n, up_to=0.98)
            put(out, claim_id(_VARIANT_SPREAD[0]), r["diff"], st, n=r["n_a"],
                note=f"widest at {100 * r['sparsity']:g}% up to 98%: {r['a']} highest, {r['b']} lowest",
                missing=up_to[0], thin=up_to[1])
    sparse = sweep[(sweep["condition"] != DENSE_CONDITION)]
    gap = (sparse["best_acc"] - sparse["final_acc"]).dropna()
    if len(gap):
        put(out, claim_id("best_minus_final", "mean"), gap.mean(), st, gap.std(ddof=1), len(gap), missing=missing,
            thin=thin)
        put(out, claim_id("best_minus_final", "max"), gap.max(), st, n=len(gap), missing=missing, thin=thin)


SECTION31 = Section("section31", _section31_claims, _measure_section31)


# ---- Multi-peak (Figure 2b) and the 5-epoch random baseline ---------------------------------------

# claim key (pub.MULTIPEAK's), quantity, decimals; the multi-peak comparison's test that measures it
_MULTIPEAK = (
    ("total_range", "range of the 72 configuration means", 2, TOTAL_RANGE),
    ("acc_min", "lowest configuration mean", 2, MIN_CONFIG_MEAN),
    ("acc_max", "highest configuration mean", 2, MAX_CONFIG_MEAN),
    ("range_beta12", "range of means at β = 12", 2, range_at_beta(12)),
    ("range_beta50", "range of means at β = 50", 2, range_at_beta(50)),
    ("range_beta1200", "range of means at β = 1200", 2, range_at_beta(1200)),
    ("ccv_k1_beta1200", "realised fan-in CCV, k = 1, β = 1200", 2, ccv_k1_at_beta(1200)),
    ("acc_k1_beta1200", "accuracy, k = 1, β = 1200", 2, ACC_K1_BETA1200),
    ("drop_k1_beta1200", "dense − (k = 1, β = 1200)", 2, DROP_K1_VS_DENSE),
)
_RANDOM_90 = claim_id("random_mnist_5ep", s=0.9)


def _multipeak_claims() -> list[Claim]:
    m = pub.MULTIPEAK
    out = [Claim(claim_id("multipeak", key), "Multi-peak (Figure 2b)", m[key]["source"], quantity, m[key]["value"],
                 dec, experiment="multipeak", dataset="mnist") for key, quantity, dec, _ in _MULTIPEAK]
    r = m["random_baseline"]
    out.append(Claim(_RANDOM_90, "Dense baselines", r["source"], "random baseline MNIST, 5 epochs, 90%",
                     r["value"], 2, experiment="mnist_sweep", dataset="mnist"))
    return out


def _measure_multipeak(res: Results, out: dict[str, Ours]) -> None:
    sweep, settings = run(res, "mnist_sweep", "mnist")
    if sweep is not None:
        long = table5(sweep)
        rnd = long[(long["column"] == "random") & (long["sparsity"].map(lambda s: s == s and sparsity_key(s) == 0.9))]
        if len(rnd):
            r = rnd.iloc[0]
            put(out, _RANDOM_90, r["mean"], settings, r["std"], r["n"], seeds=r["n"], diverged=r["n_diverged"])
    mp = of(res.static.get("multipeak"), "mnist")
    table = static_comparisons(res, "multipeak")
    if mp is None or not len(table):
        return
    st = settings_of(mp, "multipeak", "mnist")
    grid = multipeak_members(mp, st.n)
    k1 = finished(mp[(mp["k"].map(num) == 1) & (mp["beta"].map(num) == 1200)])
    dense = finished(sweep[sweep["condition"] == DENSE_CONDITION]) if sweep is not None else k1.iloc[0:0]
    single = {"acc_k1_beta1200": dict(seeds=k1["seed"].nunique()),
              "ccv_k1_beta1200": dict(seeds=k1["seed"].nunique()),
              "drop_k1_beta1200": dict(seeds=min(k1["seed"].nunique(), dense["seed"].nunique()))}
    for key, _, _, test in _MULTIPEAK:
        r = summary(table, MULTIPEAK, test)
        if r is not None:
            own = single.get(key, dict(missing=grid[0], thin=grid[1]))
            put(out, claim_id("multipeak", key), r["diff"], st, n=r["n_a"], **own)


MULTIPEAK_SECTION = Section("multipeak", _multipeak_claims, _measure_multipeak)


# ---- Gradient hierarchy ----------------------------------------------------------------------------

def _gradient_claims() -> list[Claim]:
    g = pub.GRADIENTS
    return [Claim(claim_id("gradient_structured_range"), "Gradient hierarchy", g["structured_ratio_range"]["source"],
                  "largest hub/specialist gradient ratio of a structured profile", g["structured_ratio_range"]["value"],
                  1, "range", "mnist_sweep", "mnist"),
            Claim(claim_id("gradient_random_ratio"), "Gradient hierarchy", g["random_ratio"]["source"],
                  "gradient ratio of the random baseline", g["random_ratio"]["value"], 1, experiment="mnist_sweep",
                  dataset="mnist"),
            Claim(claim_id("gradient_r"), "Gradient hierarchy", g["r_fan_in_cv"]["source"],
                  "Pearson r, gradient ratio vs fan-in CV", g["r_fan_in_cv"]["value"], 2, experiment="mnist_sweep",
                  dataset="mnist")]


def _measure_gradients(res: Results, out: dict[str, Ours]) -> None:
    sets = {k: res.static[k] for k in ("mnist_sweep", "multipeak") if of(res.static.get(k), "mnist") is not None}
    if not sets:
        return
    table = gradient_table(sets, units=("configuration",))
    name = "all" if len(sets) > 1 else next(iter(sets))
    st = settings_of(pd.concat(sets.values()), "mnist_sweep", "mnist")
    parts = [sweep_members(sets["mnist_sweep"], st.n)] if "mnist_sweep" in sets else []
    parts += [multipeak_members(sets["multipeak"], st.n)] if "multipeak" in sets else []
    members = dict(missing=[x for p in parts for x in p[0]], thin=[x for p in parts for x in p[1]])
    t = table[(table["set"] == name) & (table["when"] == "init") & (table["reading"] == "per_connection")]
    pr = t[t["kind"] == "pearson"]
    others = table[(table["kind"] == "pearson") & (table["set"] == name)]
    if len(pr):
        r = pr.iloc[0]
        n = int(r["n"])
        se = (1 - r["r"] ** 2) / math.sqrt(n - 1) if n > 1 else math.nan
        alt = ", ".join(f"{o['reading']}/{o['when']} {o['r']:.2f}" for o in others.to_dict("records")
                        if (o["reading"], o["when"]) != ("per_connection", "init"))
        put(out, claim_id("gradient_r"), r["r"], st, n=n, se=se, note=f"per connection, at init; other readings: {alt}",
            **members)
    rr = t[t["kind"] == "ratio_range"]
    for group, key, col in (("structured", "gradient_structured_range", "max"),
                            ("random baseline", "gradient_random_ratio", "mean")):
        g = rr[rr["group"] == group]
        if len(g):
            r = g.iloc[0]
            put(out, claim_id(key), r[col], st, n=r["n"], note=f"configuration means {r['min']:.2f}–{r['max']:.2f}",
                **members)


GRADIENTS = Section("gradients", _gradient_claims, _measure_gradients)


# ---- Spreading ablation ----------------------------------------------------------------------------

_ABLATION = (("sequential_minus_even", "sequential − even spreading", 2, "value"),
             ("sequential_accuracy", "sequential spreading accuracy", 1, "value"),
             ("even_accuracy", "even spreading accuracy", 1, "value"),
             ("even_vs_random_within", "|even − random spreading|", 1, "below"))


def _ablation_claims() -> list[Claim]:
    a = pub.SPREADING_ABLATION
    return [Claim(claim_id("ablation", key), "Spreading ablation", a[key]["source"], quantity, a[key]["value"], dec,
                  kind, "spreading_ablation", "mnist") for key, quantity, dec, kind in _ABLATION]


def _measure_ablation(res: Results, out: dict[str, Ours]) -> None:
    abl, st = run(res, "spreading_ablation", "mnist")
    if abl is None:
        return
    t = spreading_ablation(abl).set_index("label")
    n = {label: int(t.loc[label, "n"]) if label in t.index else 0 for label in ("sequential", "even", "random")}
    if "sequential" in t.index:
        put(out, claim_id("ablation", "sequential_minus_even"), t.loc["sequential", "diff_vs_even"], st,
            n=t.loc["sequential", "n"], seeds=min(n["sequential"], n["even"]))
        put(out, claim_id("ablation", "sequential_accuracy"), t.loc["sequential", "final_acc_mean"], st,
            t.loc["sequential", "final_acc_std"], t.loc["sequential", "n"], seeds=n["sequential"])
    if "even" in t.index:
        put(out, claim_id("ablation", "even_accuracy"), t.loc["even", "final_acc_mean"], st,
            t.loc["even", "final_acc_std"], t.loc["even", "n"], seeds=n["even"])
    if "random" in t.index and "even" in t.index:
        put(out, claim_id("ablation", "even_vs_random_within"), abs(t.loc["random", "diff_vs_even"]), st,
            seeds=min(n["random"], n["even"]))


ABLATION = Section("ablation", _ablation_claims, _measure_ablation)


# ---- Forest Cover grid (§2.1) ------------------------------------------------------------------------

def _forest_grid_claims() -> list[Claim]:
    f = pub.FOREST_GRID
    out = [Claim(claim_id("forest_grid_1024x3"), "Forest Cover grid", f["selected_1024x3"]["source"],
                 "dense 1024×3, 20 epochs", f["selected_1024x3"]["value"], 2, experiment="forest_grid",
                 dataset="forest_cover")]
    out += [Claim(claim_id("forest_grid_gain", w=w), "Forest Cover grid", f["depth3_gain"]["source"],
                  f"depth 3 − depth 2 at width {w}", f["depth3_gain"]["value"], 1, "range", "forest_grid",
                  "forest_cover") for w in f["widths"]["value"]]
    return out


def _measure_forest_grid(res: Results, out: dict[str, Ours]) -> None:
    grid, st = run(res, "forest_grid", "forest_cover")
    if grid is None:
        return
    t = forest_grid(grid)
    sel = t[(t["width"] == 1024) & (t["depth"] == 3)]
    if len(sel):
        r = sel.iloc[0]
        put(out, claim_id("forest_grid_1024x3"), r["final_acc_mean"], st, r["final_acc_std"], r["n"], seeds=r["n"],
            diverged=r["n_diverged"])
    widths = set(pub.FOREST_GRID["widths"]["value"])
    for r in t[t["depth"] == 3].to_dict("records"):
        if r["width"] in widths:  # the paper's widths; NaN (unequal widths) and others have no number
            two = t[(t["depth"] == 2) & (t["width"] == r["width"]) & (t["dataset"] == r["dataset"])]["n"]
            put(out, claim_id("forest_grid_gain", w=int(r["width"])), r["gain_vs_depth2"], st,
                seeds=min(int(r["n"]), int(two.min()) if len(two) else 0))


FOREST_GRID = Section("forest_grid", _forest_grid_claims, _measure_forest_grid)
