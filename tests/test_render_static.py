"""psn.render.static and scripts/render_static.py: every output, byte-identical twice, partial inputs."""

from __future__ import annotations

import re
import runpy
from types import SimpleNamespace

import pandas as pd
import pytest

from psn.render import static as rs
from test_analysis_static import (ablation_models, cross_models, forest_models, multipeak_models,
                                  sweep_models)


def outputs(folder) -> dict[str, str]:
    return {k: str(folder / f"{k.rsplit('_', 1)[0]}.{k.rsplit('_', 1)[1]}") for k in rs.OUTPUTS}


@pytest.fixture(scope="module")
def all_models() -> dict[str, pd.DataFrame]:
    return {"mnist_sweep": sweep_models(), "multipeak": multipeak_models(noise=0.1),
            "cross_dataset": cross_models(), "spreading_ablation": ablation_models(),
            "forest_grid": forest_models(), "readings": cross_models()}


def read_all(paths: dict[str, str]) -> dict[str, bytes]:
    out = {}
    for k, p in paths.items():
        with open(p, "rb") as fh:
            out[k] = fh.read()
    return out


def check_formats(files: dict[str, bytes]) -> None:
    for k, data in files.items():
        assert data, k
        if k.endswith("_png"):
            assert data.startswith(b"\x89PNG"), k
        elif k.endswith("_pdf"):
            assert data.startswith(b"%PDF"), k


@pytest.mark.slow
def test_render_all_complete_and_deterministic(tmp_path, all_models):
    a, b = outputs(tmp_path / "a"), outputs(tmp_path / "b")
    rs.render_all(all_models, a)
    rs.render_all(all_models, b)
    fa, fb = read_all(a), read_all(b)
    check_formats(fa)
    assert [k for k in fa if fa[k] != fb[k]] == []
    text = {k: v.decode() for k, v in fa.items() if k.endswith(("_csv", "_md"))}
    assert not any(rs.NOT_IN_CONFIG in t for t in text.values())
    assert re.search(r"\| 85% \| \d+\.\d\d \(97\.77\) \|", text["table5_md"])  # ours (paper)
    assert "Dense baseline: ours" in text["table5_md"]
    assert "(94.77)" in text["table6_md"]
    t5 = pd.read_csv(a["table5_csv"])
    assert len(t5) == 46 and t5["paper"].notna().all()
    grad = pd.read_csv(a["gradients_csv"])
    assert {"pearson", "ratio_range"} == set(grad["kind"])
    r = grad[(grad["kind"] == "pearson") & (grad["unit"] == "configuration") & (grad["when"] == "init")
             & (grad["reading"] == "per_connection")].set_index("set")["r"]
    assert r.to_dict() == pytest.approx({"mnist_sweep": 1.0, "multipeak": 1.0, "all": 1.0})  # ratio = 1 + 2·CV
    grid = pd.read_csv(a["forest_grid_csv"])
    assert len(grid) == 8 and grid["gain_vs_depth2"].dropna().tolist() == pytest.approx([1.4] * 4)
    assert len(pd.read_csv(a["ablation_csv"])) == 4
    assert "Summary" in text["comparisons_md"]
    assert "| default (init mean_fan_in) | final |" in text["readings_md"]   # the init it ran under


def test_render_all_quick_preset_shape(tmp_path):
    """What the quick preset has: cross_dataset only, Fashion-MNIST, 3 seeds, 80/90/98%."""
    cross = cross_models(datasets=("fashion_mnist",), sparsities=(0.8, 0.9, 0.98), seeds=(42, 123, 456))
    out = outputs(tmp_path)
    rs.render_all({"cross_dataset": cross}, out)
    files = read_all(out)
    check_formats(files)
    for k in ("table5_csv", "table5_md", "multipeak_csv", "ablation_csv", "forest_grid_csv", "gradients_md"):
        assert rs.NOT_IN_CONFIG in files[k].decode(), k
    assert "(97.77)" in files["table5_md"].decode()         # the paper's Table 5 still shown
    t6 = pd.read_csv(out["table6_csv"])
    assert set(t6.loc[t6["n"] > 0, "dataset"]) == {"fashion_mnist"}
    assert rs.NOT_IN_CONFIG not in files["comparisons_md"].decode()


def test_render_all_nothing_and_subset_of_outputs(tmp_path):
    out = outputs(tmp_path / "none")
    rs.render_all({}, out)
    check_formats(read_all(out))
    few = {k: v for k, v in outputs(tmp_path / "few").items() if k in ("fig2b_png", "multipeak_csv")}
    rs.render_all({"multipeak": multipeak_models()}, few)
    assert sorted(p.name for p in (tmp_path / "few").iterdir()) == ["fig2b.png", "multipeak.csv"]
    with pytest.raises(KeyError):
        rs.render_all({}, {"fig9_png": str(tmp_path / "x.png")})


def test_script_reads_inputs_and_writes_outputs(tmp_path, repo):
    csv = tmp_path / "spreading_ablation.csv"
    ablation_models().to_csv(csv, index=False)
    out = outputs(tmp_path / "out")
    snake = SimpleNamespace(input={"spreading_ablation": str(csv)},
                            output=SimpleNamespace(items=lambda: out.items()),
                            log=[str(tmp_path / "render.log")])
    runpy.run_path(str(repo / "scripts" / "render_static.py"), init_globals={"snakemake": snake})
    abl = pd.read_csv(out["ablation_csv"])
    assert abl.loc[abl["label"] == "sequential", "diff_vs_even"].iloc[0] == pytest.approx(-22.5)
    assert "spreading_ablation" in (tmp_path / "render.log").read_text()


def test_multipeak_summary_gives_the_realised_sparsity_beside_k():
    from psn.analysis.static import multipeak_summary

    mp = multipeak_models()
    mp.loc[(mp["k"] == 1) & (mp["beta"] == 1200), "sparsity"] = 0.927  # the clamp at n
    s = multipeak_summary(mp).set_index(["beta", "k"])
    assert s.loc[(1200, 1), "sparsity_mean"] == pytest.approx(0.927)
    assert s.loc[(50, 1), "sparsity_mean"] == pytest.approx(0.9)
