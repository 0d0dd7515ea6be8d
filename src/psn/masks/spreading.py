"""Which inputs each output neuron connects to, given its fan-in (§2.4).

Each rule maps (fan-in vector f, n_in) to a bool array (n_out, n_in) whose row i has exactly
f_i True entries. Rules live in ``SPREADS`` so a new one is one decorated function.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

GOLDEN_RATIO = (1.0 + 5.0**0.5) / 2.0

SpreadFn = Callable[..., np.ndarray]
SPREADS: dict[str, SpreadFn] = {}


def register_spread(name: str) -> Callable[[SpreadFn], SpreadFn]:
    def deco(fn: SpreadFn) -> SpreadFn:
        if name in SPREADS:
            raise ValueError(f"spread {name!r} is already registered")
        SPREADS[name] = fn
        return fn

    return deco


def _check(f: np.ndarray, n_in: int) -> np.ndarray:
    f = np.asarray(f, dtype=np.int64)
    if f.ndim != 1 or (f < 0).any() or (f > n_in).any():
        raise ValueError(f"fan-in must be a 1-D vector with values in [0, {n_in}]")
    return f


@register_spread("even")
def even(f: np.ndarray, n_in: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Eq. 8: j_k = ⌊(φ_i + k·n/f_i) mod n⌋, φ_i = ⌊i·φ·n⌋ mod n, k = 0..f_i−1.

    φ_i is an integer, so ⌊(φ_i + kn/f_i) mod n⌋ = (φ_i + ⌊kn/f_i⌋) mod n: exact integer
    arithmetic. Steps n/f_i ≥ 1 keep the f_i columns of a row distinct.
    """
    f = _check(f, n_in)
    m = len(f)
    phase = np.floor(np.arange(m) * GOLDEN_RATIO * n_in).astype(np.int64) % n_in
    rows = np.repeat(np.arange(m), f)
    k = np.arange(rows.size) - np.repeat(np.cumsum(f) - f, f)  # k = 0..f_i-1 within each row
    cols = (phase[rows] + (k * n_in) // f[rows]) % n_in
    mask = np.zeros((m, n_in), dtype=bool)
    mask[rows, cols] = True
    return mask


@register_spread("random")
def random(f: np.ndarray, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """f_i inputs uniformly without replacement per row: the f_i smallest of n random keys.

    Row threshold = the f_i-th smallest key (a sort, 3× cheaper than an argsort); float64 keys
    tie with probability ~1e-8 per mask, and a row that ties falls back to an argsort.
    """
    f = _check(f, n_in)
    keys = rng.random((len(f), n_in))
    srt = np.sort(keys, axis=1)
    thr = np.where(f > 0, srt[np.arange(len(f)), np.maximum(f - 1, 0)], -1.0)
    mask = keys <= thr[:, None]
    bad = np.nonzero(mask.sum(axis=1) != f)[0]
    if len(bad):
        order = np.argsort(keys[bad], axis=1, kind="stable")
        mask[bad] = False
        rr, cc = np.nonzero(np.arange(n_in)[None, :] < f[bad][:, None])
        mask[bad[rr], order[rr, cc]] = True
    return mask


@register_spread("sequential")
def sequential(f: np.ndarray, n_in: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Inputs 0..f_i−1 (the ablation of §3.1 that leaves inputs above max f_i dead)."""
    f = _check(f, n_in)
    return np.arange(n_in)[None, :] < f[:, None]
