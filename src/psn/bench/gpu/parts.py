"""The GPU check's parts that run other programs: the tests marked cuda, and a slice of the workflow."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


from psn.bench.gpu.common import ROOT, SRC, _row, _skipped, _subprocess_env, _tail


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

