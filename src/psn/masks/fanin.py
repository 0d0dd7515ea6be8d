"""Integer fan-in per output neuron from a profile and a target sparsity (§2.3).

- ``matching="scale"`` profiles: Eq. 6, f_i = clamp(round(λ·P(i/m)), f_min, n) with
  λ = n(1−s)/mean(P); ``rounding="ceil"`` is Eq. 6 as written, ``"floor"`` reproduces the
  paper's quoted numbers (exponential at 90%, 784→1024: 247→12, mean 77.9), ``"exact"`` uses
  cumulative rounding so the total is exactly round(n(1−s)·m).
- ``uniform``: constant fan-in n(1−s), the remainder spread evenly (cumulative rounding).
- ``lognormal`` / ``powerlaw``: shape parameter (σ, γ) chosen so the CCV after clamping hits
  ``ccv``; λ by bisection so the clamped mean is n(1−s); then cumulative rounding (total exact)
  and a descending sort. Both searches use common random numbers, so they are monotone.
- ``random``: unstructured Erdős–Rényi mask (``random_baseline_mask``); its fan-in is the
  realised row counts for that seed.
"""

from __future__ import annotations

import warnings

import numpy as np

from psn.masks.erk import erdos_renyi_array
from psn.masks.profiles import BASELINES, PROFILE_INFO, profile_values, standard_normals_desc
from psn.masks.seeding import STREAM_PROFILE, rng_for

ROUNDINGS = ("ceil", "floor", "exact")
# Relative slack before ⌈·⌉/⌊·⌋ so that λP = 79.000000000001 (float noise) is not taken as 80.
_ROUND_EPS = 1e-9


def s_max(n_in: int, f_min: int = 1) -> float:
    """Largest achievable sparsity with minimum fan-in ``f_min`` (Eq. 7): 1 − f_min/n_in."""
    if n_in <= 0:
        raise ValueError(f"n_in must be positive, got {n_in}")
    return 1.0 - f_min / n_in


def check_sparsity(n_in: int, sparsity: float, f_min: int = 1, *, enforce_s_max: bool = True) -> None:
    """Raise ValueError unless 0 ≤ sparsity < 1, 0 ≤ f_min ≤ n_in and (when ``enforce_s_max``)
    sparsity ≤ S_max(n_in, f_min).

    ``enforce_s_max=False`` lets a target above S_max through: every neuron is then clamped to
    f_min and the realised sparsity is S_max. The paper needs this for its 99.9% point on
    784 inputs (S_max = 99.87% there, although §2.3 calls it "above all test points").
    """
    if not 0 <= f_min <= n_in:
        raise ValueError(f"f_min={f_min} must lie in [0, n_in={n_in}]")
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity={sparsity} must lie in [0, 1)")
    smax = s_max(n_in, f_min)
    if enforce_s_max and sparsity > smax + 1e-12:
        raise ValueError(
            f"sparsity={sparsity} exceeds S_max={smax:.6g} = 1 - f_min/n_in for n_in={n_in}, f_min={f_min} (Eq. 7)"
        )


def ccv(f: np.ndarray) -> float:
    """Connectivity coefficient of variation σ_f/μ_f (population std, ddof=0)."""
    f = np.asarray(f, dtype=np.float64)
    mu = f.mean()
    return float(f.std() / mu) if mu > 0 else 0.0


def cumulative_round(x: np.ndarray) -> np.ndarray:
    """Integers f_i ∈ {⌊x_i⌋, ⌈x_i⌉} with Σf = round(Σx): f_i = R(C_i) − R(C_{i−1}), C the cumsum.

    Spreads the remainder evenly along the index (constant x gives a Bresenham pattern).
    """
    c = np.floor(np.cumsum(np.asarray(x, dtype=np.float64)) + 0.5)
    return np.diff(c, prepend=0.0).astype(np.int64)


