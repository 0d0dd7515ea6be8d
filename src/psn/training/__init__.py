"""The batched training engine (K masked MLPs per process) and its checkpoints."""

from psn.training.checkpoint import load_checkpoint, save_checkpoint
from psn.training.engine import (
    ADAM_BETAS,
    ADAM_EPS,
    LR,
    PRECISIONS,
    TrainState,
    epoch_order,
    evaluate,
    measure_gradient_ratio,
    pick_device,
    train_group,
    train_step,
)

__all__ = [
    "ADAM_BETAS", "ADAM_EPS", "LR", "PRECISIONS", "TrainState", "epoch_order", "evaluate",
    "load_checkpoint", "measure_gradient_ratio", "pick_device", "save_checkpoint", "train_group",
    "train_step",
]
