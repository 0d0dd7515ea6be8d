"""What a training run is asked to do, checked once: ``TrainSettings`` (epochs, batch size,
learning rate, init, device, threads, precision), and the checks of the network and data a
run is given (``check_network``, ``check_data``), each a ValueError that names what is wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from psn.model.init import DEFAULT_INIT, INITS

LR = 1e-3  # §2.7
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
PRECISIONS = ("fp32", "tf32", "bf16")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


@dataclass(frozen=True)
class TrainSettings:
    """The engine's settings for one group of models. Values are kept as given (the checkpoint
    fingerprint and the results carry them as they are); a setting that would train nothing or
    fail inside torch is a ValueError at construction.

    ``device``: a torch device or its name, None for CUDA when there is one; ``threads``: torch's
    CPU threads (None: leave as is); ``precision``: one of ``PRECISIONS``; ``eval_batch_size``:
    test examples per evaluation chunk (no effect on the results but memory)."""

    epochs: int
    batch_size: int
    lr: float = LR
    init: str = DEFAULT_INIT
    device: str | torch.device | None = None
    threads: int | None = None
    precision: str = "fp32"
    eval_batch_size: int = 2048

    def __post_init__(self) -> None:
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose one of {INITS}")
        if not _is_int(self.epochs) or self.epochs < 1:
            raise ValueError(f"epochs={self.epochs!r} must be an integer >= 1")
        if not _is_int(self.batch_size) or self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size!r} must be an integer >= 1")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr={self.lr!r} must be a finite number > 0")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose one of {PRECISIONS}")
        if self.threads is not None and (not _is_int(self.threads) or self.threads < 1):
            raise ValueError(f"threads={self.threads!r} must be an integer >= 1, or None")
        if not _is_int(self.eval_batch_size) or self.eval_batch_size < 1:
            raise ValueError(f"eval_batch_size={self.eval_batch_size!r} must be an integer >= 1")


def pick_device(device: str | torch.device | None = None) -> torch.device:
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_network(layer_sizes: Sequence[int], seeds: Sequence[int]) -> tuple[list[int], list[int]]:
    """The layer sizes and seeds as lists of int, or a ValueError if they give no model to train."""
    if len(seeds) == 0:
        raise ValueError(f"seeds={list(seeds)!r} is empty: no model (K = 0) to train")
    if len(layer_sizes) < 2 or not all(isinstance(n, (int, float, np.number)) and not isinstance(n, bool)
                                       and math.isfinite(n) and n == int(n) and n >= 1 for n in layer_sizes):
        raise ValueError(f"layer_sizes={list(layer_sizes)!r} must be two or more positive integers "
                         "(inputs, hidden widths, classes)")
    return [int(n) for n in layer_sizes], [int(s) for s in seeds]


def check_data(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor,
               layer_sizes: Sequence[int]) -> None:
    """The data must fit the network: examples of ``layer_sizes[0]`` features, as many labels as
    examples, each in [0, classes), and at least one example to train and one to test on."""
    classes = layer_sizes[-1]
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.ndim != 2 or x.shape[1] != layer_sizes[0]:
            raise ValueError(f"data['x_{split}'] has shape {tuple(x.shape)}; the network takes "
                             f"(examples, {layer_sizes[0]}) (layer_sizes[0] = {layer_sizes[0]})")
        if x.shape[0] == 0:
            raise ValueError(f"data['x_{split}'] is empty: no example to {split} on")
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(f"data['y_{split}'] has shape {tuple(y.shape)}; expected ({x.shape[0]},), "
                             f"one label per example of x_{split}")
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= classes:
            bad = low if low < 0 else high
            raise ValueError(f"data['y_{split}'] holds label {bad}, outside [0, {classes}) "
                             f"(layer_sizes[-1] = {classes} classes)")
