"""The mask benchmark's spec list and dispatcher (the timing itself is not asserted)."""

import numpy as np

from psn.bench.__main__ import main as bench_main
from psn.bench.masks import MaskSpec, config_mask_specs, time_all_masks
from psn.config import load
from psn.workflow.plan import mask_jobs
from psn.masks.spreading import even


def test_config_specs_are_the_pipelines_masks(repo):
    specs = config_mask_specs(repo / "config.yaml")
    jobs = mask_jobs(load(repo / "config.yaml"))
    assert len(specs) == sum(len(j.seeds) * (len(j.layer_sizes) - 1) for j in jobs.values())
    # MNIST, Fashion-MNIST and EMNIST share layer shapes, so the same spec recurs across them
    assert len(set(specs)) < len(specs)
    assert {(s.n_in, s.n_out) for s in specs} == {(784, 1024), (1024, 1024), (54, 1024)}


def test_external_specs_are_accepted():
    specs = [MaskSpec(54, 64, 0.9, "bell"), MaskSpec(784, 64, 0.999, "uniform")]  # 99.9% > S_max: clamped
    assert time_all_masks(lambda: specs)[0] == 2


def test_unknown_benchmark_is_a_usage_error(capsys):
    assert bench_main(["nope"]) == 2
    assert "usage" in capsys.readouterr().err


def test_even_spreading_distinct_columns_for_any_fan_in():
    rng = np.random.default_rng(0)
    for n in (1, 7, 54, 784):
        f = np.concatenate([[0, 1, n], rng.integers(0, n + 1, 200)])
        assert np.array_equal(even(f, n).sum(axis=1), f)
