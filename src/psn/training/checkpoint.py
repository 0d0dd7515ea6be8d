"""Atomic, weights-only checkpoints of a training group, with a digest of their payload.

File layout: ``MAGIC`` (8 bytes), the SHA-256 of the payload (32 bytes), then the payload: one
``torch.save`` dict of plain containers and CPU tensors, loaded with
``torch.load(weights_only=True)``. A file whose digest, magic or payload does not check out
raises ``CheckpointError``; ``set_aside`` renames it out of the way (never deletes it).

The payload:
- ``format`` (int), ``fingerprint`` (JSON text of what must match to resume: layer sizes,
  seeds, batch size, lr, init, precision, data sizes, a digest of the initial masks, and the
  caller's own facts such as its input files' SHA-256 and its job settings);
- ``epoch`` (completed epochs), ``step`` (completed steps), ``seconds`` (training time so far);
- ``params``: name -> tensor (the model's state_dict), ``masks``: list of bool tensors / None;
- ``optimizer``: ``torch.optim.Adam.state_dict()`` (m, v and the step count);
- ``history``: {"train_loss": [[K floats] per epoch], "test_accuracy": [...]};
- ``diverged_step``: (K,) int64, -1 while the model has not diverged;
- ``grad_ratio_init``: the gradient ratios measured before the first step;
- ``extra``: the callback's own state (``TrainState.extra``), e.g. RigL's generator state.

No RNG state is stored because none is carried: each epoch's data order is derived from
(seed, epoch), so a resumed run draws exactly the permutations an uninterrupted one would.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import torch

from psn.provenance import ArtifactError, atomic_write_bytes

FORMAT = 2
MAGIC = b"PSNCKPT\n"
_HEADER = len(MAGIC) + hashlib.sha256().digest_size


class CheckpointError(ArtifactError):
    """A checkpoint that is damaged, truncated, empty or not one of ours."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` with its digest, atomically (temp file, then ``os.replace``)."""
    buf = io.BytesIO()
    torch.save({"format": FORMAT, **payload}, buf)
    body = buf.getvalue()
    atomic_write_bytes(path, MAGIC + hashlib.sha256(body).digest() + body)


def load_checkpoint(path: str | os.PathLike, device: torch.device | str = "cpu") -> dict[str, Any] | None:
    """The checkpoint at ``path`` (tensors on ``device``), or None if there is none; raises
    ``CheckpointError`` naming the file when it does not verify."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    if len(raw) < _HEADER or not raw.startswith(MAGIC):
        raise CheckpointError(path, f"not a psn checkpoint ({len(raw)} bytes, no header)")
    body = raw[_HEADER:]
    if hashlib.sha256(body).digest() != raw[len(MAGIC):_HEADER]:
        raise CheckpointError(path, "payload does not match its SHA-256 digest (damaged or truncated)")
    try:
        payload = torch.load(io.BytesIO(body), map_location=device, weights_only=True)
    except Exception as exc:  # a verified payload that still fails: written by something else
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise CheckpointError(path, f"unreadable payload ({reason})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        got = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(path, f"checkpoint format {got!r}, expected {FORMAT}")
    return payload


def set_aside(path: str | os.PathLike) -> Path:
    """Rename a bad checkpoint to ``<name>.corrupt-<n>`` beside it (the first free n) and
    return the new path: kept for inspection, out of the job's way."""
    path = Path(path)
    n = 1
    while (aside := path.with_name(f"{path.name}.corrupt-{n}")).exists():
        n += 1
    path.rename(aside)
    return aside
