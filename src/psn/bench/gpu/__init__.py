"""The GPU check: CUDA correctness, determinism and throughput of the engine, RigL and the
workflow in one command, ``python -m psn.bench gpu``; one summary table, also written as JSON.

Parts, each one row of the table (passed, failed, or skipped with the reason):

1. ``cuda_tests``: the tests marked ``cuda`` (RigL's and SET's updates on CUDA), by pytest in a
   subprocess. Needs CUDA.
2. ``determinism``: one RigL group (784-1024-1024-10, ERK 90%, 300 steps, 9 updates) trained
   twice on the device, each in a fresh process: results, weights, Adam state and the masks of
   every update byte-identical, and the engine's invariants held (masked weights and Adam state
   exactly zero, active counts conserved). On CUDA also the same group on CPU, and the same
   group without mask updates (static) on both: RigL's CUDA-CPU accuracy gap within
   ``STATIC_FACTOR`` times the static group's own (at least ``ACC_TOLERANCE``), since plain
   training already drifts that far across devices; the first update whose masks differ is
   reported with its step.
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
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from psn.bench.gpu.common import (ACC_TOLERANCE, FULL_GROUP, OUT, PARTS, QUICK_GROUP, QUICK_KS,  # noqa: F401
                                  QUICK_SHAPES, ROOT, GroupSpec, _row, _skipped)
from psn.bench.gpu.determinism import (compare_runs, cuda_vs_cpu, first_mask_disagreement,  # noqa: F401
                                       part_determinism, run_group, synthetic_data, _worker)
from psn.bench.gpu.parts import part_cuda_tests, part_workflow
from psn.bench.gpu.throughput import engine_rate, matmul_rate, paper_hours, part_throughput, plan_rows  # noqa: F401
from psn.provenance import atomic_write_json, environment


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
