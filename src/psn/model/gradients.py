"""Gradient ratio (§2.9): mean |dL/dW| of hub neurons over that of specialist neurons.

Neurons (rows) of a layer are ranked by fan-in, descending; the top floor(m/2) are hubs, the
bottom floor(m/2) specialists (the middle neuron is left out when m is odd). Ties in fan-in,
at the median or anywhere, are broken by neuron index (lower index ranks higher; a stable
sort), so a layer of uniform fan-in still splits into two halves of m/2 neurons: with a random
mask the index carries no information and the ratio is ~1. Excluding the tied neurons instead
would leave an empty group (no ratio) whenever fan-in is uniform.

Two readings of "mean |dW|" (the paper does not say which), both over *active* connections only:
- ``per_connection``: sum |g| over the group's active connections / their number;
- ``per_neuron``: mean over the group's neurons of the row sum of |g| over active inputs.
They differ by (about) the hub/specialist fan-in ratio.

Pure functions of tensors: ``grad`` (..., out, in) dense gradient, ``mask`` bool, same shape or
None (dense). Leading dimensions (e.g. K models) are kept.
"""

from __future__ import annotations

import torch

READINGS = ("per_connection", "per_neuron")


def hub_specialist_split(fan_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Row indices (..., m//2) of hubs (highest fan-in) and specialists (lowest fan-in)."""
    m = fan_in.shape[-1]
    half = m // 2
    if half == 0:
        raise ValueError("a layer needs at least two neurons to split")
    order = torch.argsort(-fan_in.to(torch.float64), dim=-1, stable=True)
    return order[..., :half], order[..., m - half :]


def gradient_ratio(grad: torch.Tensor, mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """{"per_connection": (...), "per_neuron": (...)} hub/specialist ratios of mean |grad|."""
    g = grad.detach().abs().to(torch.float64)
    if mask is None:
        mask = torch.ones(g.shape, dtype=torch.bool, device=g.device)
    g = g * mask
    row_sum = g.sum(dim=-1)  # (..., out)
    fan_in = mask.sum(dim=-1).to(torch.float64)
    hub, spec = hub_specialist_split(fan_in)
    s_h, s_s = row_sum.gather(-1, hub), row_sum.gather(-1, spec)
    f_h, f_s = fan_in.gather(-1, hub), fan_in.gather(-1, spec)
    per_connection = (s_h.sum(-1) / f_h.sum(-1)) / (s_s.sum(-1) / f_s.sum(-1))
    per_neuron = s_h.mean(-1) / s_s.mean(-1)
    return {"per_connection": per_connection, "per_neuron": per_neuron}
