"""K masked MLPs with the same layer sizes as stacked weights and batched matmuls.

Hidden layer: Linear -> LayerNorm (per-model gamma, beta; eps 1e-5) -> ReLU (§2.6); the output
layer is a dense Linear. Masks sit on hidden layers only. W is stored with exact zeros off the
mask, so the forward uses W directly and backward yields the *dense* gradient dL/dW (RigL's grow
score); the engine multiplies it by the mask before the optimizer step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from psn.model.init import DEFAULT_INIT, init_biases, init_group

LN_EPS = 1e-5


def stack_masks(
    masks: Sequence[Sequence[object] | None] | None, layer_sizes: Sequence[int], k: int
) -> list[torch.Tensor | None]:
    """Per-model masks ``masks[model][hidden_layer]`` (bool (out, in), numpy or torch; a model or
    a layer given as None is dense) -> per-layer bool (K, out, in), or None where every model is
    dense in that layer."""
    n_hidden = len(layer_sizes) - 2
    if masks is None:
        masks = [None] * k
    if len(masks) != k:
        raise ValueError(f"got masks for {len(masks)} models, expected {k}")
    for i, m in enumerate(masks):
        if m is not None and len(m) != n_hidden:
            raise ValueError(f"masks[{i}] holds {len(m)} layer mask(s) for the network's {n_hidden} hidden "
                             f"layers (layer_sizes {list(layer_sizes)})")
    out: list[torch.Tensor | None] = []
    for layer in range(n_hidden):
        shape = (layer_sizes[layer + 1], layer_sizes[layer])
        per_model = [None if m is None else m[layer] for m in masks]
        if all(m is None for m in per_model):
            out.append(None)
            continue
        stacked = []
        for m in per_model:
            t = torch.ones(shape, dtype=torch.bool) if m is None else torch.as_tensor(np.asarray(m))
            if tuple(t.shape) != shape:
                raise ValueError(f"mask of layer {layer} has shape {tuple(t.shape)}, expected {shape}")
            stacked.append(t.to(torch.bool))
        out.append(torch.stack(stacked))
    return out


def flops_per_model_step(sizes: list[int], batch: int) -> float:
    """Matmul FLOPs one model-step runs: forward and dW, 2*B*n_in*n_out each, on every layer, and
    dX on every layer but the first (the input needs no gradient, so none is computed)."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = dw = sum(2 * batch * a * b for a, b in pairs)
    dx = sum(2 * batch * a * b for a, b in pairs[1:])
    return float(forward + dw + dx)


class _BatchedLinear(torch.autograd.Function):
    """z = h W^T + b over K models. Backward writes dL/dW = dz^T h straight into the persistent
    buffer ``w.grad`` (K, out, in) and returns None for W, so autograd neither allocates a fresh
    K*out*in gradient each step nor copies it: on CPU, page faults on a fresh output slowed the
    dW matmul by ~40%, and autograd's own baddbmm backward produced dW^T plus a transposing copy.
    The buffer is overwritten, not accumulated: each W is used once per graph."""

    @staticmethod
    def forward(ctx, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(h, w)
        ctx.weight = w  # the parameter itself, whose .grad buffer receives dW
        ctx.b_dtype = b.dtype
        return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))

    @staticmethod
    def backward(ctx, dz: torch.Tensor):  # type: ignore[override]
        h, w = ctx.saved_tensors
        dt = dz.dtype  # bf16 under autocast: run the backward matmuls in it too
        dh = torch.bmm(dz, w.to(dt)).to(h.dtype) if ctx.needs_input_grad[0] else None
        buf = ctx.weight.grad
        if buf is None or buf.shape != w.shape:
            buf = ctx.weight.grad = torch.empty_like(w)
        if dt == buf.dtype:
            torch.bmm(dz.transpose(1, 2), h, out=buf)
        else:
            buf.copy_(torch.bmm(dz.transpose(1, 2), h.to(dt)))
        db = dz.sum(dim=1).to(ctx.b_dtype)
        return dh, None, db


