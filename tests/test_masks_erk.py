"""ERK / uniform budgets for RigL, both output-layer conventions, and exact-count masks."""

import numpy as np
import pytest

import psn

MNIST = [(784, 1024), (1024, 1024), (1024, 10)]
FOREST = [(54, 1024), (1024, 1024), (1024, 1024), (1024, 7)]


def nonzeros(shapes, d):
    return sum(a * b * x for (a, b), x in zip(shapes, d))


@pytest.mark.parametrize("shapes", [MNIST, FOREST])
@pytest.mark.parametrize("s", [0.8, 0.9, 0.95, 0.98])
@pytest.mark.parametrize("fn", [psn.erk_densities, psn.uniform_densities])
def test_budget_sums_to_target_both_conventions(shapes, s, fn):
    sizes = [a * b for a, b in shapes]
    # default: the dense output is outside the budget; sparsity over the masked layers only
    d = fn(shapes, s)
    assert d[-1] == 1.0 and np.all(d <= 1.0) and np.all(d > 0)
    assert nonzeros(shapes[:-1], d[:-1]) == pytest.approx((1 - s) * sum(sizes[:-1]))
    # include_dense_output: sparsity over all layers, the output's weights paid by the others
    e = fn(shapes, s, include_dense_output=True)
    assert e[-1] == 1.0 and np.all(e <= 1.0)
    assert nonzeros(shapes, e) == pytest.approx((1 - s) * sum(sizes))
    assert np.all(e[:-1] <= d[:-1]) and np.any(e[:-1] < d[:-1])


def test_erk_density_proportional_to_kernel_ratio():
    d = psn.erk_densities(MNIST, 0.9)
    ratio = lambda a, b: (a + b) / (a * b)  # noqa: E731
    assert d[0] / d[1] == pytest.approx(ratio(784, 1024) / ratio(1024, 1024))


def test_erk_makes_overfull_layers_dense_and_rescales():
    # 54 → 1024 would exceed density 1 at 80%: dense, the others share the rest
    shapes = FOREST
    d = psn.erk_densities(shapes, 0.8)
    assert d[0] == 1.0 and np.all(d <= 1.0)
    assert d[1] == pytest.approx(d[2]) and d[1] < 0.2
    sizes = [a * b for a, b in shapes[:-1]]
    assert nonzeros(shapes[:-1], d[:-1]) == pytest.approx(0.2 * sum(sizes))


def test_all_layers_sparse_option_and_errors():
    shapes = [(784, 1024), (1024, 1024), (1024, 512)]
    d = psn.erk_densities(shapes, 0.9, dense_output=False)
    assert d[-1] < 1.0
    assert nonzeros(shapes, d) == pytest.approx(0.1 * sum(a * b for a, b in shapes))
    # a thin 1024 → 10 output would exceed density 1 under ERK: it is made dense
    assert psn.erk_densities(MNIST, 0.9, dense_output=False)[-1] == 1.0
    with pytest.raises(ValueError):
        psn.erk_densities([(1024, 10)], 0.9)


def test_erdos_renyi_mask_exact_count_and_seeds():
    a = psn.erdos_renyi_mask(784, 1024, 0.0937, seed=3)
    assert int(a.sum()) == round(0.0937 * 784 * 1024)
    assert a.numpy().tobytes() == psn.erdos_renyi_mask(784, 1024, 0.0937, seed=3).numpy().tobytes()
    assert not np.array_equal(a.numpy(), psn.erdos_renyi_mask(784, 1024, 0.0937, seed=4).numpy())
    masks = psn.density_masks(MNIST, psn.erk_densities(MNIST, 0.9), seed=1)
    assert [tuple(m.shape) for m in masks] == [(1024, 784), (1024, 1024), (10, 1024)]
    assert bool(masks[-1].all())
    assert not np.array_equal(masks[1].numpy()[:, :784], masks[0].numpy())


def test_erk_densities_of_the_paper_mlp_by_hand():
    # 784→1024→1024 at 90%, dense output outside the budget: r_l·N_l = n_in + n_out, so
    # ε = 0.1·(784·1024 + 1024²) / (1808 + 2048) and d_l = ε·(n_in + n_out)/(n_in·n_out)
    eps = 0.1 * (784 * 1024 + 1024 * 1024) / (1808 + 2048)
    d = psn.erk_densities([(784, 1024), (1024, 1024), (1024, 10)], 0.9)
    assert d[0] == pytest.approx(eps * 1808 / (784 * 1024), rel=1e-12)  # 0.10813
    assert d[1] == pytest.approx(eps * 2048 / (1024 * 1024), rel=1e-12)  # 0.09378
    assert d[2] == 1.0
    assert round(d[0], 5) == 0.10813 and round(d[1], 5) == 0.09378
