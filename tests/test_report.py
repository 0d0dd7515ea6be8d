"""The reproduction report: its catalogue of published numbers, the verdict rule, and rows
that follow the pipeline's results (fixtures: synthetic models tables)."""

import math

import numpy as np
import pandas as pd
import pytest

from psn.analysis import published as pub
from psn.analysis.report import (DIFFERS, NOT_RUN, OTHER_SETTINGS, REPRODUCED, Claim, Ours, Results, claims,
                                 measure, report_table, verdict, verdict_counts)
from psn.render.report import report_markdown

SEEDS = [42, 123, 456, 789, 1024]


def test_every_published_table_cell_is_a_claim_once():
    ids = [c.id for c in claims()]
    assert len(ids) == len(set(ids))
    sections = pd.Series([c.section for c in claims()]).value_counts()
    assert sections["Table 3"] == 8 and sections["Table 4"] == 16
    assert sections["Table 5"] == len(pub.TABLE5_VALUES) * len(pub.TABLE5_COLUMNS)
    assert sections["Table 6"] == len(pub.TABLE6_ROWS) * len(pub.TABLE6_DATASETS)
    # with nothing run, every row says so and names what to launch
    table = report_table(claims(), {}, {(c.experiment, c.dataset): ("snakemake x", 1.0) for c in claims()})
    assert verdict_counts(table)[NOT_RUN] == len(ids)
    assert (table["command"] == "snakemake x").all()


@pytest.mark.parametrize("kind, paper, ours, expected", [
    ("value", 89.03, 89.034, REPRODUCED),     # within half a unit of the last digit
    ("value", 89.03, 89.04, DIFFERS),
    ("range", (2.0, 5.0), 4.99, REPRODUCED),
    ("range", (2.0, 5.0), 1.2, DIFFERS),
    ("above", 0.1, 0.3, REPRODUCED),
    ("above", 0.1, 0.04, DIFFERS),
    ("below", 0.5, 0.5, REPRODUCED),
    ("below", 0.5, 1.3, DIFFERS),
    ("significance", 0.036, 0.01, REPRODUCED),
    ("significance", 0.036, 0.14, DIFFERS),
])
def test_the_verdict_rule(kind, paper, ours, expected):
    claim = Claim("x", "s", "w", "q", paper, 2, kind)
    assert verdict(claim, Ours(ours)) == expected
    assert verdict(claim, None) == NOT_RUN
    assert verdict(claim, Ours(ours, at_paper=False)) == OTHER_SETTINGS


def test_two_standard_errors_widen_the_tolerance():
    claim = Claim("x", "s", "w", "q", 89.03, 2)
    assert verdict(claim, Ours(89.20, sd=0.2, n=5)) == REPRODUCED   # 2 * 0.2 / sqrt(5) = 0.18
    assert verdict(claim, Ours(89.30, sd=0.2, n=5)) == DIFFERS


def _cross_models(accs: dict[str, list[float]], epochs=10, arch="784-1024-1024-10") -> pd.DataFrame:
    """cross_dataset models of Fashion-MNIST at 90%: condition -> final accuracies over seeds."""
    profiles = {"dense": "dense", "random": "uniform", "exponential-alpha3": "exponential",
                "lognormal-ccv2.5": "lognormal"}
    rows = []
    for cond, values in accs.items():
        for seed, acc in zip(SEEDS, values):
            rows.append({"experiment": "cross_dataset", "dataset": "fashion_mnist", "arch": arch, "epochs": epochs,
                         "condition": cond, "profile": profiles[cond],
                         "spread": "none" if cond == "dense" else "random",
                         "target_sparsity": 0.0 if cond == "dense" else 0.9,
                         "ccv_target": 2.5 if cond.startswith("lognormal") else np.nan, "k": np.nan, "beta": np.nan,
                         "seed": seed, "final_acc": acc, "best_acc": acc + 0.1, "diverged": False,
                         "fan_in_cv": 0.0, "sparsity": 0.9})
    return pd.DataFrame(rows)


def _row(table, cid):
    return table.set_index("id").loc[cid]