class BatchedMLP(nn.Module):
    """K independent MLPs. ``weights[l]`` (K, out, in), ``biases[l]`` (K, out); ``ln_weight[l]``,
    ``ln_bias[l]`` (K, out) for hidden layers; ``masks[l]`` bool (K, out, in) or None (dense)."""

    def __init__(
        self,
        layer_sizes: Sequence[int],
        masks: list[torch.Tensor | None],
        seeds: Sequence[int],
        init: str = DEFAULT_INIT,
    ) -> None:
        super().__init__()
        self.layer_sizes = [int(n) for n in layer_sizes]
        self.k = len(seeds)
        self.n_hidden = len(self.layer_sizes) - 2
        if len(masks) != self.n_hidden:
            raise ValueError(f"need one mask (or None) per hidden layer: {self.n_hidden}")
        ws = init_group(self.layer_sizes, masks, list(seeds), init)
        self.weights = nn.ParameterList([nn.Parameter(w) for w in ws])
        for w in self.weights:  # persistent dL/dW buffers, written by _BatchedLinear.backward
            w.grad = torch.zeros_like(w)
        self.biases = nn.ParameterList(
            [nn.Parameter(b) for b in init_biases(self.layer_sizes, list(seeds), init)]
        )
        self.ln_weight = nn.ParameterList(
            [nn.Parameter(torch.ones(self.k, n)) for n in self.layer_sizes[1:-1]]
        )
        self.ln_bias = nn.ParameterList(
            [nn.Parameter(torch.zeros(self.k, n)) for n in self.layer_sizes[1:-1]]
        )
        self.masks: list[torch.Tensor | None] = [None if m is None else m.clone() for m in masks]
        # float copies of the masks: multiplying a float gradient by a float mask is ~2.5x
        # faster on CPU than by a bool one
        self._mask_f: list[torch.Tensor | None] = [None] * self.n_hidden
        self._refresh_float_masks()

    def zero_grad_small(self) -> None:
        """Drop the gradients autograd accumulates (biases, LayerNorm); the weight-gradient
        buffers are overwritten by every backward and stay allocated."""
        for group in (self.biases, self.ln_weight, self.ln_bias):
            for p in group:
                p.grad = None

    def _refresh_float_masks(self) -> None:
        self._mask_f = [None if m is None else m.to(torch.float32) for m in self.masks]

    def to(self, device: torch.device | str) -> BatchedMLP:  # type: ignore[override]
        super().to(device)
        for w in self.weights:
            if w.grad is None or w.grad.device != w.device:
                w.grad = torch.zeros_like(w)
        self.masks = [None if m is None else m.to(device) for m in self.masks]
        self._refresh_float_masks()
        return self

    def set_mask(self, layer: int, mask: torch.Tensor | None) -> None:
        self.masks[layer] = mask
        self._mask_f[layer] = None if mask is None else mask.to(torch.float32)

    def mask_float(self, layer: int) -> torch.Tensor | None:
        return self._mask_f[layer]

    def fan_in(self, layer: int) -> torch.Tensor:
        """Fan-in (K, out) of hidden layer ``layer``."""
        m = self.masks[layer]
        if m is None:
            n_out, n_in = self.layer_sizes[layer + 1], self.layer_sizes[layer]
            dev = self.weights[layer].device
            return torch.full((self.k, n_out), n_in, dtype=torch.long, device=dev)
        return m.sum(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (K, B, d) -> logits (K, B, classes)."""
        h = x
        last = len(self.weights) - 1
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = _BatchedLinear.apply(h, w, b)
            if layer == last:
                return z
            z = F.layer_norm(z, (z.shape[-1],), eps=LN_EPS)
            z = torch.addcmul(self.ln_bias[layer].unsqueeze(1), z, self.ln_weight[layer].unsqueeze(1))
            h = torch.relu(z)
        raise AssertionError("unreachable")
