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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from psn.masks.stats import fan_in_stats
from psn.model.gradients import READINGS, gradient_ratio
from psn.model.init import INITS, derive_seed
from psn.model.mlp import BatchedMLP, stack_masks
from psn.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint, set_aside

LR = 1e-3  # §2.7
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
PRECISIONS = ("fp32", "tf32", "bf16")
# A model has diverged once a step's loss is non-finite or above DIVERGENCE_FACTOR * ln(classes):
# a uniform prediction scores ln(classes) and a learning model stays near or below that, so 100
# times it is a blow-up (a learning rate far too large), never a slow start.
DIVERGENCE_FACTOR = 100.0

Callback = Callable[["TrainState", int], None]


# ---------------------------------------------------------------------------------------------
# state exposed to callbacks (RigL)


class TrainState:
    """What a callback sees and may change, on every step after backward and before Adam.

    ``weight(l)`` the (K, out, in) parameter; ``grad(l)`` its dense dL/dW for this step's batch;
    ``mask(l)`` bool (K, out, in) or None; ``adam_state(l)`` (m, v) or None before the first
    step; ``replace_mask(l, new)`` swaps a mask keeping exactness; set ``skip_optimizer_step``
    to True to skip Adam on this step (RigL's update steps). ``extra`` is a dict the callback may
    fill with its own state (tensors, numbers, lists): it is saved in checkpoints and restored.
    """

    def __init__(self, model: BatchedMLP, optimizer: torch.optim.Optimizer, seeds: Sequence[int],
                 steps_per_epoch: int, epochs: int) -> None:
        self.model = model
        self.optimizer = optimizer
        self.seeds = list(seeds)
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = steps_per_epoch * epochs
        self.epoch = 0
        self.step = 0
        self.loss: torch.Tensor | None = None  # (K,) this step's per-model losses
        self.skip_optimizer_step = False
        self.extra: dict[str, Any] = {}

    @property
    def k(self) -> int:
        return self.model.k

    @property
    def n_hidden(self) -> int:
        return self.model.n_hidden

    def weight(self, layer: int) -> torch.Tensor:
        return self.model.weights[layer]

    def grad(self, layer: int) -> torch.Tensor | None:
        return self.model.weights[layer].grad

    def mask(self, layer: int) -> torch.Tensor | None:
        return self.model.masks[layer]

    def fan_in(self, layer: int) -> torch.Tensor:
        return self.model.fan_in(layer)

    def adam_state(self, layer: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        st = self.optimizer.state.get(self.model.weights[layer])
        if not st:
            return None
        return st["exp_avg"], st["exp_avg_sq"]

    @torch.no_grad()
    def replace_mask(self, layer: int, new_mask: torch.Tensor, model: int | None = None) -> None:
        """Install ``new_mask`` on hidden layer ``layer``: bool (K, out, in), or (out, in) for one
        ``model``. Weights leaving the mask are zeroed; grown weights start at zero (they are
        zero already); Adam m and v of every position that changed are reset to zero."""
        if not 0 <= layer < self.n_hidden:
            raise ValueError(f"layer {layer} is not a hidden layer (0..{self.n_hidden - 1})")
        w = self.model.weights[layer]
        old = self.model.masks[layer]
        if old is None:
            old = torch.ones(w.shape, dtype=torch.bool, device=w.device)
        new_mask = new_mask.to(device=w.device, dtype=torch.bool)
        full = old.clone()
        if model is None:
            if new_mask.shape != w.shape:
                raise ValueError(f"mask shape {tuple(new_mask.shape)} != weight {tuple(w.shape)}")
            full = new_mask.clone()
        else:
            if new_mask.shape != w.shape[1:]:
                raise ValueError(f"mask shape {tuple(new_mask.shape)} != {tuple(w.shape[1:])}")
            full[model] = new_mask
        changed = old ^ full
        w.masked_fill_(~full, 0.0)
        adam = self.adam_state(layer)
        if adam is not None:
            for t in adam:
                t.masked_fill_(changed, 0.0)
        self.model.set_mask(layer, full)

    @torch.no_grad()
    def check_invariants(self) -> None:
        """Assert exactness: weights and Adam m, v are zero wherever the mask is off."""
        for layer in range(self.n_hidden):
            m = self.model.masks[layer]
            if m is None:
                continue
            off = ~m
            tensors = {"weight": self.model.weights[layer]}
            adam = self.adam_state(layer)
            if adam is not None:
                tensors.update(exp_avg=adam[0], exp_avg_sq=adam[1])
            for name, t in tensors.items():
                bad = int((t.masked_select(off) != 0).sum())
                if bad:
                    raise AssertionError(f"layer {layer}: {bad} masked {name} entries are non-zero")


# ---------------------------------------------------------------------------------------------
# helpers


def pick_device(device: str | torch.device | None = None) -> torch.device:
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def _numerics(device: torch.device, precision: str) -> Iterator[None]:
    """Deterministic kernels on GPU; TF32 only when asked for. Restores the global flags."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    if device.type != "cuda":
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    saved = (torch.are_deterministic_algorithms_enabled(), torch.backends.cuda.matmul.allow_tf32,
             torch.backends.cudnn.allow_tf32)
    torch.use_deterministic_algorithms(True)
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(saved[0])
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[1:]


def _autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


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


def _per_model_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    k, b, c = logits.shape
    ce = F.cross_entropy(logits.reshape(k * b, c).float(), y.reshape(k * b), reduction="none")
    return ce.view(k, b).mean(dim=1)


@torch.no_grad()
def evaluate(model: BatchedMLP, x: torch.Tensor, y: torch.Tensor, *, chunk: int = 2048,
             precision: str = "fp32") -> torch.Tensor:
    """Test accuracy (K,) as a fraction, all K models on the same chunks."""
    correct = torch.zeros(model.k, dtype=torch.long, device=x.device)
    with _autocast(x.device, precision):
        for start in range(0, x.shape[0], chunk):
            xb = x[start : start + chunk]
            logits = model(xb.unsqueeze(0).expand(model.k, -1, -1))
            correct += (logits.argmax(dim=-1) == y[start : start + chunk]).sum(dim=1)
    return correct.double() / x.shape[0]


def measure_gradient_ratio(model: BatchedMLP, xb: torch.Tensor, yb: torch.Tensor,
                           precision: str = "fp32") -> dict[str, torch.Tensor]:
    """One forward-backward on (K, B, d) -> {reading: (K, n_hidden)} ratios; no step taken
    (the gradient buffers are overwritten, which the next training step does anyway)."""
    with _autocast(xb.device, precision):
        loss = _per_model_loss(model(xb), yb)
    model.zero_grad_small()
    torch.where(torch.isfinite(loss), loss, 0.0).sum().backward()  # dL/dW into the weight buffers
    grads = [model.weights[layer].grad for layer in range(model.n_hidden)]
    per_layer = [gradient_ratio(g, model.masks[layer]) for layer, g in enumerate(grads)]
    return {r: torch.stack([p[r] for p in per_layer], dim=1).cpu() for r in READINGS}


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _as_tensor(a: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a) if not torch.is_tensor(a) else a).to(device=device, dtype=dtype)


def train_step(state: TrainState, xb: torch.Tensor, yb: torch.Tensor, precision: str = "fp32",
               callback: Callback | None = None) -> torch.Tensor:
    """One step of all K models on batches xb (K, B, d), yb (K, B); returns the (K,) losses."""
    model, opt = state.model, state.optimizer
    with _autocast(xb.device, precision):
        loss = _per_model_loss(model(xb), yb)
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


# ---------------------------------------------------------------------------------------------
# the entry point


def train_group(
    data: Mapping[str, Any],
    layer_sizes: Sequence[int],
    masks: Sequence[Sequence[Any] | None] | None,
    seeds: Sequence[int],
    *,
    epochs: int,
    batch_size: int,
    lr: float = LR,
    init: str = "mean_fan_in",
    device: str | torch.device | None = None,
    threads: int | None = None,
    precision: str = "fp32",
    checkpoint_path: str | os.PathLike | None = None,
    fingerprint: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    log: Callable[[str], None] | None = _stderr_log,
    eval_batch_size: int = 2048,
    return_state: bool = False,
) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], TrainState]:
    """Train K = len(seeds) models together; one JSON-ready result dict per model.

    ``data``: x_train (N, d) float, y_train (N,) int, x_test, y_test (numpy or torch).
    ``masks[k]``: model k's per-hidden-layer bool masks (out, in), or None for a dense model.
    ``checkpoint_path``: saved every epoch; resumed only if it verifies and its fingerprint
    (the settings here, a digest of the masks, and ``fingerprint``: any JSON-able facts of the
    caller's, such as its input files' SHA-256 and its job settings) equals this run's. A
    damaged file is set aside, a stale one ignored; either way the run starts fresh.
    With ``return_state`` the final ``TrainState`` (weights, final masks) is returned too.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
    _check_settings(layer_sizes, seeds, epochs, batch_size, lr)
    if threads is not None:
        torch.set_num_threads(int(threads))
    dev = pick_device(device)
    log = log or (lambda _msg: None)
    seeds = [int(s) for s in seeds]
    layer_sizes = [int(n) for n in layer_sizes]
    k = len(seeds)

    with _numerics(dev, precision):
        x_train = _as_tensor(data["x_train"], torch.float32, dev)
        y_train = _as_tensor(data["y_train"], torch.long, dev)
        x_test = _as_tensor(data["x_test"], torch.float32, dev)
        y_test = _as_tensor(data["y_test"], torch.long, dev)
        _check_data(x_train, y_train, x_test, y_test, layer_sizes)
        n = x_train.shape[0]
        steps_per_epoch = math.ceil(n / batch_size)  # last partial batch kept

        model = BatchedMLP(layer_sizes, stack_masks(masks, layer_sizes, k), seeds, init).to(dev)
        params = list(model.parameters())
        opt = make_optimizer(params, lr, dev)
        state = TrainState(model, opt, seeds, steps_per_epoch, epochs)

        run_fingerprint = _fingerprint(
            dict(layer_sizes=layer_sizes, seeds=seeds, batch_size=batch_size, lr=lr, init=init,
                 precision=precision, n_train=n, n_test=int(x_test.shape[0]),
                 masks_sha256=_masks_sha256(model.masks)), fingerprint)
        history: dict[str, list[list[float]]] = {"train_loss": [], "test_accuracy": []}
        diverged_step = torch.full((k,), -1, dtype=torch.long, device=dev)
        seconds = 0.0
        start_epoch = 0
        ratio_idx = epoch_order(seeds, 0, n, dev)[:, :batch_size]  # the batch for the ratios

        ckpt = _resumable(checkpoint_path, run_fingerprint, dev, log) if checkpoint_path else None
        if ckpt is not None:
            model.load_state_dict(ckpt["params"])
            for layer, m in enumerate(ckpt["masks"]):
                model.set_mask(layer, m)
            opt.load_state_dict(ckpt["optimizer"])
            history = ckpt["history"]
            diverged_step = ckpt["diverged_step"].to(dev)
            ratio_init = ckpt["grad_ratio_init"]
            state.extra = ckpt["extra"]
            start_epoch, state.step, seconds = ckpt["epoch"], ckpt["step"], ckpt["seconds"]
            log(f"resumed from {checkpoint_path} at epoch {start_epoch}, step {state.step}")
        else:
            ratio_init = measure_gradient_ratio(model, x_train[ratio_idx], y_train[ratio_idx], precision)

        loss_bound = DIVERGENCE_FACTOR * math.log(layer_sizes[-1])
        for epoch in range(start_epoch, epochs):
            t0 = time.perf_counter()
            state.epoch = epoch
            order = epoch_order(seeds, epoch, n, dev)
            loss_sum = torch.zeros(k, dtype=torch.float64, device=dev)
            for i in range(steps_per_epoch):
                idx = order[:, i * batch_size : (i + 1) * batch_size]
                loss = train_step(state, x_train[idx], y_train[idx], precision, callback)
                sane = torch.isfinite(loss) & (loss <= loss_bound)
                diverged_step = torch.where(sane | (diverged_step >= 0), diverged_step, state.step - 1)
                loss_sum += loss.double() * idx.shape[1]

            acc = evaluate(model, x_test, y_test, chunk=eval_batch_size, precision=precision)
            dead = (diverged_step >= 0).cpu()
            mean_loss = (loss_sum / n).cpu()
            history["train_loss"].append([None if d else _num(v) for v, d in zip(mean_loss, dead)])
            history["test_accuracy"].append([None if d else _num(v) for v, d in zip(acc.cpu(), dead)])
            seconds += time.perf_counter() - t0
            alive = [a for a in history["test_accuracy"][-1] if a is not None]
            losses = [v for v in history["train_loss"][-1] if v is not None]
            log(f"epoch {epoch + 1}/{epochs} {time.perf_counter() - t0:.1f}s K={k} "
                f"loss {np.mean(losses) if losses else float('nan'):.4f} "
                f"acc [{min(alive, default=float('nan')):.4f}, {max(alive, default=float('nan')):.4f}]"
                f" diverged {int(dead.sum())}")
            if checkpoint_path:
                save_checkpoint(checkpoint_path, {
                    "fingerprint": run_fingerprint, "epoch": epoch + 1, "step": state.step,
                    "seconds": seconds,
                    "params": {name: t.detach().cpu() for name, t in model.state_dict().items()},
                    "masks": [None if m is None else m.cpu() for m in model.masks],
                    "optimizer": _to_cpu(opt.state_dict()),
                    "history": history, "diverged_step": diverged_step.cpu(),
                    "grad_ratio_init": ratio_init, "extra": state.extra,
                })

        ratio_final = measure_gradient_ratio(model, x_train[ratio_idx], y_train[ratio_idx], precision)
        results = _results(model, state, history, diverged_step.cpu(), ratio_init, ratio_final,
                           seconds, dict(layer_sizes=layer_sizes, epochs=epochs, batch_size=batch_size,
                                         lr=lr, init=init, precision=precision, device=str(dev)))
    return (results, state) if return_state else results


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_settings(layer_sizes: Sequence[int], seeds: Sequence[int], epochs: int, batch_size: int,
                    lr: float) -> None:
    """Arguments that would train nothing or fail inside torch: a ValueError naming each."""
    if len(seeds) == 0:
        raise ValueError(f"seeds={list(seeds)!r} is empty: no model (K = 0) to train")
    if len(layer_sizes) < 2 or not all(isinstance(n, (int, float, np.number)) and not isinstance(n, bool)
                                       and math.isfinite(n) and n == int(n) and n >= 1 for n in layer_sizes):
        raise ValueError(f"layer_sizes={list(layer_sizes)!r} must be two or more positive integers "
                         "(inputs, hidden widths, classes)")
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs={epochs!r} must be an integer >= 1")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be an integer >= 1")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr={lr!r} must be a finite number > 0")


