"""The batched training engine (K masked MLPs per process), its checkpoints, and dynamic sparse
training on it: the drop-and-grow updater (``psn.training.dst``, its schedules in
``psn.training.schedules`` and its per-layer update in ``psn.training.drop_grow``) and its
methods, RigL (``psn.training.rigl``) and SET (``psn.training.set``), registered by name; and the
same updater on anyone's ``nn.Module`` (``psn.training.module``: ``sparsify``, ``DynamicSparsity``).

The engine: ``train_group(data, layer_sizes, masks, seeds, TrainSettings(epochs=.., batch_size=..))``
(``psn.training.engine``), with its settings (``settings``), the state a step's callback sees
(``state``), its measurements and results (``metrics``) and its resumption (``resume``)."""

from psn.training import rigl as _rigl  # noqa: F401  (registers "rigl")
from psn.training import set as _set  # noqa: F401  (registers "set")
from psn.training.checkpoint import load_checkpoint, save_checkpoint
from psn.training.dst import DropAndGrow, DSTSettings, METHODS, make_method, register_method
from psn.training.engine import epoch_order, make_optimizer, train_group, train_epoch, train_step
from psn.training.metrics import evaluate, measure_gradient_ratio
from psn.training.module import DynamicSparsity, sparsify
from psn.training.rigl import RigL
from psn.training.schedules import SCHEDULES, ConstantSchedule, CosineSchedule, EpochSchedule
from psn.training.set import SET
from psn.training.settings import ADAM_BETAS, ADAM_EPS, LR, PRECISIONS, TrainSettings, pick_device
from psn.training.state import TrainState

__all__ = [
    "ADAM_BETAS", "ADAM_EPS", "LR", "METHODS", "PRECISIONS", "SCHEDULES", "SET", "ConstantSchedule",
    "CosineSchedule", "DSTSettings",
    "DropAndGrow", "DynamicSparsity", "EpochSchedule", "RigL", "TrainSettings", "TrainState",
    "epoch_order", "evaluate", "load_checkpoint", "make_method", "make_optimizer",
    "measure_gradient_ratio", "pick_device", "register_method", "save_checkpoint", "sparsify",
    "train_epoch", "train_group", "train_step",
]
