"""SET (Mocanu et al. 2018, "Scalable training of artificial neural networks with adaptive
sparse connectivity"): drop by magnitude, grow uniformly at random among the positions that may
grow, on ``psn.training.dst``'s updater.

The random choice is the top k of a fresh uniform key per position, drawn from the model's own
generator (every model draws at every update, whatever its k), so K models in a batch get the
masks K single runs would. The schedule is the settings': ``CosineSchedule`` is the RigL paper's
SET (ΔT, α₀, T_end as RigL); ``EpochSchedule`` is Mocanu's (ζ = 0.3 after every epoch, for the
whole run). Mocanu drops the smallest positive and the largest negative weights, ζ of each sign;
here the drop is by magnitude over both signs, as the RigL paper's SET.
"""

from __future__ import annotations

import torch

from psn.training.drop_grow import LayerUpdate
from psn.training.dst import DropAndGrow, register_method


@register_method("set")
class SET(DropAndGrow):
    GROW_SCORES = ("random",)

    def grow_score(self, layer: LayerUpdate) -> torch.Tensor:
        if layer.generators is None:
            raise ValueError("SET grows at random and needs one generator per model")
        n_models, n = layer.old.shape
        return torch.stack([torch.rand(n, generator=g, device=layer.old.device)
                            for g in layer.generators[:n_models]])
