"""Expand a validated config into the jobs the Snakefile builds: training groups and the mask
artifacts they read.

A *condition* names one fan-in assignment: a profile and its parameters, or a baseline.
Its string form is what the workflow's ``{condition}`` wildcard holds, e.g.
``exponential``, ``lognormal-ccv1.5``, ``multipeak-k3-beta50``, ``random``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

from psn.masks.profiles import random_baseline_profile
from psn.names import STATIC_EXPERIMENTS, format_arch, format_sparsity, format_value, parse_reading, reading_name
from psn.workflow import cost


@dataclass(frozen=True)
class Condition:
    """A profile with its parameters, or a baseline ('random' masks, 'dense' no mask)."""

    profile: str
    params: tuple[tuple[str, float], ...] = ()

    @property
    def name(self) -> str:
        if self == RANDOM:
            return "random"
        parts = [self.profile] + [f"{k}{format_value(v)}" for k, v in self.params]
        return "-".join(parts)

    @property
    def is_dense(self) -> bool:
        return self.profile == "dense"

    def mask_profile(self, random_baseline: str) -> tuple[str, dict[str, float]]:
        """The ``psn.make_mask`` profile name and keyword parameters for this condition."""
        if self.profile == "random_baseline":
            return random_baseline_profile(random_baseline), {}
        if self.profile.startswith(RANDOM_AS):  # a named random baseline (the readings')
            return random_baseline_profile(self.profile[len(RANDOM_AS):]), {}
        return self.profile, dict(self.params)


RANDOM = Condition("random_baseline")
DENSE = Condition("dense")
RANDOM_AS = "random_"          # Condition("random_erdos_renyi"): that random baseline by name

HE_INITS = ("mean_fan_in", "per_neuron", "dense_fan_in")  # all give a dense layer sqrt(2 / n_in)


def reading_condition(condition: Condition, axis: str, value: str, default: str) -> Condition | None:
    """The condition a group trains under the reading (``default``: the config's own value on
    ``axis``), or None where the reading changes nothing for it (the group is then the
    default's): the random baseline reading touches only the random baseline; one He init
    read in place of another leaves dense models as they are."""
    if axis == "random_baseline":
        return Condition(RANDOM_AS + value) if condition == RANDOM else None
    if axis == "init" and condition.is_dense and value in HE_INITS and default in HE_INITS:
        return None
    return condition


def reading_default(cfg: dict, axis: str) -> str:
    """The config's own value on a reading's axis."""
    return {"init": cfg["training"]["init"], "normalise": cfg["data"]["normalise"],
            "random_baseline": cfg["masks"]["random_baseline"]}[axis]


@dataclass(frozen=True)
class MaskJob:
    """Masks for every hidden layer of one architecture, for every seed that uses them. A
    mask depends on the layer sizes, not the data: datasets of one shape share them."""

    condition: Condition
    spread: str
    sparsity: float
    layer_sizes: tuple[int, ...]          # input, hidden...: the masked layers only
    seeds: tuple[int, ...] = field(default=())

    @property
    def key(self) -> str:
        return mask_key(self.layer_sizes, self.condition, self.spread, self.sparsity)

    def to_params(self, cfg: dict) -> dict:
        """The rule's ``params.job``: everything that determines the artifact, so a config change
        reruns exactly it (key order is the artifact's: keep it)."""
        masks = cfg["masks"]
        profile, params = self.condition.mask_profile(masks["random_baseline"])
        return {
            "profile": profile,
            "params": params,
            "spread": self.spread,
            "sparsity": self.sparsity,
            "layer_sizes": list(self.layer_sizes),
            "seeds": list(self.seeds),
            "f_min": masks["f_min"],
            "rounding": masks["rounding"],
            "enforce_s_max": masks["above_smax"] == "error",
            "condition": self.condition.name,
            "arch": format_arch(self.layer_sizes),
        }


def mask_key(layer_sizes, condition: Condition, spread: str, sparsity: float) -> str:
    """'784-1024-1024/exponential-alpha3/even/s90': the masked layers' sizes, then the rest."""
    return (f"{format_arch(layer_sizes)}/{condition.name}/{spread}/"
            f"s{format_sparsity(sparsity)}")


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


def mask_jobs(cfg: dict) -> dict[str, MaskJob]:
    """Every static mask artifact the config's training groups read, keyed by its path key;
    seeds merged across groups that share masks."""
    seeds: dict[str, set[int]] = {}
    jobs: dict[str, MaskJob] = {}
    for _, job in _experiment_groups(cfg):
        key = job.mask_key
        if key is None:
            continue
        jobs.setdefault(key, MaskJob(job.condition, job.spread, job.sparsity,
                                     job.layer_sizes[:-1]))
        seeds.setdefault(key, set()).update(job.seeds)
    return {key: MaskJob(j.condition, j.spread, j.sparsity, j.layer_sizes,
                         tuple(sorted(seeds[key])))
            for key, j in sorted(jobs.items())}


# --------------------------------------------------------------------------------------------
# training groups


@dataclass(frozen=True)
class TrainJob:
    """One group of models trained together: every seed of one configuration."""

    dataset: str
    condition: Condition
    spread: str                           # 'none' for dense models
    sparsity: float                       # 0.0 for dense models
    epochs: int
    layer_sizes: tuple[int, ...]          # input, hidden..., classes
    batch_size: int
    seeds: tuple[int, ...] = field(default=())
    reading: str = ""                     # "" (the config's settings) | "<axis>-<value>"

    @property
    def mask_key(self) -> str | None:
        if self.condition.is_dense:
            return None
        return mask_key(self.layer_sizes[:-1], self.condition, self.spread, self.sparsity)

    @property
    def key(self) -> str:
        prefix = f"readings/{self.reading}/" if self.reading else ""
        return (f"{prefix}{self.dataset}/{format_arch(self.layer_sizes)}/e{self.epochs}/"
                f"{self.condition.name}/{self.spread}/s{format_sparsity(self.sparsity)}")

    def override(self, axis: str) -> str | None:
        """This group's value on ``axis`` if its reading changes it, else None."""
        if not self.reading:
            return None
        a, value = parse_reading(self.reading)
        return value if a == axis else None

    def to_params(self, cfg: dict) -> dict:
        """The rule's ``params.job``, written into the run's JSON: everything that determines the
        group's results (key order is the results files': keep it)."""
        profile, params = self.condition.mask_profile(cfg["masks"]["random_baseline"])
        return {
            "key": self.key,
            "dataset": self.dataset,
            "arch": format_arch(self.layer_sizes),
            "layer_sizes": list(self.layer_sizes),
            "condition": self.condition.name,
            "profile": "dense" if self.condition.is_dense else profile,
            "params": params,
            "spread": self.spread,
            "sparsity": self.sparsity,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seeds": list(self.seeds),
            "training": {**cfg["training"], "init": self.override("init") or cfg["training"]["init"]},
            **({"reading": self.reading} if self.reading else {}),  # absent for the default: caches stay valid
        }

    MODEL_COPIES = 6  # per model: weights, grads, Adam m and v, masks

    def runtime_minutes(self) -> int:
        return cost.runtime_minutes(self)

    def mem_mb(self) -> int:
        return cost.mem_mb(self, self.MODEL_COPIES)


def dataset_layer_sizes(cfg: dict, dataset: str, hidden=None) -> tuple[int, ...]:
    from psn.data import DATASETS

    spec = DATASETS[dataset]
    hidden = cfg["datasets"][dataset]["hidden"] if hidden is None else hidden
    return (spec.input_dim, *hidden, spec.n_classes)


def _experiment_groups(cfg: dict) -> Iterator[tuple[str, TrainJob]]:
    """(experiment, job) for every group every enabled static experiment trains."""
    from psn.config import epochs_for

    for name in STATIC_EXPERIMENTS:
        exp = cfg["experiments"].get(name)
        if not exp or not exp["enabled"]:
            continue
        seeds = tuple(exp.get("seeds", cfg["seeds"]))
        for dataset in exp["datasets"]:
            common = dict(epochs=epochs_for(exp["epochs"], dataset),
                          layer_sizes=dataset_layer_sizes(cfg, dataset),
                          batch_size=cfg["datasets"][dataset]["batch_size"], seeds=seeds)
            groups = [TrainJob(dataset, DENSE, "none", 0.0, **common)] if "dense" in exp["baselines"] else []
            groups += [TrainJob(dataset, condition, spread, sparsity, **common)
                       for condition, spread in static_conditions(exp, cfg["masks"]["profile_params"])
                       for sparsity in experiment_sparsities(exp, dataset)]
            for job in groups:
                yield name, job
            for axis, values in exp.get("readings", {}).items():
                for value in values:
                    default = reading_default(cfg, axis)
                    if value == default:
                        continue  # the default groups are that reading
                    for job in groups:
                        cond = reading_condition(job.condition, axis, value, default)
                        if cond is not None:
                            yield name, replace(job, condition=cond, reading=reading_name(axis, value))
    grid = cfg["experiments"].get("forest_grid")
    if grid and grid["enabled"]:
        seeds = tuple(grid.get("seeds", cfg["seeds"]))
        for dataset in grid["datasets"]:
            for depth in grid["depths"]:
                for width in grid["widths"]:
                    yield "forest_grid", TrainJob(
                        dataset, DENSE, "none", 0.0, epochs_for(grid["epochs"], dataset),
                        dataset_layer_sizes(cfg, dataset, [width] * depth),
                        cfg["datasets"][dataset]["batch_size"], seeds)


def train_jobs(cfg: dict) -> dict[str, TrainJob]:
    """Every static training group, keyed by its path key; seeds merged across experiments
    that share a configuration (same data, architecture, epochs, masks)."""
    merged: dict[str, TrainJob] = {}
    for _, job in _experiment_groups(cfg):
        old = merged.get(job.key)
        seeds = tuple(sorted(set(job.seeds) | set(old.seeds if old else ())))
        merged[job.key] = replace(job, seeds=seeds)
    return dict(sorted(merged.items()))


def experiment_members(cfg: dict) -> dict[str, list[tuple[str, tuple[int, ...]]]]:
    """For each enabled static experiment: its (train job key, seeds) pairs, in plan order."""
    out: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for name, job in _experiment_groups(cfg):
        pairs = out.setdefault(name, [])
        if (job.key, job.seeds) not in pairs:
            pairs.append((job.key, job.seeds))
    return out
