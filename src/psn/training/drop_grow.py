"""One drop-and-grow update of one layer for K models, as pure tensor functions over (K, N)
flattened layers: the drop score, top-k selection under a tie policy, the update itself, its
invariants (``check_update``) and the per-model statistics recorded after it (``layer_record``).
The updater that calls them on a schedule is ``psn.training.dst``'s ``DropAndGrow``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from psn.masks.stats import ccv_bound, fan_in_stats

TIE_POLICIES = ("random", "lowest_index", "noise", "native")
GROW_FROM = ("not_kept", "inactive")
NOISE_STD = 1e-5  # google-research's drop-score noise (generic_mask_update)


def drop_counts(alpha: float, n_active: Sequence[int]) -> list[int]:
    """k = ⌊α·n_active⌋ per model, on the host from the conserved counts."""
    return [int(math.floor(alpha * n)) for n in n_active]


# ---------------------------------------------------------------------------------------------
# scores and selection (pure functions over (K, N) flattened layers)


def drop_score(weight: torch.Tensor) -> torch.Tensor:
    """Higher is *more* droppable: −|w| (the k smallest magnitudes are the k largest scores)."""
    return -weight.abs()


def select_top(score: torch.Tensor, eligible: torch.Tensor, k: Sequence[int], *,
               ties: str = "random",
               generators: Sequence[torch.Generator] | None = None) -> tuple[torch.Tensor, list[int]]:
    """The ``k[j]`` highest-scoring eligible positions of each row j of (K, N) ``score``.

    Returns the bool selection (K, N) and, per model, how many eligible positions sat at the
    threshold score (1 when the threshold was unique; 0 when k = 0). Positions strictly above the
    threshold are all taken; those at it fill the remaining places by the tie policy's secondary
    key (``native``: whichever ``torch.topk`` returns). Non-finite scores rank lowest.
    """
    if ties not in TIE_POLICIES:
        raise ValueError(f"unknown tie policy {ties!r}; choose one of {TIE_POLICIES}")
    n_models, n = score.shape
    k = [int(x) for x in k]
    if len(k) != n_models:
        raise ValueError(f"need one k per model: {n_models}, got {len(k)}")
    k_max = max(k, default=0)
    if k_max == 0:
        return torch.zeros_like(eligible), [0] * n_models
    s = torch.where(eligible & torch.isfinite(score), score, -torch.inf)
    top = torch.topk(s, k_max, dim=1, sorted=True).values  # (K, k_max), descending
    rank = torch.tensor([max(x - 1, 0) for x in k], device=score.device).unsqueeze(1)
    threshold = top.gather(1, rank)  # (K, 1): the k-th best score
    above = s > threshold
    at = (s == threshold) & eligible
    n_above = above.sum(dim=1)
    n_at = at.sum(dim=1)
    need = torch.tensor(k, device=score.device) - n_above  # places left for tied positions
    need_h, n_at_h = need.tolist(), n_at.tolist()  # one host sync per call, k itself needs none
    selected = above.clone()
    for j in range(n_models):
        if k[j] == 0:
            selected[j] = False
            n_at_h[j] = 0
            continue
        if ties == "native":  # top-k's own order decides among the tied
            selected[j] = False
            selected[j, torch.topk(s[j], k[j]).indices] = True
            continue
        if n_at_h[j] == need_h[j]:  # no excess ties: the threshold itself decides
            selected[j] |= at[j]
            continue
        if ties == "random":
            if generators is None:
                raise ValueError("the random tie policy needs one generator per model")
            key = torch.rand(n, generator=generators[j], device=score.device)
        else:  # lowest flat index first
            key = torch.arange(n, device=score.device, dtype=torch.float64)
        key = torch.where(at[j], key.to(torch.float64), torch.inf)
        chosen = torch.topk(key, need_h[j], largest=False).indices
        selected[j, chosen] = True
    return selected, n_at_h


@dataclass(frozen=True)
class LayerUpdate:
    """What one layer's update sees: (K, out, in) weight, dense gradient and bool mask before the
    update, the kept positions after the drop, the positions that may grow, and each model's
    generator (flattened views are (K, N))."""

    weight: torch.Tensor
    grad: torch.Tensor | None
    old: torch.Tensor
    kept: torch.Tensor
    allowed: torch.Tensor
    generators: Sequence[torch.Generator] | None


@torch.no_grad()
def drop_and_grow(weight: torch.Tensor, grad: torch.Tensor | None, mask: torch.Tensor,
                  k: Sequence[int], grow_score, *, ties: str = "random",
                  grow_from: str = "not_kept",
                  generators: Sequence[torch.Generator] | None = None) -> tuple[torch.Tensor, dict]:
    """One update of a layer for all K models: (K, out, in) weight, grad, bool mask and k per
    model, and ``grow_score(LayerUpdate) -> (K, N)`` -> the new bool mask (K, out, in) and the
    update's parts: ``dropped`` and ``grown`` (bool, K × out × in; their overlap was regrown),
    per-model counts ``new`` (old 0, now 1) and ``regrown``, and the ties at the drop and grow
    thresholds."""
    if grow_from not in GROW_FROM:
        raise ValueError(f"unknown grow_from {grow_from!r}; choose one of {GROW_FROM}")
    shape = mask.shape
    n_models = shape[0]
    w, m = weight.reshape(n_models, -1), mask.reshape(n_models, -1)
    g = None if grad is None else grad.reshape(n_models, -1)
    d_score = drop_score(w)
    if ties == "noise":
        if generators is None:
            raise ValueError("the noise tie policy needs one generator per model")
        noise = torch.stack([torch.randn(w.shape[1], generator=generators[j], device=w.device)
                             for j in range(n_models)])
        d_score = d_score - NOISE_STD * noise.to(w.dtype)  # |w| + noise, negated
    tie_policy = "lowest_index" if ties == "noise" else ties
    dropped, drop_ties = select_top(d_score, m, k, ties=tie_policy, generators=generators)
    kept = m & ~dropped
    allowed = ~kept if grow_from == "not_kept" else ~m
    score = grow_score(LayerUpdate(w, g, m, kept, allowed, generators))
    grown, grow_ties = select_top(score, allowed, k, ties=tie_policy, generators=generators)
    new = kept | grown
    info = {
        "dropped": dropped.reshape(shape), "grown": grown.reshape(shape),
        "regrown": (dropped & grown).sum(dim=1).tolist(),
        "new": (grown & ~m).sum(dim=1).tolist(),
        "drop_ties": drop_ties,
        "grow_ties": grow_ties,
    }
    return new.reshape(shape), info


# ---------------------------------------------------------------------------------------------
# records (CCV and its bound: psn.masks.stats)


@torch.no_grad()
def layer_record(mask: torch.Tensor, ever: torch.Tensor) -> dict[str, list]:
    """Per-model statistics of one layer's mask (K, out, in): fan-in and fan-out CCV, CCV over
    its bound, fan-in range, neurons with no input, active count, fraction of positions ever
    active."""
    fin = mask.sum(dim=2)
    fout = mask.sum(dim=1)
    n_active = fin.sum(dim=1)
    size = mask.shape[1] * mask.shape[2]
    fin_ccv = fan_in_stats(fin, mask.shape[2])["cv"].tolist()
    bound = [ccv_bound(a / size) for a in n_active.tolist()]
    return {
        "fanin_ccv": fin_ccv,
        "fanout_ccv": fan_in_stats(fout, mask.shape[1])["cv"].tolist(),
        "ccv_over_bound": [c / b if b > 0 else 0.0 for c, b in zip(fin_ccv, bound)],
        "fanin_min": fin.min(dim=1).values.tolist(),
        "fanin_max": fin.max(dim=1).values.tolist(),
        "zero_fanin": (fin == 0).sum(dim=1).tolist(),
        "n_active": n_active.tolist(),
        "ever_active_fraction": (ever.reshape(ever.shape[0], -1).sum(dim=1) / size).tolist(),
    }


def check_update(old: torch.Tensor, new: torch.Tensor, k: Sequence[int], info: dict) -> None:
    """Assert the invariants of one layer's update: counts conserved, exactly k grown (new or
    regrown), grown positions never among the kept ones."""
    n_models = old.shape[0]
    before = old.reshape(n_models, -1).sum(dim=1).tolist()
    after = new.reshape(n_models, -1).sum(dim=1).tolist()
    if before != after:
        raise AssertionError(f"active counts changed: {before} -> {after}")
    kept = old & ~info["dropped"]
    if (kept & info["grown"]).any():
        raise AssertionError("a kept position was grown again")
    for j in range(n_models):
        if info["new"][j] + info["regrown"][j] != k[j]:
            raise AssertionError(f"model {j}: grew {info['new'][j] + info['regrown'][j]} != k = {k[j]}")
