"""Benchmark of the batched engine against a naive one-model-at-a-time loop (prints figures).

784->1024->1024->10, batch 128, random masks at 90% on the hidden layers, synthetic data.
Engine: time per model-step at K = 1, 5, 20 (median of repeats). Naive: one nn.Module with
masked nn.Linear layers, DataLoader(shuffle=True) over a TensorDataset, torch.optim.Adam, masks
re-applied after each step. Also the machine's sgemm rate, the fraction of it the engine
reaches at K=5 counting the matmul FLOPs a step runs, and the wall time of the whole paper
extrapolated from it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from psn.model.mlp import BatchedMLP, flops_per_model_step, stack_masks
from psn.training import TrainState, make_optimizer, train_step
from psn.workflow.cost import steps_per_epoch

SIZES = [784, 1024, 1024, 10]
BATCH = 128
DENSITY = 0.10
H100_FLOPS = 50e12  # assumed effective dense fp32/tf32 rate of one H100

def _runs_by_shape(jobs, tag: str) -> list[tuple]:
    """Training groups summed into (label, layer sizes, batch, n_train, epochs, runs) rows, one
    per (dataset, layer sizes, batch, epochs)."""
    from psn.data import DATASETS
    from psn.names import format_arch

    groups: dict[tuple, int] = {}
    for job in jobs:
        key = (job.dataset, job.layer_sizes, job.batch_size, job.epochs)
        groups[key] = groups.get(key, 0) + len(job.seeds)
    return [(f"{d} {format_arch(sizes)} {tag}{e} ep", list(sizes), b, DATASETS[d].n_train, e, runs)
            for (d, sizes, b, e), runs in sorted(groups.items())]


def static_runs(config_path: str = "config.yaml") -> list[tuple]:
    """The static runs the pipeline trains for ``config_path``, from its own plan, grouped by
    (dataset, layer sizes, epochs): (label, layer sizes, batch, n_train, epochs, runs)."""
    from psn.config import load
    from psn.workflow.plan import train_jobs

    return _runs_by_shape(train_jobs(load(config_path)).values(), "")


def dst_runs(config_path: str = "config.yaml") -> list[tuple]:
    """The dynamic sparse training runs (RigL, SET) the pipeline trains for ``config_path``, from
    its own plan, in the same form as ``static_runs`` (such a step costs a static one; the
    updates add a few percent: ``python -m psn.bench rigl``)."""
    from psn.config import load
    from psn.workflow.dst_plan import dst_jobs

    return _runs_by_shape(dst_jobs(load(config_path)).values(), "DST ")


def _median_time(fn: Callable[[], None], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _min_time(fn: Callable[[], None], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def sgemm_rate(repeats: int = 7) -> float:
    """GFLOP/s of torch.mm on the hidden layers' shapes one training step runs (forward and dW of
    both, dX of the second; the first layer's dX is never run); the best of ``repeats`` timings
    per shape, i.e. the machine's capability, so the fraction is conservative."""
    shapes = [(BATCH, 784, 1024), (BATCH, 1024, 1024), (1024, BATCH, 1024), (1024, BATCH, 784)]
    flops = secs = 0.0
    for m, k, n in shapes:
        a, b = torch.randn(m, k), torch.randn(k, n)
        secs += _min_time(lambda: [torch.mm(a, b) for _ in range(10)], repeats) / 10
        flops += 2.0 * m * k * n
    return flops / secs / 1e9


