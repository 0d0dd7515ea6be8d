"""Masks M ∈ {0,1}^{m×n} from a profile and a spreading rule (§2.4): W_sparse = M ⊙ W."""

from __future__ import annotations

import numpy as np
import torch

from psn.masks.fanin import fan_in, random_baseline_mask
from psn.masks.profiles import BASELINES
from psn.masks.seeding import STREAM_SPREAD, resolve_seed, rng_for
from psn.masks.spreading import SPREADS


def make_mask_array(
    n_in: int,
    n_out: int,
    sparsity: float,
    profile: str,
    *,
    spread: str = "even",
    f_min: int = 1,
    rounding: str = "ceil",
    seed=0,
    enforce_s_max: bool = True,
    **params,
) -> np.ndarray:
    """``make_mask`` as a numpy bool array (n_out, n_in)."""
    if spread not in SPREADS:
        raise ValueError(f"unknown spread {spread!r}; known: {sorted(SPREADS)}")
    seed = resolve_seed(seed)  # a torch Generator gives one integer: both streams derive from it
    if profile in BASELINES:  # Erdős–Rényi: positions are the mask; `spread` does not apply
        return random_baseline_mask(n_in, n_out, sparsity, f_min=f_min, seed=seed,
                                    enforce_s_max=enforce_s_max, **params)
    f = fan_in(
        n_in, n_out, sparsity, profile, f_min=f_min, rounding=rounding, seed=seed, enforce_s_max=enforce_s_max, **params
    )
    rng = rng_for(seed, STREAM_SPREAD) if spread == "random" else None
    mask = SPREADS[spread](f, n_in, rng)
    if not np.array_equal(mask.sum(axis=1), f):  # invariant: row i holds exactly f_i inputs
        raise AssertionError(f"spread {spread!r} did not realise the requested fan-in")
    return mask


def make_mask(
    n_in: int,
    n_out: int,
    sparsity: float,
    profile: str,
    *,
    spread: str = "even",
    f_min: int = 1,
    rounding: str = "ceil",
    seed=0,
    enforce_s_max: bool = True,
    **params,
) -> torch.Tensor:
    """Bool mask (n_out, n_in) for an n_in → n_out layer at target ``sparsity``.

    ``profile``: a name in ``PROFILES`` or ``"random"`` (Erdős–Rényi, exact count of weights,
    rows below ``f_min`` topped up). ``spread``: ``"even"`` (Eq. 8), ``"random"``,
    ``"sequential"``. ``seed``: int (profile draws use stream 0, spreading stream 1), a numpy
    Generator (drawn from in that order) or a torch Generator. Same seed → same bytes.
    ``params``: profile parameters (``alpha``, ``beta``, ``k``, ``ccv``). ``enforce_s_max=False``
    admits targets above S_max (Eq. 7), clamping every neuron to f_min (the paper's 99.9%).
    """
    return torch.from_numpy(
        make_mask_array(
            n_in,
            n_out,
            sparsity,
            profile,
            spread=spread,
            f_min=f_min,
            rounding=rounding,
            seed=seed,
            enforce_s_max=enforce_s_max,
            **params,
        )
    )
