"""Sparse training for anyone's PyTorch model: ``sparsify`` gives a model's ``nn.Linear`` layers
fan-in-profiled masks the ``torch.nn.utils.prune`` way, and ``DynamicSparsity`` updates them
inside an ordinary training loop with the pipeline's own drop-and-grow updater (RigL, SET, or
any registered method)::

    psn.sparsify(model, sparsity=0.9, profile="lognormal", ccv=1.5, spread="even", seed=0)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    dst = psn.DynamicSparsity(model, opt, method="rigl", total_steps=T)
    for x, y in loader:
        loss = F.cross_entropy(model(x), y); opt.zero_grad(); loss.backward()
        if dst.step():        # an update step: the masks changed; skip the optimizer step
            continue
        opt.step()

**Masks.** Each chosen layer gets a ``ProfiledMask``, a ``prune.BasePruningMethod``: the
parameter ``weight_orig``, the float buffer ``weight_mask``, and a forward pre-hook that sets
``weight = weight_mask * weight_orig``, so ``prune.is_pruned``, ``prune.remove`` and
``state_dict`` round trips work as for any pruned module. ``weight_orig`` is zeroed off the mask,
as the engine's weights are, so the parameters hold exactly what the model computes with.

**The dense gradient.** Under that parametrisation ``weight_orig.grad`` is g ⊙ M, zero wherever
the mask is, and a RigL that grows by it grows by ties (``grow="masked_gradient"`` in
``psn.training.rigl`` measures that failure). ``DynamicSparsity`` switches its layers' product to
``dense_gradient_product``: the same value, M ⊙ W, whose gradient with respect to W is
∂L/∂(M⊙W) itself. ``weight_orig.grad`` then holds the dense gradient after ``backward``, as the
engine's ``W.grad`` does; ``step()`` hands it to the updater and then multiplies it by the mask,
so the optimizer, like the engine's Adam, only ever sees the masked gradient.

**The updater.** ``DropAndGrow`` (``psn.training.dst``) works through a small state interface,
the engine's ``TrainState``: weight, dense gradient, mask and ``replace_mask`` per layer, the
seeds, the step counts, and ``extra``, where it keeps its whole state. ``_ModuleState`` is that
interface over one model (K = 1: every tensor a (1, out, in) view of a layer's), so the very same
schedule, drop, grow, tie and record code runs on a user's module; with the same initial
weights, masks and batches it gives the engine's masks exactly (``tests/test_module.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn
from torch.nn.utils import prune

from psn.masks.build import make_mask
from psn.masks.erk import erk_densities, uniform_densities
from psn.masks.network import layer_seed
from psn.training.dst import STATE_KEY, DSTSettings, make_method
from psn.training.schedules import SCHEDULES, CosineSchedule

# Per-layer budgets: every layer at the target, as the pipeline's profiled masks, or ERK's
# densities with the dense output outside the budget, as the pipeline's ERK starts.
BUDGETS = {"uniform": uniform_densities, "erk": erk_densities}


def dense_gradient_product(weight: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """M ⊙ W whose gradient with respect to W is ∂L/∂(M⊙W), not masked: the value is exactly
    mask · weight (plus weight − weight.detach(), an exact zero that carries the identity)."""
    return (mask * weight).detach() + (weight - weight.detach())


class ProfiledMask(prune.BasePruningMethod):
    """A given mask, installed the ``torch.nn.utils.prune`` way (``weight_orig``, ``weight_mask``,
    a forward pre-hook). With ``dense_gradient`` set (``DynamicSparsity`` sets it), the masked
    product passes ∂L/∂(M⊙W) to ``weight_orig.grad`` instead of g ⊙ M."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, mask: torch.Tensor) -> None:
        self.mask: torch.Tensor | None = mask
        self.dense_gradient = False

    def compute_mask(self, t: torch.Tensor, default_mask: torch.Tensor) -> torch.Tensor:
        return default_mask * self.mask.to(device=default_mask.device, dtype=default_mask.dtype)

    def apply_mask(self, module: nn.Module) -> torch.Tensor:
        if not self.dense_gradient:
            return super().apply_mask(module)
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return dense_gradient_product(orig, mask.to(dtype=orig.dtype))

    @classmethod
    def apply(cls, module: nn.Module, name: str, mask: torch.Tensor) -> ProfiledMask:  # type: ignore[override]
        method = super().apply(module, name, mask=mask)
        method.mask = None  # from now on the buffer ``<name>_mask`` is the mask
        return method


