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

The schedules live in ``psn.training.schedules`` and the per-layer update's pure tensor
functions (drop score, selection, ``drop_and_grow``, records) in ``psn.training.drop_grow``;
this module holds the updater that runs them, its settings and the registry of methods.

A method is a ``DropAndGrow`` subclass that overrides ``grow_score`` (and may name options of
it in ``GROW_SCORES``), registered by name: ``register_method("mine", Mine)``; then
``make_method("mine", settings)`` gives the engine callback and ``dst.methods: [mine]`` (with
``dst.plugins`` naming the module that registers it) trains it in the pipeline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import torch

from psn.model.init import derive_seed
from psn.training.drop_grow import (GROW_FROM, TIE_POLICIES, LayerUpdate, check_update, drop_and_grow, drop_counts,
                                     layer_record)
from psn.training.schedules import SCHEDULES, ConstantSchedule, CosineSchedule, EpochSchedule

# The callback's key in ``TrainState.extra``: the name every checkpoint has carried since RigL
# was the only method, kept so that those checkpoints resume.
STATE_KEY = "rigl"

# per (model, layer) statistics recorded at the start and after every update
RECORDED = ("fanin_ccv", "fanout_ccv", "ccv_over_bound", "fanin_min", "fanin_max", "zero_fanin",
            "n_active", "k", "turnover", "regrown", "ever_active_fraction", "drop_ties",
            "grow_ties")


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
