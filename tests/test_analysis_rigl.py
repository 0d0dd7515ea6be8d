"""psn.analysis.rigl (and dst_cells, dst_gaps, dst_starts beside it) on small run dicts built
here: flat tables, the equilibrium against its bound, Table 4's layout, the gaps' effect sizes,
the crossover, and the starts table."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import stats

from psn.analysis import dst_cells, dst_gaps, dst_starts
from psn.analysis import published as pub
from psn.analysis import rigl as ar
from psn.analysis.stats import cohens_d
from psn.masks.starts import STARTS
from psn.training.dst import RECORDED

ARCH = "784-64-64-10"


def make_run(start: str, accs: dict[int, list[float]], *, dataset: str = "fashion_mnist", sparsity: float = 0.9,
             arch: str = ARCH, kind: str | None = None, ccv_target=None, rigl: bool | None = None,
             layer_sparsity=(0.9, 0.9), final_ccv=(1.0, 2.0), init_ccv=(0.1, 0.2), records: int = 3,
             diverged=(), method: str = "rigl") -> dict:
    """A run file: per seed, a test accuracy per epoch (fractions), the last one final."""
    kind = kind or start.split("-")[0]
    if start.startswith("ln"):
        kind = "lognormal"
    rigl = (start != "static") if rigl is None else rigl
    epochs = len(next(iter(accs.values())))
    results = []
    for seed, curve in accs.items():
        res = {"seed": seed, "test_accuracy": list(curve), "train_loss": [1.0 / (e + 1) for e in range(epochs)],
               "final_test_accuracy": curve[-1], "best_test_accuracy": max(curve),
               "best_epoch": int(np.argmax(curve)) + 1, "diverged": seed in diverged, "steps": 1000,
               "sparsity": list(layer_sparsity), "sparsity_overall": float(np.mean(layer_sparsity)),
               "fan_in_cv": list(final_ccv),
               "fan_in": [[78 + (seed + n) % 7 for n in range(64)], [6 + (seed * n) % 5 for n in range(64)]],
               "start": {"name": start, "kind": kind, "ccv_target": ccv_target}}
        if seed in diverged:
            res["final_test_accuracy"] = None
        if rigl:
            hist = {"t": [100 * i for i in range(records)], "step": [101 * i for i in range(records)],
                    "alpha": [0.3 / (i + 1) if i else 0.0 for i in range(records)]}
            for name in RECORDED:
                hist[name] = [[1000 * i + 10 * layer + RECORDED.index(name) for layer in range(2)]
                              for i in range(records)]
            hist["fanin_ccv"] = [list(init_ccv)] + [[c + 0.01 * i for c in final_ccv] for i in range(1, records)]
            hist["fanin_ccv"][-1] = list(final_ccv)
            res["rigl"] = hist
        results.append(res)
    job = {"key": f"{dataset}/{arch}/e{epochs}/{start}/s{100 * sparsity:g}", "dataset": dataset,
           "arch": arch, "epochs": epochs, "sparsity": sparsity, "start": start,
           "layer_sizes": [int(n) for n in arch.split("-")], "seeds": list(accs),
           "masks": {"f_min": 1, "rounding": "ceil", "random_baseline": "uniform", "above_smax": "clamp"},
           "rigl": {"end_fraction": 0.75, "erk_dense_output_in_budget": False}}
    if method != "rigl":
        job["method"] = method
    return {"job": job, "results": results}


def flat(values: dict[int, float], epochs: int = 1) -> dict[int, list[float]]:
    """Seed -> a curve ending at the given final accuracy (fraction)."""
    return {s: [v] * epochs for s, v in values.items()}


def cell_runs(sparsity: float = 0.9, dataset: str = "fashion_mnist", shift: float = 0.0) -> list[dict]:
    """ERK, LN (equil.), LN (paper), uniform and static over seeds 1, 2 (fractions)."""
    return [
        make_run("erk", flat({1: 0.80 + shift, 2: 0.82 + shift}), sparsity=sparsity, dataset=dataset,
                 layer_sparsity=(0.92, 0.85)),
        make_run("ln-equil", flat({1: 0.83 + shift, 2: 0.84 + shift}), sparsity=sparsity, dataset=dataset,
                 ccv_target=[1.0, 2.0]),
        make_run("ln-paper", flat({1: 0.81 + shift, 2: 0.85 + shift}), sparsity=sparsity, dataset=dataset,
                 ccv_target=2.52),
        make_run("uniform", flat({1: 0.79 + shift, 2: 0.80 + shift}), sparsity=sparsity, dataset=dataset),
        make_run("static", flat({1: 0.78 + shift, 2: 0.79 + shift}), sparsity=sparsity, dataset=dataset,
                 final_ccv=(0.05, 0.06)),
    ]


def equilibrium(per_layer=(1.5, 2.5), cell=("fashion_mnist", ARCH, "1", "90"), spread_half=(0.05, 0.08),
                converged=True) -> dict:
    return {"cell": list(cell) if isinstance(cell, tuple) else cell, "starts": ["erk", "uniform"],
            "n_seeds": {"erk": 2, "uniform": 2}, "per_start": {"erk": list(per_layer), "uniform": list(per_layer)},
            "per_layer": list(per_layer), "mean": float(np.mean(per_layer)), "reading": "mean",
            "spread_half": list(spread_half), "spread_final": [0.01, 0.02], "tolerance": 0.1,
            "converged": converged}


# ---- flat tables -----------------------------------------------------------------------------------

def test_models_table_rows_and_columns():
    runs = cell_runs()
    m = ar.models_table(runs)
    assert len(m) == 10 and set(m["start"]) == {"erk", "ln-equil", "ln-paper", "uniform", "static"}
    erk1 = m[(m["start"] == "erk") & (m["seed"] == 1)].iloc[0]
    assert erk1["final_acc"] == pytest.approx(80.0)
    assert erk1["sparsity_l0"] == 0.92 and erk1["sparsity_l1"] == 0.85
    assert (erk1["fanin_ccv_l0"], erk1["fanin_ccv_l1"], erk1["fanin_ccv"]) == (1.0, 2.0, 1.5)
    assert (erk1["init_fanin_ccv_l0"], erk1["init_fanin_ccv_l1"]) == (0.1, 0.2)
    assert erk1["ccv_over_bound"] == pytest.approx(np.mean([1.0 / math.sqrt(1 / 0.08 - 1),
                                                            2.0 / math.sqrt(1 / 0.15 - 1)]))
    ln = m[m["start"] == "ln-equil"].iloc[0]
    assert ln["ccv_target"] == pytest.approx(1.5) and ln["start_kind"] == "lognormal"
    assert m[m["start"] == "ln-paper"]["ccv_target"].eq(2.52).all()
    static = m[m["start"] == "static"].iloc[0]
    assert static["init_fanin_ccv_l0"] == static["fanin_ccv_l0"] == 0.05  # its masks never change
    assert static["n_updates"] == 0 and ln["n_updates"] == 2


def test_models_table_a_changed_result_changes_only_its_row():
    runs = cell_runs()
    before = ar.models_table(runs)
    changed = copy.deepcopy(runs)
    changed[1]["results"][1]["final_test_accuracy"] = 0.5
    after = ar.models_table(changed)
    diff = (before != after) & ~(before.isna() & after.isna())
    rows = diff.any(axis=1)
    assert rows.sum() == 1
    row = after[rows].iloc[0]
    assert (row["start"], row["seed"], row["final_acc"]) == ("ln-equil", 2, 50.0)


def test_curves_and_trajectories_tables():
    runs = [make_run("erk", {1: [0.5, 0.6, 0.7]}, records=4), make_run("static", {1: [0.4, 0.5, 0.6]})]
    c = ar.curves_table(runs)
    assert len(c) == 6 and list(c[c["start"] == "erk"]["test_acc"]) == pytest.approx([50, 60, 70])
    assert list(c["epoch"].unique()) == [1, 2, 3]
    t = ar.trajectories_table(runs)
    assert len(t) == 4 * 2 and set(t["start"]) == {"erk"}  # records × layers, static has none
    hist = runs[0]["results"][0]["rigl"]
    for _, r in t.iterrows():
        i, layer = r["record"], r["layer"]
        assert r["t"] == hist["t"][i] and r["step"] == hist["step"][i]
        for name in RECORDED:
            assert r[name] == hist[name][i][layer], name
    assert t["t_end"].eq(750).all() and t["total_steps"].eq(1000).all()


def test_common_seeds_drops_the_confirmation_extras():
    runs = [make_run("erk", flat({1: 0.8, 2: 0.8, 3: 0.8})), make_run("ln-equil", flat({1: 0.8, 2: 0.8, 3: 0.8})),
            make_run("uniform", flat({1: 0.8, 2: 0.8}))]
    m = dst_cells.common_seeds(ar.models_table(runs))
    assert sorted(m["seed"].unique()) == [1, 2] and len(m) == 6


# ---- equilibrium and Table 4 -------------------------------------------------------------------------

def test_equilibrium_table_ratio_to_bound_at_target_and_realised_density():
    eq = ar.equilibrium_table([equilibrium()])
    r = eq.iloc[0]
    assert (r["dataset"], r["arch"], r["epochs"], r["target_sparsity"]) == ("fashion_mnist", ARCH, 1, 0.9)
    assert r["density_source"] == "target"
    assert r["bound_l0"] == pytest.approx(3.0) and r["bound_l1"] == pytest.approx(3.0)
    assert (r["over_bound_l0"], r["over_bound_l1"]) == pytest.approx((0.5, 2.5 / 3))
    assert r["over_bound_mean"] == pytest.approx((0.5 + 2.5 / 3) / 2)
    assert r["paper"] == pub.table4_ccv("fashion_mnist", 0.9)
    assert r["paper_over_bound"] == pytest.approx(r["paper"] / 3.0)
    assert r["ours_minus_paper"] == pytest.approx(2.0 - r["paper"])
    assert r["converged"] and r["spread_half_max"] == pytest.approx(0.08)
    # with models, the density is the equilibrium starts' realised one (ERK: 0.92, 0.85)
    models = ar.models_table([make_run("erk", flat({1: 0.8}), layer_sparsity=(0.8, 0.96)),
                              make_run("uniform", flat({1: 0.8}), layer_sparsity=(0.8, 0.96)),
                              make_run("static", flat({1: 0.8}), layer_sparsity=(0.5, 0.5))])
    r = ar.equilibrium_table([equilibrium()], models).iloc[0]
    assert r["density_source"] == "realised"
    assert r["density_l0"] == pytest.approx(0.2) and r["bound_l0"] == pytest.approx(2.0)
    assert r["density_l1"] == pytest.approx(0.04) and r["over_bound_l1"] == pytest.approx(2.5 / math.sqrt(24))


def test_equilibrium_cell_forms():
    as_dict = equilibrium(cell={"dataset": "mnist", "arch": ARCH, "epochs": "5", "sparsity": "99.9"})
    # a file from before SET joined has no method: it is RigL's
    assert ar.equilibrium_cell(as_dict) == {"method": "rigl", "dataset": "mnist", "arch": ARCH, "epochs": 5,
                                            "target_sparsity": 0.999}
    assert ar.equilibrium_cell(equilibrium())["target_sparsity"] == 0.9
    set_cell = equilibrium(cell={"method": "set", "dataset": "mnist", "arch": ARCH, "epochs": "5", "sparsity": "90"})
    assert ar.equilibrium_cell(set_cell)["method"] == "set"
    assert ar.equilibrium_cell(equilibrium(cell=("set", "mnist", ARCH, "5", "90")))["method"] == "set"
    with pytest.raises(ValueError, match="cell"):
        ar.equilibrium_cell({"cell": ["mnist"]})


def test_paper_table4_sits_near_its_bound():
    pb = ar.paper_bound_ratios()
    assert len(pb) == sum(len(v) for v in pub.TABLE4.values())
    img = pb[pb["dataset"] != "forest_cover"]["paper_over_bound"]
    assert img.between(0.75, 0.85).all()  # the brief's "≈ 0.8 of the bound"
    assert (pb[pb["dataset"] == "forest_cover"]["paper_over_bound"] < img.min()).all()


def test_table4_layout_with_the_papers_values():
    eqs = [equilibrium(), equilibrium(per_layer=(3.0, 4.0), cell=("fashion_mnist", ARCH, "1", "85"))]
    wide = ar.table4(ar.equilibrium_table(eqs))
    assert list(wide["dataset"]) == list(pub.TABLE4)  # the paper's rows, in its order
    assert [c for c in wide.columns if c.startswith("paper ")] == ["paper 80%", "paper 85%", "paper 90%",
                                                                    "paper 95%", "paper 98%"]
    for d, row in pub.TABLE4.items():
        for s, v in row.items():
            assert wide.loc[wide["dataset"] == d, f"paper {100 * s:g}%"].iloc[0] == v
    fashion = wide[wide["dataset"] == "fashion_mnist"].iloc[0]
    assert fashion["arch"] == ARCH and fashion["ours 90%"] == pytest.approx(2.0)
    assert fashion["ours per layer 90%"] == "1.50 / 2.50"
    assert fashion["ours 85%"] == pytest.approx(3.5) and np.isnan(fashion["paper 85%"])
    assert np.isnan(fashion["ours 80%"]) and wide.loc[wide["dataset"] == "mnist", "ours 90%"].isna().all()
    # a changed equilibrium changes only its cell
    eqs[0]["mean"] = 9.0
    again = ar.table4(ar.equilibrium_table(eqs))
    changed = [c for c in wide.columns if not wide[c].equals(again[c])]
    assert changed == ["ours 90%"]


# ---- gaps -------------------------------------------------------------------------------------------------

def test_cohens_d_ddof0_and_ddof1_by_hand():
    a, b = [2.0, 4.0, 6.0], [1.0, 2.0, 3.0]  # diff 2, squared deviations 8 + 2
    assert cohens_d(a, b, ddof=0) == pytest.approx(2 / math.sqrt(10 / 6))
    assert cohens_d(a, b, ddof=1) == pytest.approx(2 / math.sqrt(10 / 4))
    assert np.isnan(cohens_d([1.0], [2.0], ddof=1)) and np.isnan(cohens_d([1.0, 1.0], [1.0, 1.0]))


def test_gaps_effect_sizes_welch_and_paper_columns():
    a, b = [2.0, 4.0, 6.0], [1.0, 2.0, 3.0]  # percent
    runs = [make_run("ln-equil", flat({i + 1: v / 100 for i, v in enumerate(a)})),
            make_run("erk", flat({i + 1: v / 100 for i, v in enumerate(b)})),
            make_run("uniform", flat({i + 1: 0.02 for i in range(3)}))]
    g = dst_gaps.gaps(ar.models_table(runs))
    assert list(g["a"]) == ["ln-equil", "uniform"] and set(g["b"]) == {"erk"} and set(g["seeds"]) == {"common"}
    r = g.iloc[0]
    assert r["diff"] == pytest.approx(2.0) and (r["n_a"], r["n_b"]) == (3, 3)
    assert r["d_ddof0"] == pytest.approx(2 / math.sqrt(10 / 6))
    assert r["d_ddof1"] == pytest.approx(2 / math.sqrt(10 / 4))
    res = stats.ttest_ind(a, b, equal_var=False)
    assert (r["t"], r["p"]) == pytest.approx((res.statistic, res.pvalue))
    gap = pub.RIGL_GAPS["fashion_mnist"]
    assert (r["paper_diff"], r["paper_p"], r["paper_d"], r["paper_n"]) == (gap["value"], gap["p"], gap["d"], gap["n"])
    assert np.isnan(g.iloc[1]["paper_diff"])  # the paper gives no uniform − ERK


def test_gaps_ddof0_is_the_papers_reading_on_ten_plus_ten():
    """With equal n, d(ddof 1) = t·√(2/n) and d(ddof 0) = d(ddof 1)·√(2n/(2n−2)): the paper's
    t ≈ 2.27 on 10 + 10 seeds gives 1.07 only with ddof 0."""
    rng = np.random.default_rng(0)
    a, b = 85 + rng.normal(0.2, 0.15, 10), 85 + rng.normal(0.0, 0.15, 10)
    seeds = range(1, 11)
    runs = [make_run("ln-equil", flat({s: v / 100 for s, v in zip(seeds, a)})),
            make_run("erk", flat({s: v / 100 for s, v in zip(seeds, b)}))]
    r = dst_gaps.gaps(ar.models_table(runs)).iloc[0]
    assert r["d_ddof1"] == pytest.approx(r["t"] * math.sqrt(2 / 10))
    assert r["d_ddof0"] == pytest.approx(r["d_ddof1"] * math.sqrt(20 / 18))
    assert round(2.27 * math.sqrt(2 / 10) * math.sqrt(20 / 18), 2) == pub.RIGL_GAPS["fashion_mnist"]["d"]


def test_gaps_confirmation_pair_rows_diverged_and_cells():
    runs = [make_run("erk", flat({1: 0.80, 2: 0.81, 3: 0.82, 4: 0.83})),
            make_run("ln-equil", flat({1: 0.81, 2: 0.82, 3: 0.83, 4: 0.85}), diverged=(4,)),
            make_run("uniform", flat({1: 0.80, 2: 0.80})),
            *cell_runs(sparsity=0.8)]
    g = dst_gaps.gaps(ar.models_table(runs))
    at90 = g[g["target_sparsity"] == 0.9]
    ln = at90[at90["a"] == "ln-equil"].set_index("seeds")
    assert (ln.loc["common", "n_a"], ln.loc["common", "n_b"]) == (2, 2)
    assert (ln.loc["pair", "n_a"], ln.loc["pair", "n_b"], ln.loc["pair", "n_diverged_a"]) == (3, 4, 1)
    assert ln.loc["pair", "mean_a"] == pytest.approx(82.0)
    assert list(at90[at90["a"] == "uniform"]["seeds"]) == ["common"]
    at80 = g[g["target_sparsity"] == 0.8]
    assert list(at80["a"]) == ["ln-equil", "ln-paper", "uniform", "static"]
    assert at80["paper_diff"].isna().all()  # the paper's gaps are at 90%


def test_gaps_forest_paper_accuracies():
    g = dst_gaps.gaps(ar.models_table(cell_runs(dataset="forest_cover")))
    static = g[g["a"] == "static"].iloc[0]
    assert static["paper_mean_a"] == pub.RIGL_FOREST["static"]["value"]
    assert static["paper_mean_b"] == pub.RIGL_FOREST["erk"]["value"]
    assert static["paper_diff"] == pytest.approx(pub.RIGL_FOREST["static"]["value"] - pub.RIGL_FOREST["erk"]["value"])
    assert g[g["a"] == "ln-equil"].iloc[0]["paper_diff"] == pub.RIGL_GAPS["forest_cover"]["value"]


# ---- crossover -------------------------------------------------------------------------------------------

def crossover_of(a_curve, b_curve, seeds_a=None):
    runs = [make_run("ln-equil", {s: a_curve for s in (seeds_a or (1, 2))}), make_run("erk", {1: b_curve, 2: b_curve})]
    return dst_gaps.crossover_epoch(ar.curves_table(runs)).iloc[0]


def test_crossover_epoch_on_constructed_curves():
    b = [0.5, 0.6, 0.7, 0.8, 0.9]
    r = crossover_of([0.4, 0.5, 0.65, 0.8, 0.95], b)
    assert r["crossover_epoch"] == 4 and r["a_starts_below"]
    assert r["first_gap"] == pytest.approx(-10) and r["final_gap"] == pytest.approx(5)
    assert crossover_of([0.6, 0.7, 0.8, 0.9, 1.0], b)["crossover_epoch"] == 1
    assert crossover_of([0.4, 0.7, 0.8, 0.9, 0.85], b)["crossover_epoch"] is None
    dip = crossover_of([0.6, 0.7, 0.6, 0.9, 0.95], b)  # above, dips below at 3, above again
    assert dip["crossover_epoch"] == 4 and not dip["a_starts_below"]
    assert dip["paper"] == "10–12"


def test_crossover_skips_diverged_models_and_cells_without_both():
    runs = [make_run("ln-equil", {1: [0.4, 0.9], 2: [0.0, 0.0]}, diverged=(2,)),
            make_run("erk", {1: [0.5, 0.6], 2: [0.5, 0.6]}),
            make_run("uniform", {1: [0.5, 0.6]}, sparsity=0.8)]
    x = dst_gaps.crossover_epoch(ar.curves_table(runs))
    assert len(x) == 1 and x.iloc[0]["crossover_epoch"] == 2 and x.iloc[0]["n_a"] == 1


# ---- starts ----------------------------------------------------------------------------------------------

def test_starts_table_forest_without_runs():
    t = dst_starts.starts_table()
    forest = t[t["dataset"] == "forest_cover"]
    assert len(forest) == 4 * len(STARTS) and set(forest["target_sparsity"]) == set(dst_cells.PAPER_SPARSITIES)
    sizes = dst_cells.FOREST_LAYER_SIZES
    for _, r in forest.iterrows():
        dens = [r[f"density_l{i}"] for i in range(3)]
        assert [r[f"fanin_l{i}"] for i in range(3)] == pytest.approx([d * n for d, n in zip(dens, sizes)])
        if r["start_kind"] == "erk":  # the hidden layers' budget is the target, FC1 at most dense
            params = [a * b for a, b in zip(sizes[:-2], sizes[1:-1])]
            assert np.dot(dens, params) == pytest.approx((1 - r["target_sparsity"]) * sum(params))
            assert max(dens) <= 1.0
        else:
            assert dens == pytest.approx([1 - r["target_sparsity"]] * 3)
    erk = forest[forest["start_kind"] == "erk"].set_index("target_sparsity")
    assert erk.loc[0.8, "density_l0"] == 1.0  # dense at 80%
    assert erk.loc[0.9, "density_l0"] > 0.8 > erk.loc[0.95, "density_l0"]
    uni = forest[forest["start_kind"] == "uniform"].set_index("target_sparsity")
    assert uni.loc[0.9, "fanin_l0"] == pytest.approx(5.4)  # the paper's "~5"
    assert forest["n"].eq(0).all()
    papers = forest.dropna(subset=["paper_acc"])
    assert set(zip(papers["start"], papers["target_sparsity"])) == {("erk", 0.9), ("static", 0.9)}


def test_starts_table_with_runs_measures_accuracy_and_density():
    m = ar.models_table(cell_runs())
    t = dst_starts.starts_table(m)
    fashion = t[t["dataset"] == "fashion_mnist"].set_index("start")
    assert list(fashion.index) == ["ln-equil", "ln-paper", "erk", "uniform", "static"]
    assert fashion.loc["erk", "final_acc_mean"] == pytest.approx(81.0) and fashion.loc["erk", "n"] == 2
    assert fashion.loc["erk", "realised_density_l0"] == pytest.approx(0.08)
    assert fashion.loc["ln-equil", "density_l0"] == pytest.approx(0.1)
    assert (t["dataset"] == "forest_cover").sum() == 16  # still there without Forest runs


def test_tables_list_datasets_in_the_papers_order():
    runs = cell_runs(dataset="forest_cover") + cell_runs(dataset="mnist")
    m = ar.models_table(runs)
    assert list(dict.fromkeys(dst_gaps.gaps(m)["dataset"])) == ["mnist", "forest_cover"]
    assert list(dict.fromkeys(dst_starts.starts_table(m)["dataset"])) == ["mnist", "forest_cover"]
    cells = dst_cells.ordered_cells(m)
    assert [c.dataset for c in cells] == ["mnist", "forest_cover"]
