"""Gradient ratio (§2.9): hub/specialist split, both readings, uniform and random masks ~1."""

import pytest
import torch

from psn.model.gradients import gradient_ratio, hub_specialist_split
from psn.model import BatchedMLP, stack_masks
from psn.training import measure_gradient_ratio


def test_split_ranks_by_fan_in_and_breaks_ties_by_index():
    fan = torch.tensor([3, 9, 5, 5, 5, 1])
    hub, spec = hub_specialist_split(fan)
    assert hub.tolist() == [1, 2, 3]  # 9, then the tied 5s by lower index
    assert sorted(spec.tolist()) == [0, 4, 5]
    hub, spec = hub_specialist_split(torch.tensor([4, 4, 4, 4, 4]))  # odd m: middle left out
    assert hub.tolist() == [0, 1] and sorted(spec.tolist()) == [3, 4]


def test_hand_example_both_readings():
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.bool)
    grad = torch.tensor([[1.0, 1, 1, 1], [2, 2, 2, 9], [4, 9, 9, 9], [9, 3, 9, 9]])
    r = gradient_ratio(grad, mask)
    # hubs rows 0, 1: active |g| sum 4 + 6 = 10 over 7 connections; specialists rows 2, 3: 4 + 3 over 2
    assert r["per_connection"].item() == pytest.approx((10 / 7) / (7 / 2))
    assert r["per_neuron"].item() == pytest.approx((10 / 2) / (7 / 2))


def test_constant_gradient_separates_the_readings_by_the_fan_in_ratio():
    fan = torch.tensor([10, 8, 2, 4])
    mask = torch.arange(12)[None, :] < fan[:, None]
    r = gradient_ratio(torch.ones(4, 12), mask)
    assert r["per_connection"].item() == pytest.approx(1.0)
    assert r["per_neuron"].item() == pytest.approx(18 / 6)


def test_uniform_fan_in_random_gradient_gives_ratio_near_one():
    g = torch.Generator().manual_seed(0)
    k, out, n_in, f = 3, 512, 256, 32
    scores = torch.rand(k, out, n_in, generator=g)
    mask = scores >= scores.topk(f, dim=2).values[..., -1:]  # exactly f inputs per neuron
    assert (mask.sum(2) == f).all()
    r = gradient_ratio(torch.randn(k, out, n_in, generator=g), mask)
    assert r["per_connection"].shape == (k,)
    for reading in r.values():
        assert torch.allclose(reading, torch.ones(k, dtype=reading.dtype), atol=0.05)


def test_dense_layer_ratio_is_defined():
    r = gradient_ratio(torch.randn(64, 32, generator=torch.Generator().manual_seed(1)))
    assert r["per_connection"].item() == pytest.approx(r["per_neuron"].item())


def test_network_random_mask_near_one_and_profiled_mask_concentrates():
    g = torch.Generator().manual_seed(2)
    sizes, k, batch = [64, 256, 256, 4], 2, 128
    def constant(n_out, n_in):  # random inputs, fan-in exactly 0.2 n_in ("PSN with CV = 0")
        return torch.rand(n_out, n_in, generator=g).argsort(1) < int(0.2 * n_in)
    random = [[constant(sizes[i + 1], sizes[i]) for i in range(2)] for _ in range(k)]
    # Erdos-Renyi: binomial fan-in, so only the per-connection reading is ~1
    erdos = [[torch.rand(sizes[i + 1], sizes[i], generator=g) < 0.2 for i in range(2)] for _ in range(k)]
    # exponential-like profile: fan-in e^(-3t), inputs chosen at random
    def profiled(n_out, n_in):
        t = torch.arange(n_out) / n_out
        fan = (torch.exp(-3 * t) / torch.exp(-3 * t).mean() * 0.2 * n_in).ceil().clamp(1, n_in).long()
        order = torch.rand(n_out, n_in, generator=g).argsort(1)
        return order < fan[:, None]
    prof = [[profiled(sizes[i + 1], sizes[i]) for i in range(2)] for _ in range(k)]
    x = torch.randn(k, batch, sizes[0], generator=g)
    y = torch.randint(0, sizes[-1], (k, batch), generator=g)
    r_rand = measure_gradient_ratio(BatchedMLP(sizes, stack_masks(random, sizes, k), [1, 2]), x, y)
    r_er = measure_gradient_ratio(BatchedMLP(sizes, stack_masks(erdos, sizes, k), [1, 2]), x, y)
    r_prof = measure_gradient_ratio(BatchedMLP(sizes, stack_masks(prof, sizes, k), [1, 2]), x, y)
    assert r_rand["per_connection"].shape == (k, 2)
    assert ((r_rand["per_connection"] - 1).abs() < 0.3).all()
    assert ((r_rand["per_neuron"] - 1).abs() < 0.3).all()
    assert ((r_er["per_connection"] - 1).abs() < 0.3).all()
    assert (r_er["per_neuron"] > r_er["per_connection"]).all()
    # hubs collect more gradient per neuron than specialists by far
    assert (r_prof["per_neuron"] > 2).all()