def _random_masks(k: int, seed: int) -> list[list[torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    return [[torch.rand(SIZES[i + 1], SIZES[i], generator=g) < DENSITY for i in range(len(SIZES) - 2)]
            for _ in range(k)]


def engine_time(k: int, steps: int, repeats: int) -> float:
    """Seconds per model-step of the engine with K models."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(k, BATCH, SIZES[0], generator=g)
    y = torch.randint(0, SIZES[-1], (k, BATCH), generator=g)
    seeds = list(range(k))
    model = BatchedMLP(SIZES, stack_masks(_random_masks(k, 0), SIZES, k), seeds)
    opt = make_optimizer(list(model.parameters()), 1e-3, torch.device("cpu"))
    state = TrainState(model, opt, seeds, steps, 1)

    def run() -> None:
        for _ in range(steps):
            train_step(state, x, y)

    return _median_time(run, repeats) / (steps * k)


class _NaiveMLP(nn.Module):
    def __init__(self, masks: list[torch.Tensor]) -> None:
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:]))
        self.norms = nn.ModuleList(nn.LayerNorm(n) for n in SIZES[1:-1])
        self.masks = masks
        self.apply_masks()

    @torch.no_grad()
    def apply_masks(self) -> None:
        for lin, m in zip(self.linears, self.masks):
            lin.weight.mul_(m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for lin, norm in zip(self.linears[:-1], self.norms):
            x = torch.relu(norm(lin(x)))
        return self.linears[-1](x)


def naive_time(steps: int, repeats: int) -> float:
    """Seconds per model-step of the one-model-at-a-time loop."""
    g = torch.Generator().manual_seed(1)
    n = BATCH * steps
    ds = torch.utils.data.TensorDataset(torch.randn(n, SIZES[0], generator=g),
                                        torch.randint(0, SIZES[-1], (n,), generator=g))
    loader = torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True)
    model = _NaiveMLP(_random_masks(1, 0)[0])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def run() -> None:
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            model.apply_masks()

    return _median_time(run, repeats) / steps


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="psn.bench train", description=__doc__)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--steps", type=int, default=8, help="steps per timed repeat")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ks", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--config", default="config.yaml",
                    help="workflow config whose static runs to estimate (default: the paper)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"layers {'->'.join(map(str, SIZES))}, batch {BATCH}, density {DENSITY:.0%}")

    # the machine is shared and the first timings in a process run slow: measure sgemm before
    # and after the engine runs and keep the higher (conservative) rate
    gemm_before = sgemm_rate()
    fl = flops_per_model_step(SIZES, BATCH)
    per_k = {k: engine_time(k, max(2, args.steps if k < 20 else args.steps // 2), args.repeats)
             for k in args.ks}
    naive = naive_time(max(4, args.steps * 2), args.repeats)
    gemm_after = sgemm_rate()
    gemm = max(gemm_before, gemm_after)
    print(f"sgemm rate: {gemm:.1f} GFLOP/s (torch.mm on the step's shapes; best of before "
          f"{gemm_before:.1f} / after {gemm_after:.1f})")
    print(f"matmul FLOPs run per model-step: {fl / 1e9:.3f} G (forward and dW on every layer, "
          "dX on all but the first); GFLOP/s below count these")
    for k, t in per_k.items():
        print(f"engine K={k:>2}: {t * 1e3:7.2f} ms/model-step, {fl / t / 1e9:6.1f} GFLOP/s, "
              f"{fl / t / 1e9 / gemm:.1%} of sgemm")
    print(f"naive loop:  {naive * 1e3:7.2f} ms/model-step, {fl / naive / 1e9:6.1f} GFLOP/s, "
          f"{fl / naive / 1e9 / gemm:.1%} of sgemm: both are GEMM-bound on CPU, so no engine can beat "
          f"it by more than sgemm/naive = {gemm / (fl / naive / 1e9):.2f}x here")
    k_ref = 5 if 5 in per_k else args.ks[0]
    speedup = naive / per_k[k_ref]
    fraction = fl / per_k[k_ref] / 1e9 / gemm

    rate = fl / per_k[k_ref]  # effective engine FLOP/s, used to scale to the other shapes
    total_runs = total_steps = total_flops = 0.0
    print(f"paper estimate (static and dynamic (RigL, SET) runs from {args.config}'s plan; "
          "model-steps = runs x epochs x ceil(N/B)):")
    for label, sizes, batch, n_train, epochs, runs in static_runs(args.config) + dst_runs(args.config):
        steps = runs * epochs * steps_per_epoch(n_train, batch)
        flops = steps * flops_per_model_step(sizes, batch)
        total_runs, total_steps, total_flops = total_runs + runs, total_steps + steps, total_flops + flops
        print(f"  {label:<40} {runs:>5} runs {steps / 1e6:7.2f} M model-steps {flops / 1e15:7.2f} PFLOP")
    print(f"  total {int(total_runs)} runs, {total_steps / 1e6:.1f} M model-steps, "
          f"{total_flops / 1e15:.1f} PFLOP")
    print(f"estimated wall time on this machine (engine K={k_ref}, its FLOP rate applied to every "
          f"shape, test evaluation ~5% extra not included): {total_flops / rate / 3600:.0f} h "
          f"({total_flops / rate / 86400:.1f} days)")
    print(f"estimated wall time on one H100 at {H100_FLOPS / 1e12:.0f} TFLOP/s effective: "
          f"{total_flops / H100_FLOPS / 3600:.2f} h (FLOP-bound lower bound)")
    print(f"speedup_vs_naive={speedup:.2f}")
    print(f"sgemm_fraction={fraction:.3f}")


if __name__ == "__main__":
    main()
