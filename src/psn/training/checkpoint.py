"""Atomic, weights-only checkpoints of a training group.

A checkpoint is one ``torch.save`` dict of plain containers and CPU tensors (loadable with
``torch.load(weights_only=True)``):

- ``format`` (int), ``fingerprint`` (JSON text of what must match to resume: layer sizes,
  seeds, batch size, lr, init, precision, training-set size);
- ``epoch`` (completed epochs), ``step`` (completed steps), ``seconds`` (training time so far);
- ``params``: name -> tensor (the model's state_dict), ``masks``: list of bool tensors / None;
- ``optimizer``: ``torch.optim.Adam.state_dict()`` (m, v and the step count);
- ``history``: {"train_loss": [[K floats] per epoch], "test_accuracy": [...]};
- ``diverged_step``: (K,) int64, -1 when finite so far;
- ``grad_ratio_init``: the gradient ratios measured before the first step;
- ``extra``: the callback's own state (``TrainState.extra``), e.g. RigL's generator state.

No RNG state is stored because none is carried: each epoch's data order is derived from
(seed, epoch), so a resumed run draws exactly the permutations an uninterrupted one would.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from psn.provenance import atomic_write_bytes

FORMAT = 1


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` atomically (temp file, then ``os.replace``)."""
    buf = io.BytesIO()
    torch.save({"format": FORMAT, **payload}, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike, device: torch.device | str = "cpu") -> dict[str, Any] | None:
    """The checkpoint at ``path`` (tensors on ``device``), or None if there is none."""
    if not Path(path).exists():
        return None
    payload = torch.load(path, map_location=device, weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path}: checkpoint format {payload.get('format')!r}, expected {FORMAT}")
    return payload
