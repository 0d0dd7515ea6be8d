"""RigL (Evci et al. 2020) as a callback of the batched engine: drop by magnitude, grow by
gradient, per hidden layer and model, on a cosine schedule (§2.8 of the PSN paper).

The pieces are separate, named functions over tensors, wired to ``TrainState`` by ``RigL``:

- ``CosineSchedule``: when to update and by how much, α(t) = ½·α₀·(1 + cos(π·t/T_end));
- ``drop_score`` / ``grow_score``: |w| over active weights; |∂L/∂(M⊙W)| over the rest;
- ``select_top``: the k best positions per model, ties at the threshold broken by a seeded
  secondary key (``TIE_POLICIES``);
- ``rigl_masks``: one layer's update for all K models, a pure function of tensors.

Semantics follow google-research/rigl (``sparse_optimizers_base.py``):

- t counts optimizer steps. An update step replaces the optimizer step (Adam, biases and
  LayerNorm included), and, as the reference's global step is incremented only by the wrapped
  optimizer, a skipped step does not advance t: the batch after an update trains at the same t
  and is not an update step again. T = epochs·⌈N/B⌉, T_end = end_fraction·T; updates at
  t = ΔT, 2ΔT, … while t ≤ T_end (and at t = 0 with ``update_at_zero``, as the reference does).
- k = ⌊α·n_active⌋ per layer and model. Keep the n_active − k largest |w| among active weights;
  grow the k largest |∂L/∂(M⊙W)| (this step's batch, the dense gradient) among positions not
  kept, so a just-dropped weight may be regrown, and then keeps its value and Adam state.
  Truly new positions (old 0, new 1) start at weight 0 with Adam m, v at 0.
- The output layer is dense and never updated. Counts are conserved exactly.

Ties: ``random`` (default) orders tied positions at a threshold by a fresh uniform key from the
model's own generator, drawn only when that model has more ties than places, so a model's
stream, and hence its masks, are the same alone or in a batch of K. ``lowest_index`` takes the
lowest flat index (what top-k does in most implementations). ``noise`` is the reference's: drop
scores get N(0, 10⁻⁵) noise, remaining ties take the lowest index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from psn.masks.stats import ccv_bound, fan_in_stats
from psn.model.init import derive_seed

TIE_POLICIES = ("random", "lowest_index", "noise")
GROW_SCORES = ("dense_gradient", "masked_gradient")
NOISE_STD = 1e-5  # google-research's drop-score noise (generic_mask_update)

# per (model, layer) statistics recorded at the start and after every update
RECORDED = ("fanin_ccv", "fanout_ccv", "ccv_over_bound", "fanin_min", "fanin_max", "zero_fanin",
            "n_active", "k", "turnover", "regrown", "ever_active_fraction", "drop_ties",
            "grow_ties")


# ---------------------------------------------------------------------------------------------
# schedule


@dataclass(frozen=True)
class CosineSchedule:
    """Update every ``update_every`` optimizer steps while t ≤ end_fraction·T, dropping
    α(t) = ½·drop_fraction·(1 + cos(π·t/T_end)) of each layer's active weights."""

    drop_fraction: float = 0.3
    update_every: int = 100
    end_fraction: float = 0.75
    update_at_zero: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.drop_fraction <= 1.0:
            raise ValueError(f"drop_fraction={self.drop_fraction} must lie in [0, 1]")
        if self.update_every < 1:
            raise ValueError(f"update_every={self.update_every} must be at least 1")
        if not 0.0 < self.end_fraction <= 1.0:
            raise ValueError(f"end_fraction={self.end_fraction} must lie in (0, 1]")

    def end_step(self, total_steps: int) -> float:
        return self.end_fraction * total_steps

    def is_update(self, t: int, total_steps: int) -> bool:
        if t == 0 and not self.update_at_zero:
            return False
        return t % self.update_every == 0 and t <= self.end_step(total_steps)

    def alpha(self, t: int, total_steps: int) -> float:
        """The drop fraction at optimizer step t (0 past T_end)."""
        end = self.end_step(total_steps)
        if t > end:
            return 0.0
        return 0.5 * self.drop_fraction * (1.0 + math.cos(math.pi * t / end))


def drop_counts(alpha: float, n_active: Sequence[int]) -> list[int]:
    """k = ⌊α·n_active⌋ per model, on the host from the conserved counts."""
    return [int(math.floor(alpha * n)) for n in n_active]


# ---------------------------------------------------------------------------------------------
# scores and selection (pure functions over (K, N) flattened layers)


