"""Masks: exact fan-in per row, spreading, seeds, dead inputs, stats, init maths."""

import numpy as np
import pytest
import torch

import psn
from psn.masks.network import network_masks, network_stats_table
from psn.masks.profiles import PAPER_PROFILES
from psn.masks.seeding import resolve_seed
from psn.masks.spreading import even

PROFILES_TESTED = PAPER_PROFILES + ("uniform", "multipeak")


@pytest.mark.parametrize("spread", ["even", "random", "sequential"])
@pytest.mark.parametrize("profile", PROFILES_TESTED)
def test_rows_hold_exactly_the_fan_in(profile, spread):
    m = psn.make_mask(784, 1024, 0.9, profile, spread=spread, seed=7)
    assert m.dtype == torch.bool and m.shape == (1024, 784)
    f = psn.fan_in(784, 1024, 0.9, profile, seed=7)
    assert torch.equal(m.sum(dim=1), torch.from_numpy(f))
    st = psn.mask_stats(m)
    assert st["sparsity"] == pytest.approx(1 - f.sum() / (784 * 1024))
    assert abs(st["sparsity"] - 0.9) < 0.002  # realised vs target: ⌈·⌉ adds < 1 per neuron


@pytest.mark.parametrize("profile", ["lognormal", "powerlaw", "random"])
def test_searched_and_random_profiles_match_fan_in(profile):
    kw = {} if profile == "random" else {"ccv": 1.5}
    for spread in ("even", "random"):
        m = psn.make_mask(784, 1024, 0.9, profile, spread=spread, seed=11, **kw)
        f = psn.fan_in(784, 1024, 0.9, profile, seed=11, **kw)
        assert np.array_equal(m.sum(dim=1).numpy(), f)


def test_even_spreading_row_columns_follow_eq8():
    f = np.array([1, 3, 7, 10, 5])
    n = 10
    mask = even(f, n)
    phi = (1 + 5**0.5) / 2
    for i, fi in enumerate(f):
        ph = int(np.floor(i * phi * n)) % n
        cols = sorted(int(np.floor((ph + k * n / fi) % n)) for k in range(fi))
        assert np.nonzero(mask[i])[0].tolist() == cols


@pytest.mark.parametrize("profile", PROFILES_TESTED)
def test_even_spreading_leaves_no_dead_input(profile):
    st = psn.mask_stats(psn.make_mask(784, 1024, 0.9, profile, spread="even"))
    assert st["dead_inputs"] == 0 and st["dead_neurons"] == 0


def test_sequential_spreading_dead_inputs_exponential():
    # §3.1: "537 of 784 input neurons receive zero connections" — every input ≥ max fan-in.
    ceil = psn.mask_stats(psn.make_mask(784, 1024, 0.9, "exponential", spread="sequential"))
    floor = psn.mask_stats(psn.make_mask(784, 1024, 0.9, "exponential", spread="sequential", rounding="floor"))
    assert ceil["dead_inputs"] == 784 - 248 == 536
    assert floor["dead_inputs"] == 784 - 247 == 537
    assert floor["fanout_max"] == 1024


def test_random_spreading_fan_out_near_paper():
    # §3.1 (exponential, random spreading): fan-out 74–125, std 8.7, no dead inputs.
    st = psn.mask_stats(psn.make_mask(784, 1024, 0.9, "exponential", spread="random", rounding="floor", seed=42))
    assert st["dead_inputs"] == 0
    assert 7.5 < st["fanout_std"] < 11.0
    assert 60 < st["fanout_min"] < 90 and 115 < st["fanout_max"] < 145


