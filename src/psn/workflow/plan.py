"""Expand a validated config into mask jobs (and, later, training groups).

A *condition* names one fan-in assignment: a profile and its parameters, or a baseline.
Its string form is what the workflow's ``{condition}`` wildcard holds, e.g.
``exponential``, ``lognormal-ccv1.5``, ``multipeak-k3-beta50``, ``random``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from psn.config import STATIC_EXPERIMENTS


def format_sparsity(sparsity: float) -> str:
    """0.9 -> '90', 0.999 -> '99.9': the percent, as short as exact."""
    return f"{100 * sparsity:.6g}"


def format_value(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True)
class Condition:
    """A profile with its parameters, or a baseline ('random' masks, 'dense' no mask)."""

    profile: str
    params: tuple[tuple[str, float], ...] = ()

    @property
    def name(self) -> str:
        if self.profile in {"random_baseline"}:
            return "random"
        parts = [self.profile] + [f"{k}{format_value(v)}" for k, v in self.params]
        return "-".join(parts)

    @property
    def is_dense(self) -> bool:
        return self.profile == "dense"

    def mask_profile(self, random_baseline: str) -> tuple[str, dict[str, float]]:
        """The ``psn.make_mask`` profile name and keyword parameters for this condition."""
        if self.profile == "random_baseline":
            return ("uniform" if random_baseline == "uniform" else "random"), {}
        return self.profile, dict(self.params)


RANDOM = Condition("random_baseline")
DENSE = Condition("dense")


@dataclass(frozen=True)
class MaskJob:
    """Masks for every hidden layer of one architecture, for every seed that uses them."""

    dataset: str
    condition: Condition
    spread: str
    sparsity: float
    layer_sizes: tuple[int, ...]          # input, hidden...: the masked layers only
    seeds: tuple[int, ...] = field(default=())

    @property
    def key(self) -> str:
        return (f"{self.dataset}/{self.condition.name}/{self.spread}/"
                f"s{format_sparsity(self.sparsity)}")


def static_conditions(exp: dict, profile_params: dict) -> Iterator[tuple[Condition, str]]:
    """(condition, spread) pairs of one static experiment; the dense baseline excluded."""
    for spread in exp["spreads"]:
        for profile in exp["profiles"]:
            params = tuple(sorted(profile_params.get(profile, {}).items()))
            yield Condition(profile, params), spread
        for ccv in exp["lognormal_ccv"]:
            yield Condition("lognormal", (("ccv", ccv),)), spread
        for ccv in exp["powerlaw_ccv"]:
            yield Condition("powerlaw", (("ccv", ccv),)), spread
        for k in exp["k"]:
            for beta in exp["beta"]:
                yield Condition("multipeak", (("k", k), ("beta", beta))), spread
    if "random" in exp["baselines"]:
        yield RANDOM, "random"


def experiment_sparsities(exp: dict, dataset: str) -> list[float]:
    extra = exp["sweep_sparsities"].get(dataset, [])
    return sorted(set(exp["sparsities"]) | set(extra))


def masked_layer_sizes(cfg: dict, dataset: str) -> tuple[int, ...]:
    from psn.data import DATASETS

    return (DATASETS[dataset].input_dim, *cfg["datasets"][dataset]["hidden"])


def mask_jobs(cfg: dict) -> dict[str, MaskJob]:
    """Every static mask artifact the config needs, keyed by its path key; seeds merged
    across experiments that share a configuration."""
    seeds: dict[tuple, set[int]] = {}
    jobs: dict[tuple, MaskJob] = {}
    for name in STATIC_EXPERIMENTS:
        exp = cfg["experiments"].get(name)
        if not exp or not exp["enabled"]:
            continue
        exp_seeds = exp.get("seeds", cfg["seeds"])
        for dataset in exp["datasets"]:
            sizes = masked_layer_sizes(cfg, dataset)
            for condition, spread in static_conditions(exp, cfg["masks"]["profile_params"]):
                for sparsity in experiment_sparsities(exp, dataset):
                    ident = (dataset, condition, spread, sparsity)
                    jobs.setdefault(ident, MaskJob(dataset, condition, spread, sparsity, sizes))
                    seeds.setdefault(ident, set()).update(exp_seeds)
    out = {}
    for ident, job in jobs.items():
        job = MaskJob(job.dataset, job.condition, job.spread, job.sparsity, job.layer_sizes,
                      tuple(sorted(seeds[ident])))
        out[job.key] = job
    return dict(sorted(out.items()))
