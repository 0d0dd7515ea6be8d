"""Drop-and-grow dynamic sparse training as a callback of the batched engine: one updater, its
pieces named and swappable, and a registry of methods (SET, RigL, and whatever a user adds).

Every ``update_every`` optimizer steps (the schedule), per hidden layer and model:

- **schedule**: when to update and the drop fraction α(t) (``CosineSchedule``: RigL's, and SET's
  in the RigL paper; ``EpochSchedule``: Mocanu's SET, a constant ζ at every epoch's end);
- **drop score**: −|w| over active weights (``drop_score``): the k = ⌊α·n_active⌋ smallest
  magnitudes leave;
- **grow score**: the method's, over the positions that may grow (RigL: |∂L/∂(M⊙W)|; SET: a
  uniform key from the model's own generator, i.e. a uniform random choice);
- **who may grow** (``GROW_FROM``): ``not_kept``, every position not kept after the drop (a
  just-dropped weight may come back with its value and Adam state: google-research, jaxpruner),
  or ``inactive``, only positions inactive before the update;
- **tie policy** (``TIE_POLICIES``): how positions sharing the threshold score are ordered;
- **records**: per model and layer after every update (``RECORDED``).

Semantics follow google-research/rigl (``sparse_optimizers_base.py``): t counts optimizer
steps; an update step replaces the optimizer step (Adam, biases and LayerNorm included) and,
as the reference's global step is incremented only by the wrapped optimizer, does not advance
t, so the batch after an update trains at the same t and is not an update step again. Truly
new positions (old 0, new 1) start at weight 0 with Adam m, v at 0. The output layer is dense
and never updated. Counts are conserved exactly.

Ties: ``random`` (default) orders tied positions at a threshold by a fresh uniform key from the
model's own generator, drawn only when that model has more ties than places, so a model's
stream, and hence its masks, are the same alone or in a batch of K. ``lowest_index`` takes the
lowest flat index. ``noise`` is the reference's: drop scores get N(0, 10⁻⁵) noise, remaining
ties take the lowest index. ``native`` leaves the choice to ``torch.topk``'s own order, which
is what a port that never thought about ties gets (its order is the kernel's, not a contract).

A method is a ``DropAndGrow`` subclass that overrides ``grow_score`` (and may name options of
it in ``GROW_SCORES``), registered by name: ``register_method("mine", Mine)``; then
``make_method("mine", settings)`` gives the engine callback and ``dst.methods: [mine]`` (with
``dst.plugins`` naming the module that registers it) trains it in the pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import torch

from psn.masks.stats import ccv_bound, fan_in_stats
from psn.model.init import derive_seed

TIE_POLICIES = ("random", "lowest_index", "noise", "native")
GROW_FROM = ("not_kept", "inactive")
NOISE_STD = 1e-5  # google-research's drop-score noise (generic_mask_update)
# The callback's key in ``TrainState.extra``: the name every checkpoint has carried since RigL
# was the only method, kept so that those checkpoints resume.
STATE_KEY = "rigl"

# per (model, layer) statistics recorded at the start and after every update
RECORDED = ("fanin_ccv", "fanout_ccv", "ccv_over_bound", "fanin_min", "fanin_max", "zero_fanin",
            "n_active", "k", "turnover", "regrown", "ever_active_fraction", "drop_ties",
            "grow_ties")


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name}={value!r} must be an integer of at least {low}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name}={value!r} must be true or false")


def _check_fraction(name: str, value: Any, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (0.0 < value <= 1.0 if open_low else 0.0 <= value <= 1.0):
        raise ValueError(f"{name}={value!r} must lie in {'(0, 1]' if open_low else '[0, 1]'}")


# ---------------------------------------------------------------------------------------------
# schedules


@dataclass(frozen=True)
class CosineSchedule:
    """Update every ``update_every`` optimizer steps while t ≤ end_fraction·T, dropping
    α(t) = ½·drop_fraction·(1 + cos(π·t/T_end)) of each layer's active weights (RigL's, and the
    RigL paper's SET)."""

    drop_fraction: float = 0.3
    update_every: int = 100
    end_fraction: float = 0.75
    update_at_zero: bool = False

    def __post_init__(self) -> None:
        _check_fraction("drop_fraction", self.drop_fraction)
        _check_int("update_every", self.update_every, 1)
        _check_fraction("end_fraction", self.end_fraction, open_low=True)
        _check_bool("update_at_zero", self.update_at_zero)

    def end_step(self, total_steps: int) -> float:
        return self.end_fraction * total_steps

    def is_update(self, t: int, total_steps: int, steps_per_epoch: int | None = None) -> bool:
        if t == 0 and not self.update_at_zero:
            return False
        return t % self.update_every == 0 and t <= self.end_step(total_steps)

    def alpha(self, t: int, total_steps: int) -> float:
        """The drop fraction at optimizer step t (0 past T_end)."""
        end = self.end_step(total_steps)
        if t > end:
            return 0.0
        return 0.5 * self.drop_fraction * (1.0 + math.cos(math.pi * t / end))


