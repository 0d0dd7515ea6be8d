"""Starting masks for dynamic sparse training (§2.8, §3.3): ERK, uniform, lognormal at a target
CCV, and the static random baseline trained without updates as the reference; and ``Start``, the
one place a start's name (the workflow's ``{start}`` wildcard) is made and read.

``layer_sizes`` lists the input width, the hidden widths and the classes; the hidden layers are
masked, the output layer is dense. Layer l of the model with seed s draws from
``layer_seed(s, l)``, as the masks stage does, so a start never depends on the other layers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from psn.masks.build import make_mask
from psn.masks.erk import erdos_renyi_mask, erk_densities, uniform_densities
from psn.masks.network import layer_seed
from psn.masks.profiles import random_baseline_profile

STARTS = ("erk", "uniform", "lognormal", "static")

_NUMBER = r"[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?"
_EQUIL, _PAPER, _FIXED = "ln-equil", "ln-paper", "lognormal-ccv"


def _format(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True, order=False)
class Start:
    """How a dynamic group's masks begin: a mask ``kind`` (``STARTS``) and, for a lognormal, where
    its CCV comes from: a fixed ``ccv``, the measured equilibrium plus ``offset``, or the paper's
    own Table 4 value (``paper``). Its ``name`` is the ``{start}`` wildcard:

    ``erk``, ``uniform``, ``static``; ``lognormal-ccv2.5``; ``ln-equil``, ``ln-equil-0.5``,
    ``ln-equil+0.5``; ``ln-paper``. ``Start.parse(name)`` reads one back; ``WILDCARD`` matches
    exactly the names ``parse`` accepts.
    """

    kind: str
    ccv: float | None = None
    offset: float | None = None
    paper: bool = False

    WILDCARD = (rf"erk|uniform|static|{_PAPER}|{_EQUIL}(?:[+-]{_NUMBER})?|{_FIXED}{_NUMBER}")

    def __post_init__(self) -> None:
        if self.kind not in STARTS:
            raise ValueError(f"unknown start kind {self.kind!r}; choose one of {STARTS}")
        sources = (self.ccv is not None) + (self.offset is not None) + bool(self.paper)
        if self.kind == "lognormal" and sources != 1:
            raise ValueError("a lognormal start takes exactly one of ccv, offset, paper")
        if self.kind != "lognormal" and sources:
            raise ValueError(f"a {self.kind} start takes no ccv, offset or paper")
        for what in ("ccv", "offset"):
            v = getattr(self, what)
            if v is not None and not (isinstance(v, (int, float)) and abs(v) < 1e6 and v == v):
                raise ValueError(f"start {what}={v!r} must be a finite number")
        if self.ccv is not None and not self.ccv > 0:
            raise ValueError(f"a fixed lognormal start needs ccv > 0, got {self.ccv!r}")

    @classmethod
    def fixed(cls, ccv: float) -> Start:
        return cls("lognormal", ccv=float(ccv))

    @classmethod
    def equilibrium(cls, offset: float = 0.0) -> Start:
        return cls("lognormal", offset=float(offset))

    @classmethod
    def at_paper(cls) -> Start:
        return cls("lognormal", paper=True)

    @classmethod
    def parse(cls, name: str) -> Start:
        """The start a name stands for; a name ``WILDCARD`` does not match is a ValueError."""
        if not isinstance(name, str) or not re.fullmatch(cls.WILDCARD, name):
            raise ValueError(f"{name!r} is not a start name (erk, uniform, static, ln-paper, ln-equil[±x], "
                             "lognormal-ccv<x>)")
        if name in ("erk", "uniform", "static"):
            return cls(name)
        if name == _PAPER:
            return cls.at_paper()
        if name.startswith(_EQUIL):
            rest = name[len(_EQUIL):]
            return cls.equilibrium(float(rest) if rest else 0.0)
        return cls.fixed(float(name[len(_FIXED):]))

    @property
    def name(self) -> str:
        if self.kind != "lognormal":
            return self.kind
        if self.paper:
            return _PAPER
        if self.offset is not None:
            if self.offset == 0:
                return _EQUIL
            return f"{_EQUIL}{'+' if self.offset > 0 else '-'}{_format(abs(self.offset))}"
        return f"{_FIXED}{_format(self.ccv)}"

    def __str__(self) -> str:
        return self.name

    @property
    def needs_equilibrium(self) -> bool:
        """Whether the target CCV is read from the cell's equilibrium file when the job runs."""
        return self.offset is not None

    @property
    def label(self) -> str:
        """'ERK', 'Uniform', 'Static random', 'LN (equil.)', 'LN (equil. −0.5)', 'LN (paper CCV)',
        'LN (CCV 2.5)'."""
        if self.kind != "lognormal":
            return {"erk": "ERK", "uniform": "Uniform", "static": "Static random"}[self.kind]
        if self.paper:
            return "LN (paper CCV)"
        if self.offset is not None:
            return "LN (equil.)" if self.offset == 0 else f"LN (equil. {self.name[len(_EQUIL):].replace('-', '−')})"
        return f"LN (CCV {_format(self.ccv)})"

    @property
    def rank(self) -> tuple:
        """Sort key: LN(equil.) and its offsets (nearest first), LN(paper), fixed lognormals,
        ERK, uniform, static."""
        if self.offset is not None:
            return (0, abs(self.offset), self.offset, self.name)
        order = {"erk": 3, "uniform": 4, "static": 5}
        return (1 if self.paper else order.get(self.kind, 2), 0.0, 0.0, self.name)


