"""Per-layer density budgets for RigL (ERK, uniform) and unstructured random masks.

Convention (the paper leaves open whether the dense output layer counts in the budget):
``layer_shapes`` lists every linear layer as (n_in, n_out), input to output. With ``dense_output=True`` (default)
the last layer stays dense. ``include_dense_output=False`` (default) measures the target
sparsity over the masked layers only, as the paper reports realised sparsity "in hidden
layers" (§2.9); ``True`` measures it over all layers, so the dense output's weights are paid
for by the masked ones.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from psn.masks.seeding import STREAM_PROFILE, rng_for


def _budget(layer_shapes, sparsity, dense_output, include_dense_output):
    """(params per layer, forced-dense flags, number of nonzeros the layers may hold)."""
    shapes = [(int(a), int(b)) for a, b in layer_shapes]
    if not shapes:
        raise ValueError("layer_shapes is empty")
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity={sparsity} must lie in [0, 1)")
    sizes = np.array([a * b for a, b in shapes], dtype=np.float64)
    dense = np.zeros(len(shapes), dtype=bool)
    counted = np.ones(len(shapes), dtype=bool)
    if dense_output:
        dense[-1] = True
        counted[-1] = include_dense_output
    if dense.all():
        raise ValueError("no layer left to sparsify (a single layer with dense_output=True)")
    budget = (1.0 - sparsity) * sizes[counted].sum()  # nonzeros allowed in counted layers
    return shapes, sizes, dense, counted, budget


def erk_densities(
    layer_shapes: Sequence[tuple[int, int]],
    sparsity: float,
    *,
    dense_output: bool = True,
    include_dense_output: bool = False,
    power_scale: float = 1.0,
) -> np.ndarray:
    """Erdős–Rényi-Kernel densities, one per layer (the dense output gets 1.0).

    Density_l = ε·((n_in+n_out)/(n_in·n_out))^power_scale, with ε solving
    Σ_sparse ε·r_l·N_l = budget − Σ_dense,counted N_l; a layer whose density would exceed 1 is
    made dense and ε re-solved for the rest (iterated until none exceeds 1).
    """
    shapes, sizes, dense, counted, budget = _budget(layer_shapes, sparsity, dense_output, include_dense_output)
    r = np.array([((a + b) / (a * b)) ** power_scale for a, b in shapes])
    while True:
        free = budget - sizes[dense & counted].sum()
        sparse = ~dense
        if free < 0:
            raise ValueError(
                f"sparsity={sparsity} leaves {budget:.0f} weights, fewer than the dense layers need"
            )
        eps = free / (r[sparse] * sizes[sparse]).sum()
        d = np.where(dense, 1.0, eps * r)
        over = sparse & (d > 1.0)
        if not over.any():
            return d
        dense |= over  # make the over-full layers dense and rescale the others


def uniform_densities(
    layer_shapes: Sequence[tuple[int, int]],
    sparsity: float,
    *,
    dense_output: bool = True,
    include_dense_output: bool = False,
) -> np.ndarray:
    """The same density for every masked layer, meeting the same budget as ``erk_densities``."""
    shapes, sizes, dense, counted, budget = _budget(layer_shapes, sparsity, dense_output, include_dense_output)
    free = budget - sizes[dense & counted].sum()
    d = free / sizes[~dense].sum()
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"sparsity={sparsity} cannot be met with uniform density (needs {d:.4g})")
    return np.where(dense, 1.0, d)


def erdos_renyi_array(
    n_in: int, n_out: int, density: float, *, rng: np.random.Generator, f_min: int = 0
) -> np.ndarray:
    """(n_out, n_in) bool array with exactly round(density·n_in·n_out) positions chosen
    uniformly over the whole matrix (fan-in ~ binomial), then every row below ``f_min`` topped
    up with random extra inputs (which can only add weights; realised sparsity is reported)."""
    total = n_in * n_out
    k = int(round(density * total))
    # The k smallest of `total` uniform keys: a linear-time partition instead of a permutation.
    keys = rng.random(total)
    if k == 0:
        flat = np.zeros(total, dtype=bool)
    else:
        flat = keys <= np.partition(keys, k - 1)[k - 1]
        if int(flat.sum()) != k:  # a float64 tie (probability ~1e-7): fall back to a sort
            flat = np.zeros(total, dtype=bool)
            flat[np.argsort(keys, kind="stable")[:k]] = True
    mask = flat.reshape(n_out, n_in)
    if f_min > 0:
        rows = np.nonzero(mask.sum(axis=1) < f_min)[0]
        if len(rows):
            keys = rng.random((len(rows), n_in))
            keys[mask[rows]] = 2.0  # existing inputs sort last
            order = np.argsort(keys, axis=1, kind="stable")
            need = f_min - mask[rows].sum(axis=1)
            rr, cc = np.nonzero(np.arange(n_in)[None, :] < need[:, None])
            mask[rows[rr], order[rr, cc]] = True  # the first `need` fresh inputs of each row
    return mask


def erdos_renyi_mask(n_in: int, n_out: int, density: float, *, seed=0, f_min: int = 0):
    """Unstructured random mask (torch bool, (n_out, n_in)) with an exact count of weights:
    what ERK/uniform RigL initialisation needs per layer. ``seed``: int, numpy or torch Generator."""
    import torch

    if not 0.0 <= density <= 1.0:
        raise ValueError(f"density={density} must lie in [0, 1]")
    return torch.from_numpy(erdos_renyi_array(n_in, n_out, density, rng=rng_for(seed, STREAM_PROFILE), f_min=f_min))


def density_masks(layer_shapes: Sequence[tuple[int, int]], densities: Sequence[float], *, seed=0) -> list:
    """One ``erdos_renyi_mask`` per layer (an int seed gives layer l the stream [seed, 1000 + l];
    a Generator is drawn from in layer order); density 1 → all True."""
    import torch

    shared = None if isinstance(seed, (int, np.integer)) else rng_for(seed, STREAM_PROFILE)
    out = []
    for i, ((a, b), d) in enumerate(zip(layer_shapes, densities)):
        if d >= 1.0:
            out.append(torch.ones(b, a, dtype=torch.bool))
            continue
        rng = shared if shared is not None else np.random.default_rng([int(seed), 1000 + i])
        out.append(torch.from_numpy(erdos_renyi_array(a, b, d, rng=rng)))
    return out
