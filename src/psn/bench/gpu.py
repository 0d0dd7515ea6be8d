"""The GPU check: CUDA correctness, determinism and throughput of the engine, RigL and the
workflow in one command, ``python -m psn.bench gpu``; one summary table, also written as JSON.

Parts, each one row of the table (passed, failed, or skipped with the reason):

1. ``cuda_tests``: the tests marked ``cuda`` (RigL's and SET's updates on CUDA), by pytest in a
   subprocess. Needs CUDA.
2. ``determinism``: one RigL group (784-1024-1024-10, ERK 90%, 300 steps, 9 updates) trained
   twice on the device, each in a fresh process: results, weights, Adam state and the masks of
   every update byte-identical, and the engine's invariants held (masked weights and Adam state
   exactly zero, active counts conserved). On CUDA also the same group on CPU: final accuracies
   within ``ACC_TOLERANCE``, and the first update whose masks differ reported with its step.
3. ``throughput``: the engine's model-steps/s at K = 1, 5, 20, 50 at the paper's two shapes, the
   device's dense fp32 and tf32 matmul rates measured in the same run and the fraction of each
   the engine reaches, a profile of K = 5 (top kernels, launches, host syncs), and the whole
   paper's device-hours from the pipeline's own plan at the measured rates. Needs CUDA, or
   ``--cpu-throughput`` for the same figures on CPU.
4. ``workflow``: the tiny preset's static and DST (RigL) stages through Snakemake with
   ``training.device: auto``, timed. Needs snakemake (the GPU machine has none).

``--quick`` shrinks everything to seconds (tiny layers, a few dozen steps, throughput at tiny
sizes on any device, no workflow): the CPU form the tests run. Exit status 0 when no part
failed (skipped parts are fine), 1 when one did.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from psn.analysis.runs import strip_timings
from psn.bench.train import DENSITY, _median_time, _min_time, dst_runs, static_runs
from psn.masks.starts import start_masks
from psn.model.mlp import BatchedMLP, flops_per_model_step, stack_masks
from psn.provenance import atomic_write_json, environment
from psn.training import LR, CosineSchedule, DSTSettings, TrainState, make_method, train_group, train_step
from psn.training.engine import _numerics, make_optimizer

SRC = Path(__file__).resolve().parents[2]  # the folder holding psn: PYTHONPATH for subprocesses
ROOT = SRC.parent  # the checkout (tests/, Snakefile, presets/) when run from one
OUT = "results/benchmarks/gpu_check.json"
PARTS = ("cuda_tests", "determinism", "throughput", "workflow")

# the paper's shapes and batches (config.yaml: MNIST-like datasets and Forest Cover)
PAPER_SHAPES = {"mnist": ([784, 1024, 1024, 10], 128), "forest_cover": ([54, 1024, 1024, 1024, 7], 256)}
KS = (1, 5, 20, 50)
K_PIPELINE = 5  # a training group holds one configuration's seeds: five in the paper
QUICK_SHAPES = {"tiny-mnist": ([784, 64, 64, 10], 32), "tiny-forest": ([54, 64, 64, 64, 7], 64)}
QUICK_KS = (1, 2)
# CUDA against CPU, per model, final test accuracy (absolute): float sums in another order move
# a weight by ~1e-6, which can flip a RigL choice at a threshold; a few hundred steps later that
# is noise of the order of a point at these sizes, not a bug
ACC_TOLERANCE = 0.02
LAUNCH_EVENTS = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx")
SYNC_EVENTS = ("cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize",
               "aten::_local_scalar_dense")  # the last: a tensor read on the host (.item())


@dataclass(frozen=True)
class GroupSpec:
    """One RigL group on synthetic data: everything that fixes its result besides the device."""

    layer_sizes: tuple[int, ...]
    seeds: tuple[int, ...]
    sparsity: float = 0.9
    batch_size: int = 128
    n_train: int = 12_800
    n_test: int = 2_048
    epochs: int = 3
    update_every: int = 25
    data_seed: int = 0

    @property
    def steps(self) -> int:
        return self.epochs * -(-self.n_train // self.batch_size)


FULL_GROUP = GroupSpec((784, 1024, 1024, 10), (42, 123, 456))  # 300 steps, updates at t = 25..225
QUICK_GROUP = GroupSpec((784, 64, 64, 10), (42, 123), batch_size=32, n_train=384, n_test=256,
                        update_every=6)  # 36 steps, updates at t = 6..24


# ---------------------------------------------------------------------------------------------
# helpers


def _sync(device: torch.device | str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _digest(tensors: Sequence[torch.Tensor]) -> str:
    """SHA-256 of tensors' dtypes, shapes and bytes: equal digests mean bit-identical tensors."""
    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().to("cpu").contiguous()
        h.update(f"{t.dtype}{tuple(t.shape)};".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def _subprocess_env() -> dict[str, str]:
    """This environment with the psn being run first on PYTHONPATH, installed or not."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _arch(sizes: Sequence[int]) -> str:
    return "-".join(map(str, sizes))


def _flops(rate: float) -> str:
    return f"{rate / 1e12:.2f} TFLOP/s" if rate >= 1e12 else f"{rate / 1e9:.1f} GFLOP/s"


def _row(status: str, summary: Sequence[str] = (), reason: str | None = None, **figures: Any) -> dict:
    return {"status": status, "reason": reason, "summary": list(summary), "figures": figures}


def _skipped(reason: str) -> dict:
    return _row("skipped", reason=reason)


# ---------------------------------------------------------------------------------------------
# part 1: the tests marked cuda


def part_cuda_tests(args: argparse.Namespace, ctx: dict) -> dict:
    if not ctx["cuda"]:
        return _skipped("no CUDA device")
    tests = ROOT / "tests"
    if not tests.is_dir():
        return _skipped(f"no tests/ beside the package ({SRC}): run from a checkout")
    if importlib.util.find_spec("pytest") is None:
        return _row("failed", reason="pytest is not installed")
    # only the files holding cuda tests: the others may import what this machine lacks
    files = sorted(str(p.relative_to(ROOT)) for p in tests.glob("test_*.py")
                   if "@pytest.mark.cuda" in p.read_text())
    if not files:
        return _row("failed", reason="no test in tests/ is marked cuda")
    cmd = [sys.executable, "-m", "pytest", "-m", "cuda", "-q", "-p", "no:cacheprovider", *files]
    proc = subprocess.run(cmd, cwd=ROOT, env=_subprocess_env(), capture_output=True, text=True,
                          timeout=args.timeout)
    out = proc.stdout + proc.stderr
    lines = out.strip().splitlines()
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)",
                                                     lines[-1] if lines else "")}
    figures = dict(files=files, returncode=proc.returncode, counts=counts)
    summary = [f"{', '.join(f'{n} {w}' for w, n in counts.items()) or 'no summary'} "
               f"({len(files)} files: {' '.join(Path(f).name for f in files)})"]
    if proc.returncode != 0:
        return _row("failed", summary, reason=f"pytest exited {proc.returncode}", output=_tail(out, 40),
                    **figures)
    if not counts.get("passed"):
        return _row("failed", summary, reason="no cuda test ran on a CUDA device", **figures)
    return _row("passed", summary, **figures)


# ---------------------------------------------------------------------------------------------
# part 2: determinism


def synthetic_data(spec: GroupSpec, signal: float = 0.1) -> dict[str, torch.Tensor]:
    """Inputs in [0, 1): a class prototype at weight ``signal`` plus uniform noise (learnable
    without saturating, so accuracy means something), all from one seeded generator on CPU: the
    same bytes in every process and for every device."""
    g = torch.Generator().manual_seed(spec.data_seed)
    n_in, classes, n = spec.layer_sizes[0], spec.layer_sizes[-1], spec.n_train + spec.n_test
    prototypes = torch.rand(classes, n_in, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    x = signal * prototypes[y] + (1.0 - signal) * torch.rand(n, n_in, generator=g)
    m = spec.n_train
    return {"x_train": x[:m], "y_train": y[:m], "x_test": x[m:], "y_test": y[m:]}


class UpdateRecorder:
    """Wraps a drop-and-grow callback: after every update step (the one that replaces the
    optimizer step), the step and a digest of each (layer, model) mask the update chose."""

    def __init__(self, method: Callable[[TrainState, int], None]) -> None:
        self.method = method
        self.updates: list[dict[str, Any]] = []

    def __call__(self, state: TrainState, step: int) -> None:
        self.method(state, step)
        if state.skip_optimizer_step:
            self.updates.append({"step": step, "masks": [
                [_digest([state.mask(layer)[j]]) for j in range(state.k)]
                for layer in range(state.n_hidden)]})


def engine_invariants(state: TrainState, start: Sequence[Sequence[torch.Tensor]]) -> list[str]:
    """What is wrong with the final state, if anything: a masked weight or Adam m, v not exactly
    zero, or a layer's active count not the one its start mask had."""
    problems = []
    try:
        state.check_invariants()
    except AssertionError as exc:
        problems.append(str(exc))
    for layer in range(state.n_hidden):
        want = [int(torch.as_tensor(m[layer]).sum()) for m in start]
        got = state.mask(layer).flatten(1).sum(1).tolist()
        if got != want:
            problems.append(f"layer {layer}: active counts {want} at the start, {got} at the end")
    return problems


def run_group(spec: GroupSpec, device: str, threads: int | None = None) -> tuple[dict, dict]:
    """Train ``spec``'s RigL group on ``device``: (summary with digests, final weights on CPU)."""
    sizes = list(spec.layer_sizes)
    masks = [start_masks(sizes, spec.sparsity, "erk", seed=s) for s in spec.seeds]
    recorder = UpdateRecorder(make_method(
        "rigl", DSTSettings(schedule=CosineSchedule(update_every=spec.update_every))))
    t0 = time.perf_counter()
    results, state = train_group(synthetic_data(spec), sizes, masks, list(spec.seeds),
                                 epochs=spec.epochs, batch_size=spec.batch_size, init="torch_default",
                                 device=device, threads=threads, callback=recorder,
                                 return_state=True, log=None)
    seconds = time.perf_counter() - t0
    params = list(state.model.parameters())
    adam = [t for p in params if p in state.optimizer.state
            for t in (state.optimizer.state[p]["exp_avg"], state.optimizer.state[p]["exp_avg_sq"])]
    weights = {name: t.detach().cpu() for name, t in state.model.state_dict().items()}
    results_json = json.dumps(strip_timings(results), sort_keys=True).encode()
    summary = {
        "spec": asdict(spec), "device": str(results[0]["device"]), "threads": torch.get_num_threads(),
        "seconds": seconds, "steps": state.step,
        "final_test_accuracy": [r["final_test_accuracy"] for r in results],
        "digests": {
            "results": hashlib.sha256(results_json).hexdigest(),
            "weights": _digest(list(weights.values())),
            "adam": _digest(adam),
            "masks": _digest([state.mask(layer) for layer in range(state.n_hidden)]),
        },
        "updates": recorder.updates,
        "invariant_problems": engine_invariants(state, masks),
    }
    return summary, weights


def first_mask_disagreement(a: Sequence[dict], b: Sequence[dict]) -> dict | None:
    """The first update at which two runs' masks differ (its index, step, layer and models), or
    None when every update chose the same masks."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x["step"] != y["step"]:
            return {"update": i, "step": min(x["step"], y["step"]),
                    "what": f"update steps differ: {x['step']} vs {y['step']}"}
        for layer, (ma, mb) in enumerate(zip(x["masks"], y["masks"])):
            models = [j for j, (p, q) in enumerate(zip(ma, mb)) if p != q]
            if models:
                return {"update": i, "step": x["step"], "layer": layer, "models": models,
                        "what": f"layer {layer}, models {models}"}
    if len(a) != len(b):
        return {"update": min(len(a), len(b)), "step": None,
                "what": f"{len(a)} updates against {len(b)}"}
    return None


def compare_runs(a: dict, b: dict) -> dict:
    """Two runs of one group: ``identical`` when results, weights, Adam state, final masks and
    every update's masks agree bit for bit; otherwise ``differs`` names what does not."""
    differs = [name for name in a["digests"] if a["digests"][name] != b["digests"].get(name)]
    first = first_mask_disagreement(a["updates"], b["updates"])
    if first is not None:
        differs.append("updates")
    if a["spec"] != b["spec"]:
        differs.append("spec")
    return {"identical": not differs, "differs": differs, "first_mask_disagreement": first}


def cuda_vs_cpu(cuda: dict, cpu: dict, w_cuda: dict, w_cpu: dict) -> dict:
    """The same group on CUDA and on CPU: ``agree`` when every model's final accuracy is within
    ``ACC_TOLERANCE``; the largest weight difference and the first mask disagreement reported."""
    acc = list(zip(cuda["final_test_accuracy"], cpu["final_test_accuracy"]))
    diverged = [j for j, (p, q) in enumerate(acc) if p is None or q is None]
    gaps = [abs(p - q) for p, q in acc if p is not None and q is not None]
    max_w = max(float((w_cuda[name] - w_cpu[name]).abs().max()) for name in w_cuda)
    return {
        "agree": not diverged and max(gaps, default=0.0) <= ACC_TOLERANCE,
        "tolerance": ACC_TOLERANCE, "max_accuracy_gap": max(gaps, default=None),
        "diverged_models": diverged, "max_weight_difference": max_w,
        "first_mask_disagreement": first_mask_disagreement(cuda["updates"], cpu["updates"]),
        "updates": len(cuda["updates"]),
    }


def run_worker(spec: GroupSpec, device: str, threads: int, out: Path, timeout: float) -> tuple[dict, dict]:
    """``run_group`` in a fresh Python process (``--worker``): its summary and weights."""
    spec_path = out.with_suffix(".spec.json")
    spec_path.write_text(json.dumps({"group": asdict(spec), "device": device, "threads": threads,
                                     "out": str(out)}))
    cmd = [sys.executable, "-m", "psn.bench", "gpu", "--worker", str(spec_path)]
    proc = subprocess.run(cmd, env=_subprocess_env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"the {device} run exited {proc.returncode}:\n{_tail(proc.stderr)}")
    return json.loads(out.read_text()), torch.load(out.with_suffix(".pt"))


def _worker(spec_path: str) -> int:
    job = json.loads(Path(spec_path).read_text())
    spec = GroupSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in job["group"].items()})
    summary, weights = run_group(spec, job["device"], job["threads"])
    out = Path(job["out"])
    torch.save(weights, out.with_suffix(".pt"))
    out.write_text(json.dumps(summary))
    return 0