def _root(model: nn.Module) -> nn.Module:
    """The module itself, or the one ``torch.compile`` wraps (so layer names stay the user's)."""
    return getattr(model, "_orig_mod", model)


def linear_layers(model: nn.Module) -> dict[str, nn.Linear]:
    """Every ``nn.Linear`` of ``model`` by name, in ``named_modules`` order. Left out: the
    output projection of ``nn.MultiheadAttention``, whose weight is read without calling it."""
    skip = nn.modules.linear.NonDynamicallyQuantizableLinear
    return {name: m for name, m in _root(model).named_modules()
            if isinstance(m, nn.Linear) and not isinstance(m, skip)}


def sparse_layers(model: nn.Module) -> dict[str, nn.Linear]:
    """The layers ``sparsify`` masked, by name, in ``named_modules`` order."""
    return {name: m for name, m in _root(model).named_modules() if _hook(m) is not None}


def _hook(module: nn.Module) -> ProfiledMask | None:
    return next((h for h in module._forward_pre_hooks.values() if isinstance(h, ProfiledMask)), None)


def choose_layers(model: nn.Module, layers: str | Iterable[str] | None = None, *,
                  dense_output: bool = True) -> dict[str, nn.Linear]:
    """The ``nn.Linear`` layers to mask: those named in ``layers``, or all of them but, with
    ``dense_output``, the last one (the output layer), in ``named_modules`` order."""
    linear = linear_layers(model)
    if layers is None:
        names = list(linear)[:-1] if dense_output else list(linear)
        if not names:
            raise ValueError(f"the model has {len(linear)} nn.Linear layer(s) and none to sparsify"
                             + (" besides its dense output layer (dense_output=False masks it)"
                                if linear else ""))
        return {n: linear[n] for n in names}
    wanted = [layers] if isinstance(layers, str) else list(layers)
    unknown = [n for n in wanted if n not in linear]
    if unknown:
        raise ValueError(f"no nn.Linear layer named {unknown} in the model; its nn.Linear layers: "
                         f"{list(linear)}")
    if not wanted:
        raise ValueError("layers=[] names no layer to sparsify")
    return {n: m for n, m in linear.items() if n in wanted}


def layer_sparsities(shapes: list[tuple[int, int]], sparsity: float, budget: str = "uniform") -> list[float]:
    """Per-layer sparsity of layers (n_in, n_out) meeting ``sparsity`` over them: ``uniform``,
    the target in each; ``erk``, 1 − ERK's density (``psn.masks.erk``; a layer ERK makes dense
    gets sparsity 0)."""
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; choose one of {sorted(BUDGETS)}")
    densities = BUDGETS[budget](shapes, sparsity, dense_output=False)  # validates the sparsity too
    if budget == "uniform":  # the target itself, not 1 − (1 − s), so masks match the pipeline's
        return [float(sparsity)] * len(shapes)
    return [1.0 - float(d) for d in densities]


@torch.no_grad()
def sparsify(model: nn.Module, sparsity: float, profile: str = "random", *,
             layers: str | Iterable[str] | None = None, dense_output: bool = True,
             budget: str = "uniform", spread: str = "even", seed: int = 0, f_min: int = 1,
             rounding: str = "ceil", enforce_s_max: bool = True, **params) -> nn.Module:
    """Mask ``model``'s ``nn.Linear`` layers with a fan-in profile; returns ``model``.

    Layers: those named in ``layers``, or every ``nn.Linear`` but the last (the output layer,
    dense unless ``dense_output=False``). Their sparsities: ``budget`` (``uniform``: each at
    ``sparsity``; ``erk``: ERK's split of the same count). Layer l (in order) gets
    ``make_mask(n_in, n_out, s_l, profile, spread=..., seed=layer_seed(seed, l), **params)``,
    the pipeline's masks for a model with that seed (``profile="random", f_min=0`` with
    ``budget="erk"`` is its ERK start). The mask is installed as ``prune`` does it
    (``weight_orig``, ``weight_mask``) and ``weight_orig`` zeroed off it.
    """
    chosen = choose_layers(model, layers, dense_output=dense_output)
    pruned = [n for n, m in chosen.items() if prune.is_pruned(m)]
    if pruned:
        raise ValueError(f"layers {pruned} are pruned already; prune.remove them first")
    shapes = [(m.in_features, m.out_features) for m in chosen.values()]
    for index, ((name, module), s) in enumerate(zip(chosen.items(), layer_sparsities(shapes, sparsity, budget))):
        mask = make_mask(module.in_features, module.out_features, s, profile, spread=spread, f_min=f_min,
                         rounding=rounding, seed=layer_seed(seed, index), enforce_s_max=enforce_s_max,
                         **params)
        ProfiledMask.apply(module, "weight", mask.to(module.weight.device))
        module.weight_orig.mul_(module.weight_mask)
    return model


