"""The mask benchmark's spec list and dispatcher (the timing itself is not asserted)."""

import numpy as np

from psn.bench.__main__ import main as bench_main
from psn.bench.masks import MaskSpec, all_paper_mask_specs, time_all_masks
from psn.masks.spreading import even


def test_paper_spec_counts():
    specs = all_paper_mask_specs()
    # MNIST: 17 variants × 9 sparsities × 5 seeds × 2 layers; multi-peak: 24 k × 3 β × 5 × 2;
    # cross-dataset: 7 profiles × 5 seeds × (2 + 3) layers
    assert len(specs) == 17 * 9 * 5 * 2 + 24 * 3 * 5 * 2 + 7 * 5 * 5
    # Same spec, same mask: Forest's two 1024→1024 layers repeat the 784-input FC2 (2 × 7 × 5),
    # and cross-dataset quadratic/bell/exponential at 90% repeat the MNIST sweep (3 × 5 × 2)
    assert len(set(specs)) == len(specs) - 70 - 30


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
