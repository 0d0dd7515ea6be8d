"""Resuming a run from its checkpoint: the fingerprint a checkpoint must match (the engine's
settings, a digest of the starting masks, and the caller's facts), the check that a checkpoint
at a path is this very run's, and what a checkpoint holds and how a run continues from it.
The file format itself, atomic writes and verification, is ``psn.training.checkpoint``'s."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from psn.training.checkpoint import CheckpointError, load_checkpoint, set_aside
from psn.training.metrics import RunRecord
from psn.training.settings import TrainSettings
from psn.training.state import TrainState


def masks_sha256(masks: Sequence[torch.Tensor | None]) -> str:
    """SHA-256 of the stacked masks a run starts from (shapes and bits; None for dense)."""
    digest = hashlib.sha256()
    for m in masks:
        digest.update(b"dense;" if m is None else f"{tuple(m.shape)};".encode())
        if m is not None:
            digest.update(m.detach().to("cpu", torch.uint8).contiguous().numpy().tobytes())
    return digest.hexdigest()


def fingerprint_text(own: dict[str, Any], caller: Mapping[str, Any] | None) -> str:
    """JSON text of everything a checkpoint must match: the engine's own settings plus the
    caller's facts (input hashes, job settings, a callback's settings)."""
    caller = dict(caller or {})
    clash = sorted(own.keys() & caller.keys())
    if clash:
        raise ValueError(f"fingerprint keys {clash} are the engine's own; name them differently")
    try:
        return json.dumps({**own, **caller}, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fingerprint must be JSON-able: {exc}") from None


def run_fingerprint(settings: TrainSettings, layer_sizes: list[int], seeds: list[int], n_train: int,
                    n_test: int, masks: Sequence[torch.Tensor | None],
                    caller: Mapping[str, Any] | None) -> str:
    """The fingerprint of a run. Its keys and values are those every checkpoint written so far
    carries: change them and every checkpoint stops resuming."""
    own = dict(layer_sizes=layer_sizes, seeds=seeds, batch_size=settings.batch_size, lr=settings.lr,
               init=settings.init, precision=settings.precision, n_train=n_train, n_test=n_test,
               masks_sha256=masks_sha256(masks))
    return fingerprint_text(own, caller)


def differences(old: str, new: str) -> list[str]:
    """Dotted keys whose values differ between two fingerprints."""
    def flat(obj: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(obj, dict) or not obj:
            return {prefix: obj}
        out: dict[str, Any] = {}
        for k, sub in obj.items():
            out.update(flat(sub, f"{prefix}.{k}" if prefix else str(k)))
        return out

    try:
        a, b = flat(json.loads(old)), flat(json.loads(new))
    except (TypeError, ValueError):
        return ["unreadable fingerprint"]
    missing = object()
    return sorted(key for key in a.keys() | b.keys() if a.get(key, missing) != b.get(key, missing))


def resumable(path: str | os.PathLike, fingerprint: str, device: torch.device,
              log: Callable[[str], None]) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if it verifies and this very run wrote it, else None: a
    damaged file is set aside (renamed, kept), a stale one left for the first epoch to replace."""
    try:
        ckpt = load_checkpoint(path, device)
    except CheckpointError as exc:
        aside = set_aside(path)
        log(f"checkpoint {path} is damaged ({exc.reason}); set aside as {aside}; starting fresh")
        return None
    if ckpt is not None and ckpt.get("fingerprint") != fingerprint:
        differs = ", ".join(differences(str(ckpt.get("fingerprint")), fingerprint))
        log(f"checkpoint {path} is from a different run ({differs}); starting fresh")
        return None
    return ckpt


def to_cpu(obj: Any) -> Any:
    """``obj`` with every tensor in it (through dicts and lists) detached and on the CPU."""
    if torch.is_tensor(obj):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {key: to_cpu(v) for key, v in obj.items()}
    if isinstance(obj, list):
        return [to_cpu(v) for v in obj]
    return obj


def checkpoint_payload(fingerprint: str, state: TrainState, record: RunRecord) -> dict[str, Any]:
    """What a checkpoint holds after ``record.epoch`` epochs: all a resumed run needs to go on
    bit-identically (model, masks, optimizer, the record, the callback's ``extra``)."""
    model = state.model
    return {
        "fingerprint": fingerprint, "epoch": record.epoch, "step": state.step,
        "seconds": record.seconds,
        "params": {name: t.detach().cpu() for name, t in model.state_dict().items()},
        "masks": [None if m is None else m.cpu() for m in model.masks],
        "optimizer": to_cpu(state.optimizer.state_dict()),
        "history": record.history, "diverged_step": record.diverged_step.cpu(),
        "grad_ratio_init": record.grad_ratio_init, "extra": state.extra,
    }


def restore(ckpt: Mapping[str, Any], state: TrainState, device: torch.device) -> RunRecord:
    """Put a checkpoint's model, masks, optimizer, step and ``extra`` back into ``state``; its
    record of the run so far."""
    model = state.model
    model.load_state_dict(ckpt["params"])
    for layer, m in enumerate(ckpt["masks"]):
        model.set_mask(layer, m)
    state.optimizer.load_state_dict(ckpt["optimizer"])
    state.extra = ckpt["extra"]
    state.step = ckpt["step"]
    return RunRecord(diverged_step=ckpt["diverged_step"].to(device), grad_ratio_init=ckpt["grad_ratio_init"],
                     history=ckpt["history"], epoch=ckpt["epoch"], seconds=ckpt["seconds"])
