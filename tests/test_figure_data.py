"""What each figure plots, checked on small tables built here: every figure's data function
(``psn.render.outputs`` names them) gives exactly the values drawn, and the render draws them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from psn.analysis import published as pub
from psn.analysis import rigl as ar
from psn.analysis.fanin import fanin_tables
from psn.render.dst_curves import curves_data, render_curves, render_trajectories, trajectories_data
from psn.render.fanin import ccdf_data, render_fanin_ccdf
from psn.render.figure2 import fig2a_data, fig2b_data, fig2c_data
from psn.render.figure3 import figure3_data, render_figure3
from psn.render.outputs import STAGES, resolve
from psn.render.static import gradients_data
from test_analysis_rigl import flat, make_run
from test_analysis_static import PROFILE_CV, cross_models, multipeak_acc, multipeak_models, sweep_models

CELL = ["dataset", "arch", "epochs", "target_sparsity"]


def dst_tables(runs) -> dict[str, pd.DataFrame]:
    fanin, counts = fanin_tables(runs)
    return {"models": ar.models_table(runs), "curves": ar.curves_table(runs),
            "trajectories": ar.trajectories_table(runs), "fanin": fanin, "fanin_counts": counts}


def test_every_figure_has_a_data_function_returning_a_table():
    for stage in STAGES.values():
        for name, out in stage.figures.items():
            data = resolve(out.data)
            assert data.__name__.endswith("_data"), name


# ---- Figure 3 ------------------------------------------------------------------------------------

def figure3_runs() -> list[dict]:
    """RigL at 80% and 90%: ERK over seeds 1–3 (seed 3 only ERK has), LN (equil.) and static over
    1–2; a SET run that Figure 3 leaves out."""
    runs = []
    for s, shift in ((0.8, 0.05), (0.9, 0.0)):
        runs += [make_run("erk", flat({1: 0.80 + shift, 2: 0.82 + shift, 3: 0.99}), sparsity=s),
                 make_run("ln-equil", flat({1: 0.84 + shift, 2: 0.88 + shift}), sparsity=s, ccv_target=1.5),
                 make_run("static", flat({1: 0.70 + shift, 2: 0.71 + shift}), sparsity=s)]
    runs.append(make_run("erk", flat({1: 0.10, 2: 0.12}), method="set"))
    return runs


def test_figure3_points_are_the_final_accuracy_per_start_over_the_common_seeds(tmp_path):
    tables = dst_tables(figure3_runs())
    d = figure3_data(tables).set_index(["target_sparsity", "start"])
    assert len(d) == 6 and set(d["dataset"]) == {"fashion_mnist"}
    assert d.loc[(0.9, "erk"), "final_acc_mean"] == pytest.approx(81.0)      # seed 3's 99 left out
    assert d.loc[(0.9, "erk"), "final_acc_std"] == pytest.approx(np.std([80, 82], ddof=1))
    assert d.loc[(0.9, "ln-equil"), "final_acc_mean"] == pytest.approx(86.0)
    assert d.loc[(0.8, "ln-equil"), "final_acc_mean"] == pytest.approx(91.0)
    assert d.loc[(0.8, "static"), "final_acc_mean"] == pytest.approx(75.5)
    assert d["n"].tolist() == [2] * 6                                        # SET's 10–12% nowhere
    render_figure3(tables, tmp_path / "f.png", None)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_figure3_without_rigl_runs_is_empty():
    assert figure3_data({}).empty
    assert figure3_data(dst_tables([make_run("erk", flat({1: 0.5}), method="set")])).empty


# ---- curves and trajectories ------------------------------------------------------------------------

def test_curves_are_the_mean_per_epoch_and_the_difference_to_erk(tmp_path):
    runs = [make_run("erk", {1: [0.70, 0.75, 0.80], 2: [0.72, 0.77, 0.82]}),
            make_run("ln-equil", {1: [0.65, 0.78, 0.83], 2: [0.67, 0.80, 0.85], 3: [0.1, 0.1, 0.1]},
                     diverged=(3,))]
    tables = dst_tables(runs)
    d = curves_data(tables)
    erk = d[d["start"] == "erk"]
    ln = d[d["start"] == "ln-equil"]
    assert erk["epoch"].tolist() == [1, 2, 3] and erk["test_acc"].tolist() == pytest.approx([71, 76, 81])
    assert erk["minus_baseline"].isna().all()
    assert ln["test_acc"].tolist() == pytest.approx([66, 79, 84])             # the diverged seed 3 out
    assert ln["minus_baseline"].tolist() == pytest.approx([-5, 3, 3])
    render_curves(tables, tmp_path / "c.png", None)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_trajectories_are_the_ccv_per_record_and_layer_over_seeds(tmp_path):
    runs = [make_run("erk", flat({1: 0.8, 2: 0.8}), init_ccv=(0.1, 0.2), final_ccv=(1.0, 2.0)),
            make_run("erk", flat({1: 0.8}), init_ccv=(0.3, 0.4), final_ccv=(1.5, 2.5), method="set")]
    tables = dst_tables(runs)
    d = trajectories_data(tables).set_index(["method", "layer", "record"])
    assert d.loc[("rigl", 0, 0), "ccv"] == pytest.approx(0.1) and d.loc[("rigl", 1, 2), "ccv"] == pytest.approx(2.0)
    assert d.loc[("rigl", 0, 1), "ccv"] == pytest.approx(1.01)
    assert d.loc[("set", 1, 0), "ccv"] == pytest.approx(0.4) and d.loc[("set", 0, 2), "ccv"] == pytest.approx(1.5)
    assert d.xs(("rigl", 0))["t"].tolist() == [0, 100, 200]
    assert d["t_end"].unique().tolist() == [750.0]                            # end_fraction 0.75 × 1000 steps
    render_trajectories(tables, tmp_path / "t.png", None)
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


# ---- fan-in CCDF -----------------------------------------------------------------------------------

def test_ccdf_values_are_exact_for_a_known_fan_in_vector(tmp_path):
    base = {"method": "rigl", "dataset": "mnist", "arch": "784-4-10", "epochs": 1, "target_sparsity": 0.9,
            "when": "final", "layer": 0, "n_models": 1}
    counts = pd.concat([
        pd.DataFrame({**base, "start": "erk", "fan_in": [0, 1, 3, 10], "neurons": [2, 6, 3, 1]}),
        pd.DataFrame({**base, "start": "ln-equil", "fan_in": [5], "neurons": [12]}),  # not an equilibrium start
    ], ignore_index=True)
    d = ccdf_data({"fanin_counts": counts})
    assert d["start"].unique().tolist() == ["erk"]
    assert d["fan_in"].tolist() == [1, 3, 10]                                 # fan-in 0 off the log axis
    assert d["ccdf"].tolist() == pytest.approx([10 / 12, 4 / 12, 1 / 12])
    render_fanin_ccdf({"fanin_counts": counts}, tmp_path / "c.png", None)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


# ---- Figure 2 and the gradient hierarchy -------------------------------------------------------------

def test_fig2a_plots_table5_means_and_the_papers():
    d = fig2a_data({"mnist_sweep": sweep_models(noise=0.0)})
    sparse = d[d["column"] != "dense"]
    assert sorted(set(sparse["column"])) == sorted(pub.TABLE5_COLUMNS)
    assert sorted(set(sparse["sparsity"])) == [0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 0.999]
    exp90 = sparse[(sparse["column"] == "exponential") & (sparse["sparsity"] == 0.9)]
    assert exp90["mean"].tolist() == pytest.approx([dict(zip(pub.TABLE5_COLUMNS, pub.TABLE5_VALUES[0.9]))["exponential"]])
    assert (sparse["mean"] - sparse["paper"]).abs().max() < 1e-9               # the fakes are Table 5's values
    assert sparse["std"].abs().max() < 1e-9 and (sparse["n"] == 5).all()
    dense = d[d["column"] == "dense"]
    assert len(dense) == 1 and dense["mean"].iloc[0] == pytest.approx(97.81)
    assert fig2a_data({}).empty


def test_fig2b_plots_accuracy_and_ccv_per_beta_and_k():
    d = fig2b_data({"multipeak": multipeak_models(noise=0.0)})
    assert len(d) == 3 * 7
    for r in d.itertuples():
        assert r.final_acc_mean == pytest.approx(multipeak_acc(r.k, r.beta))
        assert r.fan_in_cv_mean == pytest.approx(3.0 / r.k * (r.beta / 1200) ** 0.1)
        assert r.sparsity_mean == pytest.approx(0.9)


def test_fig2c_plots_accuracy_minus_dense_beside_the_papers():
    d = fig2c_data({"cross_dataset": cross_models(noise=0.0)})
    assert set(d["dataset"]) == {"mnist", "fashion_mnist", "emnist_balanced", "forest_cover"}
    assert "dense" not in set(d["condition"])
    assert (d["rel"] - d["paper_rel"]).abs().max() < 1e-9                     # the fakes are Table 6's values
    t6 = pub.table6()
    mnist = t6[t6["dataset"] == "mnist"].set_index("label")["paper"]
    row = d[(d["dataset"] == "mnist") & (d["condition"] == "random")].iloc[0]
    dense_label = t6[(t6["dataset"] == "mnist") & (t6["profile"] == "dense")]["label"].iloc[0]
    assert row["rel"] == pytest.approx(mnist[row["label"]] - mnist[dense_label])


def test_gradients_plots_the_ratio_against_the_fan_in_cv_per_set():
    d = gradients_data({"mnist_sweep": sweep_models(noise=0.0), "multipeak": multipeak_models()})
    assert set(d["set"]) == {"mnist_sweep", "multipeak"}
    # the fakes' ratio per connection is 1 + 2·CV exactly, per neuron (1 + 2·CV)(1 + CV)
    assert np.allclose(d["grad_ratio_init_per_connection"], 1 + 2 * d["fan_in_cv"])
    assert np.allclose(d["grad_ratio_init_per_neuron"], (1 + 2 * d["fan_in_cv"]) * (1 + d["fan_in_cv"]))
    sweep = d[d["set"] == "mnist_sweep"]
    structured = sweep.loc[sweep["group"] == "structured", "fan_in_cv"].round(9)
    assert set(structured) == set(PROFILE_CV.values())
    assert sweep.loc[sweep["group"] == "random baseline", "fan_in_cv"].tolist() == [0.0] * 9  # one per sparsity
    assert gradients_data({}).empty
