"""Starting masks for RigL (§2.8, §3.3): ERK, uniform, lognormal at a target CCV, and the
static random baseline trained without updates as the reference.

``layer_sizes`` lists the input width, the hidden widths and the classes; the hidden layers are
masked, the output layer is dense. Layer l of the model with seed s draws from
``layer_seed(s, l)``, as the masks stage does, so a start never depends on the other layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from psn.masks.build import make_mask
from psn.masks.erk import erdos_renyi_mask, erk_densities, uniform_densities
from psn.masks.network import layer_seed
from psn.masks.profiles import random_baseline_profile

STARTS = ("erk", "uniform", "lognormal", "static")


def start_densities(layer_sizes: Sequence[int], sparsity: float, start: str, *,
                    dense_output_in_budget: bool = False) -> list[float]:
    """Per hidden layer density of an ERK or uniform start (the dense output outside the budget
    unless ``dense_output_in_budget``)."""
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    fn = {"erk": erk_densities, "uniform": uniform_densities}[start]
    d = fn(shapes, sparsity, dense_output=True, include_dense_output=dense_output_in_budget)
    return [float(x) for x in d[:-1]]


def start_masks(layer_sizes: Sequence[int], sparsity: float, start: str, *, seed: int,
                ccv: float | Sequence[float] | None = None, f_min: int = 1, rounding: str = "ceil",
                random_baseline: str = "uniform", enforce_s_max: bool = True,
                dense_output_in_budget: bool = False) -> list[torch.Tensor]:
    """Bool masks (n_out, n_in), one per hidden layer, of one model.

    - ``erk`` / ``uniform``: an Erdős–Rényi mask per layer at its budgeted density (exact count,
      binomial fan-in);
    - ``lognormal``: the masks stage's lognormal fan-in at ``ccv`` (one value, or one per hidden
      layer), random spreading; a target ≤ 0 gives CCV 0, constant fan-in;
    - ``static``: the static experiments' random baseline (``random_baseline`` reading).
    """
    if start not in STARTS:
        raise ValueError(f"unknown RigL start {start!r}; choose one of {STARTS}")
    hidden = list(zip(layer_sizes[:-2], layer_sizes[1:-1]))
    if start in ("erk", "uniform"):
        dens = start_densities(layer_sizes, sparsity, start,
                               dense_output_in_budget=dense_output_in_budget)
        return [erdos_renyi_mask(n_in, n_out, d, seed=layer_seed(seed, layer))
                for layer, ((n_in, n_out), d) in enumerate(zip(hidden, dens))]
    common = dict(spread="random", f_min=f_min, rounding=rounding, enforce_s_max=enforce_s_max)
    if start == "static":
        profile = random_baseline_profile(random_baseline)
        return [make_mask(n_in, n_out, sparsity, profile, seed=layer_seed(seed, layer), **common)
                for layer, (n_in, n_out) in enumerate(hidden)]
    if ccv is None:
        raise ValueError("a lognormal start needs a target ccv")
    targets = [float(ccv)] * len(hidden) if isinstance(ccv, (int, float)) else [float(c) for c in ccv]
    if len(targets) != len(hidden):
        raise ValueError(f"need one ccv per hidden layer ({len(hidden)}), got {len(targets)}")
    return [
        make_mask(n_in, n_out, sparsity, "lognormal", ccv=c, seed=layer_seed(seed, layer), **common)
        if c > 0 else
        make_mask(n_in, n_out, sparsity, "uniform", seed=layer_seed(seed, layer), **common)
        for layer, ((n_in, n_out), c) in enumerate(zip(hidden, targets))
    ]
