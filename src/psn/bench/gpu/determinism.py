"""The GPU check's determinism part: one RigL group trained twice on the device, each in a fresh
process, bit for bit; on CUDA also against CPU."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from psn.analysis.runs import strip_timings
from psn.bench.gpu.common import (ACC_TOLERANCE, FULL_GROUP, QUICK_GROUP, STATIC_FACTOR, GroupSpec, _arch, _digest, _row,
                                  _subprocess_env, _tail)
from psn.masks.starts import start_masks
from psn.training import CosineSchedule, DSTSettings, TrainSettings, TrainState, make_method, train_group


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


def run_group(spec: GroupSpec, device: str, threads: int | None = None, *,
              dynamic: bool = True) -> tuple[dict, dict]:
    """Train ``spec``'s RigL group on ``device`` (``dynamic=False``: the same group with its start
    masks kept, no updates): (summary with digests, final weights on CPU)."""
    sizes = list(spec.layer_sizes)
    masks = [start_masks(sizes, spec.sparsity, "erk", seed=s) for s in spec.seeds]
    recorder = UpdateRecorder(make_method(
        "rigl", DSTSettings(schedule=CosineSchedule(update_every=spec.update_every)))) if dynamic else None
    t0 = time.perf_counter()
    results, state = train_group(synthetic_data(spec), sizes, masks, list(spec.seeds),
                                 TrainSettings(epochs=spec.epochs, batch_size=spec.batch_size, init="torch_default",
                                               device=device, threads=threads), callback=recorder,
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
        "updates": recorder.updates if recorder else [],
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


def accuracy_gap(a: dict, b: dict) -> tuple[float | None, list[int]]:
    """The largest per-model final-accuracy gap between two runs of one group, and the models
    that diverged in either (left out of the gap)."""
    acc = list(zip(a["final_test_accuracy"], b["final_test_accuracy"]))
    diverged = [j for j, (p, q) in enumerate(acc) if p is None or q is None]
    gaps = [abs(p - q) for p, q in acc if p is not None and q is not None]
    return max(gaps, default=None), diverged


def cuda_vs_cpu(cuda: dict, cpu: dict, w_cuda: dict, w_cpu: dict, static_gap: float | None = None) -> dict:
    """The same group on CUDA and on CPU: ``agree`` when no model diverged and every model's
    final accuracy is within the allowance: ``STATIC_FACTOR`` times ``static_gap`` (the same
    group trained without updates on both devices, in the same run), and at least
    ``ACC_TOLERANCE``. The largest weight difference and the first mask disagreement reported."""
    gap, diverged = accuracy_gap(cuda, cpu)
    allowed = max(ACC_TOLERANCE, STATIC_FACTOR * (static_gap or 0.0))
    max_w = max(float((w_cuda[name] - w_cpu[name]).abs().max()) for name in w_cuda)
    return {
        "agree": not diverged and (gap or 0.0) <= allowed,
        "tolerance": allowed, "static_gap": static_gap, "max_accuracy_gap": gap,
        "diverged_models": diverged, "max_weight_difference": max_w,
        "first_mask_disagreement": first_mask_disagreement(cuda["updates"], cpu["updates"]),
        "updates": len(cuda["updates"]),
    }


def run_worker(spec: GroupSpec, device: str, threads: int, out: Path, timeout: float, *,
               dynamic: bool = True) -> tuple[dict, dict]:
    """``run_group`` in a fresh Python process (``--worker``): its summary and weights."""
    spec_path = out.with_suffix(".spec.json")
    spec_path.write_text(json.dumps({"group": asdict(spec), "device": device, "threads": threads,
                                     "out": str(out), "dynamic": dynamic}))
    cmd = [sys.executable, "-m", "psn.bench", "gpu", "--worker", str(spec_path)]
    proc = subprocess.run(cmd, env=_subprocess_env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"the {device} run exited {proc.returncode}:\n{_tail(proc.stderr)}")
    return json.loads(out.read_text()), torch.load(out.with_suffix(".pt"))


def _worker(spec_path: str) -> int:
    job = json.loads(Path(spec_path).read_text())
    spec = GroupSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in job["group"].items()})
    summary, weights = run_group(spec, job["device"], job["threads"], dynamic=job.get("dynamic", True))
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
        cpu = static = None
        if dev == "cuda":
            cpu = run_worker(spec, "cpu", threads, Path(tmp) / "cpu.json", args.timeout)
            static = [run_worker(spec, d, threads, Path(tmp) / f"static-{d}.json", args.timeout, dynamic=False)[0]
                      for d in ("cuda", "cpu")]
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
        static_gap, _ = accuracy_gap(*static)
        cross = cuda_vs_cpu(a, cpu[0], wa, cpu[1], static_gap)
        figures["cuda_vs_cpu"] = cross
        gap = cross["max_accuracy_gap"]
        summary.append(
            f"CUDA vs CPU: accuracy gap {'-' if gap is None else f'{gap:.4f}'} (allowed {cross['tolerance']:.4f}: "
            f"the static group's own gap {'-' if static_gap is None else f'{static_gap:.4f}'} x {STATIC_FACTOR:g}, "
            f"at least {ACC_TOLERANCE}), max |dw| {cross['max_weight_difference']:.2e}; masks "
            + ("agree at every update" if cross["first_mask_disagreement"] is None
               else _first_text(cross).removeprefix("; masks ")))
        if not cross["agree"]:
            failed.append(f"CUDA and CPU disagree beyond {cross['tolerance']:.4f} in accuracy"
                          + (f" (diverged: {cross['diverged_models']})" if cross["diverged_models"] else ""))
    return _row("failed" if failed else "passed", summary, reason="; ".join(failed) or None, **figures)

