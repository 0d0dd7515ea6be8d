"""The GPU check's constants, the group it trains and the small helpers its parts share."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

SRC = Path(__file__).resolve().parents[3]  # the folder holding psn: PYTHONPATH for subprocesses
ROOT = SRC.parent  # the checkout (tests/, Snakefile, presets/) when run from one
OUT = "results/benchmarks/gpu_check.json"
PARTS = ("cuda_tests", "determinism", "throughput", "workflow")

# the paper's shapes and batches (config.yaml: MNIST-like datasets and Forest Cover)
PAPER_SHAPES = {"mnist": ([784, 1024, 1024, 10], 128), "forest_cover": ([54, 1024, 1024, 1024, 7], 256)}
KS = (1, 5, 20, 50)
K_PIPELINE = 5  # a training group holds one configuration's seeds: five in the paper
QUICK_SHAPES = {"tiny-mnist": ([784, 64, 64, 10], 32), "tiny-forest": ([54, 64, 64, 64, 7], 64)}
QUICK_KS = (1, 2)
# CUDA against CPU, per model, final test accuracy (absolute). Float sums in another order move
# the gradients by ~1e-6, and Adam turns that into weight differences of ~1e-2 wherever a
# gradient is near zero; on an H200 the same *static* group (no mask updates) ended 0.023 apart
# after its 300 steps, RigL's 0.030 (docs/gpu_check/). So RigL on CUDA is judged against the
# static group's own CUDA-CPU gap, measured in the same run: it may stray STATIC_FACTOR times as
# far, and never less than ACC_TOLERANCE.
ACC_TOLERANCE = 0.02
STATIC_FACTOR = 2.0
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

