"""psn.analysis.dst_readings on small tables: each reading's CCV against its bound beside the
paper's, whether the starts meet, the statistic read per layer and per input, the nearest."""

import numpy as np
import pandas as pd
import pytest

from psn.analysis import rigl as ar
from psn.analysis.dst_readings import nearest_reading, readings_rows, statistic_rows
from test_analysis_rigl import equilibrium, flat, make_run


def eq_table(per_start: dict[str, float], spread: float):
    eq = equilibrium(per_layer=(1.0, 2.0), cell={"dataset": "fashion_mnist", "arch": "784-64-64-10", "epochs": "1",
                                                 "sparsity": "90"})
    eq["starts"] = list(per_start)
    eq["per_start"] = {s: [v, v] for s, v in per_start.items()}
    eq["n_seeds"] = {s: 1 for s in per_start}
    eq["spread_final"] = [spread, spread]
    return ar.equilibrium_table([eq])


def test_readings_rows_set_each_start_against_the_bound_and_the_paper():
    rows = readings_rows({"default": eq_table({"erk": 0.4, "lognormal-ccv2.5": 1.8}, 1.4),
                          "ties": eq_table({"erk": 2.5, "lognormal-ccv2.5": 2.55}, 0.05)})
    assert len(rows) == 4
    erk = rows[(rows["reading"] == "default") & (rows["start"] == "erk")].iloc[0]
    assert erk["over_bound"] == pytest.approx(0.4 / 3.0)  # √(1/0.1 − 1) = 3
    assert erk["paper"] == 2.52 and erk["paper_over_bound"] == pytest.approx(0.84)
    assert not erk["starts_meet"]
    assert rows.loc[rows["reading"] == "ties", "starts_meet"].all()
    near = nearest_reading(rows)
    assert near["reading"].tolist() == ["ties", "default"] and bool(near.iloc[0]["starts_meet_everywhere"])


def test_set_cells_are_not_readings_of_table4():
    eq = eq_table({"erk": 0.4}, 0.0).assign(method="set")
    assert readings_rows({"default": eq}).empty


def test_statistic_rows_per_layer_and_per_input():
    runs = [make_run(s, flat({1: 0.8}), ccv_target=2.5 if s != "erk" else None, dataset="fashion_mnist")
            for s in ("erk", "lognormal-ccv2.5")]
    traj = ar.trajectories_table(runs)
    rows = statistic_rows(eq_table({"erk": 0.4, "lognormal-ccv2.5": 1.8}, 1.4), traj)
    layers = rows[rows["reading"].str.endswith("alone")]
    assert layers["ccv"].tolist() == [1.0, 2.0]
    fanout = rows[rows["reading"].str.contains("fan-out")]
    assert set(fanout["start"]) == {"erk", "lognormal-ccv2.5"}
    assert np.isfinite(fanout["ccv"]).all()


def test_readings_markdown_names_the_nearest_reading():
    from psn.render.dst_readings import readings_markdown

    rows = readings_rows({"default": eq_table({"erk": 0.4, "lognormal-ccv2.5": 1.8}, 1.4),
                          "ties": eq_table({"erk": 2.5, "lognormal-ccv2.5": 2.55}, 0.05)})
    md = readings_markdown(rows)
    assert "Nearest to the paper's CCV over its bound: **ties**" in md and "starts meet in every cell" in md
    assert "| default | 90% | ERK | 1 | 0.40 | 0.13 | 2.52 (0.84) | no (1.40 apart) |" in md


def test_the_report_sets_the_readings_named_in_its_config_side_by_side(tmp_path):
    """report.dst_readings: each results directory's tables read (its equilibrium required), the
    section in the report, and none without any."""
    from psn.render.dst_readings import reading_tables, readings_section
    from psn.render.report import report_markdown

    runs = [make_run(s, flat({1: 0.8}), ccv_target=2.5 if s != "erk" else None, dataset="fashion_mnist")
            for s in ("erk", "lognormal-ccv2.5")]
    tables = {"default": {"equilibrium": eq_table({"erk": 0.4, "lognormal-ccv2.5": 1.8}, 1.4),
                          "trajectories": ar.trajectories_table(runs)},
              "ties": {"equilibrium": eq_table({"erk": 2.5, "lognormal-ccv2.5": 2.55}, 0.05)}}
    md = readings_section(tables)
    assert "| ties | 90% | ERK | 1 | 2.50 |" in md and "| default: layer 1 alone | 90% |" in md
    assert "**ties**" in md  # the nearest
    from psn.analysis.report import REPORT_COLUMNS

    report = pd.DataFrame(columns=REPORT_COLUMNS)
    header = "## What would give the paper's Table 4? The dynamic stage's readings"
    assert header in report_markdown(report, dst_readings=md) and header not in report_markdown(report)
    root = tmp_path / "reading" / "tables" / "dst"
    root.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no tables/dst/equilibrium.csv"):
        reading_tables(tmp_path / "reading")
    tables["ties"]["equilibrium"].to_csv(root / "equilibrium.csv", index=False)
    assert list(reading_tables(tmp_path / "reading")) == ["equilibrium"]
