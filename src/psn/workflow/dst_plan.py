"""Expand the config's ``dst`` section into dynamic sparse training groups (§2.8, §3.3).

A group is one method (``dst.methods``: ``rigl``, ``set``, …) trained from one start
(``psn.masks.starts.Start``: its name is the ``{start}`` wildcard) in one (dataset, sparsity)
cell. Every method trains the equilibrium starts (``dst.starts``: ERK, uniform, lognormal at a
fixed CCV), and their final masks give the method's equilibrium in that cell. RigL, as in the
paper, also trains:

- ``ln-equil``, ``ln-equil-0.5``, ``ln-equil+0.5``: lognormal at RigL's measured equilibrium
  plus an offset; the target is read from the equilibrium file when the job runs, so the plan
  (and a dry run) needs no training;
- ``ln-paper``: lognormal at the paper's own Table 4 value for that (dataset, sparsity);
- ``static``: the static random baseline, trained without mask updates (the reference).

The confirmation's seeds beyond the config's ``seeds`` train as separate RigL groups (key
suffix ``-confirm``): the equilibrium stays measured on the same seeds in every cell, and adding
the confirmation retrains nothing already trained. A batched group gives each model what a
single run would, so splitting the seeds changes no result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psn.masks.starts import Start
from psn.names import format_arch, format_sparsity
from psn.workflow import cost
from psn.workflow.plan import dataset_layer_sizes

PAPER_METHOD = "rigl"  # the method of the paper's lognormal starts, gaps and confirmation
CONFIRMATION_PART = "confirm"

# the rigl section the first groups' results carry: these keys of ``dst``, in this order
RIGL_KEYS = ("drop_fraction", "update_every", "end_fraction", "update_at_zero", "tie_break", "grow_score",
             "erk_dense_output_in_budget", "equilibrium_ccv")
MASK_KEYS = ("f_min", "rounding", "random_baseline", "above_smax")
# keys of ``dst`` added since, with their defaults: in the params only away from them
ADDED_DEFAULTS = (("schedule", "cosine"), ("grow_from", "not_kept"))


@dataclass(frozen=True)
class DSTJob:
    """One group of models trained together with a method (or statically, for ``static``)."""

    method: str
    dataset: str
    start: Start
    sparsity: float
    epochs: int
    layer_sizes: tuple[int, ...]          # input, hidden..., classes
    batch_size: int
    seeds: tuple[int, ...] = field(default=())
    part: str = ""                        # "" (the cell's seeds) | "confirm" (the extra seeds)

    @property
    def group(self) -> str:
        """The group within its method: dataset/arch/e<epochs>/<start>/s<sparsity>[-confirm]."""
        suffix = f"-{self.part}" if self.part else ""
        return f"{self.cell_path}/{self.start.name}/s{format_sparsity(self.sparsity)}{suffix}"

    @property
    def key(self) -> str:
        """The path key: <method>/<group>."""
        return f"{self.method}/{self.group}"

    @property
    def cell_path(self) -> str:
        return f"{self.dataset}/{format_arch(self.layer_sizes)}/e{self.epochs}"

    @property
    def cell(self) -> str:
        """The method's (dataset, architecture, epochs, sparsity) cell the group belongs to:
        <method>/<dataset>/<arch>/e<epochs>/s<sparsity>, the equilibrium file's key."""
        return f"{self.method}/{self.cell_path}/s{format_sparsity(self.sparsity)}"

    @property
    def needs_equilibrium(self) -> bool:
        return self.start.needs_equilibrium

    @property
    def is_static(self) -> bool:
        return self.start.kind == "static"

    def to_params(self, cfg: dict) -> dict:
        """The rule's ``params.job``, written into the run's JSON: everything that determines the
        group's results (the equilibrium target is an input file, read when the job runs). The
        keys RigL's groups had before SET joined are as they were, in their order, and the ones
        added since appear only away from their defaults, so earlier results and checkpoints
        stay valid."""
        from psn.analysis.published import table4_ccv

        d = cfg["dst"]
        params = {
            "key": self.group,
            "dataset": self.dataset,
            "arch": format_arch(self.layer_sizes),
            "layer_sizes": list(self.layer_sizes),
            "start": self.start.name,
            "ccv_offset": self.start.offset,
            "paper_ccv": table4_ccv(self.dataset, self.sparsity) if self.start.paper else None,
            "sparsity": self.sparsity,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seeds": list(self.seeds),
            "rigl": {key: d[key] for key in RIGL_KEYS},
            "masks": {key: cfg["masks"][key] for key in MASK_KEYS},
            "training": cfg["training"],
        }
        if self.method != PAPER_METHOD:
            params["method"] = self.method
        added = {key: d[key] for key, default in ADDED_DEFAULTS if d[key] != default}
        if d["plugins"]:
            added["plugins"] = list(d["plugins"])
        if added:
            params["dst"] = added
        return params

    MODEL_COPIES = 10  # a static group's six, and the updater's scores and ever-active masks
    STEP_COST = 1.1    # a static step, and the mask updates

    def runtime_minutes(self) -> int:
        return cost.runtime_minutes(self, self.STEP_COST)

    def mem_mb(self) -> int:
        return cost.mem_mb(self, self.MODEL_COPIES)


