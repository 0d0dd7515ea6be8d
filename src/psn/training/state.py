"""What a training step's callback sees and may change: ``TrainState`` over the batched model,
its optimizer and the run's step counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from psn.model.mlp import BatchedMLP

Callback = Callable[["TrainState", int], None]


class TrainState:
    """What a callback sees and may change, on every step after backward and before Adam.

    ``weight(l)`` the (K, out, in) parameter; ``grad(l)`` its dense dL/dW for this step's batch;
    ``mask(l)`` bool (K, out, in) or None; ``adam_state(l)`` (m, v) or None before the first
    step; ``replace_mask(l, new)`` swaps a mask keeping exactness; set ``skip_optimizer_step``
    to True to skip Adam on this step (RigL's update steps). ``extra`` is a dict the callback may
    fill with its own state (tensors, numbers, lists): it is saved in checkpoints and restored.
    """

    def __init__(self, model: BatchedMLP, optimizer: torch.optim.Optimizer, seeds: Sequence[int],
                 steps_per_epoch: int, epochs: int) -> None:
        self.model = model
        self.optimizer = optimizer
        self.seeds = list(seeds)
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = steps_per_epoch * epochs
        self.epoch = 0
        self.step = 0
        self.loss: torch.Tensor | None = None  # (K,) this step's per-model losses
        self.skip_optimizer_step = False
        self.extra: dict[str, Any] = {}

    @property
    def k(self) -> int:
        return self.model.k

    @property
    def n_hidden(self) -> int:
        return self.model.n_hidden

    def weight(self, layer: int) -> torch.Tensor:
        return self.model.weights[layer]

    def grad(self, layer: int) -> torch.Tensor | None:
        return self.model.weights[layer].grad

    def mask(self, layer: int) -> torch.Tensor | None:
        return self.model.masks[layer]

    def fan_in(self, layer: int) -> torch.Tensor:
        return self.model.fan_in(layer)

    def adam_state(self, layer: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        st = self.optimizer.state.get(self.model.weights[layer])
        if not st:
            return None
        return st["exp_avg"], st["exp_avg_sq"]

    @torch.no_grad()
    def replace_mask(self, layer: int, new_mask: torch.Tensor, model: int | None = None) -> None:
        """Install ``new_mask`` on hidden layer ``layer``: bool (K, out, in), or (out, in) for one
        ``model``. Weights leaving the mask are zeroed; grown weights start at zero (they are
        zero already); Adam m and v of every position that changed are reset to zero."""
        if not 0 <= layer < self.n_hidden:
            raise ValueError(f"layer {layer} is not a hidden layer (0..{self.n_hidden - 1})")
        w = self.model.weights[layer]
        old = self.model.masks[layer]
        if old is None:
            old = torch.ones(w.shape, dtype=torch.bool, device=w.device)
        new_mask = new_mask.to(device=w.device, dtype=torch.bool)
        full = old.clone()
        if model is None:
            if new_mask.shape != w.shape:
                raise ValueError(f"mask shape {tuple(new_mask.shape)} != weight {tuple(w.shape)}")
            full = new_mask.clone()
        else:
            if new_mask.shape != w.shape[1:]:
                raise ValueError(f"mask shape {tuple(new_mask.shape)} != {tuple(w.shape[1:])}")
            full[model] = new_mask
        changed = old ^ full
        w.masked_fill_(~full, 0.0)
        adam = self.adam_state(layer)
        if adam is not None:
            for t in adam:
                t.masked_fill_(changed, 0.0)
        self.model.set_mask(layer, full)

    @torch.no_grad()
    def check_invariants(self) -> None:
        """Assert exactness: weights and Adam m, v are zero wherever the mask is off."""
        for layer in range(self.n_hidden):
            m = self.model.masks[layer]
            if m is None:
                continue
            off = ~m
            tensors = {"weight": self.model.weights[layer]}
            adam = self.adam_state(layer)
            if adam is not None:
                tensors.update(exp_avg=adam[0], exp_avg_sq=adam[1])
            for name, t in tensors.items():
                bad = int((t.masked_select(off) != 0).sum())
                if bad:
                    raise AssertionError(f"layer {layer}: {bad} masked {name} entries are non-zero")