@pytest.mark.parametrize("profile,spread", [("exponential", "random"), ("random", "even"), ("lognormal", "even")])
def test_same_seed_same_bytes_different_seed_differs(profile, spread):
    kw = {"ccv": 1.0} if profile == "lognormal" else {}
    a = psn.make_mask(784, 1024, 0.9, profile, spread=spread, seed=1, **kw)
    b = psn.make_mask(784, 1024, 0.9, profile, spread=spread, seed=1, **kw)
    c = psn.make_mask(784, 1024, 0.9, profile, spread=spread, seed=2, **kw)
    assert a.numpy().tobytes() == b.numpy().tobytes()
    assert not torch.equal(a, c)


def test_explicit_generators_are_reproducible():
    a = psn.make_mask(100, 50, 0.8, "linear", spread="random", seed=np.random.default_rng(9))
    b = psn.make_mask(100, 50, 0.8, "linear", spread="random", seed=np.random.default_rng(9))
    c = psn.make_mask(100, 50, 0.8, "linear", spread="random", seed=torch.Generator().manual_seed(9))
    d = psn.make_mask(100, 50, 0.8, "linear", spread="random", seed=torch.Generator().manual_seed(9))
    assert torch.equal(a, b) and torch.equal(c, d)


def test_random_spreading_is_uniform_over_inputs():
    # every column equally likely: summed over many rows, column counts are flat
    m = psn.make_mask(50, 4000, 0.8, "uniform", spread="random", seed=0).numpy()
    counts = m.sum(axis=0)
    expected = m.sum() / 50
    assert np.abs(counts - expected).max() < 5 * np.sqrt(expected)


def test_erdos_renyi_baseline_f_min_top_up():
    m = psn.make_mask(784, 1024, 0.998, "random", seed=0).numpy()
    assert m.sum(axis=1).min() == 1  # f_min = 1 tops up empty rows
    m0 = psn.make_mask(784, 1024, 0.998, "random", seed=0, f_min=0).numpy()
    assert m0.sum() == round(0.002 * 784 * 1024) and (m0.sum(axis=1) == 0).any()


def test_mask_stats_on_a_known_mask():
    m = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)
    st = psn.mask_stats(m)
    assert st["density"] == pytest.approx(3 / 12) and st["sparsity"] == pytest.approx(0.75)
    assert (st["fanin_min"], st["fanin_max"], st["fanin_mean"]) == (0, 2, 1.0)
    assert st["fanin_cv"] == pytest.approx(np.std([2, 1, 0]) / 1.0)
    assert (st["fanout_min"], st["fanout_max"]) == (0, 2)
    assert (st["dead_inputs"], st["dead_neurons"]) == (2, 1)
    assert psn.mask_stats(torch.from_numpy(m)) == st


@pytest.mark.parametrize("profile", ["random", "lognormal"])
def test_torch_generator_seeds_both_streams_from_one_draw(profile):
    kw = {"ccv": 1.0} if profile == "lognormal" else {}
    seed = resolve_seed(torch.Generator().manual_seed(5))
    a = psn.make_mask(300, 200, 0.9, profile, spread="random", seed=torch.Generator().manual_seed(5), **kw)
    assert torch.equal(a, psn.make_mask(300, 200, 0.9, profile, spread="random", seed=seed, **kw))
    f = psn.fan_in(300, 200, 0.9, profile, seed=torch.Generator().manual_seed(5), **kw)
    assert np.array_equal(a.sum(dim=1).numpy(), f)


def test_network_stats_table_one_row_per_seed_and_layer():
    masks = {seed: network_masks([54, 40, 30], 0.8, "random", seed=seed) for seed in (9, 3)}
    table = network_stats_table(masks, arch="54-40-30", condition="random", spread="random", target_sparsity=0.8)
    assert list(table.columns[:6]) == ["arch", "condition", "spread", "target_sparsity", "seed", "layer"]
    assert list(zip(table["seed"], table["layer"])) == [(9, 0), (9, 1), (3, 0), (3, 1)]
    for row, (seed, layer) in zip(table.to_dict("records"), [(9, 0), (9, 1), (3, 0), (3, 1)]):
        st = psn.mask_stats(masks[seed][layer])
        assert {k: row[k] for k in st} == st
