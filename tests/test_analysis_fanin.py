"""psn.analysis.fanin and the method axis of psn.analysis.rigl on small run dicts: the fan-in
shape statistics by hand, the CCDF, the heavy-tail verdict, and SET's rows kept apart from
RigL's (Table 4, the gaps, the report's RigL-only claims)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from psn.analysis import dst_cells, dst_gaps
from psn.analysis import rigl as ar
from psn.analysis.fanin import ccdf, fanin_shape, fanin_summary, fanin_tables, heavy_tail_verdict, tail_direction
from test_analysis_rigl import equilibrium, flat, make_run


def test_fanin_shape_by_hand():
    s = fanin_shape([0, 1, 1, 2, 6, 0, 1, 1, 2, 6])  # mean 2, top 10% = one neuron of 6
    assert s["zero_fanin"] == 2
    assert s["max_over_mean"] == pytest.approx(3.0)
    assert s["top10_share"] == pytest.approx(6 / 20)
    assert s["ccv"] == pytest.approx(np.std([0, 1, 1, 2, 6] * 2) / 2)
    constant = fanin_shape([5] * 20)
    assert constant["ccv"] == 0 and constant["top10_share"] == pytest.approx(0.10)
    assert constant["index_corr"] == 0.0
    assert fanin_shape([9, 7, 5, 3, 1])["index_corr"] == pytest.approx(-1.0)  # lowest rows fullest
    with pytest.raises(ValueError, match="non-empty vector"):
        fanin_shape([])


def test_ccdf_is_the_share_at_or_above_each_value():
    counts = pd.DataFrame({"method": "set", "dataset": "d", "arch": "a", "epochs": 1, "target_sparsity": 0.9,
                           "start": "erk", "when": "final", "layer": 0, "n_models": 1,
                           "fan_in": [1, 3, 10], "neurons": [6, 3, 1]})
    out = ccdf(counts)
    assert out["ccdf"].tolist() == pytest.approx([1.0, 0.4, 0.1])


def runs_both_methods():
    """RigL and SET from ERK over seeds 1, 2; RigL's final fan-in heavier than SET's."""
    rigl = make_run("erk", flat({1: 0.80, 2: 0.82}))
    set_ = make_run("erk", flat({1: 0.78, 2: 0.79}), method="set")
    for res in rigl["results"]:
        res["fan_in"] = [[1] * 54 + [60] * 10, [2] * 60 + [30] * 4]
    return [rigl, set_]


def test_fanin_tables_keep_methods_apart_and_rebuild_starts():
    starts = {"called": 0}

    def start_fan_in(job, res):
        starts["called"] += 1
        return [np.full(64, 8), np.full(64, 6)]

    per_model, counts = fanin_tables(runs_both_methods(), start_fan_in)
    assert starts["called"] == 4  # one per model
    assert set(per_model["method"]) == {"rigl", "set"}
    assert len(per_model) == 2 * 2 * 2 * 2  # methods x seeds x moments x layers
    pooled = counts[(counts["method"] == "rigl") & (counts["when"] == "final") & (counts["layer"] == 0)]
    assert dict(zip(pooled["fan_in"], pooled["neurons"])) == {1: 108, 60: 20}
    summary = fanin_summary(per_model)
    rigl = summary[(summary["method"] == "rigl") & (summary["layer"] == 0)].iloc[0]
    assert rigl["ccv_start"] == 0 and rigl["ccv_change"] > 1
    verdict = heavy_tail_verdict(summary, "rigl")
    assert verdict.startswith("rigl: from erk, fan-in CCV 0.00 → ") and "(a heavier tail)" in verdict
    assert "(no change in the tail)" not in verdict


def test_tail_direction_needs_both_statistics_to_move():
    assert tail_direction(0.2, 0.05) == "heavier"
    assert tail_direction(-0.2, -0.05) == "lighter"
    assert tail_direction(0.2, 0.0) == "unchanged"
    assert tail_direction(0.001, 0.001) == "unchanged"


def test_tables_without_a_method_column_are_rigl_s():
    m = ar.models_table([make_run("erk", flat({1: 0.8}))])
    old = m.drop(columns="method")
    assert dst_cells.with_method(old)["method"].tolist() == ["rigl"]
    assert len(dst_cells.of_method(old, "set")) == 0 and len(dst_cells.of_method(old, "rigl")) == 1


def test_gaps_and_table4_are_per_method():
    runs = [make_run("erk", flat({1: 0.80, 2: 0.82})), make_run("uniform", flat({1: 0.81, 2: 0.83})),
            make_run("erk", flat({1: 0.70, 2: 0.72}), method="set"),
            make_run("uniform", flat({1: 0.75, 2: 0.77}), method="set")]
    models = ar.models_table(runs)
    assert models["run"].nunique() == 4  # RigL's and SET's groups do not share a run name
    g = dst_gaps.gaps(models)
    diff = dict(zip(g["method"], g["diff"]))
    assert diff["rigl"] == pytest.approx(1.0) and diff["set"] == pytest.approx(5.0)
    assert g.loc[g["method"] == "set", "paper_diff"].isna().all()  # the paper's gap is RigL's
    eq = ar.equilibrium_table([equilibrium(), equilibrium(per_layer=(0.2, 0.4), cell={
        "method": "set", "dataset": "fashion_mnist", "arch": "784-64-64-10", "epochs": "1", "sparsity": "90"})],
        models)
    t4 = ar.table4(eq)
    fashion = t4[t4["dataset"] == "fashion_mnist"].set_index("method")
    assert fashion.loc["rigl", "ours 90%"] == pytest.approx(2.0)
    assert fashion.loc["set", "ours 90%"] == pytest.approx(0.3)
    assert (fashion["paper 90%"] == 2.52).all()
    assert t4["method"].tolist().count("set") == 1


def test_the_report_judges_only_rigl_against_table4():
    from psn.analysis.report import Results, measure

    runs = [make_run("erk", flat({1: 0.80, 2: 0.82}), method="set")]
    models = ar.models_table(runs)
    eq = ar.equilibrium_table([equilibrium(cell={"method": "set", "dataset": "fashion_mnist",
                                                  "arch": "784-64-64-10", "epochs": "1", "sparsity": "90"})], models)
    ours = measure(Results(static={}, dst_models=models, dst_curves=ar.curves_table(runs), dst_equilibrium=eq))
    assert not [k for k in ours if k.startswith(("table4_", "rigl_"))]


def test_the_report_paragraph_says_what_set_did_beside_rigl():
    from psn.render.fanin import heavy_tail_markdown

    def start_fan_in(job, res):
        return [np.full(64, 8), np.full(64, 6)]

    per_model, _ = fanin_tables(runs_both_methods(), start_fan_in)
    md = heavy_tail_markdown(per_model)
    set_line = next(line for line in md.splitlines() if line.strip().startswith("- SET:"))
    rigl_line = next(line for line in md.splitlines() if line.strip().startswith("- RigL:"))
    assert "from ERK" in set_line and "(a heavier tail)" in rigl_line
    assert md.index("- SET:") < md.index("- RigL:")
    assert "**SET's fan-in does not move toward a heavy tail here**" in md
    assert heavy_tail_markdown(per_model[per_model["method"] == "rigl"]) == ""  # no SET, no paragraph


def test_table4_never_calls_a_cell_without_an_update_an_equilibrium():
    runs = [make_run("erk", flat({1: 0.80}), records=1), make_run("uniform", flat({1: 0.81}), records=1)]
    models = ar.models_table(runs)
    assert (models["n_updates"] == 0).all()
    eq = ar.equilibrium_table([equilibrium()], models)
    t4 = ar.table4(eq).set_index(["dataset", "method"])
    assert np.isnan(t4.loc[("fashion_mnist", "rigl"), "ours 90%"])
    assert t4.loc[("fashion_mnist", "rigl"), "ours per layer 90%"] == "no update"
    with_updates = ar.equilibrium_table([equilibrium()], ar.models_table([make_run("erk", flat({1: 0.8}))]))
    assert ar.table4(with_updates).set_index(["dataset", "method"]).loc[("fashion_mnist", "rigl"), "ours 90%"] == 2.0
