"""The GPU check's throughput part: the engine's model-steps/s against the device's matmul rates, a
profile, and the paper's device-hours from the pipeline's own plan."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from psn.bench.gpu.common import (KS, K_PIPELINE, LAUNCH_EVENTS, PAPER_SHAPES, QUICK_KS, QUICK_SHAPES, SYNC_EVENTS,
                                  _arch, _flops, _row, _skipped, _sync)
from psn.bench.train import DENSITY, _median_time, _min_time, dst_runs, static_runs
from psn.model.mlp import BatchedMLP, flops_per_model_step, stack_masks
from psn.training import LR, TrainState, train_step
from psn.training.engine import make_optimizer
from psn.training.numerics import numerics


# ---------------------------------------------------------------------------------------------
# part 3: throughput


def _engine_state(sizes: list[int], batch: int, k: int, device: torch.device
                  ) -> tuple[TrainState, torch.Tensor, torch.Tensor]:
    """K models at random masks of density DENSITY (as ``psn.bench train``) and one fixed batch."""
    g = torch.Generator().manual_seed(1)
    masks = [[torch.rand(sizes[i + 1], sizes[i], generator=g) < DENSITY for i in range(len(sizes) - 2)]
             for _ in range(k)]
    x = torch.randn(k, batch, sizes[0], generator=g).to(device)
    y = torch.randint(0, sizes[-1], (k, batch), generator=g).to(device)
    seeds = list(range(k))
    model = BatchedMLP(sizes, stack_masks(masks, sizes, k), seeds).to(device)
    opt = make_optimizer(list(model.parameters()), LR, device)
    return TrainState(model, opt, seeds, steps_per_epoch=1_000_000, epochs=1), x, y


def engine_rate(sizes: list[int], batch: int, k: int, device: torch.device, steps: int,
                repeats: int) -> float:
    """Model-steps per second of the engine with K models (median of ``repeats``), under the
    numerics the pipeline trains with (fp32; deterministic algorithms on CUDA)."""
    state, x, y = _engine_state(sizes, batch, k, device)

    def run() -> None:
        for _ in range(steps):
            train_step(state, x, y)
        _sync(device)

    with numerics(device, "fp32"):
        seconds = _median_time(run, repeats)
    return steps * k / seconds


def matmul_rate(device: torch.device, n: int, tf32: bool, repeats: int = 5, inner: int = 10) -> float:
    """FLOP/s of a dense n x n fp32 torch.mm (best of ``repeats``), TF32 tensor cores allowed or
    not: the device's capability, so the engine's fraction of it is conservative."""
    g = torch.Generator().manual_seed(2)
    a, b = (torch.randn(n, n, generator=g).to(device) for _ in range(2))
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    try:
        def run() -> None:
            for _ in range(inner):
                torch.mm(a, b)
            _sync(device)

        return 2.0 * n**3 * inner / _min_time(run, repeats)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved


def profile_steps(sizes: list[int], batch: int, k: int, device: torch.device, steps: int) -> dict:
    """Where the time of ``steps`` engine steps goes: the top kernels (CUDA) or operators (CPU) by
    self time, kernel launches and host syncs per step, and the device's busy fraction."""
    from torch.profiler import ProfilerActivity, profile

    state, x, y = _engine_state(sizes, batch, k, device)
    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with numerics(device, "fp32"):
        for _ in range(3):  # warm-up: allocations, kernel selection
            train_step(state, x, y)
        _sync(device)
        with profile(activities=activities) as prof:
            t0 = time.perf_counter()
            for _ in range(steps):
                train_step(state, x, y)
            _sync(device)  # one cudaDeviceSynchronize, this timing's own, is not counted below
            wall = time.perf_counter() - t0
    events = prof.key_averages()
    kernels = [e for e in events if cuda and e.device_type == torch.autograd.DeviceType.CUDA]
    if cuda:
        ranked = sorted(kernels, key=lambda e: -e.self_device_time_total)
        busy_us = sum(e.self_device_time_total for e in kernels)
        times = {e.key: e.self_device_time_total for e in ranked}
    else:
        ranked = sorted(events, key=lambda e: -e.self_cpu_time_total)
        busy_us = sum(e.self_cpu_time_total for e in events)
        times = {e.key: e.self_cpu_time_total for e in ranked}
    syncs = {e.key: e.count for e in events if e.key in SYNC_EVENTS}
    own = 1 if cuda else 0
    return {
        "k": k, "steps": steps, "ms_per_step": wall / steps * 1e3, "by": "device" if cuda else "cpu",
        "kernels_per_step": sum(e.count for e in kernels) / steps if cuda else None,
        "launches_per_step": sum(e.count for e in events if e.key in LAUNCH_EVENTS) / steps if cuda else None,
        "host_syncs_per_step": (sum(syncs.values()) - own) / steps, "sync_events": syncs,
        "device_busy_fraction": busy_us / 1e6 / wall if cuda else None,
        "top": [{"name": e.key[:80], "ms_per_step": times[e.key] / 1e3 / steps,
                 "calls_per_step": e.count / steps, "share": times[e.key] / busy_us if busy_us else None}
                for e in ranked[:6]],
    }


def plan_rows(config_path: str | Path) -> list[tuple]:
    """The pipeline's static and dynamic sparse (RigL, SET) runs for ``config_path``, grouped by
    shape (its plan)."""
    return static_runs(str(config_path)) + dst_runs(str(config_path))


