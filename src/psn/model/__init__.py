"""Batched masked MLPs (K models as stacked weights), their initialisation (Eq. 9) and the
hub/specialist gradient ratio of their layers (§2.9)."""

from psn.model.gradients import READINGS, gradient_ratio, hub_specialist_split
from psn.model.init import INITS, derive_seed, init_group, init_std, init_weight
from psn.model.mlp import LN_EPS, BatchedMLP, stack_masks

__all__ = [
    "INITS", "LN_EPS", "READINGS", "BatchedMLP", "derive_seed", "gradient_ratio",
    "hub_specialist_split", "init_group", "init_std", "init_weight", "stack_masks",
]
