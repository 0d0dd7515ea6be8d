"""Figure 1 and Table 3 rendering: the numbers drawn, and byte-deterministic outputs."""

import numpy as np
import pandas as pd
import pytest

import psn
from psn.render.figure1 import figure1_data, render_figure1
from psn.render.io import to_markdown, write_csv
from psn.analysis.published import TABLE3 as PAPER_TABLE3
from psn.render.table3 import published_mask_comparison, smax_table


@pytest.mark.slow
def test_figure1_is_byte_deterministic_and_draws_the_paper_data(tmp_path):
    kw = dict(n_in=100, n_out=128, ks=(1, 5, 50), dpi=40)
    d1 = render_figure1(tmp_path / "a.png", tmp_path / "a.pdf", **kw)
    render_figure1(tmp_path / "b.png", tmp_path / "b.pdf", **kw)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert len(d1["profiles"]) == 8 and d1["mask"].shape == (128, 100)
    assert np.array_equal(d1["mask"].sum(axis=1), d1["profiles"]["exponential"])


def test_figure1_panel_d_ccv_falls_from_k1_to_k50():
    d = figure1_data(ks=(1, 50))
    c1, c50 = (psn.ccv(d["multipeak"][k]) for k in (1, 50))
    assert c1 > 1.0 and c50 < 0.01  # Figure 1d: "from 1.23 to 0.00" (we get 1.34 at k=1)


def test_table3_matches_the_published_table():
    t = smax_table()
    assert t["f_min"].tolist() == [1, 5, 10, 20]
    for n, published in PAPER_TABLE3.items():
        assert t[f"S_max_n{n} (%)"].round(2).tolist() == list(published)
    md = to_markdown(t)
    assert md.splitlines()[2] == "| 1 | 99.87 | 98.15 |"


def test_csv_round_trip(tmp_path):
    t = smax_table()
    write_csv(t, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert np.allclose(back.to_numpy(dtype=float), t.to_numpy(dtype=float), atol=1e-3)


def test_published_comparison_floor_reproduces_exponential_numbers():
    df = published_mask_comparison().set_index("quantity")
    for q in ("exp fan-in max", "exp fan-in min", "exp sequential dead inputs"):
        assert df.loc[q, "ours_floor"] == df.loc[q, "paper"]
    assert df.loc["exp fan-in mean", "ours_floor"] == pytest.approx(77.9, abs=0.05)
    assert df.loc["multipeak CCV k=1 β=1200", "ours_ceil"] == pytest.approx(3.24, abs=0.01)
