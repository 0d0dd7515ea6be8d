"""What a report row that was not run needs: the target that makes it at the paper's settings
and an estimate of its time, from the paper's own plan (``config.yaml``) and a FLOP rate.

The time is the plan's matmul FLOPs (:func:`psn.workflow.cost.flops`, the one cost model) over
the rate, so it scales with what the experiment trains; the rate is the engine's measured
throughput (``python -m psn.bench train`` prints it, and ``config.yaml``'s ``report`` section
holds it). A dynamic method's updates add a few percent (``python -m psn.bench rigl``), not
counted here.
"""

from __future__ import annotations

from collections.abc import Mapping

from psn.workflow.cost import flops
from psn.workflow.dst_plan import PAPER_METHOD, dst_jobs
from psn.workflow.plan import experiment_members, train_jobs


def experiment_flops(paper_cfg: Mapping) -> dict[tuple[str, str], float]:
    """(experiment, dataset) -> matmul FLOPs the paper's plan trains for it: every static
    experiment's groups (a group shared between experiments counts for each), and ``rigl``."""
    jobs = train_jobs(paper_cfg)
    out: dict[tuple[str, str], float] = {}
    for experiment, members in experiment_members(paper_cfg).items():
        for key, seeds in members:
            job = jobs[key]
            part = flops(job) * len(seeds) / len(job.seeds)
            out[(experiment, job.dataset)] = out.get((experiment, job.dataset), 0.0) + part
    for job in (j for j in dst_jobs(paper_cfg).values() if j.method == PAPER_METHOD):
        out[("rigl", job.dataset)] = out.get(("rigl", job.dataset), 0.0) + flops(job)
    return out


TARGETS = {"rigl": "dst", "masks": "masks"}


def commands(paper_cfg: Mapping, gflops: float) -> dict[tuple[str, str], tuple[str, float]]:
    """(experiment, dataset) -> (the command that makes it at the paper's settings, hours at
    ``gflops`` GFLOP/s). Masks take no training (hours 0)."""
    out: dict[tuple[str, str], tuple[str, float]] = {}
    for (experiment, dataset), total in experiment_flops(paper_cfg).items():
        target = TARGETS.get(experiment, f"{paper_cfg['results_dir']}/tables/{experiment}/models.csv")
        out[(experiment, dataset)] = (f"snakemake {target} --cores all", total / (gflops * 1e9) / 3600)
    out[("masks", "")] = ("snakemake masks --cores all", 0.0)
    return out
