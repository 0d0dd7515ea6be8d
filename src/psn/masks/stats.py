"""Target-free statistics of a mask: what it realises, whatever was asked for."""

from __future__ import annotations

import math

import numpy as np
import torch


def as_bool_array(mask) -> np.ndarray:
    """A numpy bool (n_out, n_in) view of a torch or numpy mask."""
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a mask is 2-D (n_out, n_in), got shape {mask.shape}")
    return mask.astype(bool, copy=False)


def ccv_bound(density: float) -> float:
    """The largest fan-in CCV a layer of density d can have: fan-ins all 0 or n_in, a fraction d
    of them n_in, gives std/mean = √(d(1−d))/d = √(1/d − 1)."""
    return math.sqrt(1.0 / density - 1.0) if 0.0 < density < 1.0 else 0.0


def fan_in_stats(fan_in: torch.Tensor, n_in: int) -> dict[str, torch.Tensor]:
    """Float64 statistics over the last dim of fan-in counts (..., n_out) of layers with ``n_in``
    inputs, leading dims (e.g. K models) kept: ``n_active``, ``density``, ``sparsity``, ``mean``,
    ``std`` (population, ddof=0) and ``cv`` = std/mean, the paper's CCV (0 where the mean is 0).

    torch's std of a (K, n) tensor along dim 1 and of one (n,) vector may differ in the last bit;
    callers pass the shape they reduce over.
    """
    f = fan_in.detach().to(torch.float64)
    n_active = f.sum(-1)
    density = n_active / (f.shape[-1] * n_in)
    mean = f.mean(-1)
    std = f.std(-1, correction=0)
    cv = torch.where(mean > 0, std / mean, torch.zeros_like(std))
    return {"n_active": n_active, "density": density, "sparsity": 1.0 - density, "mean": mean,
            "std": std, "cv": cv}


def mask_stats(mask) -> dict:
    """Realised density/sparsity, fan-in (row) and fan-out (column) statistics, dead units.

    Means, stds and cv (the paper's CCV) as in ``fan_in_stats``; fan-out is the fan-in of the
    transposed mask. ``dead_inputs``: inputs with fan-out 0; ``dead_neurons``: outputs with
    fan-in 0.
    """
    m = torch.from_numpy(as_bool_array(mask).copy())  # copy: read-only or reversed views are fine
    n_out, n_in = m.shape
    fin, fout = m.sum(dim=1), m.sum(dim=0)
    rows, cols = fan_in_stats(fin, n_in), fan_in_stats(fout, n_out)
    density = float(rows["density"])
    return {
        "n_out": n_out,
        "n_in": n_in,
        "n_active": int(fin.sum()),
        "density": density,
        "sparsity": 1.0 - density,
        "fanin_mean": float(rows["mean"]),
        "fanin_std": float(rows["std"]),
        "fanin_cv": float(rows["cv"]),
        "fanin_min": int(fin.min()),
        "fanin_max": int(fin.max()),
        "fanout_mean": float(cols["mean"]),
        "fanout_std": float(cols["std"]),
        "fanout_min": int(fout.min()),
        "fanout_max": int(fout.max()),
        "dead_inputs": int((fout == 0).sum()),
        "dead_neurons": int((fin == 0).sum()),
    }
