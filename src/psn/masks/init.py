"""Weight-initialisation scales implied by a mask (§2.5). Pure functions of the mask.

Eq. 9 (the paper's choice): one std per layer, σ_w² = 2/E[f] = 2/((1 − s_actual)·n).
Per-neuron alternative (the ablation): σ_i² = 2/f_i. ``variance_scale`` 2 is He (ReLU), 1 Xavier.
"""

from __future__ import annotations

import numpy as np

from psn.masks.stats import as_bool_array

INIT_MODES = ("mean_fanin", "per_neuron")


def he_std_mean_fanin(mask, variance_scale: float = 2.0) -> float:
    """Eq. 9: sqrt(scale / E[f]), E[f] = nnz/n_out = (1 − s_actual)·n_in. Raises on an empty mask."""
    m = as_bool_array(mask)
    mean_f = m.sum() / m.shape[0]
    if mean_f <= 0:
        raise ValueError("mask has no active weight: the mean fan-in is 0")
    return float(np.sqrt(variance_scale / mean_f))


def he_std_per_neuron(mask, variance_scale: float = 2.0) -> np.ndarray:
    """sqrt(scale / f_i) per output neuron (length n_out); 0 for a neuron with no inputs,
    which owns no active weight to initialise."""
    f = as_bool_array(mask).sum(axis=1).astype(np.float64)
    out = np.zeros_like(f)
    np.divide(variance_scale, f, out=out, where=f > 0)
    return np.sqrt(out)


def init_std(mask, mode: str = "mean_fanin", variance_scale: float = 2.0) -> np.ndarray:
    """Per-neuron std vector (length n_out) for either mode, so a model can use one code path."""
    if mode == "mean_fanin":
        return np.full(as_bool_array(mask).shape[0], he_std_mean_fanin(mask, variance_scale))
    if mode == "per_neuron":
        return he_std_per_neuron(mask, variance_scale)
    raise ValueError(f"init mode must be one of {INIT_MODES}, got {mode!r}")
