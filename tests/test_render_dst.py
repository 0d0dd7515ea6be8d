"""psn.render.dst (with figure3, dst_curves, fanin) and scripts/dst_tables.py + render_dst.py: every output, byte-identical
twice, the paper's numbers beside ours, a method column, placeholders without runs."""

from __future__ import annotations

import json
import runpy
from types import SimpleNamespace

import pandas as pd
import pytest

from test_render_static import read_all

from psn.analysis import rigl as ar
from psn.analysis.fanin import fanin_tables
from psn.render import dst as rr
from psn.render import style
from test_analysis_rigl import cell_runs, equilibrium, make_run


def outputs(folder) -> dict[str, str]:
    return {k: str(folder / f"{k.rsplit('_', 1)[0]}.{k.rsplit('_', 1)[1]}") for k in rr.OUTPUTS}


def runs_two_cells() -> list[dict]:
    """Fashion-MNIST at 80% and 90%, three epochs; LN (equil.) starts below ERK and overtakes."""
    curves = {"erk": ([0.70, 0.75, 0.80], [0.71, 0.76, 0.81]), "ln-equil": ([0.65, 0.78, 0.83], [0.66, 0.77, 0.84]),
              "static": ([0.69, 0.74, 0.79], [0.70, 0.73, 0.78])}
    return [make_run(start, {seed + 1: [v + shift for v in c] for seed, c in enumerate(pair)}, sparsity=s,
                     ccv_target=1.5 if start == "ln-equil" else None)
            for s, shift in ((0.8, 0.02), (0.9, 0.0)) for start, pair in curves.items()]


def tables(runs, eqs) -> dict[str, pd.DataFrame]:
    m = ar.models_table(runs)
    fanin, counts = fanin_tables(runs)
    return {"models": m, "curves": ar.curves_table(runs), "trajectories": ar.trajectories_table(runs),
            "equilibrium": ar.equilibrium_table(eqs, m), "fanin": fanin, "fanin_counts": counts}


def test_start_labels_and_styles():
    assert [style.start_label(s) for s in ("ln-equil", "ln-equil-0.5", "ln-equil+0.5", "lognormal-ccv2.5", "erk")] == \
        ["LN (equil.)", "LN (equil. −0.5)", "LN (equil. +0.5)", "LN (CCV 2.5)", "ERK"]
    assert style.start_style("static")["ls"] == "--"
    colours = [style.start_style(s)["color"] for s in ("ln-equil", "ln-equil-0.5", "ln-equil+0.5", "ln-paper", "erk",
                                                    "uniform", "static", "lognormal-ccv2.5")]
    assert len(set(colours)) == len(colours)


@pytest.mark.slow
def test_render_all_complete_and_deterministic(tmp_path):
    t = tables(runs_two_cells(), [equilibrium(cell=("fashion_mnist", "784-64-64-10", "3", "90")),
                                  equilibrium(per_layer=(1.0, 1.2), cell=("fashion_mnist", "784-64-64-10", "3", "80"))])
    a, b = outputs(tmp_path / "a"), outputs(tmp_path / "b")
    rr.render_all(t, a)
    rr.render_all(t, b)
    fa, fb = read_all(a), read_all(b)
    assert [k for k in fa if fa[k] != fb[k]] == []
    for k, data in fa.items():
        assert data.startswith(b"\x89PNG" if k.endswith("_png") else b"%PDF" if k.endswith("_pdf") else b""), k
    text = {k: v.decode() for k, v in fa.items() if k.endswith(("_csv", "_md"))}
    assert "| RigL | 784-64-64-10 | 3 | 1.10 (1.68) | 2.00 (2.52) |" in text["table4_md"]
    assert "1.50 / 2.50" in text["table4_md"]
    gaps = pd.read_csv(a["gaps_csv"])
    assert len(gaps) == 4 and set(gaps["a"]) == {"ln-equil", "static"}
    assert "+0.16" in text["gaps_md"] and "0.036, 1.07 (10)" in text["gaps_md"]
    # LN (equil.) is below ERK at epoch 1 and above from epoch 2 in both cells
    assert text["gaps_md"].count("| True | -5.00 | +3.00 | 2 | 10–12 |") == 2
    starts = pd.read_csv(a["erk_forest_csv"])
    assert (starts["dataset"] == "forest_cover").sum() == 16
    assert "54-input first hidden layer" in text["erk_forest_md"]


@pytest.mark.slow
def test_render_all_one_cell_and_a_changed_result(tmp_path):
    runs = cell_runs()
    out = outputs(tmp_path / "one")
    rr.render_all(tables(runs, [equilibrium()]), out)
    before = pd.read_csv(out["gaps_csv"])
    runs[1]["results"][0]["final_test_accuracy"] = 0.90  # LN (equil.) seed 1: 83 -> 90
    out2 = outputs(tmp_path / "two")
    rr.render_all(tables(runs, [equilibrium()]), out2)
    after = pd.read_csv(out2["gaps_csv"])
    moved = before["diff"].ne(after["diff"])
    assert list(after.loc[moved, "a"]) == ["ln-equil"]
    assert after.loc[moved, "diff"].iloc[0] == pytest.approx(before.loc[moved, "diff"].iloc[0] + 3.5)


def test_render_all_without_runs_and_unknown_keys(tmp_path):
    out = outputs(tmp_path)
    rr.render_all({}, out)
    files = read_all(out)
    assert files["fig3_png"].startswith(b"\x89PNG")
    assert style.NO_RUNS in files["gaps_md"].decode()
    assert "(2.52)" in files["table4_md"].decode()  # the paper's Table 4 still shown
    assert len(pd.read_csv(out["erk_forest_csv"])) == 16
    with pytest.raises(KeyError):
        rr.render_all({}, {"fig9_png": str(tmp_path / "x.png")})
    with pytest.raises(KeyError):
        rr.render_all({"runs": pd.DataFrame()}, {})


@pytest.mark.slow
def test_scripts_tables_then_render(tmp_path, repo):
    runs = runs_two_cells()
    paths = []
    for i, run in enumerate(runs):
        p = tmp_path / f"run{i}.json"
        p.write_text(json.dumps(run))
        paths.append(str(p))
    eqp = tmp_path / "eq.json"
    eqp.write_text(json.dumps(equilibrium(cell={"dataset": "fashion_mnist", "arch": "784-64-64-10",
                                                "epochs": "3", "sparsity": "90"})))
    csvs = {name: str(tmp_path / f"{name}.csv") for name in rr.TABLES}
    snake = SimpleNamespace(input=SimpleNamespace(runs=paths, equilibria=[str(eqp)]),
                            output=SimpleNamespace(**csvs), log=[str(tmp_path / "tables.log")])
    runpy.run_path(str(repo / "scripts" / "dst_tables.py"), init_globals={"snakemake": snake})
    models = pd.read_csv(csvs["models"])
    assert len(models) == 12 and models["final_acc"].max() == pytest.approx(86.0)
    eq = pd.read_csv(csvs["equilibrium"])
    assert eq.iloc[0]["density_source"] == "realised"
    out = outputs(tmp_path / "out")
    snake = SimpleNamespace(input=SimpleNamespace(items=lambda: csvs.items()),
                            output=SimpleNamespace(items=lambda: out.items()),
                            params=SimpleNamespace(confirmation={"enabled": False}),
                            log=[str(tmp_path / "render.log")])
    runpy.run_path(str(repo / "scripts" / "render_dst.py"), init_globals={"snakemake": snake})
    assert "| 2.00 (2.52) |" in open(out["table4_md"]).read()
    assert "models: 12 rows" in (tmp_path / "render.log").read_text()
