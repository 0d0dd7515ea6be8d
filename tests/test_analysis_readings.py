"""The readings table: every reading compared on the same Table 6 rows, the default's groups
standing in for those a reading does not change."""

import numpy as np
import pandas as pd
import pytest

from psn.analysis import published as pub
from psn.analysis.readings import readings_table
from psn.render.static import readings_markdown

PAPER = {label: values[1] for label, _, _, _, values in pub.TABLE6_ROWS}  # Fashion-MNIST


def _models(groups):
    """groups: (reading, condition, profile, [final accuracies]) -> models.csv rows."""
    rows = []
    for reading, condition, profile, accs in groups:
        for seed, acc in zip([42, 123, 456], accs):
            rows.append({"dataset": "fashion_mnist", "reading": reading, "condition": condition, "profile": profile,
                         "ccv_target": np.nan, "seed": seed, "final_acc": acc, "best_acc": acc + 0.2,
                         "diverged": False})
    return pd.DataFrame(rows)


def test_readings_share_the_default_groups_they_do_not_change():
    models = _models([
        ("", "dense", "dense", [89.0, 89.1, 89.2]),
        ("", "random", "uniform", [88.4, 88.5, 88.6]),
        ("init-torch_default", "dense", "dense", [89.0, 89.0, 89.0]),
        ("init-torch_default", "random", "uniform", [89.2, 89.3, 89.4]),
        ("random_baseline-erdos_renyi", "random_erdos_renyi", "random", [88.0, 88.1, 88.2]),
    ])
    t = readings_table(models).set_index(["reading", "accuracy"])
    assert list(dict.fromkeys(t.index.get_level_values(0))) == [
        "default", "init-torch_default", "random_baseline-erdos_renyi"]
    d = t.loc[("default", "final")]
    assert d["Dense"] == pytest.approx(89.1) and d["Random (≈0)"] == pytest.approx(88.5)
    assert d["distance"] == pytest.approx((abs(89.1 - PAPER["Dense"]) + abs(88.5 - PAPER["Random (≈0)"])) / 2)
    assert d["sparse_minus_dense"] == pytest.approx(-0.6)
    assert d["paper_sparse_minus_dense"] == pytest.approx(PAPER["Random (≈0)"] - PAPER["Dense"])
    er = t.loc[("random_baseline-erdos_renyi", "final")]
    assert er["Dense"] == pytest.approx(89.1) and not er["Dense own"]   # the default's dense
    assert er["Random (≈0)"] == pytest.approx(88.1) and er["Random (≈0) own"]
    torch_row = t.loc[("init-torch_default", "final")]
    assert torch_row["sparse_minus_dense"] == pytest.approx(0.3)
    assert torch_row["distance"] < d["distance"]
    assert t.loc[("default", "best"), "Dense"] == pytest.approx(89.3)
    md = readings_markdown(readings_table(models))
    assert "89.10*" in md and f"Dense ({PAPER['Dense']:.2f})" in md


def test_the_report_shows_the_readings_run_at_table_6_size():
    from psn.analysis.readings import choose_readings

    def sized(arch, epochs):
        m = _models([("", "dense", "dense", [89.0, 89.1, 89.2])])
        return m.assign(arch=arch, epochs=epochs)

    quick, full = sized("784-256-256-10", 3), sized("784-1024-1024-10", 10)
    assert choose_readings([quick, full]) is full
    assert choose_readings([quick, None]) is quick
    assert choose_readings([None, quick.assign(dataset="mnist")]) is None


def test_the_closest_reading_and_whether_it_closes_the_gap():
    from psn.analysis.readings import closest_readings

    paper_gap = PAPER["Random (≈0)"] - PAPER["Dense"]   # +0.17
    models = _models([
        ("", "dense", "dense", [89.0, 89.1, 89.2]),
        ("", "random", "uniform", [88.4, 88.5, 88.6]),                 # gap −0.6
        ("init-torch_default", "random", "uniform", [89.2, 89.3, 89.4]),   # gap +0.2
    ])
    t = readings_table(models)
    c = closest_readings(t)
    assert c["gap"][:2] == ("init-torch_default", "final")
    se = np.sqrt(0.1 ** 2 / 3 + 0.1 ** 2 / 3)
    assert c["gap"][2] == pytest.approx(0.2) and c["gap"][3] == pytest.approx(se)
    assert c["gap"][4] == pytest.approx(paper_gap) and c["gap_closed"]
    assert "no reading closes the gap" not in readings_markdown(t)
    # far from the paper's gap with tight seeds: the report says no reading closes it
    far = _models([("", "dense", "dense", [89.0, 89.0, 89.01]), ("", "random", "uniform", [88.0, 88.0, 88.01])])
    assert not closest_readings(readings_table(far))["gap_closed"]
    assert "no reading closes the gap" in readings_markdown(readings_table(far))


def test_the_default_row_names_the_init_it_ran_under():
    # results made under another config default (the committed full-size readings ran under
    # Eq. 9): the table says which init its default row is, not the current config's
    models = _models([("", "dense", "dense", [89.0, 89.1, 89.2]), ("", "random", "uniform", [88.4, 88.5, 88.6]),
                      ("init-torch_default", "random", "uniform", [89.2, 89.3, 89.4])])
    models["init"] = np.where(models["reading"] == "", "mean_fan_in", "torch_default")
    t = readings_table(models)
    assert list(t["init"]) == ["mean_fan_in"] * 2 + ["torch_default"] * 2
    md = readings_markdown(t)
    assert "| default (init mean_fan_in) | final |" in md and "| init-torch_default | final |" in md
    assert "(init torch_default)" not in md
    # models that do not record their init: the plain label
    assert "| default | final |" in readings_markdown(readings_table(models.drop(columns="init")))


def test_readings_at_table_6_size_pool_their_seed_batches():
    from psn.analysis.readings import choose_readings

    def batch(seeds, init="mean_fan_in", arch="784-1024-1024-10"):
        m = _models([("", "dense", "dense", [89.0, 89.1, 89.2]), ("", "random", "uniform", [88.4, 88.5, 88.6])])
        m["seed"] = [s for _ in range(2) for s in seeds]
        return m.assign(arch=arch, epochs=10, init=init,
                        run=np.where(m["condition"] == "dense", "dense/none/s0", "random/random/s90"))

    first, more = batch([42, 123, 456]), batch([789, 1011, 42])        # seed 42 in both: counted once
    pooled = choose_readings([batch([1, 2, 3], arch="784-256-256-10"), first, more])
    assert len(pooled) == 10 and sorted(pooled["seed"].unique()) == [42, 123, 456, 789, 1011]
    assert readings_table(pooled).iloc[0]["Dense n"] == 5
    # a reading only the first batch trained has fewer seeds, and its row says so
    er = first.iloc[3:].assign(reading="random_baseline-erdos_renyi", condition="random_erdos_renyi")
    t = readings_table(pd.concat([pooled, er], ignore_index=True))
    assert list(t["n"]) == [5, 5, 3, 3]
    md = readings_markdown(t)
    assert "| random_baseline-erdos_renyi (n = 3) | final |" in md and "| default (init mean_fan_in) | final |" in md
    # a batch whose default ran under another init is not pooled with the first
    assert choose_readings([first, batch([789, 1011, 7], init="torch_default")]) is first