def ordered_starts(names) -> list[str]:
    """Distinct start names in ``Start.rank`` order."""
    return sorted(set(names), key=lambda n: Start.parse(n).rank)


def start_densities(layer_sizes: Sequence[int], sparsity: float, start: str, *,
                    dense_output_in_budget: bool = False) -> list[float]:
    """Per hidden layer density of an ERK or uniform start (the dense output outside the budget
    unless ``dense_output_in_budget``)."""
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    fn = {"erk": erk_densities, "uniform": uniform_densities}[start]
    d = fn(shapes, sparsity, dense_output=True, include_dense_output=dense_output_in_budget)
    return [float(x) for x in d[:-1]]


def start_masks(layer_sizes: Sequence[int], sparsity: float, start: str, *, seed: int,
                ccv: float | Sequence[float] | None = None, f_min: int = 1, rounding: str = "ceil",
                random_baseline: str = "uniform", enforce_s_max: bool = True,
                dense_output_in_budget: bool = False) -> list[torch.Tensor]:
    """Bool masks (n_out, n_in), one per hidden layer, of one model.

    - ``erk`` / ``uniform``: an Erdős–Rényi mask per layer at its budgeted density (exact count,
      binomial fan-in);
    - ``lognormal``: the masks stage's lognormal fan-in at ``ccv`` (one value, or one per hidden
      layer), random spreading; a target ≤ 0 gives CCV 0, constant fan-in;
    - ``static``: the static experiments' random baseline (``random_baseline`` reading).
    """
    if start not in STARTS:
        raise ValueError(f"unknown RigL start {start!r}; choose one of {STARTS}")
    hidden = list(zip(layer_sizes[:-2], layer_sizes[1:-1]))
    if start in ("erk", "uniform"):
        dens = start_densities(layer_sizes, sparsity, start,
                               dense_output_in_budget=dense_output_in_budget)
        return [erdos_renyi_mask(n_in, n_out, d, seed=layer_seed(seed, layer))
                for layer, ((n_in, n_out), d) in enumerate(zip(hidden, dens))]
    common = dict(spread="random", f_min=f_min, rounding=rounding, enforce_s_max=enforce_s_max)
    if start == "static":
        profile = random_baseline_profile(random_baseline)
        return [make_mask(n_in, n_out, sparsity, profile, seed=layer_seed(seed, layer), **common)
                for layer, (n_in, n_out) in enumerate(hidden)]
    if ccv is None:
        raise ValueError("a lognormal start needs a target ccv")
    targets = [float(ccv)] * len(hidden) if isinstance(ccv, (int, float)) else [float(c) for c in ccv]
    if len(targets) != len(hidden):
        raise ValueError(f"need one ccv per hidden layer ({len(hidden)}), got {len(targets)}")
    if not all(math.isfinite(c) for c in targets):  # NaN fails c > 0 and would start from constant fan-in
        raise ValueError(f"ccv={ccv!r} must be finite (a target <= 0 gives constant fan-in)")
    return [
        make_mask(n_in, n_out, sparsity, "lognormal", ccv=c, seed=layer_seed(seed, layer), **common)
        if c > 0 else
        make_mask(n_in, n_out, sparsity, "uniform", seed=layer_seed(seed, layer), **common)
        for layer, ((n_in, n_out), c) in enumerate(zip(hidden, targets))
    ]


def group_start_masks(job, seed: int, ccv: float | Sequence[float] | None = None) -> list[torch.Tensor]:
    """The starting masks of one model of a dynamic group, from the group's job parameters as its
    run file carries them (``start``, ``layer_sizes``, ``sparsity``, ``masks``, ``rigl``) and the
    lognormal target ``ccv`` it resolved (the run file's ``start.ccv_target``)."""
    masks_cfg, settings = job["masks"], job["rigl"]
    return start_masks(job["layer_sizes"], job["sparsity"], Start.parse(job["start"]).kind, seed=seed,
                       ccv=ccv, f_min=masks_cfg["f_min"], rounding=masks_cfg["rounding"],
                       random_baseline=masks_cfg["random_baseline"],
                       enforce_s_max=masks_cfg["above_smax"] == "error",
                       dense_output_in_budget=settings["erk_dense_output_in_budget"])