def drop_score(weight: torch.Tensor) -> torch.Tensor:
    """Higher is *more* droppable: −|w| (the k smallest magnitudes are the k largest scores)."""
    return -weight.abs()


def grow_score(grad: torch.Tensor, mask: torch.Tensor, kind: str = "dense_gradient") -> torch.Tensor:
    """|∂L/∂(M⊙W)|, the dense gradient (RigL), or the gradient masked by the *old* mask, which is
    zero at every inactive position so growth falls to ties (an alternative reading)."""
    if kind == "dense_gradient":
        return grad.abs()
    if kind == "masked_gradient":
        return (grad * mask).abs()
    raise ValueError(f"unknown grow score {kind!r}; choose one of {GROW_SCORES}")


def select_top(score: torch.Tensor, eligible: torch.Tensor, k: Sequence[int], *,
               ties: str = "random",
               generators: Sequence[torch.Generator] | None = None) -> tuple[torch.Tensor, list[int]]:
    """The ``k[j]`` highest-scoring eligible positions of each row j of (K, N) ``score``.

    Returns the bool selection (K, N) and, per model, how many eligible positions sat at the
    threshold score (1 when the threshold was unique; 0 when k = 0). Positions strictly above the
    threshold are all taken; those at it fill the remaining places by the tie policy's secondary
    key. Non-finite scores rank lowest.
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


@torch.no_grad()
def rigl_masks(weight: torch.Tensor, grad: torch.Tensor, mask: torch.Tensor, k: Sequence[int], *,
               ties: str = "random", grow: str = "dense_gradient",
               generators: Sequence[torch.Generator] | None = None) -> tuple[torch.Tensor, dict]:
    """One RigL update of a layer for all K models: (K, out, in) weight, grad, bool mask and k per
    model -> the new bool mask (K, out, in) and the update's parts: ``dropped`` and ``grown``
    (bool, K × out × in; their overlap was regrown), per-model counts ``new`` (old 0, now 1) and
    ``regrown``, and the ties at the drop and grow thresholds."""
    shape = mask.shape
    n_models = shape[0]
    w, g, m = weight.reshape(n_models, -1), grad.reshape(n_models, -1), mask.reshape(n_models, -1)
    d_score = drop_score(w)
    if ties == "noise":
        noise = torch.stack([torch.randn(w.shape[1], generator=generators[j], device=w.device)
                             for j in range(n_models)]) if generators is not None else None
        if noise is None:
            raise ValueError("the noise tie policy needs one generator per model")
        d_score = d_score - NOISE_STD * noise.to(w.dtype)  # |w| + noise, negated
    tie_policy = "lowest_index" if ties == "noise" else ties
    dropped, drop_ties = select_top(d_score, m, k, ties=tie_policy, generators=generators)
    kept = m & ~dropped
    grown, grow_ties = select_top(grow_score(g, m, grow), ~kept, k, ties=tie_policy,
                                  generators=generators)
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
# mask statistics (CCV and its bound: psn.masks.stats)


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


# ---------------------------------------------------------------------------------------------
# the callback


@dataclass(frozen=True)
class RigLSettings:
    """Everything that determines RigL's updates besides the model's seed; it enters the
    checkpoint fingerprint."""

    schedule: CosineSchedule = CosineSchedule()
    ties: str = "random"
    grow: str = "dense_gradient"

    def __post_init__(self) -> None:
        if self.ties not in TIE_POLICIES:
            raise ValueError(f"unknown tie policy {self.ties!r}; choose one of {TIE_POLICIES}")
        if self.grow not in GROW_SCORES:
            raise ValueError(f"unknown grow score {self.grow!r}; choose one of {GROW_SCORES}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RigL:
    """Engine callback: ``train_group(..., callback=RigL(settings))``.

    Its whole state lives in ``TrainState.extra["rigl"]`` (optimizer-step count t, the tie
    generators' states, the ever-active masks, the history of records), so the engine's
    checkpoint carries it and a resumed run continues bit-identically. ``history(state)`` and
    ``model_history(state, j)`` give the records: one at t = 0 before any update, then one after
    every update.
    """

    def __init__(self, settings: RigLSettings | None = None, *, check: bool = False) -> None:
        self.settings = settings or RigLSettings()
        self.check = check  # assert the invariants after every update (tests, debugging)
        self._bound: tuple[int, int] | None = None
        self._gens: list[list[torch.Generator]] = []

    # -- state --------------------------------------------------------------------------------

    def _bind(self, state) -> dict:
        """Create (fresh run) or restore (resumed run) the callback's state on ``state``."""
        ext = state.extra.get("rigl")
        dev = state.weight(0).device
        if ext is None:
            for layer in range(state.n_hidden):
                if state.mask(layer) is None:
                    raise ValueError(f"RigL needs a mask on every hidden layer; layer {layer} is dense")
            ext = {
                "t": 0,
                "last_update": -1,
                "ever": [state.mask(layer).clone() for layer in range(state.n_hidden)],
                "history": {"t": [], "step": [], "alpha": [], "layers": []},
                "generators": None,
            }
            state.extra["rigl"] = ext
        key = (id(state), id(ext))
        if self._bound != key:
            self._gens = []
            for layer in range(state.n_hidden):
                row = []
                for j, seed in enumerate(state.seeds):
                    g = torch.Generator(device=dev)
                    if ext["generators"] is None:
                        g.manual_seed(derive_seed(seed, "rigl", layer))
                    else:
                        g.set_state(ext["generators"][layer][j].cpu())
                    row.append(g)
                self._gens.append(row)
            self._bound = key
            if not ext["history"]["t"]:
                self._record(state, ext, alpha=0.0, k=None, infos=None)
        return ext

    def _save_generators(self, ext: dict) -> None:
        ext["generators"] = [[g.get_state() for g in row] for row in self._gens]

    def _record(self, state, ext: dict, alpha: float, k, infos) -> None:
        hist = ext["history"]
        hist["t"].append(ext["t"])
        hist["step"].append(state.step)
        hist["alpha"].append(alpha)
        layers = []
        for layer in range(state.n_hidden):
            mask = state.mask(layer)
            rec = layer_record(mask, ext["ever"][layer])
            n_models = mask.shape[0]
            info = infos[layer] if infos else None
            rec["k"] = k[layer] if k else [0] * n_models
            rec["turnover"] = ([nw / max(a, 1) for nw, a in zip(info["new"], rec["n_active"])]
                               if info else [0.0] * n_models)
            rec["regrown"] = info["regrown"] if info else [0] * n_models
            rec["drop_ties"] = info["drop_ties"] if info else [0] * n_models
            rec["grow_ties"] = info["grow_ties"] if info else [0] * n_models
            layers.append(rec)
        hist["layers"].append(layers)

    # -- the update ---------------------------------------------------------------------------

    def __call__(self, state, step: int) -> None:
        ext = self._bind(state)
        sched = self.settings.schedule
        t = ext["t"]
        if ext["last_update"] != t and sched.is_update(t, state.total_steps):
            self.update(state, ext, sched.alpha(t, state.total_steps))
            ext["last_update"] = t
            state.skip_optimizer_step = True  # the update replaces this step's optimizer step
        else:
            ext["t"] = t + 1  # an optimizer step is taken

    @torch.no_grad()
    def update(self, state, ext: dict, alpha: float) -> None:
        ks, infos = [], []
        for layer in range(state.n_hidden):
            old = state.mask(layer)
            n_active = ext["history"]["layers"][-1][layer]["n_active"]  # conserved: host copy
            k = drop_counts(alpha, n_active)
            new, info = rigl_masks(state.weight(layer), state.grad(layer), old, k,
                                   ties=self.settings.ties, grow=self.settings.grow,
                                   generators=self._gens[layer])
            if self.check:
                check_update(old, new, k, info)
            state.replace_mask(layer, new)
            ext["ever"][layer] |= new
            ks.append(k)
            infos.append(info)
        self._save_generators(ext)
        self._record(state, ext, alpha, ks, infos)

    # -- results ------------------------------------------------------------------------------

    @staticmethod
    def model_history(extra: dict, j: int) -> dict[str, Any]:
        """Model j's records: t, step, alpha per record, and per statistic a list over records of
        per-layer values."""
        hist = extra["rigl"]["history"]
        out: dict[str, Any] = {"t": list(hist["t"]), "step": list(hist["step"]),
                               "alpha": list(hist["alpha"])}
        for name in RECORDED:
            out[name] = [[rec[name][j] for rec in layers] for layers in hist["layers"]]
        return out


def check_update(old: torch.Tensor, new: torch.Tensor, k: Sequence[int], info: dict) -> None:
    """Assert RigL's invariants for one layer: counts conserved, exactly k new-or-regrown."""
    n_models = old.shape[0]
    before = old.reshape(n_models, -1).sum(dim=1).tolist()
    after = new.reshape(n_models, -1).sum(dim=1).tolist()
    if before != after:
        raise AssertionError(f"active counts changed: {before} -> {after}")
    for j in range(n_models):
        if info["new"][j] + info["regrown"][j] != k[j]:
            raise AssertionError(f"model {j}: grew {info['new'][j] + info['regrown'][j]} != k = {k[j]}")
