"""Connectivity profiles P(t) (§2.2, §2.8): relative fan-in of output neuron i at t = i/m.

Every profile is a small named function ``fn(t, **params) -> np.ndarray`` in the ``PROFILES``
registry; ``fanin.py`` turns it into integer fan-in. Profiles whose ``matching`` is
``"search"`` (lognormal, power-law) are shapes whose parameter is found by ``fanin.py`` to hit
a target CCV, with the scale λ found by bisection on the clamped mean (§2.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

ProfileFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class ProfileInfo:
    """How ``fan_in`` uses a registered profile."""

    name: str
    fn: ProfileFn
    matching: str  # "scale": Eq. 6, λ = n(1-s)/mean(P); "search": λ by bisection, shape by CCV


PROFILES: dict[str, ProfileFn] = {}
PROFILE_INFO: dict[str, ProfileInfo] = {}

# Profiles of the MNIST sweep (§3.1), in the paper's order.
PAPER_PROFILES = (
    "quadratic", "exponential", "linear", "bell",
    "inverse_quadratic", "inverse_exponential", "inverse_linear", "inverse_bell",
)
# The random baseline is not a shape: its fan-in comes from the mask (see ``build.py``).
BASELINES = ("random",)


def random_baseline_profile(reading: str) -> str:
    """The profile a reading of the paper's "random" baseline builds: ``uniform`` (constant
    fan-in, random inputs) or ``erdos_renyi`` (the ``random`` profile: binomial fan-in)."""
    return "uniform" if reading == "uniform" else "random"


def register_profile(name: str, *, matching: str = "scale") -> Callable[[ProfileFn], ProfileFn]:
    """Decorator adding ``fn(t, **params)`` to ``PROFILES`` under ``name``.

    ``matching="scale"`` (default) applies Eq. 6; ``"search"`` bisects λ on the clamped mean.
    """
    if matching not in ("scale", "search"):
        raise ValueError(f"matching must be 'scale' or 'search', got {matching!r}")

    def deco(fn: ProfileFn) -> ProfileFn:
        if name in PROFILES or name in BASELINES:
            raise ValueError(f"profile {name!r} is already registered")
        PROFILES[name] = fn
        PROFILE_INFO[name] = ProfileInfo(name, fn, matching)
        return fn

    return deco


def profile_values(name: str, t: np.ndarray, **params) -> np.ndarray:
    """P(t) for a registered profile, as float64."""
    try:
        fn = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {sorted(PROFILES) + list(BASELINES)}") from None
    return np.asarray(fn(np.asarray(t, dtype=np.float64), **params), dtype=np.float64)


# --- monotonic profiles, Eqs. 1-3 -------------------------------------------------------------
@register_profile("linear")
def linear(t: np.ndarray) -> np.ndarray:
    return 1.0 - t  # Eq. 1


@register_profile("quadratic")
def quadratic(t: np.ndarray) -> np.ndarray:
    return 1.0 - t**2  # Eq. 2


@register_profile("exponential")
def exponential(t: np.ndarray, alpha: float = 3.0) -> np.ndarray:
    return np.exp(-alpha * t)  # Eq. 3


@register_profile("bell")
def bell(t: np.ndarray, beta: float = 3.0) -> np.ndarray:
    return np.exp(-beta * (2.0 * (t - 0.5)) ** 2)  # Eq. 4


# --- inverse variants: P(1 - t), except inverse bell which is the complement 1 - bell ----------
@register_profile("inverse_linear")
def inverse_linear(t: np.ndarray) -> np.ndarray:
    return linear(1.0 - t)


@register_profile("inverse_quadratic")
def inverse_quadratic(t: np.ndarray) -> np.ndarray:
    return quadratic(1.0 - t)


@register_profile("inverse_exponential")
def inverse_exponential(t: np.ndarray, alpha: float = 3.0) -> np.ndarray:
    return exponential(1.0 - t, alpha=alpha)


@register_profile("inverse_bell")
def inverse_bell(t: np.ndarray, beta: float = 3.0) -> np.ndarray:
    # §2.2: "its complement 1 - P_bell" (bell is symmetric, so bell(1 - t) would equal bell).
    return 1.0 - bell(t, beta=beta)


# --- multi-peak interpolation, Eq. 10 ------------------------------------------------------------
@register_profile("multipeak")
def multipeak(t: np.ndarray, k: int = 1, beta: float = 50.0) -> np.ndarray:
    k = int(k)
    if k < 1:
        raise ValueError(f"multipeak needs k >= 1, got {k}")
    c = (2.0 * np.arange(k) + 1.0) / (2.0 * k)  # peak centres c_j = (2j+1)/(2k)
    # max over j of exp(-β(t-c_j)²) = exp(-β · min_j (t-c_j)²): one (m, k) broadcast.
    d2 = np.min((t[:, None] - c[None, :]) ** 2, axis=1)
    return np.exp(-beta * d2)


# --- constant fan-in (the "uniform fan-in 78" baseline of Figure 1a) -----------------------------
@register_profile("uniform")
def uniform(t: np.ndarray) -> np.ndarray:
    return np.ones_like(t)


# --- shapes whose parameter is searched to hit a target CCV (§2.2, Eq. 5) ------------------------
def standard_normals_desc(m: int, rng: np.random.Generator) -> np.ndarray:
    """m standard normal draws sorted descending: the common random numbers of the lognormal."""
    return -np.sort(-rng.standard_normal(m))


@register_profile("lognormal", matching="search")
def lognormal(t: np.ndarray, sigma: float = 1.0, z: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Unit-mean lognormal draws exp(σz − σ²/2), sorted descending (highest fan-in at index 0).

    ``z``: pre-drawn standard normals sorted descending (reused across a σ search); otherwise
    drawn from ``numpy.random.default_rng(seed)``.
    """
    if z is None:
        z = standard_normals_desc(len(t), np.random.default_rng(seed))
    return np.exp(sigma * z - 0.5 * sigma**2)


@register_profile("powerlaw", matching="search")
def powerlaw(t: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Rank-frequency law: fan-in ∝ rank^(−γ), rank = i + 1 = t·m + 1."""
    rank = np.arange(1, len(t) + 1, dtype=np.float64)
    return rank ** (-gamma)
