"""Target-free statistics of a mask: what it realises, whatever was asked for."""

from __future__ import annotations

import numpy as np


def as_bool_array(mask) -> np.ndarray:
    """A numpy bool (n_out, n_in) view of a torch or numpy mask."""
    if hasattr(mask, "detach"):  # torch.Tensor, without importing torch
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a mask is 2-D (n_out, n_in), got shape {mask.shape}")
    return mask.astype(bool, copy=False)


def mask_stats(mask) -> dict:
    """Realised density/sparsity, fan-in (row) and fan-out (column) statistics, dead units.

    std is the population std (ddof=0) and cv = std/mean, the paper's CCV. ``dead_inputs``:
    inputs with fan-out 0; ``dead_neurons``: outputs with fan-in 0.
    """
    m = as_bool_array(mask)
    n_out, n_in = m.shape
    fin = m.sum(axis=1, dtype=np.int64)
    fout = m.sum(axis=0, dtype=np.int64)
    nnz = int(fin.sum())
    density = nnz / m.size
    fin_mean = float(fin.mean())
    return {
        "n_out": n_out,
        "n_in": n_in,
        "n_active": nnz,
        "density": density,
        "sparsity": 1.0 - density,
        "fanin_mean": fin_mean,
        "fanin_std": float(fin.std()),
        "fanin_cv": float(fin.std() / fin_mean) if fin_mean > 0 else 0.0,
        "fanin_min": int(fin.min()),
        "fanin_max": int(fin.max()),
        "fanout_mean": float(fout.mean()),
        "fanout_std": float(fout.std()),
        "fanout_min": int(fout.min()),
        "fanout_max": int(fout.max()),
        "dead_inputs": int((fout == 0).sum()),
        "dead_neurons": int((fin == 0).sum()),
    }
