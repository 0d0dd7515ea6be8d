"""The batched training engine: K masked MLPs of the same layer sizes trained in one process.

Each model has its own mask, init (``derive_seed(seed, "init", layer)``), data order
(``derive_seed(seed, "data", epoch)``) and Adam state, and its loss enters the summed objective
with weight one, so its gradient is exactly its solo gradient: a model trained alone or in a
group of K sees the same batches and the same init (weights agree to float tolerance; BLAS may
block a batched matmul differently from a single one).

Per step: gather (K, B, d) -> forward -> per-model mean cross-entropy -> backward (dense dL/dW)
(written into persistent per-layer buffers ``W.grad``) -> ``callback(state, step)`` -> grads *= mask
-> Adam step (unless the callback set ``state.skip_optimizer_step``). Masked weights, their gradients and their Adam m, v stay exactly
zero: Adam's update there is 0 / (0 + eps) = 0.

The run's pieces live beside this loop: its settings (``settings``), the state a callback sees
(``state``), numerics (``numerics``), what it measures and reports (``metrics``) and how it
resumes from a checkpoint (``resume``).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from psn.model.init import derive_seed
from psn.model.mlp import BatchedMLP, stack_masks
from psn.training.checkpoint import save_checkpoint
from psn.training.metrics import (
    RunRecord,
    evaluate,
    group_results,
    loss_bound,
    mark_diverged,
    measure_gradient_ratio,
    per_model_loss,
)
from psn.training.numerics import autocast
from psn.training.numerics import numerics
from psn.training.resume import checkpoint_payload, restore, resumable, run_fingerprint
from psn.training.settings import (
    ADAM_BETAS,
    ADAM_EPS,
    TrainSettings,
    check_data,
    check_network,
    pick_device,
)
from psn.training.state import Callback, TrainState

# train_group's keywords before TrainSettings, still accepted in its place
SETTINGS_KEYWORDS = ("epochs", "batch_size", "lr", "init", "device", "threads", "precision", "eval_batch_size")


def epoch_order(seeds: Sequence[int], epoch: int, n: int, device: torch.device) -> torch.Tensor:
    """(K, n) per-model permutation of the training set for ``epoch``, from (seed, epoch) alone."""
    perms = [
        torch.randperm(n, generator=torch.Generator().manual_seed(derive_seed(s, "data", epoch)))
        for s in seeds
    ]
    return torch.stack(perms).to(device)


def make_optimizer(params: Sequence[torch.Tensor], lr: float, device: torch.device) -> torch.optim.Adam:
    """Adam over the stacked tensors: elementwise, so exactly K independent Adams (the step
    count is shared, which is right because all K models step together)."""
    kw: dict[str, Any] = dict(lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=0.0)
    try:
        return torch.optim.Adam(params, fused=True, **kw)  # one pass over memory
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, foreach=True, **kw)


def _stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quiet(msg: str) -> None:
    pass


def _as_tensor(a: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a) if not torch.is_tensor(a) else a).to(device=device, dtype=dtype)


def train_step(state: TrainState, xb: torch.Tensor, yb: torch.Tensor, precision: str = "fp32",
               callback: Callback | None = None) -> torch.Tensor:
    """One step of all K models on batches xb (K, B, d), yb (K, B); returns the (K,) losses."""
    model, opt = state.model, state.optimizer
    with autocast(xb.device, precision):
        loss = per_model_loss(model(xb), yb)
    model.zero_grad_small()
    # a non-finite model contributes nothing, so no NaN can reach the shared scalar
    torch.where(torch.isfinite(loss), loss, 0.0).sum().backward()
    state.loss = loss = loss.detach()
    state.skip_optimizer_step = False
    if callback is not None:
        callback(state, state.step)
    if not state.skip_optimizer_step:
        with torch.no_grad():
            for layer in range(model.n_hidden):
                mf = model.mask_float(layer)
                if mf is not None:
                    model.weights[layer].grad.mul_(mf)
        opt.step()
    state.step += 1
    return loss


def train_epoch(state: TrainState, x: torch.Tensor, y: torch.Tensor, record: RunRecord,
                settings: TrainSettings, callback: Callback | None = None) -> torch.Tensor:
    """One epoch of all K models in their own data order (the last partial batch kept), marking
    divergence in ``record``; returns the (K,) float64 sum of example losses."""
    n, batch = x.shape[0], settings.batch_size
    bound = loss_bound(state.model.layer_sizes[-1])
    order = epoch_order(state.seeds, state.epoch, n, x.device)
    loss_sum = torch.zeros(state.k, dtype=torch.float64, device=x.device)
    for i in range(state.steps_per_epoch):
        idx = order[:, i * batch : (i + 1) * batch]
        loss = train_step(state, x[idx], y[idx], settings.precision, callback)
        record.diverged_step = mark_diverged(record.diverged_step, loss, bound, state.step - 1)
        loss_sum += loss.double() * idx.shape[1]
    return loss_sum


def _settings(settings: TrainSettings | None, keywords: dict[str, Any]) -> TrainSettings:
    unknown = sorted(keywords.keys() - set(SETTINGS_KEYWORDS))
    if unknown:
        raise TypeError(f"train_group() got unexpected keyword arguments {unknown}")
    if settings is None:
        return TrainSettings(**keywords)
    if keywords:
        raise TypeError(f"train_group() takes its settings or {sorted(keywords)}, not both")
    return settings


def train_group(
    data: Mapping[str, Any],
    layer_sizes: Sequence[int],
    masks: Sequence[Sequence[Any] | None] | None,
    seeds: Sequence[int],
    settings: TrainSettings | None = None,
    *,
    callback: Callback | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    fingerprint: Mapping[str, Any] | None = None,
    log: Callable[[str], None] | None = _stderr_log,
    return_state: bool = False,
    **settings_keywords: Any,
) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], TrainState]:
    """Train K = len(seeds) models together; one JSON-ready result dict per model.

    ``data``: x_train (N, d) float, y_train (N,) int, x_test, y_test (numpy or torch).
    ``masks[k]``: model k's per-hidden-layer bool masks (out, in), or None for a dense model.
    ``settings``: a ``TrainSettings``; or its fields as keywords (``epochs=2, batch_size=64``).
    ``callback(state, step)``: called on every step after backward (RigL, SET: ``psn.training.dst``).
    ``checkpoint_path``: saved every epoch; resumed only if it verifies and its fingerprint
    (the settings here, a digest of the masks, and ``fingerprint``: any JSON-able facts of the
    caller's, such as its input files' SHA-256 and its job settings) equals this run's. A
    damaged file is set aside, a stale one ignored; either way the run starts fresh.
    With ``return_state`` the final ``TrainState`` (weights, final masks) is returned too.
    """
    settings = _settings(settings, settings_keywords)
    layer_sizes, seeds = check_network(layer_sizes, seeds)
    if settings.threads is not None:
        torch.set_num_threads(int(settings.threads))
    dev = pick_device(settings.device)
    log = log or _quiet
    k, precision = len(seeds), settings.precision

    with numerics(dev, precision):
        x_train, y_train, x_test, y_test = (
            _as_tensor(data[name], dtype, dev) for name, dtype in
            (("x_train", torch.float32), ("y_train", torch.long), ("x_test", torch.float32), ("y_test", torch.long)))
        check_data(x_train, y_train, x_test, y_test, layer_sizes)
        n = x_train.shape[0]
        model = BatchedMLP(layer_sizes, stack_masks(masks, layer_sizes, k), seeds, settings.init).to(dev)
        opt = make_optimizer(list(model.parameters()), settings.lr, dev)
        state = TrainState(model, opt, seeds, math.ceil(n / settings.batch_size), settings.epochs)
        run_print = run_fingerprint(settings, layer_sizes, seeds, n, int(x_test.shape[0]), model.masks,
                                    fingerprint)
        ratio_idx = epoch_order(seeds, 0, n, dev)[:, :settings.batch_size]  # the batch for the ratios

        ckpt = resumable(checkpoint_path, run_print, dev, log) if checkpoint_path else None
        if ckpt is not None:
            record = restore(ckpt, state, dev)
            log(f"resumed from {checkpoint_path} at epoch {record.epoch}, step {state.step}")
        else:
            record = RunRecord(diverged_step=torch.full((k,), -1, dtype=torch.long, device=dev))
            record.grad_ratio_init = measure_gradient_ratio(model, x_train[ratio_idx], y_train[ratio_idx],
                                                            precision)

        for epoch in range(record.epoch, settings.epochs):
            t0 = time.perf_counter()
            state.epoch = epoch
            loss_sum = train_epoch(state, x_train, y_train, record, settings, callback)
            acc = evaluate(model, x_test, y_test, chunk=settings.eval_batch_size, precision=precision)
            record.add_epoch((loss_sum / n).cpu(), acc.cpu())
            record.seconds += time.perf_counter() - t0
            record.epoch = epoch + 1
            log(record.epoch_line(epoch, settings.epochs, k, time.perf_counter() - t0))
            if checkpoint_path:
                save_checkpoint(checkpoint_path, checkpoint_payload(run_print, state, record))

        ratio_final = measure_gradient_ratio(model, x_train[ratio_idx], y_train[ratio_idx], precision)
        results = group_results(model, state, record, ratio_final,
                                dict(layer_sizes=layer_sizes, epochs=settings.epochs,
                                     batch_size=settings.batch_size, lr=settings.lr, init=settings.init,
                                     precision=precision, device=str(dev)))
    return (results, state) if return_state else results
