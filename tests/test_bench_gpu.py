"""The GPU check's CPU form (what CI runs), and that its comparisons can fail."""

import argparse
import json
from dataclasses import replace

import pytest
import torch

from psn.bench import gpu
from psn.bench.gpu import determinism
from psn.bench.__main__ import BENCHMARKS

pytestmark = pytest.mark.slow  # end-to-end: `pytest -m "not slow"` leaves these out


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu") / "gpu_check.json"
    code = gpu.main(["--quick", "--out", str(out)])
    return code, json.loads(out.read_text())


def test_the_quick_form_runs_every_part_and_exits_0(quick):
    code, summary = quick
    assert code == 0 and summary["failed"] == []
    rows = {r["part"]: r for r in summary["parts"]}
    assert list(rows) == list(gpu.PARTS) and "gpu" in BENCHMARKS
    assert rows["workflow"]["status"] == "skipped" and "--quick" in rows["workflow"]["reason"]
    if not torch.cuda.is_available():
        assert rows["cuda_tests"]["status"] == "skipped"
        assert rows["cuda_tests"]["reason"] == "no CUDA device"
        assert rows["determinism"]["figures"]["cuda_vs_cpu"] == {"skipped": "no CUDA device"}
        assert rows["throughput"]["figures"]["label"].startswith("CPU figures at tiny sizes")


def test_two_fresh_runs_gave_identical_bytes(quick):
    _, summary = quick
    det = next(r for r in summary["parts"] if r["part"] == "determinism")
    assert det["status"] == "passed"
    a, b = det["figures"]["runs"]
    assert a == b and set(a) == {"results", "weights", "adam", "masks"}
    assert det["figures"]["same_device"]["identical"] and det["figures"]["invariant_problems"] == []


def test_throughput_measures_every_shape_and_k(quick):
    _, summary = quick
    tp = next(r for r in summary["parts"] if r["part"] == "throughput")
    rates = tp["figures"]["rates"]
    assert set(rates) == set(gpu.QUICK_SHAPES)
    assert all(set(per_k) == {str(k) for k in gpu.QUICK_KS} for per_k in rates.values())
    assert all(v["model_steps_per_s"] > 0 for per_k in rates.values() for v in per_k.values())
    assert tp["figures"]["profile"]["top"]


def test_a_different_run_is_reported_as_a_determinism_failure():
    spec = replace(gpu.QUICK_GROUP, epochs=1)  # 12 steps, one update at t = 6
    a, _ = gpu.run_group(spec, "cpu")
    b, _ = gpu.run_group(replace(spec, seeds=(42, 124)), "cpu")  # the second model differs
    same = gpu.compare_runs(a, a)
    assert same["identical"] and same["first_mask_disagreement"] is None
    cmp = gpu.compare_runs(a, b)
    assert not cmp["identical"]
    assert {"results", "weights", "masks", "updates", "spec"} <= set(cmp["differs"])
    first = cmp["first_mask_disagreement"]
    assert (first["update"], first["step"], first["layer"], first["models"]) == (0, 6, 0, [1])


def test_paper_hours_use_measured_rates_and_scale_the_rest():
    rows = [("a", [4, 8, 2], 10, 100, 2, 3),   # measured: 3 runs x 2 epochs x 10 steps at 60/s
            ("b", [4, 16, 2], 10, 100, 1, 1)]  # twice a's FLOPs: 10 steps at a's FLOP rate
    hours = gpu.paper_hours(rows, {((4, 8, 2), 10): 60.0})
    assert [r["how"] for r in hours["rows"]] == ["measured", "scaled from 4-8-2 b10"]
    assert hours["rows"][0]["hours"] == pytest.approx(60 / 60 / 3600)
    assert hours["rows"][1]["hours"] == pytest.approx(10 * 2 / 60 / 3600)
    # a smaller shape never runs faster than the measured one's step
    small = gpu.paper_hours([("c", [4, 2, 2], 10, 100, 1, 1)], {((4, 8, 2), 10): 60.0})
    assert small["rows"][0]["hours"] == pytest.approx(10 / 60 / 3600)


def test_a_part_that_breaks_fails_the_check(tmp_path, monkeypatch, capsys):
    def broken(args, ctx):
        raise RuntimeError("the device fell over")

    monkeypatch.setitem(gpu.PART_FUNCS, "cuda_tests", broken)
    out = tmp_path / "gpu.json"
    skip = [a for p in ("determinism", "throughput", "workflow") for a in ("--skip", p)]
    assert gpu.main(["--quick", "--out", str(out), *skip]) == 1
    summary = json.loads(out.read_text())
    assert summary["failed"] == ["cuda_tests"]
    assert summary["parts"][0]["reason"] == "RuntimeError: the device fell over"
    assert "failed   " in capsys.readouterr().out


def test_the_cuda_branch_compares_against_cpu(monkeypatch):
    # the CUDA runs stood in for by CPU ones, so the comparison and its report run here too
    calls = []

    def worker(spec, device, threads, out, timeout, *, dynamic=True):
        calls.append((device, dynamic))
        return determinism.run_group(replace(spec, epochs=1), "cpu", threads, dynamic=dynamic)

    monkeypatch.setattr(determinism, "run_worker", worker)
    args = argparse.Namespace(quick=True, timeout=60)
    row = gpu.part_determinism(args, {"device": "cuda", "cuda": True, "threads": 1})
    cross = row["figures"]["cuda_vs_cpu"]
    # twice on the device, once on CPU, and the static group on both
    assert calls == [("cuda", True), ("cuda", True), ("cpu", True), ("cuda", False), ("cpu", False)]
    assert row["status"] == "passed" and cross["agree"]
    assert cross["max_accuracy_gap"] == 0 and cross["static_gap"] == 0 and cross["max_weight_difference"] == 0
    assert cross["first_mask_disagreement"] is None
    assert "masks agree at every update" in row["summary"][-1]


def test_cuda_against_cpu_is_judged_by_the_static_groups_own_gap():
    # the H200's figures (docs/gpu_check/): static 0.0234 apart, RigL 0.0298
    run = lambda acc, updates=(): {"final_test_accuracy": acc, "updates": list(updates)}  # noqa: E731
    w = {"w": torch.zeros(2)}
    rigl_cuda, rigl_cpu = run([0.7563, 0.8096, 0.8179]), run([0.7861, 0.8096, 0.8179])
    agreed = gpu.cuda_vs_cpu(rigl_cuda, rigl_cpu, w, w, static_gap=0.0234)
    assert agreed["agree"] and agreed["tolerance"] == pytest.approx(0.0468)
    assert agreed["max_accuracy_gap"] == pytest.approx(0.0298)
    # no static gap (or a tiny one): the floor ACC_TOLERANCE judges, and 0.0298 is beyond it
    alone = gpu.cuda_vs_cpu(rigl_cuda, rigl_cpu, w, w, static_gap=0.001)
    assert not alone["agree"] and alone["tolerance"] == gpu.ACC_TOLERANCE
    # a diverged model never agrees
    assert not gpu.cuda_vs_cpu(run([None, 0.8, 0.8]), run([0.8, 0.8, 0.8]), w, w, static_gap=0.5)["agree"]
