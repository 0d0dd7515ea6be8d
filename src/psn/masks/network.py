"""Masks for every masked layer of an MLP, for one model seed.

Each layer draws from its own stream, ``SeedSequence([seed, layer])``, so adding a layer or a
seed never changes the masks of the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def layer_seed(seed: int, layer: int) -> int:
    """The mask seed of hidden layer ``layer`` (0-based) of the model with seed ``seed``."""
    return int(np.random.SeedSequence([seed, layer]).generate_state(1, dtype=np.uint32)[0])


def network_masks(
    layer_sizes: Sequence[int],
    sparsity: float,
    profile: str,
    *,
    seed: int,
    spread: str = "even",
    f_min: int = 1,
    rounding: str = "ceil",
    **params,
) -> list[torch.Tensor]:
    """Boolean masks (n_out, n_in) for the layers ``layer_sizes[l] -> layer_sizes[l + 1]``.

    ``layer_sizes`` lists the input width and the hidden widths: the masked layers only (the
    dense output layer has no mask).
    """
    from psn.masks.build import make_mask

    return [
        make_mask(n_in, n_out, sparsity, profile, spread=spread, f_min=f_min,
                  rounding=rounding, seed=layer_seed(seed, layer), **params)
        for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]))
    ]


def network_stats_table(masks_by_seed: dict[int, list[torch.Tensor]], *, arch: str, condition: str,
                        spread: str, target_sparsity: float):
    """A pandas DataFrame, one row per (seed, layer) in the order given: the labels, seed,
    layer, then ``mask_stats`` of that mask."""
    import pandas as pd

    from psn.masks.stats import mask_stats

    labels = {"arch": arch, "condition": condition, "spread": spread, "target_sparsity": target_sparsity}
    return pd.DataFrame([{**labels, "seed": seed, "layer": layer, **mask_stats(mask)}
                         for seed, masks in masks_by_seed.items() for layer, mask in enumerate(masks)])


def save_network_masks(path, masks_by_seed: dict[int, list[torch.Tensor]], meta: dict) -> None:
    """Store the masks of several seeds in one artifact; a mask identical to one already stored
    (deterministic profiles with even spreading give every seed the same mask) is stored once
    and referenced, so an artifact of five seeds costs one seed's bytes."""
    from psn.masks.io import save_masks

    stored: dict[str, torch.Tensor] = {}
    alias: dict[str, str] = {}
    for seed in sorted(masks_by_seed):
        for layer, mask in enumerate(masks_by_seed[seed]):
            key = f"seed{seed}/layer{layer}"
            same = next((k for k, m in stored.items()
                         if k.endswith(f"/layer{layer}") and torch.equal(m, mask)), None)
            if same is None:
                stored[key] = mask
            else:
                alias[key] = same
    full_meta = dict(meta, seeds=sorted(masks_by_seed),
                     n_layers=len(next(iter(masks_by_seed.values()))), alias=alias)
    save_masks(path, stored, full_meta)


def load_network_masks(path, seed: int) -> list[torch.Tensor]:
    """The masks of one seed from an artifact written by ``save_network_masks``."""
    return load_seeds_masks(path, [seed])[0]


def load_seeds_masks(path, seeds) -> list[list[torch.Tensor]]:
    """The masks of several seeds, reading and unpacking the artifact once."""
    from psn.masks.io import load_masks

    stored, meta = load_masks(path)
    out = []
    for seed in seeds:
        if seed not in meta["seeds"]:
            raise KeyError(f"{path} holds no masks for seed {seed} (it has {meta['seeds']})")
        layers = []
        for layer in range(meta["n_layers"]):
            key = f"seed{seed}/layer{layer}"
            key = meta["alias"].get(key, key)
            layers.append(torch.from_numpy(np.asarray(stored[key], dtype=bool)))
        out.append(layers)
    return out
