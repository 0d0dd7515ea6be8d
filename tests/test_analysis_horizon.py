"""Do two starts meet? The gap series and the meeting point, on trajectories whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from psn.analysis.horizon import MEAN_LAYER, first_lasting, gap_series, meetings
from psn.render.horizon import horizon_markdown, main, sentence

CELL = {"method": "rigl", "dataset": "fashion_mnist", "arch": "784-8-8-10", "epochs": 4, "target_sparsity": 0.9}


def _traj(ccv: dict[tuple[str, int], list[float]], seeds=(42,)) -> pd.DataFrame:
    """Rows of a trajectories table: ccv[(start, layer)] is the CCV at records 0, 1, ..."""
    rows = []
    for (start, layer), values in ccv.items():
        for seed in seeds:
            for r, v in enumerate(values):
                rows.append({**CELL, "start": start, "seed": seed, "record": r, "step": 10 * r, "total_steps": 40,
                             "layer": layer, "fanin_ccv": v + (0.01 if seed != seeds[0] else 0.0)})
    return pd.DataFrame(rows)


def test_first_lasting_needs_the_gap_closed_to_the_end():
    assert first_lasting(np.array([False, True, False, True, True])) == 3
    assert first_lasting(np.array([True, True])) == 0
    assert first_lasting(np.array([True, False])) is None
    assert first_lasting(np.array([], dtype=bool)) is None


def test_layers_meet_where_the_gap_stays_within_tolerance():
    t = _traj({("erk", 0): [0.1, 1.0, 1.5, 1.9, 2.0], ("ln", 0): [2.5, 2.2, 2.1, 2.0, 2.0],
               ("erk", 1): [0.1, 0.5, 0.6, 0.6, 0.6], ("ln", 1): [2.5, 2.0, 1.5, 1.2, 1.0]})
    m = meetings(t, "erk", "ln", tolerance=0.15).set_index("layer")
    assert list(m.index) == ["0", "1", MEAN_LAYER]
    assert m.loc["0", "meets"] and m.loc["0", "met_at_update"] == 3 and m.loc["0", "met_at_step"] == 30
    assert m.loc["0", "ccv_at_meeting"] == pytest.approx(1.95)
    assert m.loc["0", "met_at_epoch"] == pytest.approx(3.0)
    assert not m.loc["1", "meets"] and pd.isna(m.loc["1", "met_at_update"])
    assert m.loc["1", "gap_final"] == pytest.approx(0.4) and m.loc["1", "gap_min"] == pytest.approx(0.4)
    # Table 4's number is the mean over layers: (2.0 + 0.6)/2 against (2.0 + 1.0)/2
    assert m.loc[MEAN_LAYER, "ccv_a_final"] == pytest.approx(1.3) and m.loc[MEAN_LAYER, "ccv_b_final"] == pytest.approx(1.5)
    assert not m.loc[MEAN_LAYER, "meets"] and m.loc[MEAN_LAYER, "updates"] == 4


def test_seeds_are_averaged_before_the_gap():
    t = _traj({("erk", 0): [0.0, 1.0], ("ln", 0): [1.0, 1.0]}, seeds=(42, 123))
    s = gap_series(t, "erk", "ln")
    last = s[(s["layer"] == "0") & (s["record"] == 1)].iloc[0]
    assert last["ccv_a"] == pytest.approx(1.005) and last["gap"] == pytest.approx(0.0)


def test_bad_starts_and_tolerance_are_named():
    t = _traj({("erk", 0): [0.1, 0.2]})
    with pytest.raises(ValueError, match="no start.*'ln'"):
        gap_series(t, "erk", "ln")
    with pytest.raises(ValueError, match="tolerance"):
        meetings(_traj({("erk", 0): [0.1], ("ln", 0): [0.1]}), "erk", "ln", tolerance=0)


def test_sentence_says_where_and_after_how_many_updates():
    t = _traj({("erk", 0): [0.1, 1.9, 2.0], ("ln", 0): [2.5, 2.0, 2.0]})
    m = meetings(t, "erk", "ln", tolerance=0.15)
    text = sentence("cosine", m)
    assert text.startswith("**cosine, 90%**: the starts meet, at CCV 1.95 after 1 of 2 updates")
    far = meetings(_traj({("erk", 0): [0.1, 0.5], ("ln", 0): [2.5, 2.0]}), "erk", "ln", tolerance=0.1)
    assert "do not meet in 1 updates: they end at 0.50 (erk) and 2.00 (ln), 1.50 apart" in sentence("x", far)
    assert horizon_markdown({"x": far}).count("| x |") == 2  # the layer and the mean


def test_cli_writes_the_figure_and_the_table(tmp_path):
    root = tmp_path / "run" / "tables" / "dst"
    root.mkdir(parents=True)
    _traj({("erk", 0): [0.1, 1.9, 2.0], ("ln", 0): [2.5, 2.0, 2.0]}).to_csv(root / "trajectories.csv", index=False)
    out = tmp_path / "out"
    assert main(["--out", str(out), "--b", "ln", "--tolerance", "0.15", f"cosine={tmp_path / 'run'}"]) == 0
    assert "the starts meet, at CCV 1.95" in (out / "horizon.md").read_text()
    assert (out / "horizon.png").read_bytes()[:4] == b"\x89PNG" and (out / "horizon.pdf").stat().st_size > 1000
    with pytest.raises(FileNotFoundError, match="no tables/dst/trajectories.csv"):
        main(["--out", str(out), f"x={tmp_path}"])


def test_a_damaged_trajectories_table_is_named(tmp_path):
    from psn.provenance import ArtifactError

    root = tmp_path / "run" / "tables" / "dst"
    root.mkdir(parents=True)
    _traj({("erk", 0): [0.1, 1.9]}).drop(columns="record").to_csv(root / "trajectories.csv", index=False)
    with pytest.raises(ArtifactError, match=r"trajectories.csv is damaged: no column 'record'"):
        main(["--out", str(tmp_path / "out"), f"x={tmp_path / 'run'}"])
    assert not (tmp_path / "out").exists()  # nothing written
