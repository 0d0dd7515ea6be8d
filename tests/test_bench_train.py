"""The training benchmark's bookkeeping (its timings are printed, never asserted)."""

from psn.bench.train import static_runs
from psn.model.mlp import flops_per_model_step


def test_static_runs_follow_the_plan(repo):
    runs = {label: n for label, *_, n in static_runs(str(repo / "config.yaml"))}
    # MNIST at 5 epochs: (8 profiles x 2 spreads + random) x 9 sparsities x 5 seeds, the dense
    # baseline's 5, and multi-peak's 24 k x 3 beta x 5 seeds
    assert runs["mnist 784-1024-1024-10 5 ep"] == 17 * 9 * 5 + 5 + 72 * 5
    assert runs["forest_cover 54-2048-2048-2048-7 20 ep"] == 3  # the architecture grid


def test_flops_count_only_the_matmuls_a_step_runs():
    # 4 -> 3 -> 2, batch 10: forward 2*10*(12 + 6), dW the same, dX of the second layer only
    assert flops_per_model_step([4, 3, 2], 10) == 2 * 10 * 18 + 2 * 10 * 18 + 2 * 10 * 6
    # one layer: no dX at all
    assert flops_per_model_step([5, 7], 3) == 2 * (2 * 3 * 5 * 7)


def test_dst_runs_follow_the_plan(repo):
    from psn.bench.train import dst_runs

    runs = {label: n for label, *_, n in dst_runs(str(repo / "config.yaml"))}
    # 4 sparsities x 5 seeds x (RigL's 8 starts + SET's 3 equilibrium starts); Fashion-MNIST's
    # 90% cell adds 5 seeds to RigL's ERK, LN(equil.) and LN(paper) for the 10-seed confirmation
    assert runs["mnist 784-1024-1024-10 DST 20 ep"] == 4 * (8 + 3) * 5
    assert runs["fashion_mnist 784-1024-1024-10 DST 20 ep"] == 4 * (8 + 3) * 5 + 3 * 5
    assert runs["forest_cover 54-1024-1024-1024-7 DST 30 ep"] == 4 * (8 + 3) * 5
