"""Batched masked MLPs (K models as stacked weights) and their initialisation (Eq. 9)."""

from psn.model.init import INITS, derive_seed, init_group, init_weight
from psn.model.mlp import LN_EPS, BatchedMLP, stack_masks

__all__ = ["INITS", "LN_EPS", "BatchedMLP", "derive_seed", "init_group", "init_weight", "stack_masks"]