def _first_text(comparison: dict) -> str:
    first = comparison["first_mask_disagreement"]
    if first is None:
        return ""
    return f"; masks first differ at update {first['update']} (step {first['step']}: {first['what']})"


def part_determinism(args: argparse.Namespace, ctx: dict) -> dict:
    spec = QUICK_GROUP if args.quick else FULL_GROUP
    dev, threads = ctx["device"], ctx["threads"]
    with tempfile.TemporaryDirectory(prefix="psn-gpu-check-") as tmp:
        runs = [run_worker(spec, dev, threads, Path(tmp) / f"{dev}-{i}.json", args.timeout) for i in (1, 2)]
        cpu = (run_worker(spec, "cpu", threads, Path(tmp) / "cpu.json", args.timeout)
               if dev == "cuda" else None)
    (a, wa), (b, _) = runs
    same = compare_runs(a, b)
    problems = a["invariant_problems"] + b["invariant_problems"]
    acc = ", ".join("-" if v is None else f"{v:.4f}" for v in a["final_test_accuracy"])
    summary = [f"{_arch(spec.layer_sizes)} K={len(spec.seeds)}, {a['steps']} steps, {len(a['updates'])} "
               f"updates on {dev}: 2 fresh runs "
               + ("identical (results, weights, Adam, masks of every update)" if same["identical"]
                  else f"DIFFER in {', '.join(same['differs'])}" + _first_text(same)),
               f"final accuracy [{acc}], {a['seconds']:.1f} s a run; invariants "
               + ("held (masked weights and Adam exactly 0, counts conserved)" if not problems
                  else "BROKEN: " + "; ".join(problems))]
    figures: dict[str, Any] = dict(spec=asdict(spec), runs=[a["digests"], b["digests"]], seconds=a["seconds"],
                                   final_test_accuracy=a["final_test_accuracy"], same_device=same,
                                   invariant_problems=problems)
    failed = [] if same["identical"] else [f"two runs on {dev} differ ({', '.join(same['differs'])})"]
    failed += [f"invariants broken: {p}" for p in problems]
    if cpu is None:
        summary.append("CUDA vs CPU skipped: no CUDA device")
        figures["cuda_vs_cpu"] = {"skipped": "no CUDA device"}
    else:
        cross = cuda_vs_cpu(a, cpu[0], wa, cpu[1])
        figures["cuda_vs_cpu"] = cross
        gap = cross["max_accuracy_gap"]
        summary.append(
            f"CUDA vs CPU: accuracy gap {'-' if gap is None else f'{gap:.4f}'} (tolerance "
            f"{ACC_TOLERANCE}), max |dw| {cross['max_weight_difference']:.2e}; masks "
            + ("agree at every update" if cross["first_mask_disagreement"] is None
               else _first_text(cross).removeprefix("; masks ")))
        if not cross["agree"]:
            failed.append(f"CUDA and CPU disagree beyond {ACC_TOLERANCE} in accuracy"
                          + (f" (diverged: {cross['diverged_models']})" if cross["diverged_models"] else ""))
    return _row("failed" if failed else "passed", summary, reason="; ".join(failed) or None, **figures)


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

    with _numerics(device, "fp32"):
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
    with _numerics(device, "fp32"):
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