def paper_hours(rows: Sequence[tuple], measured: dict[tuple, float]) -> dict:
    """Device-hours of the plan's ``rows`` ((label, sizes, batch, n_train, epochs, runs), as
    ``static_runs`` gives them) at ``measured`` model-steps/s per (layer sizes, batch). A measured
    shape runs at its own rate; any other at the measured shape nearest to it in FLOPs per
    model-step, its step taking that shape's FLOP rate and never less than that shape's own step
    (a GPU is launch-bound at small sizes: an upper bound for the smaller shapes). Training steps
    only: test evaluation and DST updates add a few percent (``python -m psn.bench rigl``)."""
    if not measured:
        raise ValueError("no measured rate to estimate from")
    flop_rate = {key: rate * flops_per_model_step(list(key[0]), key[1]) for key, rate in measured.items()}
    out, total = [], 0.0
    for label, sizes, batch, n_train, epochs, runs in rows:
        steps = runs * epochs * -(-n_train // batch)
        fl = flops_per_model_step(list(sizes), batch)
        key = (tuple(sizes), batch)
        if key in measured:
            seconds, how = steps / measured[key], "measured"
        else:
            ref = min(flop_rate, key=lambda m: abs(math.log(flops_per_model_step(list(m[0]), m[1]) / fl)))
            per_step = max(1.0 / measured[ref], fl / flop_rate[ref])
            seconds, how = steps * per_step, f"scaled from {_arch(ref[0])} b{ref[1]}"
        total += seconds
        out.append({"label": label, "runs": runs, "model_steps": steps, "hours": seconds / 3600, "how": how})
    return {"total_hours": total / 3600, "rows": out}


def _paper_hours_or_reason(config: Path, measured: dict[tuple, float]) -> dict:
    """``paper_hours`` of the config's plan; a dependency this machine lacks (the GPU machine has
    no jsonschema unless its wheel is carried) is a reason, any other error propagates."""
    try:
        rows = plan_rows(config)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "psn":
            raise
        return {"skipped": f"the plan needs {exc.name}, not installed here (carry its wheel)"}
    return paper_hours(rows, measured)


def part_throughput(args: argparse.Namespace, ctx: dict) -> dict:
    device = torch.device(ctx["device"])
    cuda = device.type == "cuda"
    if not (cuda or args.quick or args.cpu_throughput):
        return _skipped("no CUDA device (--cpu-throughput measures the paper's shapes on CPU, "
                        "--quick tiny ones)")
    shapes, ks = (QUICK_SHAPES, QUICK_KS) if args.quick else (PAPER_SHAPES, KS)
    steps, repeats = (3, 2) if args.quick else (20, 5)
    n = (256 if args.quick else 8192) if cuda else (256 if args.quick else 1024)
    fp32 = matmul_rate(device, n, tf32=False, repeats=3 if args.quick else 5)
    tf32 = matmul_rate(device, n, tf32=True, repeats=3 if args.quick else 5) if cuda else None
    label = ("CUDA" if cuda else "CPU") + (
        " figures at tiny sizes (a check of the code path, not the paper's shapes)" if args.quick
        else " figures at the paper's shapes")
    lines = [f"{label}; dense {n}x{n} matmul: fp32 {_flops(fp32)}"
             + (f", tf32 {_flops(tf32)}" if tf32 else " (no tf32 on CPU)")]
    rates: dict[str, dict[int, dict]] = {}
    for name, (sizes, batch) in shapes.items():
        fl = flops_per_model_step(sizes, batch)
        rates[name] = {}
        for k in ks:
            r = engine_rate(sizes, batch, k, device, steps if k < 20 else max(2, steps // 2), repeats)
            rates[name][k] = {"model_steps_per_s": r, "tflops": r * fl / 1e12, "fraction_fp32": r * fl / fp32,
                              "fraction_tf32": r * fl / tf32 if tf32 else None}
            print(f"  throughput {name} {_arch(sizes)} b{batch} K={k}: {r:.1f} model-steps/s",
                  file=sys.stderr)
            if cuda:
                torch.cuda.empty_cache()
        lines.append(f"{name} {_arch(sizes)} b{batch}: " + ", ".join(
            f"K={k} {v['model_steps_per_s']:.0f}/s ({v['fraction_fp32']:.0%} fp32"
            + (f", {v['fraction_tf32']:.0%} tf32)" if tf32 else ")") for k, v in rates[name].items()))
    k_ref = K_PIPELINE if K_PIPELINE in ks else max(ks)
    first, (sizes, batch) = next(iter(shapes.items()))
    prof = profile_steps(sizes, batch, k_ref, device, 5 if args.quick else 20)
    top = ", ".join(f"{t['name'][:40]} {t['share']:.0%}" for t in prof["top"][:3] if t["share"] is not None)
    lines.append(f"profile {first} K={k_ref}: {prof['ms_per_step']:.2f} ms/step"
                 + (f", {prof['kernels_per_step']:.0f} kernels, {prof['launches_per_step']:.0f} launches, "
                    f"device busy {prof['device_busy_fraction']:.0%}" if cuda else "")
                 + f", {prof['host_syncs_per_step']:.1f} host "
                 + ("syncs" if cuda else "reads (.item())") + f" a step; top: {top}")
    if args.quick:
        hours = {"skipped": "--quick: tiny shapes say nothing of the paper's hours"}
        lines.append("paper hours skipped: --quick")
    else:
        measured = {(tuple(s), b): rates[name][k_ref]["model_steps_per_s"] for name, (s, b) in shapes.items()}
        hours = _paper_hours_or_reason(Path(args.config), measured)
        hours["k"], hours["device"] = k_ref, device.type
        lines.append(f"the paper ({args.config}'s plan) at K={k_ref}: " + (
            f"{hours['total_hours']:.1f} {device.type.upper()}-hours of training steps"
            if "total_hours" in hours else f"skipped: {hours['skipped']}"))
    return _row("passed", lines, device=device.type, label=label, matmul_n=n, matmul_fp32_flops=fp32,
                matmul_tf32_flops=tf32, rates=rates, profile=prof, paper_hours=hours)

