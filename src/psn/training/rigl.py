"""RigL (Evci et al. 2020): drop by magnitude, grow by the dense gradient |∂L/∂(M⊙W)| of this
step's batch (§2.8 of the PSN paper), on ``psn.training.dst``'s updater.

``grow="masked_gradient"`` scores |g ⊙ M_old| instead: the gradient a port built on a mask
parametrisation (``torch.nn.utils.prune``'s ``weight_orig``) holds. It is zero at every position
inactive before the update, so:

- with ``grow_from="not_kept"`` every just-dropped position outscores every inactive one and
  the update regrows exactly what it dropped: the mask never changes;
- with ``grow_from="inactive"`` every candidate scores 0 and growth falls to the tie policy
  (``ties="native"``: ``torch.topk``'s own order, the failure mode of such ports).

``grow="kept_gradient"`` scores |g ⊙ M_kept|, the gradient masked by the mask after the drop (a
port that reapplies the mask before scoring): zero at every position not kept, so with
``grow_from="not_kept"`` growth falls to the tie policy over the dropped and the inactive alike.
"""

from __future__ import annotations

import torch

from psn.training.drop_grow import LayerUpdate
from psn.training.dst import DropAndGrow, register_method


@register_method("rigl")
class RigL(DropAndGrow):
    """The engine callback ``train_group(..., callback=RigL(settings), return_state=True)``; model
    j's records afterwards: ``RigL.model_history(state.extra, j)`` (``DropAndGrow``'s)."""

    GROW_SCORES = ("dense_gradient", "masked_gradient", "kept_gradient")

    def grow_score(self, layer: LayerUpdate) -> torch.Tensor:
        if layer.grad is None:
            raise ValueError("RigL grows by the gradient, and this step has none")
        if self.grow == "masked_gradient":
            return (layer.grad * layer.old).abs()
        if self.grow == "kept_gradient":
            return (layer.grad * layer.kept).abs()
        return layer.grad.abs()
