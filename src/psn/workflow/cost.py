"""What a training group costs: its model-steps, their matmul FLOPs, and the SLURM time limit and
memory asked for it. One model, which the rules' resources, the report's estimate
(:mod:`psn.workflow.estimate`) and the benchmark's extrapolation (:mod:`psn.bench.train`) share.

A *job* here is any training group with ``dataset``, ``layer_sizes``, ``batch_size``,
``epochs`` and ``seeds`` (:class:`~psn.workflow.plan.TrainJob`,
:class:`~psn.workflow.dst_plan.DSTJob`).
"""

from __future__ import annotations

from collections.abc import Sequence

# the paper's 784-1024-1024-10 MLP: the weight count the per-step time below was measured at
PAPER_WEIGHTS = 1.86e6
SECONDS_PER_PAPER_STEP = 0.02      # one model-step of that MLP on a CPU core, roughly
BASE_MINUTES = 30                  # start-up, data loading, evaluation
BASE_MB = 2000                     # the interpreter, torch and the job's bookkeeping


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Optimizer steps of one epoch: the last, partial batch is a step too."""
    return -(-n_train // batch_size)


def weight_count(layer_sizes: Sequence[int]) -> int:
    """Weights of an MLP with these layer sizes (biases left out)."""
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def model_steps(job) -> int:
    """Optimizer steps of every model of the group together."""
    from psn.data import DATASETS

    return steps_per_epoch(DATASETS[job.dataset].n_train, job.batch_size) * job.epochs * len(job.seeds)


def flops(job) -> float:
    """Matmul FLOPs the group trains (:func:`psn.model.mlp.flops_per_model_step` per model-step)."""
    from psn.model.mlp import flops_per_model_step

    return model_steps(job) * flops_per_model_step(list(job.layer_sizes), job.batch_size)


def runtime_minutes(job, step_cost: float = 1.0) -> int:
    """Minutes for the SLURM time limit: a CPU-speed estimate (:data:`SECONDS_PER_PAPER_STEP` per
    model-step of the paper's MLP, scaled by the weights (at least a tenth of it) and by
    ``step_cost``, the cost of a step relative to a static one), generous for GPUs."""
    from psn.data import DATASETS

    steps = steps_per_epoch(DATASETS[job.dataset].n_train, job.batch_size) * job.epochs
    width = weight_count(job.layer_sizes) / PAPER_WEIGHTS
    return int(BASE_MINUTES + step_cost * steps * len(job.seeds) * SECONDS_PER_PAPER_STEP
               * max(width, 0.1) / 60)


def mem_mb(job, copies: int) -> int:
    """Memory: the dataset twice (float32), and ``copies`` float32 tensors the size of the
    weights per model."""
    from psn.data import DATASETS

    spec = DATASETS[job.dataset]
    data_mb = 4 * spec.input_dim * (spec.n_train + spec.n_test) / 1e6
    model_mb = copies * 4 * weight_count(job.layer_sizes) * len(job.seeds) / 1e6
    return int(BASE_MB + 2 * data_mb + 2 * model_mb)
