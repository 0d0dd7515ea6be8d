"""What a run measures and reports: per-model loss, test accuracy, the gradient ratio (§2.9),
divergence, the per-epoch history (``RunRecord``) and the result dicts of ``train_group``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from psn.masks.stats import fan_in_stats
from psn.model.gradients import READINGS, gradient_ratio
from psn.model.mlp import BatchedMLP
from psn.training.numerics import autocast
from psn.training.state import TrainState

# A model has diverged once a step's loss is non-finite or above DIVERGENCE_FACTOR * ln(classes):
# a uniform prediction scores ln(classes) and a learning model stays near or below that, so 100
# times it is a blow-up (a learning rate far too large), never a slow start.
DIVERGENCE_FACTOR = 100.0


def per_model_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(K,) mean cross-entropy of each model over its own batch (logits (K, B, C), y (K, B))."""
    k, b, c = logits.shape
    ce = F.cross_entropy(logits.reshape(k * b, c).float(), y.reshape(k * b), reduction="none")
    return ce.view(k, b).mean(dim=1)


@torch.no_grad()
def evaluate(model: BatchedMLP, x: torch.Tensor, y: torch.Tensor, *, chunk: int = 2048,
             precision: str = "fp32") -> torch.Tensor:
    """Test accuracy (K,) as a fraction, all K models on the same chunks."""
    correct = torch.zeros(model.k, dtype=torch.long, device=x.device)
    with autocast(x.device, precision):
        for start in range(0, x.shape[0], chunk):
            xb = x[start : start + chunk]
            logits = model(xb.unsqueeze(0).expand(model.k, -1, -1))
            correct += (logits.argmax(dim=-1) == y[start : start + chunk]).sum(dim=1)
    return correct.double() / x.shape[0]


def measure_gradient_ratio(model: BatchedMLP, xb: torch.Tensor, yb: torch.Tensor,
                           precision: str = "fp32") -> dict[str, torch.Tensor]:
    """One forward-backward on (K, B, d) -> {reading: (K, n_hidden)} ratios; no step taken
    (the gradient buffers are overwritten, which the next training step does anyway)."""
    with autocast(xb.device, precision):
        loss = per_model_loss(model(xb), yb)
    model.zero_grad_small()
    torch.where(torch.isfinite(loss), loss, 0.0).sum().backward()  # dL/dW into the weight buffers
    grads = [model.weights[layer].grad for layer in range(model.n_hidden)]
    per_layer = [gradient_ratio(g, model.masks[layer]) for layer, g in enumerate(grads)]
    return {r: torch.stack([p[r] for p in per_layer], dim=1).cpu() for r in READINGS}


def loss_bound(classes: int) -> float:
    """The loss above which a model counts as diverged (see ``DIVERGENCE_FACTOR``)."""
    return DIVERGENCE_FACTOR * math.log(classes)


def mark_diverged(diverged_step: torch.Tensor, loss: torch.Tensor, bound: float, step: int) -> torch.Tensor:
    """(K,) first diverged step per model (-1: none yet), given this ``step``'s losses."""
    sane = torch.isfinite(loss) & (loss <= bound)
    return torch.where(sane | (diverged_step >= 0), diverged_step, step)


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class RunRecord:
    """A run's record so far, all a checkpoint needs besides the model, optimizer and callback:
    epochs done, per-epoch ``history`` (per model; None once diverged), first diverged step per
    model, the gradient ratios at the start, and seconds trained."""

    diverged_step: torch.Tensor
    grad_ratio_init: dict[str, torch.Tensor] | None = None
    history: dict[str, list[list[float | None]]] = field(
        default_factory=lambda: {"train_loss": [], "test_accuracy": []})
    epoch: int = 0
    seconds: float = 0.0

    def add_epoch(self, mean_loss: torch.Tensor, accuracy: torch.Tensor) -> None:
        """Append one epoch's (K,) mean training loss and test accuracy (None where diverged)."""
        dead = (self.diverged_step >= 0).cpu()
        self.history["train_loss"].append([None if d else _num(v) for v, d in zip(mean_loss, dead)])
        self.history["test_accuracy"].append([None if d else _num(v) for v, d in zip(accuracy, dead)])

    def epoch_line(self, epoch: int, epochs: int, k: int, seconds: float) -> str:
        """The log line of the epoch just added."""
        alive = [a for a in self.history["test_accuracy"][-1] if a is not None]
        losses = [v for v in self.history["train_loss"][-1] if v is not None]
        n_dead = int((self.diverged_step >= 0).sum())
        return (f"epoch {epoch + 1}/{epochs} {seconds:.1f}s K={k} "
                f"loss {np.mean(losses) if losses else float('nan'):.4f} "
                f"acc [{min(alive, default=float('nan')):.4f}, {max(alive, default=float('nan')):.4f}]"
                f" diverged {n_dead}")


@torch.no_grad()
def group_results(model: BatchedMLP, state: TrainState, record: RunRecord, ratio_final: dict,
                  settings: dict[str, Any]) -> list[dict[str, Any]]:
    """One JSON-ready result dict per model: ``settings``, the history, final and best accuracy,
    the final masks' sparsity and fan-in statistics, the gradient ratios, divergence, timings."""
    k = model.k
    history, seconds, ratio_init = record.history, record.seconds, record.grad_ratio_init
    diverged_step = record.diverged_step.cpu()
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