def equilibrium_starts(dst: dict) -> list[Start]:
    """The starts whose final masks give a method's equilibrium, in config order."""
    return [Start.fixed(dst["equilibrium_lognormal_ccv"]) if kind == "lognormal" else Start(kind)
            for kind in dst["starts"]]


def paper_starts(dst: dict) -> list[Start]:
    """RigL's starts beyond the equilibrium ones: lognormal at the equilibrium plus each offset,
    at the paper's value, and the static reference."""
    starts = [Start.equilibrium(o) for o in dst["ccv_offsets"]]
    if dst["paper_ccv"]:
        starts.append(Start.at_paper())
    if dst["static_reference"]:
        starts.append(Start("static"))
    return starts


def cell_starts(dst: dict, method: str) -> list[Start]:
    """Every start ``method`` trains in one (dataset, sparsity) cell."""
    starts = equilibrium_starts(dst)
    if method == PAPER_METHOD:
        starts += paper_starts(dst)
    return list(dict.fromkeys(starts))


def confirmation_starts(dst: dict) -> list[Start]:
    """The starts the 10-seed confirmation compares: ERK, LN(equil.), and LN(paper) if run."""
    return [Start("erk"), Start.equilibrium(0.0)] + ([Start.at_paper()] if dst["paper_ccv"] else [])


def dst_jobs(cfg: dict) -> dict[str, DSTJob]:
    """Every group, keyed by its path key. The confirmation's seeds not in ``cfg['seeds']`` are
    RigL groups of their own (part ``confirm``) for ERK, LN(equil.) and LN(paper) of its cell."""
    from psn.config import epochs_for

    dst = cfg.get("dst")
    if not dst or not dst["enabled"]:
        return {}
    jobs: dict[str, DSTJob] = {}

    def add(method, dataset, start, sparsity, seeds, part=""):
        job = DSTJob(method, dataset, start, sparsity, epochs_for(dst["epochs"], dataset),
                     dataset_layer_sizes(cfg, dataset), cfg["datasets"][dataset]["batch_size"],
                     tuple(sorted(seeds)), part)
        jobs[job.key] = job

    for method in dst["methods"]:
        for dataset in dst["datasets"]:
            for sparsity in dst["sparsities"]:
                for start in cell_starts(dst, method):
                    add(method, dataset, start, sparsity, cfg["seeds"])
    conf = dst.get("confirmation")
    if PAPER_METHOD in dst["methods"] and conf and conf.get("enabled", True):
        extra = set(conf["seeds"]) - set(cfg["seeds"])
        if extra:
            for start in confirmation_starts(dst):
                add(PAPER_METHOD, conf["dataset"], start, conf["sparsity"], extra, CONFIRMATION_PART)
    return dict(sorted(jobs.items()))


def equilibrium_cells(cfg: dict) -> dict[str, list[DSTJob]]:
    """<method>/<cell> -> the groups whose final masks measure that method's equilibrium there."""
    jobs = dst_jobs(cfg)
    if not jobs:
        return {}
    wanted = set(equilibrium_starts(cfg["dst"]))
    out: dict[str, list[DSTJob]] = {}
    for job in jobs.values():
        if job.start in wanted and not job.part:
            out.setdefault(job.cell, []).append(job)
    return out