@dataclass(frozen=True)
class ConstantSchedule(CosineSchedule):
    """RigL's schedule without the decay: every ``update_every`` optimizer steps while
    t ≤ end_fraction·T, dropping α₀ = ``drop_fraction`` each time."""

    def alpha(self, t: int, total_steps: int) -> float:
        return 0.0 if t > self.end_step(total_steps) else self.drop_fraction


@dataclass(frozen=True)
class EpochSchedule:
    """Mocanu et al.'s SET: a constant fraction ζ = ``drop_fraction`` dropped and regrown after
    every epoch's worth of optimizer steps (t = E, 2E, … with E steps an epoch), for the whole
    run (none after the last epoch)."""

    drop_fraction: float = 0.3

    def __post_init__(self) -> None:
        _check_fraction("drop_fraction", self.drop_fraction)

    def is_update(self, t: int, total_steps: int, steps_per_epoch: int | None = None) -> bool:
        if steps_per_epoch is None:
            raise ValueError("the epoch schedule needs the steps per epoch")
        return 0 < t < total_steps and t % steps_per_epoch == 0

    def alpha(self, t: int, total_steps: int) -> float:
        return self.drop_fraction


SCHEDULES = {"cosine": CosineSchedule, "constant": ConstantSchedule, "epoch": EpochSchedule}