def reset_optimizer_state(optimizer: torch.optim.Optimizer, param: torch.Tensor,
                          positions: torch.Tensor) -> None:
    """Zero, at ``positions``, every per-element state ``optimizer`` keeps for ``param``: Adam's
    m and v (AMSGrad's max too), SGD's momentum buffer, and the like (jaxpruner's
    ``restart_inner_state``), so a new connection starts with none."""
    for value in optimizer.state.get(param, {}).values():
        if torch.is_tensor(value) and value.shape == param.shape:
            value.masked_fill_(positions, 0)


class _ModuleState:
    """The engine's ``TrainState`` interface over one model's sparsified layers (K = 1), so that
    ``DropAndGrow`` runs on them unchanged."""

    def __init__(self, layers: list[nn.Linear], optimizer: torch.optim.Optimizer, seed: int,
                 total_steps: int, steps_per_epoch: int | None) -> None:
        self.layers = layers
        self.optimizer = optimizer
        self.seeds = [int(seed)]
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.step = 0
        self.skip_optimizer_step = False
        self.extra: dict[str, Any] = {}

    @property
    def n_hidden(self) -> int:
        return len(self.layers)

    def weight(self, layer: int) -> torch.Tensor:
        return self.layers[layer].weight_orig.unsqueeze(0)

    def grad(self, layer: int) -> torch.Tensor | None:
        g = self.layers[layer].weight_orig.grad
        return None if g is None else g.unsqueeze(0)

    def mask(self, layer: int) -> torch.Tensor:
        return self.layers[layer].weight_mask.bool().unsqueeze(0)

    @torch.no_grad()
    def replace_mask(self, layer: int, new_mask: torch.Tensor) -> None:
        """Install bool (1, out, in) ``new_mask``: weights leaving it and weights new to it are
        zero, and the optimizer's state is reset wherever a position changed."""
        module = self.layers[layer]
        w = module.weight_orig
        new = new_mask.reshape(w.shape).to(device=w.device, dtype=torch.bool)
        old = module.weight_mask.bool()
        w.masked_fill_(~(old & new), 0.0)
        reset_optimizer_state(self.optimizer, w, old ^ new)
        module.weight_mask.copy_(new)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DynamicSparsity:
    """Drop-and-grow dynamic sparse training of a model ``sparsify`` masked: call ``step()`` after
    ``loss.backward()`` and before ``optimizer.step()``; it returns True on an update step (the
    masks changed; skip the optimizer step, as RigL does).

    ``method``: a name in ``psn.training.METHODS`` (``"rigl"``, ``"set"``, or one registered).
    ``total_steps``: the optimizer steps the run will take, T. ``schedule``: a schedule of
    ``psn.training.dst`` (default ``CosineSchedule()``: ΔT = 100, α₀ = 0.3, T_end = 0.75·T, the
    pipeline's) or its name; ``steps_per_epoch`` is needed by ``"epoch"`` only. ``ties``,
    ``grow`` and ``grow_from`` as ``DSTSettings``. ``seed`` seeds the updater's generators, as a
    model's seed does in the engine. ``check`` asserts the invariants after every update.

    The optimizer must hold the sparsified weights (``weight_orig``); its state there is reset
    wherever a connection appears or disappears. ``history()`` gives the per-update records,
    ``state_dict()``/``load_state_dict()`` carry the updater's whole state for a resumed run.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, method: str = "rigl",
                 total_steps: int | None = None, *, schedule: Any = None, ties: str = "random",
                 grow: str | None = None, grow_from: str = "not_kept", seed: int = 0,
                 steps_per_epoch: int | None = None, check: bool = False) -> None:
        layers = sparse_layers(model)
        if not layers:
            raise ValueError("the model has no sparsified layer: call psn.sparsify(model, ...) first")
        if not _is_int(total_steps) or total_steps < 1:
            raise ValueError(f"total_steps={total_steps!r} must be the run's optimizer steps, an integer >= 1")
        if steps_per_epoch is not None and (not _is_int(steps_per_epoch) or steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch={steps_per_epoch!r} must be an integer >= 1")
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        missing = [n for n, m in layers.items() if id(m.weight_orig) not in held]
        if missing:
            raise ValueError(f"the optimizer does not hold the weights of {missing}; build it from "
                             "model.parameters() (before or after sparsify)")
        settings = DSTSettings(schedule=self._schedule(schedule), ties=ties, grow=grow, grow_from=grow_from)
        self.method = make_method(method, settings, check=check)
        self.layer_names = list(layers)
        self._state = _ModuleState(list(layers.values()), optimizer, seed, total_steps, steps_per_epoch)
        for m in layers.values():
            _hook(m).dense_gradient = True  # weight_orig.grad becomes ∂L/∂(M⊙W)

    @staticmethod
    def _schedule(schedule: Any):
        if schedule is None:
            return CosineSchedule()
        if isinstance(schedule, str):
            if schedule not in SCHEDULES:
                raise ValueError(f"unknown schedule {schedule!r}; choose one of {sorted(SCHEDULES)}")
            return SCHEDULES[schedule]()
        return schedule

    @property
    def settings(self) -> DSTSettings:
        return self.method.settings

    def step(self) -> bool:
        """One training step's share: the update, if the schedule says so (True: the masks
        changed and the optimizer step is to be skipped), else the gradients masked for the
        optimizer (False)."""
        st = self._state
        st.skip_optimizer_step = False
        self.method(st, st.step)
        if not st.skip_optimizer_step:
            with torch.no_grad():
                for m in st.layers:
                    if m.weight_orig.grad is not None:
                        m.weight_orig.grad.mul_(m.weight_mask)
        st.step += 1
        return st.skip_optimizer_step

    def masks(self) -> dict[str, torch.Tensor]:
        """The current bool masks (out, in) by layer name."""
        return {n: m.weight_mask.bool() for n, m in zip(self.layer_names, self._state.layers)}

    def history(self) -> dict[str, Any]:
        """The records: ``t``, ``step``, ``alpha`` per record and, per statistic of
        ``psn.training.dst.RECORDED`` (``fanin_ccv``, ``turnover``, ``n_active``, ...), a list over
        records of per-layer values, layers in ``layer_names`` order. The first record is the
        start, made at the first ``step()``; then one after every update."""
        if STATE_KEY not in self._state.extra:
            return {}
        return self.method.model_history(self._state.extra, 0)

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs besides the model's and optimizer's own state dicts
        (a copy: training on does not change it)."""
        st = self._state
        return {"method": self.method.name, "schedule": type(self.settings.schedule).__name__,
                "settings": self.settings.as_dict(),
                "layers": list(self.layer_names), "seed": st.seeds[0], "total_steps": st.total_steps,
                "step": st.step, "extra": copy.deepcopy(st.extra)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from ``state_dict()``'s; the method, settings, layers, seed and T must be
        this object's."""
        st = self._state
        own = self.state_dict()
        differs = [k for k in ("method", "schedule", "settings", "layers", "seed", "total_steps") if state.get(k) != own[k]]
        if differs:
            raise ValueError(f"the state is of another run: {differs} differ "
                             f"({ {k: state.get(k) for k in differs} } here { {k: own[k] for k in differs} })")
        extra = copy.deepcopy(dict(state["extra"]))
        ext = extra.get(STATE_KEY)
        if ext is not None:
            dev = st.layers[0].weight_orig.device
            ext["ever"] = [e.to(dev) for e in ext["ever"]]
        st.extra, st.step = extra, int(state["step"])
        # a fresh updater binds to the restored state: its generators continue from the saved ones
        self.method = make_method(self.method.name, self.settings, check=self.method.check)