def fan_in(
    n_in: int,
    n_out: int,
    sparsity: float,
    profile: str,
    *,
    f_min: int = 1,
    rounding: str = "ceil",
    seed=None,
    enforce_s_max: bool = True,
    **params,
) -> np.ndarray:
    """Fan-in of each of ``n_out`` neurons (np.int64, length n_out) for an n_in → n_out layer.

    ``params`` go to the profile (``alpha``, ``beta``, ``k``; ``ccv`` for lognormal/powerlaw).
    ``enforce_s_max``: see ``check_sparsity``.
    ``seed`` matters only for ``lognormal`` (draws: ``numpy.random.default_rng(seed)``, None → 0)
    and ``random`` (same seed as ``make_mask`` gives that mask's row counts).
    """
    n_in, n_out, f_min = int(n_in), int(n_out), int(f_min)
    check_sparsity(n_in, sparsity, f_min, enforce_s_max=enforce_s_max)
    for name, value in params.items():  # NaN or inf would give a degenerate mask, not an error
        if isinstance(value, (int, float, np.number)) and not np.isfinite(value):
            raise ValueError(f"{name}={value!r} must be a finite number")
    if n_out <= 0:
        raise ValueError(f"n_out must be positive, got {n_out}")
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")
    fbar = n_in * (1.0 - sparsity)
    if profile in BASELINES:  # "random": Erdős–Rényi, fan-in realised by the mask
        mask = random_baseline_mask(n_in, n_out, sparsity, f_min=f_min, seed=seed,
                                    enforce_s_max=enforce_s_max, **params)
        return mask.sum(axis=1, dtype=np.int64)
    if profile not in PROFILE_INFO:
        raise ValueError(f"unknown profile {profile!r}; known: {sorted(PROFILE_INFO) + list(BASELINES)}")
    info = PROFILE_INFO[profile]
    if info.matching == "search":
        target = params.pop("ccv", None)
        if target is None:
            raise TypeError(f"profile {profile!r} needs a target ccv=...")
        return _search_fanin(profile, n_in, n_out, fbar, f_min, float(target), seed, **params)
    t = np.arange(n_out, dtype=np.float64) / n_out  # t = i/m
    p = np.clip(profile_values(profile, t, **params), 0.0, None)
    if not p.mean() > 0:
        raise ValueError(f"profile {profile!r} has non-positive mean on [0, 1)")
    x = fbar / p.mean() * p  # λ·P(i/m), λ = n(1-s)/mean(P)
    if profile == "uniform" or rounding == "exact":
        f = cumulative_round(np.clip(x, f_min, n_in))
    else:
        r = np.ceil(x * (1 - _ROUND_EPS)) if rounding == "ceil" else np.floor(x * (1 + _ROUND_EPS))
        f = np.clip(r, f_min, n_in).astype(np.int64)  # Eq. 6, then clamp to [f_min, n]
    _warn_if_clamped(profile, f, x, n_in, sparsity)
    return f


def _warn_if_clamped(profile: str, f: np.ndarray, x: np.ndarray, n_in: int, sparsity: float) -> None:
    """Say so when the clamp at n_in drops so many weights that the realised sparsity lies half
    a point or more above the target (a profile too peaked for it, or a target near 0)."""
    realised = 1.0 - float(f.sum()) / (n_in * len(f))
    if (x > n_in).any() and realised - sparsity >= 0.005:
        warnings.warn(
            f"{profile} at sparsity={sparsity:g} realises sparsity {realised:.4f} for n_in={n_in}, "
            f"n_out={len(f)}: neurons above n_in inputs are clamped to n_in",
            stacklevel=3,
        )