def make_schedule(name: str, *, drop_fraction: float, update_every: int = 100, end_fraction: float = 0.75,
                  update_at_zero: bool = False) -> CosineSchedule | ConstantSchedule | EpochSchedule:
    """The schedule ``name`` (``SCHEDULES``) from the config's settings; the epoch schedule takes
    only the drop fraction."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")
    if SCHEDULES[name] is EpochSchedule:
        return EpochSchedule(drop_fraction=drop_fraction)
    return SCHEDULES[name](drop_fraction=drop_fraction, update_every=update_every, end_fraction=end_fraction,
                           update_at_zero=update_at_zero)


def count_updates(schedule: CosineSchedule | EpochSchedule, total_steps: int,
                  steps_per_epoch: int) -> int:
    """How many updates a run of ``total_steps`` engine steps gets: the callback's own walk of
    t, which does not advance on an update step."""
    t, last, n = 0, -1, 0
    for _ in range(total_steps):
        if last != t and schedule.is_update(t, total_steps, steps_per_epoch):
            n, last = n + 1, t
        else:
            t += 1
    return n


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


# ---------------------------------------------------------------------------------------------
# the updater


@dataclass(frozen=True)
class DSTSettings:
    """Everything that determines a method's updates besides the model's seed: the schedule, the
    tie policy, the method's grow score (None: its first), and who may grow."""

    schedule: CosineSchedule | ConstantSchedule | EpochSchedule = field(default_factory=CosineSchedule)
    ties: str = "random"
    grow: str | None = None
    grow_from: str = "not_kept"

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, tuple(SCHEDULES.values())):
            raise ValueError(f"schedule={self.schedule!r} must be one of {sorted(SCHEDULES)}'s classes")
        if self.ties not in TIE_POLICIES:
            raise ValueError(f"unknown tie policy {self.ties!r}; choose one of {TIE_POLICIES}")
        if self.grow_from not in GROW_FROM:
            raise ValueError(f"unknown grow_from {self.grow_from!r}; choose one of {GROW_FROM}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DropAndGrow:
    """Engine callback: ``train_group(..., callback=RigL(settings))``; subclasses set ``name``
    and ``GROW_SCORES`` and override ``grow_score``.

    Its whole state lives in ``TrainState.extra[STATE_KEY]`` (optimizer-step count t, the
    generators' states, the ever-active masks, the history of records), so the engine's
    checkpoint carries it and a resumed run continues bit-identically. ``model_history(extra, j)``
    gives model j's records: one at t = 0 before any update, then one after every update.
    Each model and hidden layer has its own generator, seeded by
    ``derive_seed(seed, "rigl", layer)``, for ties and for a method's own draws.
    """

    name: ClassVar[str] = ""
    GROW_SCORES: ClassVar[tuple[str, ...]] = ("",)

    def __init__(self, settings: DSTSettings | None = None, *, check: bool = False) -> None:
        self.settings = settings or DSTSettings()
        if self.settings.grow is not None and self.settings.grow not in self.GROW_SCORES:
            raise ValueError(f"unknown grow score {self.settings.grow!r} for {self.name or type(self).__name__}; "
                             f"choose one of {self.GROW_SCORES}")
        self.check = check  # assert the invariants after every update (tests, debugging)
        self._bound: tuple[int, int] | None = None
        self._gens: list[list[torch.Generator]] = []

    @property
    def grow(self) -> str:
        """The grow score in use: the settings' or the method's first."""
        return self.settings.grow or self.GROW_SCORES[0]

    def grow_score(self, layer: LayerUpdate) -> torch.Tensor:
        """(K, N) scores over the flattened layer; the highest among ``layer.allowed`` grow."""
        raise NotImplementedError

    # -- state --------------------------------------------------------------------------------

    def _bind(self, state) -> dict:
        """Create (fresh run) or restore (resumed run) the callback's state on ``state``."""
        ext = state.extra.get(STATE_KEY)
        dev = state.weight(0).device
        if ext is None:
            for layer in range(state.n_hidden):
                if state.mask(layer) is None:
                    raise ValueError(f"{self.name or 'dynamic sparse training'} needs a mask on every "
                                     f"hidden layer; layer {layer} is dense")
            ext = {
                "t": 0,
                "last_update": -1,
                "ever": [state.mask(layer).clone() for layer in range(state.n_hidden)],
                "history": {"t": [], "step": [], "alpha": [], "layers": []},
                "generators": None,
            }
            state.extra[STATE_KEY] = ext
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
        if ext["last_update"] != t and sched.is_update(t, state.total_steps, state.steps_per_epoch):
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
            new, info = drop_and_grow(state.weight(layer), state.grad(layer), old, k, self.grow_score,
                                      ties=self.settings.ties, grow_from=self.settings.grow_from,
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
        hist = extra[STATE_KEY]["history"]
        out: dict[str, Any] = {"t": list(hist["t"]), "step": list(hist["step"]),
                               "alpha": list(hist["alpha"])}
        for name in RECORDED:
            out[name] = [[rec[name][j] for rec in layers] for layers in hist["layers"]]
        return out


# ---------------------------------------------------------------------------------------------
# the registry

METHODS: dict[str, type[DropAndGrow]] = {}


def register_method(name: str, cls: type[DropAndGrow] | None = None):
    """Register a ``DropAndGrow`` subclass under ``name`` (directly, or as a class decorator).
    Names are lowercase words, as they appear in paths and config files."""
    def add(c: type[DropAndGrow]) -> type[DropAndGrow]:
        if not (isinstance(c, type) and issubclass(c, DropAndGrow)):
            raise TypeError(f"method {name!r} must be a DropAndGrow subclass, got {c!r}")
        if not (name.isascii() and name.replace("_", "").isalnum() and name == name.lower()):
            raise ValueError(f"method name {name!r} must be lowercase letters, digits and _")
        if name in METHODS and METHODS[name] is not c:
            raise ValueError(f"method {name!r} is registered already ({METHODS[name].__name__})")
        c.name = name
        METHODS[name] = c
        return c

    return add if cls is None else add(cls)


def make_method(name: str, settings: DSTSettings | None = None, **kwargs) -> DropAndGrow:
    """The engine callback of method ``name``."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; registered: {sorted(METHODS)}")
    return METHODS[name](settings, **kwargs)
