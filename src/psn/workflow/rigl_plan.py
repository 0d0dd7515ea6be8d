"""Expand the config's ``rigl`` section into RigL training groups (§2.8, §3.3).

A *start* names how a group's masks begin; its string form is the ``{start}`` wildcard:

- ``erk``, ``uniform``: RigL from Erdős–Rényi masks at ERK or uniform layer densities;
- ``lognormal-ccv2.5``: RigL from lognormal fan-in at a fixed CCV (the equilibrium runs' third
  start);
- ``ln-equil``, ``ln-equil-0.5``, ``ln-equil+0.5``: RigL from lognormal fan-in at the measured
  equilibrium CCV plus an offset; the target is read from the equilibrium file when the job
  runs, so the plan (and a dry run) needs no training;
- ``ln-paper``: lognormal at the paper's own Table 4 value for that (dataset, sparsity);
- ``static``: the static random baseline, trained without mask updates (the reference).

The equilibrium of a (dataset, sparsity) is measured from the ``equilibrium_starts`` groups.
The confirmation's seeds beyond the config's ``seeds`` train as separate groups (key suffix
``-confirm``): the equilibrium stays measured on the same seeds in every cell, and adding the
confirmation retrains nothing already trained. A batched group gives each model what a single
run would, so splitting the seeds changes no result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psn.workflow.plan import dataset_layer_sizes, format_arch, format_sparsity, format_value

EQUILIBRIUM_PREFIX = "ln-equil"


def equilibrium_start(offset: float) -> str:
    """0 -> 'ln-equil', -0.5 -> 'ln-equil-0.5', 0.5 -> 'ln-equil+0.5'."""
    if offset == 0:
        return EQUILIBRIUM_PREFIX
    return f"{EQUILIBRIUM_PREFIX}{'+' if offset > 0 else '-'}{format_value(abs(offset))}"


def start_offset(start: str) -> float | None:
    """The CCV offset of an ``ln-equil…`` start, None for any other start."""
    if not start.startswith(EQUILIBRIUM_PREFIX):
        return None
    rest = start[len(EQUILIBRIUM_PREFIX):]
    return float(rest) if rest else 0.0


def lognormal_start(ccv: float) -> str:
    return f"lognormal-ccv{format_value(ccv)}"


def start_mask_kind(start: str) -> str:
    """The ``psn.masks.starts`` kind a start's masks are drawn as: every ``ln-…`` and
    ``lognormal-…`` start is lognormal; ``erk``, ``uniform``, ``static`` are themselves."""
    return "lognormal" if start.startswith(("ln-", "lognormal-")) else start


def fixed_start_ccv(start: str) -> float | None:
    """The CCV written in a ``lognormal-ccv<x>`` start's name, None for any other start."""
    prefix = lognormal_start(0).removesuffix("0")
    return float(start[len(prefix):]) if start.startswith(prefix) else None


@dataclass(frozen=True)
class RigLJob:
    """One group of models trained together with RigL (or statically, for ``static``)."""

    dataset: str
    start: str
    sparsity: float
    epochs: int
    layer_sizes: tuple[int, ...]          # input, hidden..., classes
    batch_size: int
    seeds: tuple[int, ...] = field(default=())
    part: str = ""                        # "" (the cell's seeds) | "confirm" (the extra seeds)

    @property
    def key(self) -> str:
        suffix = f"-{self.part}" if self.part else ""
        return (f"{self.dataset}/{format_arch(self.layer_sizes)}/e{self.epochs}/{self.start}/"
                f"s{format_sparsity(self.sparsity)}{suffix}")

    @property
    def cell(self) -> str:
        """The (dataset, architecture, epochs, sparsity) cell the group belongs to."""
        return (f"{self.dataset}/{format_arch(self.layer_sizes)}/e{self.epochs}/"
                f"s{format_sparsity(self.sparsity)}")

    @property
    def needs_equilibrium(self) -> bool:
        return start_offset(self.start) is not None


def equilibrium_starts(rigl: dict) -> list[str]:
    """The starts whose final masks give the equilibrium, in config order."""
    out = []
    for start in rigl["inits"]:
        out.append(lognormal_start(rigl["equilibrium_lognormal_ccv"]) if start == "lognormal" else start)
    return out


def cell_starts(rigl: dict) -> list[str]:
    """Every start trained in one (dataset, sparsity) cell."""
    starts = equilibrium_starts(rigl)
    starts += [equilibrium_start(o) for o in rigl["ccv_offsets"]]
    if rigl["paper_ccv"]:
        starts.append("ln-paper")
    if rigl["static_reference"]:
        starts.append("static")
    return list(dict.fromkeys(starts))


CONFIRMATION_PART = "confirm"


def confirmation_starts(rigl: dict) -> list[str]:
    """The starts the 10-seed confirmation compares: ERK, LN(equil.), and LN(paper) if run."""
    return ["erk", EQUILIBRIUM_PREFIX] + (["ln-paper"] if rigl["paper_ccv"] else [])


def rigl_jobs(cfg: dict) -> dict[str, RigLJob]:
    """Every RigL group, keyed by its path key. The confirmation's seeds not in ``cfg['seeds']``
    are groups of their own (part ``confirm``) for ERK, LN(equil.) and LN(paper) of its cell."""
    from psn.config import epochs_for

    rigl = cfg.get("rigl")
    if not rigl or not rigl["enabled"]:
        return {}
    jobs: dict[str, RigLJob] = {}

    def add(dataset, start, sparsity, seeds, part=""):
        job = RigLJob(dataset, start, sparsity, epochs_for(rigl["epochs"], dataset),
                      dataset_layer_sizes(cfg, dataset), cfg["datasets"][dataset]["batch_size"],
                      tuple(sorted(seeds)), part)
        jobs[job.key] = job

    for dataset in rigl["datasets"]:
        for sparsity in rigl["sparsities"]:
            for start in cell_starts(rigl):
                add(dataset, start, sparsity, cfg["seeds"])
    conf = rigl.get("confirmation")
    if conf and conf.get("enabled", True):
        extra = set(conf["seeds"]) - set(cfg["seeds"])
        if extra:
            for start in confirmation_starts(rigl):
                add(conf["dataset"], start, conf["sparsity"], extra, CONFIRMATION_PART)
    return dict(sorted(jobs.items()))


def equilibrium_cells(cfg: dict) -> dict[str, list[RigLJob]]:
    """cell -> the groups whose final masks measure its equilibrium."""
    jobs = rigl_jobs(cfg)
    if not jobs:
        return {}
    wanted = set(equilibrium_starts(cfg["rigl"]))
    out: dict[str, list[RigLJob]] = {}
    for job in jobs.values():
        if job.start in wanted and not job.part:
            out.setdefault(job.cell, []).append(job)
    return out
