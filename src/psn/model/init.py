"""Weight initialisation of the batched masked MLP (Eq. 9) and per-purpose seed derivation.

Every model draws from its own ``torch.Generator`` seeded by ``derive_seed(seed, "init", layer)``,
on the CPU, so a model's initial weights are identical whether it is trained alone or as one of
K models in a group, and on any device.

The dense N(0, 1) matrix is drawn first and then scaled and multiplied by the mask: the value at
a position depends on the mask only through the scale (and is zeroed where the mask is off),
not on where the other connections sit.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import torch

INITS = ("mean_fan_in", "per_neuron", "dense_fan_in", "torch_default")
# Readings of the init scale (NOTES "Init scale"): Eq. 9 as written (mean_fan_in), He with the
# dense fan-in then masked (dense_fan_in), and PyTorch's default nn.Linear init then masked
# (torch_default: weights and biases U(-1/sqrt(n_in), 1/sqrt(n_in)), on every layer).
TORCH_DEFAULT = "torch_default"
# The library's default, as the pipeline's (config.yaml ``training.init``): every function here,
# ``BatchedMLP``, ``TrainSettings`` and ``psn.training.module`` take it from this one name.
DEFAULT_INIT = TORCH_DEFAULT


def derive_seed(seed: int, purpose: str, *keys: int) -> int:
    """A 63-bit seed for one purpose ("init", "data", ...) of one run, independent across purposes.

    numpy's SeedSequence mixes (seed, crc32(purpose), *keys) into well-separated streams, so
    (42, "data", epoch 3) and (42, "init", layer 3) never share a stream.
    """
    entropy = [int(seed), zlib.crc32(purpose.encode()), *(int(k) for k in keys)]
    state = np.random.SeedSequence(entropy).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def _std_mean_fan_in(mask: torch.Tensor | None, n_in: int) -> float:
    # Eq. 9: sigma_w^2 = 2 / ((1 - s_actual) n_in) = 2 / mean fan-in
    if mask is None:
        return (2.0 / n_in) ** 0.5
    density = mask.float().mean().item()
    return (2.0 / max(density * n_in, 1e-12)) ** 0.5


def _std_per_neuron(mask: torch.Tensor | None, n_in: int) -> torch.Tensor | float:
    # ablation (§2.5): sigma_i^2 = 2 / f_i; a row with no inputs (all masked) counts as f_i = 1
    if mask is None:
        return (2.0 / n_in) ** 0.5
    fan_in = mask.sum(dim=1, keepdim=True).clamp(min=1).float()
    return (2.0 / fan_in).sqrt()


def _std_dense_fan_in(mask: torch.Tensor | None, n_in: int) -> float:
    # He with the layer's dense fan-in, sigma^2 = 2 / n_in, whatever the mask leaves
    return (2.0 / n_in) ** 0.5


def _std_torch_default(mask: torch.Tensor | None, n_in: int) -> float:
    # the std of U(-1/sqrt(n_in), 1/sqrt(n_in)): nn.Linear's kaiming_uniform_(a=sqrt(5))
    return (1.0 / (3.0 * n_in)) ** 0.5


_STD: dict[str, Callable[[torch.Tensor | None, int], torch.Tensor | float]] = {
    "mean_fan_in": _std_mean_fan_in,
    "per_neuron": _std_per_neuron,
    "dense_fan_in": _std_dense_fan_in,
    TORCH_DEFAULT: _std_torch_default,
}


def init_std(mask: torch.Tensor | None, n_in: int, init: str = DEFAULT_INIT) -> torch.Tensor | float:
    """Init std of a layer with ``n_in`` inputs and bool mask (out, in) (None: dense).

    ``"mean_fan_in"`` (Eq. 9, the paper's): one float, sqrt(2 / mean fan-in);
    ``"per_neuron"`` (the §2.5 ablation): an (out, 1) float32 column, sqrt(2 / f_i) per row
    (a dense layer gets sqrt(2 / n_in) either way); ``"torch_default"`` (the default): the std of
    U(-1/sqrt(n_in), 1/sqrt(n_in)), sqrt(1 / (3 n_in)).
    """
    if init not in _STD:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
    return _STD[init](mask, n_in)


def init_weight(
    n_out: int, n_in: int, mask: torch.Tensor | None, seed: int, layer: int, init: str = DEFAULT_INIT
) -> torch.Tensor:
    """Weight (n_out, n_in) of one model's layer: N(0, std^2) drawn dense (U(-b, b) with
    b = 1/sqrt(n_in) for ``torch_default``), then zeroed off the mask."""
    gen = torch.Generator(device="cpu").manual_seed(derive_seed(seed, "init", layer))
    if init == TORCH_DEFAULT:
        bound = 1.0 / n_in ** 0.5
        w = torch.rand(n_out, n_in, generator=gen, dtype=torch.float32) * (2 * bound) - bound
    else:
        w = torch.randn(n_out, n_in, generator=gen, dtype=torch.float32) * init_std(mask, n_in, init)
    if mask is not None:
        w = w * mask.to(torch.float32)
    return w


def init_bias(n_out: int, n_in: int, seed: int, layer: int, init: str = DEFAULT_INIT) -> torch.Tensor:
    """Bias (n_out,) of one model's layer: zero (the paper's protocol), or nn.Linear's default
    U(-1/sqrt(n_in), 1/sqrt(n_in)) for ``torch_default``."""
    if init != TORCH_DEFAULT:
        return torch.zeros(n_out, dtype=torch.float32)
    gen = torch.Generator(device="cpu").manual_seed(derive_seed(seed, "init_bias", layer))
    bound = 1.0 / n_in ** 0.5
    return torch.rand(n_out, generator=gen, dtype=torch.float32) * (2 * bound) - bound


def init_biases(layer_sizes: list[int], seeds: list[int], init: str = DEFAULT_INIT) -> list[torch.Tensor]:
    """Stacked biases (K, out) per layer (every layer, the output's too)."""
    return [torch.stack([init_bias(n_out, n_in, s, layer, init) for s in seeds])
            for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]))]


def init_group(
    layer_sizes: list[int],
    masks: list[torch.Tensor | None],
    seeds: list[int],
    init: str = DEFAULT_INIT,
) -> list[torch.Tensor]:
    """Stacked weights (K, out, in) per layer. ``masks[l]`` is a bool (K, out, in) or None (dense);
    layers past the end of ``masks`` (the output layer) are dense with std sqrt(2 / n_in), or
    nn.Linear's default for ``torch_default``, which applies to every layer."""
    out = []
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        mask = masks[layer] if layer < len(masks) else None
        how = init if mask is not None or init == TORCH_DEFAULT else "mean_fan_in"
        out.append(
            torch.stack(
                [
                    init_weight(n_out, n_in, None if mask is None else mask[k].cpu(), s, layer, how)
                    for k, s in enumerate(seeds)
                ]
            )
        )
    return out