def test_a_changed_result_changes_its_row_and_verdict():
    paper_dense = 89.03
    accs = {"dense": [89.0, 89.1, 88.9, 89.05, 89.1], "random": [89.2, 89.1, 89.3, 89.2, 89.2],
            "exponential-alpha3": [89.3, 89.4, 89.3, 89.3, 89.35]}
    table = report_table(claims(), measure(Results(static={"cross_dataset": _cross_models(accs)})))
    dense = _row(table, "table6_dense_fashion_mnist")
    assert dense["ours"] == pytest.approx(np.mean(accs["dense"]))
    assert dense["n"] == 5 and dense["verdict"] == REPRODUCED
    assert dense["diff"] == pytest.approx(np.mean(accs["dense"]) - paper_dense)
    assert _row(table, "table6_dense_mnist")["verdict"] == NOT_RUN
    # every sparse model 0.7 points lower: the row moves and its verdict turns
    lower = {k: [a - 0.7 for a in v] if k != "dense" else v for k, v in accs.items()}
    changed = report_table(claims(), measure(Results(static={"cross_dataset": _cross_models(lower)})))
    rnd, rnd0 = _row(changed, "table6_random_0_fashion_mnist"), _row(table, "table6_random_0_fashion_mnist")
    assert rnd["ours"] == pytest.approx(rnd0["ours"] - 0.7)
    assert rnd0["verdict"] == REPRODUCED and rnd["verdict"] == DIFFERS
    # the same results at fewer epochs are shown, not judged
    short = report_table(claims(), measure(Results(static={"cross_dataset": _cross_models(accs, epochs=3)})))
    assert _row(short, "table6_dense_fashion_mnist")["verdict"] == OTHER_SETTINGS
    assert "3 ep" in _row(short, "table6_dense_fashion_mnist")["settings"]
    # and the Markdown carries the row
    md = report_markdown(changed)
    line = next(l for l in md.splitlines() if l.startswith("| Random (≈0), fashion_mnist"))
    assert "✗ differs" in line and f"{rnd['ours']:.3f}" in line


def test_mask_rows_follow_the_configured_rounding():
    from psn.render.table3 import published_mask_comparison, smax_table

    mp, t3 = published_mask_comparison(), smax_table()
    ceil = report_table(claims(), measure(Results(table3=t3, mask_published=mp, rounding="ceil")))
    floor = report_table(claims(), measure(Results(table3=t3, mask_published=mp, rounding="floor")))
    assert _row(ceil, "mask_exp_fan_in_max")["ours"] == 248 and _row(ceil, "mask_exp_fan_in_max")["verdict"] == DIFFERS
    assert _row(floor, "mask_exp_fan_in_max")["ours"] == 247
    assert _row(floor, "mask_exp_fan_in_max")["verdict"] == REPRODUCED
    assert (ceil[ceil["section"] == "Table 3"]["verdict"] == REPRODUCED).all()


def test_not_run_rows_carry_the_plan_estimate(repo):
    from psn.config import load
    from psn.workflow.estimate import commands, experiment_flops

    cfg = load(repo / "config.yaml")
    flops = experiment_flops(cfg)
    cmds = commands(cfg, gflops=50.0)
    # hours are FLOPs over the rate, and twice the rate halves them
    assert cmds[("rigl", "fashion_mnist")][1] == pytest.approx(flops[("rigl", "fashion_mnist")] / 50e9 / 3600)
    assert commands(cfg, gflops=100.0)[("rigl", "fashion_mnist")][1] == pytest.approx(
        cmds[("rigl", "fashion_mnist")][1] / 2)
    assert cmds[("cross_dataset", "fashion_mnist")][0].startswith("snakemake results/tables/cross_dataset/models.csv")
    # Forest Cover trains far more model-steps than Fashion-MNIST in the same experiment
    assert flops[("cross_dataset", "forest_cover")] > 10 * flops[("cross_dataset", "fashion_mnist")]
    table = report_table(claims(), {}, cmds)
    row = _row(table, "rigl_gap_fashion_mnist")
    assert row["verdict"] == NOT_RUN and row["command"] == "snakemake dst --cores all" and math.isfinite(row["hours"])