def random_baseline_mask(
    n_in: int, n_out: int, sparsity: float, *, f_min: int = 1, seed=None, enforce_s_max: bool = True, **params
) -> np.ndarray:
    """The ``random`` profile: an Erdős–Rényi (n_out, n_in) bool array with round((1−s)·n·m)
    weights, rows below ``f_min`` topped up. Its row counts are that profile's fan-in."""
    check_sparsity(n_in, sparsity, f_min, enforce_s_max=enforce_s_max)
    if params:
        raise TypeError(f"profile 'random' takes no parameters, got {sorted(params)}")
    return erdos_renyi_array(n_in, n_out, 1.0 - sparsity, rng=rng_for(seed, STREAM_PROFILE), f_min=f_min)


# --- lognormal / power-law: CCV-targeted shapes ------------------------------------------------
_GRID = 33  # shape parameters tried per refinement round (vectorised)
_ROUNDS = 4  # refinements: resolution (hi - lo) / 32**4
_BISECT = 48  # bisection steps on log λ
_SHAPE_RANGE = {"lognormal": (0.0, 8.0), "powerlaw": (0.0, 12.0)}


def clamped_scale(raw: np.ndarray, fbar: float, f_min: float, n: float) -> np.ndarray:
    """Rows of ``raw`` (B, m), each scaled by its own λ so that mean(clip(λ·raw, f_min, n)) = fbar.

    Bisection on log λ, vectorised over rows and neurons; the mean is monotone in λ.
    """
    raw = np.maximum(raw, 1e-300)
    logr = np.log(raw)
    lo = np.log(max(f_min, 1e-12)) - logr.max(axis=1) - 1.0  # log λ with all at f_min
    hi = np.log(n) - logr.min(axis=1) + 1.0  # log λ with all at n
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        mean = np.clip(np.exp(mid)[:, None] * raw, f_min, n).mean(axis=1)
        low = mean < fbar
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    return np.clip(np.exp(0.5 * (lo + hi))[:, None] * raw, f_min, n)


def _shape_raw(profile: str, values: np.ndarray, m: int, z: np.ndarray | None) -> np.ndarray:
    """(B, m) unscaled shapes for B shape-parameter values."""
    if profile == "lognormal":
        return np.exp(values[:, None] * z[None, :])  # μ is absorbed by λ
    rank = np.arange(1, m + 1, dtype=np.float64)
    return np.exp(-values[:, None] * np.log(rank)[None, :])


def _search_fanin(profile, n_in, n_out, fbar, f_min, target, seed, **params):
    if params:
        raise TypeError(f"profile {profile!r} takes only ccv=..., got {sorted(params)}")
    if target < 0:
        raise ValueError(f"target ccv must be non-negative, got {target}")
    z = standard_normals_desc(n_out, rng_for(seed, STREAM_PROFILE)) if profile == "lognormal" else None
    lo, hi = _SHAPE_RANGE[profile]
    best_f, best_err, best_ccv = None, np.inf, 0.0
    for _ in range(_ROUNDS):
        grid = np.linspace(lo, hi, _GRID)
        f = clamped_scale(_shape_raw(profile, grid, n_out, z), fbar, f_min, n_in)
        c = f.std(axis=1) / f.mean(axis=1)
        j = int(np.argmin(np.abs(c - target)))
        if abs(c[j] - target) < best_err:
            best_f, best_err, best_ccv = f[j], abs(c[j] - target), c[j]
        above = np.nonzero(c >= target)[0]
        if len(above) == 0 or above[0] == 0:  # unreachable (or CCV 0): stay at the best point
            lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, _GRID - 1)]
            if len(above) == 0 and j == _GRID - 1:
                break
            continue
        lo, hi = grid[above[0] - 1], grid[above[0]]
    if best_err > 0.005:  # the clamped range cannot express the target: say what it can
        warnings.warn(
            f"{profile} target ccv={target:g} unreachable for n_in={n_in}, n_out={n_out}, "
            f"mean fan-in {fbar:g}, f_min={f_min}; best reachable ccv={best_ccv:.4f}",
            stacklevel=3,
        )
    f = np.sort(cumulative_round(best_f))[::-1]  # highest fan-in at index 0
    return np.ascontiguousarray(np.clip(f, f_min, n_in)).astype(np.int64)