# ---------------------------------------------------------------------------------------------
# part 4: a slice of the workflow


def part_workflow(args: argparse.Namespace, ctx: dict) -> dict:
    if args.quick:
        return _skipped("--quick (the tiny preset's jobs take minutes)")
    if importlib.util.find_spec("snakemake") is None:
        return _skipped("snakemake is not installed here (carry its wheels to run this part)")
    if not (ROOT / "Snakefile").is_file():
        return _skipped(f"no Snakefile beside the package ({SRC}): run from a checkout")
    results = Path("results/gpu_check/workflow")  # fresh every time: the whole slice is timed
    shutil.rmtree(ROOT / results, ignore_errors=True)
    (ROOT / results).mkdir(parents=True)
    override = ROOT / results / "override.yaml"
    override.write_text(json.dumps({"results_dir": str(results / "out"), "training": {"device": "auto"}}))
    cmd = [sys.executable, "-m", "snakemake", "static", "dst", "--cores", str(args.cores),
           "--configfile", "presets/tiny.yaml", str(override.relative_to(ROOT))]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=_subprocess_env(), capture_output=True, text=True,
                          timeout=args.workflow_timeout)
    seconds = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", out)
    devices = sorted({r.get("device") for f in (ROOT / results / "out").rglob("*.json")
                      for r in _results_of(f)})
    figures = dict(command=" ".join(cmd), seconds=seconds, jobs=int(done[-1][1]) if done else None,
                   training_devices=devices, returncode=proc.returncode)
    summary = [f"tiny preset, static + dst stages: {figures['jobs']} jobs in {seconds:.0f} s, "
               f"training on {', '.join(map(str, devices)) or '?'} (training.device: auto)"]
    if proc.returncode != 0:
        return _row("failed", summary, reason=f"snakemake exited {proc.returncode}",
                    output=_tail(out, 40), **figures)
    want = "cuda" if ctx["cuda"] else "cpu"
    if devices and any(not str(d).startswith(want) for d in devices):
        return _row("failed", summary, reason=f"training ran on {devices}, not {want}", **figures)
    return _row("passed", summary, **figures)


