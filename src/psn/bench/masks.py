"""Mask-building benchmark: one 784→1024 mask per profile, then every mask the paper needs.

``all_paper_mask_specs()`` approximates the paper's mask set (the pipeline's config may later
supply the exact list: pass ``specs`` — a list or a callable returning one — to
``time_all_masks`` / ``main``, or ``--specs module:function`` on the command line).
"""

from __future__ import annotations

import argparse
import importlib
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from psn.masks import PAPER_PROFILES, make_mask_array, s_max

SEEDS = (42, 123, 456, 789, 1024)
MNIST_SPARSITIES = (0.85, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98, 0.99, 0.999)
MULTIPEAK_KS = (*range(1, 21), 25, 30, 40, 50)
MULTIPEAK_BETAS = (12.0, 50.0, 1200.0)
ARCH_784 = ((784, 1024), (1024, 1024))  # masked layers; the output layer stays dense
ARCH_FOREST = ((54, 1024), (1024, 1024), (1024, 1024))


@dataclass(frozen=True)
class MaskSpec:
    """Everything ``make_mask`` needs for one layer's mask."""

    n_in: int
    n_out: int
    sparsity: float
    profile: str
    spread: str = "even"
    seed: int = 0
    params: tuple = field(default_factory=tuple)  # sorted (name, value) pairs

    def build(self):
        return make_mask_array(
            self.n_in, self.n_out, self.sparsity, self.profile, spread=self.spread, seed=self.seed,
            enforce_s_max=False,  # the paper's 99.9% lies above S_max on 784 inputs
            **dict(self.params),
        )


def _layers(arch, sparsity, profile, spread, seeds, **params):
    p = tuple(sorted(params.items()))
    for n_in, n_out in arch:
        for seed in seeds:
            yield MaskSpec(n_in, n_out, sparsity, profile, spread, seed, p)


def all_paper_mask_specs() -> list[MaskSpec]:
    """MNIST sweep, multi-peak sweep and cross-dataset masks (§2.7, §2.8, §3.1, §3.2)."""
    specs: list[MaskSpec] = []
    for s in MNIST_SPARSITIES:  # 8 profiles × {even, random} + random baseline
        for profile in PAPER_PROFILES:
            for spread in ("even", "random"):
                specs += _layers(ARCH_784, s, profile, spread, SEEDS)
        specs += _layers(ARCH_784, s, "random", "even", SEEDS)
    for beta in MULTIPEAK_BETAS:
        for k in MULTIPEAK_KS:
            specs += _layers(ARCH_784, 0.9, "multipeak", "even", SEEDS, k=k, beta=beta)
    cross = [("quadratic", {}), ("bell", {}), ("exponential", {}), ("random", {})]
    cross += [("lognormal", {"ccv": c}) for c in (1.0, 1.5, 2.5)]
    for arch in (ARCH_784, ARCH_FOREST):
        for profile, params in cross:
            specs += _layers(arch, 0.9, profile, "random", SEEDS, **params)
    return specs


def _resolve(specs) -> list:
    if specs is None:
        return all_paper_mask_specs()
    if callable(specs):
        specs = specs()
    return list(specs)


def time_profiles(n_in: int = 784, n_out: int = 1024, sparsity: float = 0.9) -> dict[str, float]:
    """Seconds to build one even-spread mask per profile (best of 3)."""
    cases = [(p, {}) for p in (*PAPER_PROFILES, "uniform", "random")]
    cases += [("multipeak", {"k": 5, "beta": 50.0}), ("lognormal", {"ccv": 1.5}), ("powerlaw", {"ccv": 1.5})]
    out = {}
    for profile, params in cases:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            make_mask_array(n_in, n_out, sparsity, profile, spread="even", **params)
            best = min(best, time.perf_counter() - t0)
        out[profile] = best
    return out


def time_all_masks(specs: Iterable | Callable | None = None) -> tuple[int, float]:
    """(number of masks, seconds to build them all)."""
    specs = _resolve(specs)
    t0 = time.perf_counter()
    for spec in specs:
        spec.build()
    return len(specs), time.perf_counter() - t0


def main(argv: list[str] | None = None, specs=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m psn.bench masks", description=__doc__.splitlines()[0])
    ap.add_argument("--specs", help="module:function returning the mask specs (default: all_paper_mask_specs)")
    args = ap.parse_args(argv)
    if args.specs:
        mod, _, fn = args.specs.partition(":")
        specs = getattr(importlib.import_module(mod), fn)
    for profile, sec in time_profiles().items():
        print(f"mask_784x1024_{profile}_ms={1000 * sec:.2f}")
    n, sec = time_all_masks(specs)
    print(f"masks={n}")
    print(f"s_max_784={s_max(784):.6f}")
    print(f"all_masks_seconds={sec:.2f}")
    return 0
