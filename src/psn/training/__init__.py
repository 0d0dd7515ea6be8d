"""The batched training engine (K masked MLPs per process), its checkpoints, and dynamic sparse
training on it: the drop-and-grow updater (``psn.training.dst``) and its methods, RigL
(``psn.training.rigl``) and SET (``psn.training.set``), registered by name; and the same updater
on anyone's ``nn.Module`` (``psn.training.module``: ``sparsify``, ``DynamicSparsity``)."""

from psn.training import rigl as _rigl  # noqa: F401  (registers "rigl")
from psn.training import set as _set  # noqa: F401  (registers "set")
from psn.training.checkpoint import load_checkpoint, save_checkpoint
from psn.training.dst import (
    METHODS,
    SCHEDULES,
    ConstantSchedule,
    CosineSchedule,
    DropAndGrow,
    DSTSettings,
    EpochSchedule,
    make_method,
    register_method,
)
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
from psn.training.module import DynamicSparsity, sparsify
from psn.training.rigl import RigL
from psn.training.set import SET

__all__ = [
    "ADAM_BETAS", "ADAM_EPS", "LR", "METHODS", "PRECISIONS", "SCHEDULES", "SET", "ConstantSchedule",
    "CosineSchedule", "DSTSettings",
    "DropAndGrow", "DynamicSparsity", "EpochSchedule", "RigL", "TrainState", "epoch_order", "evaluate",
    "load_checkpoint", "make_method", "measure_gradient_ratio", "pick_device", "register_method",
    "save_checkpoint", "sparsify", "train_group", "train_step",
]
