"""Benchmark of RigL's cost on the batched engine (prints figures).

784->1024->1024->10, K = 5, batch 128, uniform 90% starts, synthetic data. A block is ΔT = 100
training steps; with RigL each block holds exactly one update step (drop, grow, statistics,
no optimizer step). Blocks with and without RigL alternate in one run and the medians are
compared, so machine noise hits both alike. The last line is ``rigl_overhead=<fraction>``:
(time per model-step with updates every ΔT steps) / (time without) − 1.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from psn.masks.starts import start_masks
from psn.model.mlp import BatchedMLP, stack_masks
from psn.training import CosineSchedule, DSTSettings, RigL, TrainState, make_optimizer, train_step

SIZES = [784, 1024, 1024, 10]
BATCH = 128
SPARSITY = 0.9


def _state(k: int, seeds: list[int]) -> TrainState:
    masks = [start_masks(SIZES, SPARSITY, "uniform", seed=s) for s in seeds]
    model = BatchedMLP(SIZES, stack_masks(masks, SIZES, k), seeds)
    opt = make_optimizer(list(model.parameters()), 1e-3, torch.device("cpu"))
    # a long run, so α stays near α₀ = 0.3 over the benchmark (the costliest updates)
    return TrainState(model, opt, seeds, steps_per_epoch=100_000, epochs=1)


def _block(state: TrainState, x: torch.Tensor, y: torch.Tensor, steps: int, callback,
           gen: torch.Generator) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, x.shape[0], (state.k, BATCH), generator=gen)
        train_step(state, x[idx], y[idx], callback=callback)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m psn.bench rigl", description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=5, help="models per group")
    ap.add_argument("--every", type=int, default=100, help="ΔT, steps between updates")
    ap.add_argument("--repeats", type=int, default=5, help="blocks of each kind (medians)")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = list(range(1, args.k + 1))
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(8192, SIZES[0], generator=gen)
    y = torch.randint(0, SIZES[-1], (8192,), generator=gen)
    plain, dynamic = _state(args.k, seeds), _state(args.k, seeds)
    rigl = RigL(DSTSettings(schedule=CosineSchedule(update_every=args.every)))
    # warm-up: one block each (the first RigL block also records the start)
    _block(plain, x, y, args.every, None, gen)
    _block(dynamic, x, y, args.every, rigl, gen)
    t_plain, t_rigl = [], []
    for _ in range(args.repeats):
        t_plain.append(_block(plain, x, y, args.every, None, gen))
        t_rigl.append(_block(dynamic, x, y, args.every, rigl, gen))
    updates = len(dynamic.extra["rigl"]["history"]["t"]) - 1
    per = args.every * args.k
    a, b = statistics.median(t_plain) / per, statistics.median(t_rigl) / per
    print(f"784-1024-1024-10, K={args.k}, batch {BATCH}, {SPARSITY:.0%} sparse, update every "
          f"{args.every} steps, {args.repeats} blocks each ({updates} updates)")
    print(f"ms per model-step without RigL: {1e3 * a:.2f}  (blocks {[round(t, 2) for t in t_plain]} s)")
    print(f"ms per model-step with RigL:    {1e3 * b:.2f}  (blocks {[round(t, 2) for t in t_rigl]} s)")
    print(f"one update costs about {1e3 * (b - a) * per:.0f} ms for {args.k} models")
    print(f"rigl_overhead={b / a - 1:.4f}")
    return 0