def _check_data(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor,
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


def _masks_sha256(masks: Sequence[torch.Tensor | None]) -> str:
    """SHA-256 of the stacked masks a run starts from (shapes and bits; None for dense)."""
    digest = hashlib.sha256()
    for m in masks:
        digest.update(b"dense;" if m is None else f"{tuple(m.shape)};".encode())
        if m is not None:
            digest.update(m.detach().to("cpu", torch.uint8).contiguous().numpy().tobytes())
    return digest.hexdigest()


def _fingerprint(own: dict[str, Any], caller: Mapping[str, Any] | None) -> str:
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


def _differences(old: str, new: str) -> list[str]:
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


def _resumable(path: str | os.PathLike, fingerprint: str, device: torch.device,
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
        differs = ", ".join(_differences(str(ckpt.get("fingerprint")), fingerprint))
        log(f"checkpoint {path} is from a different run ({differs}); starting fresh")
        return None
    return ckpt


def _to_cpu(obj: Any) -> Any:
    if torch.is_tensor(obj):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {key: _to_cpu(v) for key, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


@torch.no_grad()
def _results(model: BatchedMLP, state: TrainState, history: dict, diverged_step: torch.Tensor,
             ratio_init: dict, ratio_final: dict, seconds: float, settings: dict) -> list[dict]:
    k = model.k
    fan_in = [model.fan_in(layer).cpu() for layer in range(model.n_hidden)]
    n_in = model.layer_sizes[:-2]
    stats = [fan_in_stats(f, n) for f, n in zip(fan_in, n_in)]  # each over (K, out)
    sparsity = torch.stack([st["sparsity"] for st in stats], 1)
    total = sum(f.shape[1] * n for f, n in zip(fan_in, n_in))
    overall = 1.0 - torch.stack([st["n_active"] for st in stats], 1).sum(1) / total
    cv = torch.stack([st["cv"] for st in stats], 1)
    out = []
    for j in range(k):
        diverged = int(diverged_step[j]) >= 0
        accs = [h[j] for h in history["test_accuracy"]]
        ok = [(a, e) for e, a in enumerate(accs) if a is not None]
        best = max(ok) if ok and not diverged else (None, None)
        out.append({
            "seed": state.seeds[j], "group_index": j, "group_size": k, **settings,
            "steps": state.step,
            "train_loss": [h[j] for h in history["train_loss"]],
            "test_accuracy": accs,
            "final_test_accuracy": None if diverged or not accs else accs[-1],
            "best_test_accuracy": best[0], "best_epoch": None if best[1] is None else best[1] + 1,
            "sparsity": [float(s) for s in sparsity[j]],
            "sparsity_overall": float(overall[j]),
            "fan_in_cv": [float(c) for c in cv[j]],
            "fan_in": [f[j].tolist() for f in fan_in],
            "gradient_ratio": {
                "init": {r: [_num(v) for v in ratio_init[r][j]] for r in READINGS},
                "final": {r: None if diverged else [_num(v) for v in ratio_final[r][j]] for r in READINGS},
            },
            "diverged": diverged,
            "diverged_step": int(diverged_step[j]) if diverged else None,
            "seconds": seconds / k, "group_seconds": seconds,
        })
    return out
