"""The training benchmark's bookkeeping (its timings are printed, never asserted)."""

from psn.bench.train import flops_per_model_step, static_runs


def test_static_runs_follow_the_plan(repo):
    runs = {label: n for label, *_, n in static_runs(str(repo / "config.yaml"))}
    # MNIST at 5 epochs: (8 profiles x 2 spreads + random) x 9 sparsities x 5 seeds, the dense
    # baseline's 5, and multi-peak's 24 k x 3 beta x 5 seeds
    assert runs["mnist 784-1024-1024-10 5 ep"] == 17 * 9 * 5 + 5 + 72 * 5
    assert runs["forest_cover 54-2048-2048-2048-7 20 ep"] == 3  # the architecture grid


def test_flops_formula():
    # 3 matmuls of 2*B*n_in*n_out per layer; the first layer's dX is never computed
    assert flops_per_model_step([4, 3, 2], 10) == 3 * 2 * 10 * (4 * 3 + 3 * 2)
    assert flops_per_model_step([4, 3, 2], 10, exact=True) == 3 * 2 * 10 * 18 - 2 * 10 * 12