def _results_of(path: Path) -> list[dict]:
    """The per-model results in a run file, or none for other JSON files."""
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    res = obj.get("results") if isinstance(obj, dict) else None
    return [r for r in res if isinstance(r, dict)] if isinstance(res, list) else []


# ---------------------------------------------------------------------------------------------
# the check


PART_FUNCS: dict[str, Callable[[argparse.Namespace, dict], dict]] = {
    "cuda_tests": part_cuda_tests, "determinism": part_determinism,
    "throughput": part_throughput, "workflow": part_workflow,
}


def run_part(name: str, args: argparse.Namespace, ctx: dict) -> dict:
    """One part as a row: its own verdict, or failed with the error that stopped it."""
    print(f"gpu check: {name} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    if name in args.skip:
        row = _skipped("--skip")
    else:
        try:
            row = PART_FUNCS[name](args, ctx)
        except Exception as exc:  # a part that breaks is reported, and the others still run
            row = _row("failed", reason=f"{type(exc).__name__}: {str(exc).strip()}",
                       traceback=traceback.format_exc())
    return {"part": name, **row, "seconds": time.perf_counter() - t0}


def format_table(rows: Sequence[dict]) -> str:
    """The summary table: a line per part (status, time, first figure line), then its other lines."""
    lines = [f"{'part':<12} {'status':<8} {'time':>7}  figures"]
    for r in rows:
        text = list(r["summary"])
        if r["reason"]:
            skipped = r["status"] == "skipped"
            text.insert(0, f"skipped: {r['reason']}" if skipped else f"({r['reason']})")
        text = text or [""]
        lines.append(f"{r['part']:<12} {r['status']:<8} {r['seconds']:>6.1f}s  {text[0]}")
        lines += [f"{'':<30}{t}" for t in text[1:]]
    return "\n".join(lines)


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m psn.bench gpu", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    ap.add_argument("--out", default=OUT, help=f"the summary as JSON (default {OUT})")
    ap.add_argument("--quick", action="store_true", help="tiny sizes and steps, no workflow (seconds)")
    ap.add_argument("--skip", action="append", default=[], choices=PARTS, help="skip a part (repeatable)")
    ap.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"),
                    help="auto: CUDA when present (cpu gives the CPU form on a GPU machine)")
    ap.add_argument("--cpu-throughput", action="store_true",
                    help="without CUDA, measure throughput at the paper's shapes on CPU (minutes)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--config", default=str(ROOT / "config.yaml"), help="the config whose plan to estimate")
    ap.add_argument("--cores", default="all", help="snakemake --cores for the workflow part")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for each subprocess")
    ap.add_argument("--workflow-timeout", type=float, default=1800, help="seconds for the workflow part")
    ap.add_argument("--worker", help=argparse.SUPPRESS)  # run one group for determinism
    args = ap.parse_args(argv)
    # deterministic cuBLAS needs this before its first handle; the engine sets it too, later
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.worker:
        return _worker(args.worker)
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error(f"--device cuda, but torch sees no CUDA device (torch {torch.__version__}, "
                 f"CUDA build {torch.version.cuda})")
    device = _device(args.device)
    cuda = device.type == "cuda"
    ctx = {"device": device.type, "cuda": cuda, "threads": torch.get_num_threads(),
           "gpu": torch.cuda.get_device_name(device) if cuda else None}
    rows = [run_part(name, args, ctx) for name in PARTS]
    failed = [r["part"] for r in rows if r["status"] == "failed"]
    head = (f"GPU check on {ctx['gpu'] or 'CPU (no CUDA device)'}: torch {torch.__version__}, "
            f"{ctx['threads']} CPU threads" + (", --quick" if args.quick else ""))
    print(head)
    print(format_table(rows))
    summary = {"head": head, "quick": args.quick, "device": ctx, "environment": environment(),
               "cuda_version": torch.version.cuda, "parts": rows, "failed": failed}
    atomic_write_json(Path(args.out), summary)
    print(f"written {args.out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