def test_a_measurement_at_the_papers_settings_wins_the_merge():
    from psn.analysis.report import merge_measurements

    quick = {"a": Ours(80.0, n=3, at_paper=False), "b": Ours(1.0, n=3, at_paper=False)}
    full = {"a": Ours(89.1, n=5, at_paper=True)}
    merged = merge_measurements(quick, full)
    assert merged["a"].value == 89.1 and merged["b"].value == 1.0
    assert merge_measurements(full, quick)["a"].value == 89.1


def _fashion98(experiment="fashion_98", powerlaw=(88.5, 88.6, 88.6), random=(88.1, 88.2, 88.2)):
    rows = []
    for cond, profile, ccv, accs in (("powerlaw-ccv1", "powerlaw", 1.0, powerlaw), ("random", "uniform", np.nan, random)):
        for seed, acc in zip(SEEDS[:3], accs):
            rows.append({"experiment": experiment, "dataset": "fashion_mnist", "arch": "784-1024-1024-10",
                         "epochs": 10, "condition": cond, "profile": profile, "spread": "random",
                         "target_sparsity": 0.98, "ccv_target": ccv, "k": np.nan, "beta": np.nan, "seed": seed,
                         "final_acc": acc, "best_acc": acc, "diverged": False, "fan_in_cv": 0.0, "sparsity": 0.98})
    return pd.DataFrame(rows)


def test_the_98_percent_rows_come_from_their_own_three_seed_experiment():
    table = report_table(claims(), measure(Results(static={"fashion_98": _fashion98()})))
    pl, gap = _row(table, "fashion98_powerlaw"), _row(table, "fashion98_gap")
    assert pl["ours"] == pytest.approx(np.mean([88.5, 88.6, 88.6])) and pl["n"] == 3
    assert pl["verdict"] == REPRODUCED  # 3 seeds at 10 epochs are the paper's settings there
    assert gap["ours"] == pytest.approx(np.mean([88.5, 88.6, 88.6]) - np.mean([88.1, 88.2, 88.2]))
    # the same models filed under the 90% cross-dataset experiment do not stand in for it
    other = report_table(claims(), measure(Results(static={"cross_dataset": _fashion98("cross_dataset")})))
    assert _row(other, "fashion98_powerlaw")["verdict"] == NOT_RUN


def test_the_seven_row_spread_leaves_out_the_power_law_rows():
    from test_analysis_static import cross_models, fake_models

    cross = cross_models(datasets=("mnist",), noise=0.0)
    seven = report_table(claims(), measure(Results(static={"cross_dataset": cross})))
    assert _row(seven, "cross_spread_mnist")["ours"] == pytest.approx(98.19 - 98.07)
    assert _row(seven, "cross_spread_nine_mnist")["ours"] == pytest.approx(98.19 - 98.07)
    # a power-law row 0.5 below the rest widens the nine-profile spread only
    pl = fake_models("cross_dataset", [dict(condition="powerlaw-ccv1", profile="powerlaw", spread="random",
                                            target_sparsity=0.9, ccv_target=1.0, acc=97.57)], noise=0.0)
    nine = report_table(claims(), measure(Results(static={"cross_dataset": pd.concat([cross, pl])})))
    assert _row(nine, "cross_spread_mnist")["ours"] == pytest.approx(98.19 - 98.07)
    assert _row(nine, "cross_spread_nine_mnist")["ours"] == pytest.approx(98.19 - 97.57)


def test_the_mnist_variant_spread_is_the_widest_up_to_98_percent():
    from test_analysis_static import sweep_models

    table = report_table(claims(), measure(Results(static={"mnist_sweep": sweep_models(noise=0.0)})))
    # the fixture's variants take Table 5's values: its columns' range per sparsity
    widest = max(max(v) - min(v) for s, v in pub.TABLE5_VALUES.items() if s <= 0.98)
    row = _row(table, "mnist_variant_spread")
    assert row["ours"] == pytest.approx(widest)
    assert "up to 98%" in row["note"]
