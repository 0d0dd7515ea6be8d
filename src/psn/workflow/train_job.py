"""One training job of the pipeline, from its job parameters (``psn.workflow.plan`` and
``dst_plan`` make them) and its input files to its results file: the static groups of
``rules/train_static.smk`` (``run_static_job``) and the dynamic sparse groups of the DST rules
(``run_dst_job``: the start's lognormal target resolved, its masks, schedule and method built).
The scripts ``train_group.py`` and ``train_dst.py`` only hand Snakemake's objects to these."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from psn.analysis.equilibrium import lognormal_target, read_equilibrium
from psn.analysis.runs import strip_timings
from psn.config import SCHEDULE_KEYS, import_plugins
from psn.data import load_prepared
from psn.masks.network import load_seeds_masks
from psn.masks.starts import Start, group_start_masks
from psn.provenance import atomic_write_json, environment, file_sha256
from psn.training import DropAndGrow, DSTSettings, TrainSettings, make_method, train_group
from psn.training.schedules import make_schedule
from psn.workflow.dst_plan import PAPER_METHOD
from psn.workflow.runtime import rebuilt_by


def train_settings(job: Mapping[str, Any]) -> TrainSettings:
    """The engine's settings of a job: its epochs and batch size, and the config's ``training``."""
    training = job["training"]
    return TrainSettings(epochs=job["epochs"], batch_size=job["batch_size"], lr=training["lr"],
                         init=training["init"],
                         device=None if training["device"] == "auto" else training["device"],
                         threads=training["threads"], precision=training["precision"])


def input_hashes(inputs: Mapping[str, str]) -> dict[str, str]:
    """SHA-256 of each named input: what the results depend on beyond the engine's own settings,
    so a checkpoint resumes only if these match too."""
    return {name: file_sha256(path) for name, path in inputs.items()}


def load_data(inputs: Mapping[str, str]) -> dict[str, Any]:
    with rebuilt_by("prepare_dataset", inputs["data"]):
        return load_prepared(inputs["data"])


def write_results(path: str, job: Mapping[str, Any], hashes: Mapping[str, str], results: list[dict]) -> None:
    atomic_write_json(path, {
        "job": job, "inputs_sha256": hashes, "environment": environment(),
        "results": strip_timings(results),
    })


def run_static_job(job: Mapping[str, Any], inputs: Mapping[str, str], output: str, checkpoint: str,
                   log: logging.Logger) -> None:
    """Train every seed of one static configuration together (masks from ``inputs["masks"]``,
    dense without) and write their results to ``output``."""
    data = load_data(inputs)
    if "masks" in inputs:
        with rebuilt_by("make_masks", inputs["masks"]):
            masks = load_seeds_masks(inputs["masks"], job["seeds"])
    else:
        masks = None
    hashes = input_hashes(inputs)
    log.info("%s: %d models, %d epochs", job["key"], len(job["seeds"]), job["epochs"])
    results = train_group(data, job["layer_sizes"], masks, job["seeds"], train_settings(job),
                          checkpoint_path=checkpoint, log=log.info,
                          fingerprint={"inputs_sha256": hashes, "job": job})
    write_results(output, job, hashes, results)
    Path(checkpoint).unlink(missing_ok=True)


def start_ccv(job: Mapping[str, Any], start: Start, inputs: Mapping[str, str]) -> float | Sequence[float] | None:
    """The lognormal target CCV of a start: its own, the equilibrium's plus the job's offset
    (``ln-equil±x``, read now from ``inputs["equilibrium"]``), or the paper's; None for none."""
    if start.needs_equilibrium:
        with rebuilt_by("dst_equilibrium", inputs["equilibrium"]):
            eq = read_equilibrium(inputs["equilibrium"], widths=job["layer_sizes"][1:-1])
        return lognormal_target(eq, job["ccv_offset"])
    if start.paper:
        return job["paper_ccv"]
    return start.ccv


def dst_settings(job: Mapping[str, Any], method: str) -> DSTSettings:
    """The updater's settings of a job: the schedule, ties, grow score (the paper method's only)
    and who may grow (``dst`` settings added since SET joined, present away from their defaults)."""
    r, added = job["rigl"], job.get("dst", {})
    schedule = make_schedule(added.get("schedule", "cosine"), **{k: r[k] for k in SCHEDULE_KEYS})
    return DSTSettings(schedule=schedule, ties=r["tie_break"],
                       grow=r["grow_score"] if method == PAPER_METHOD else None,
                       grow_from=added.get("grow_from", "not_kept"))


def run_dst_job(job: Mapping[str, Any], inputs: Mapping[str, str], output: str, checkpoint: str,
                log: logging.Logger) -> None:
    """Train every seed of one dynamic sparse group (a method from a start; a ``static`` start
    trains without updates) and write their results, with each model's update records, to
    ``output``."""
    method = job.get("method", PAPER_METHOD)
    import_plugins(job.get("dst", {}).get("plugins", []))
    start = Start.parse(job["start"])
    ccv = start_ccv(job, start, inputs)
    if ccv is not None:
        low = min(ccv) if isinstance(ccv, list) else ccv
        log.info("%s: lognormal target CCV %s%s", start, ccv,
                 " (<= 0: constant fan-in, CCV 0)" if low <= 0 else "")
    data = load_data(inputs)
    hashes = input_hashes(inputs)
    masks = [group_start_masks(job, seed, ccv) for seed in job["seeds"]]
    settings = dst_settings(job, method)
    callback: DropAndGrow | None = None if start.kind == "static" else make_method(method, settings)
    log.info("%s %s: %d models, %d epochs, %s", method, job["key"], len(job["seeds"]), job["epochs"],
             "static (no mask updates)" if callback is None else f"{settings.as_dict()}")
    results, state = train_group(data, job["layer_sizes"], masks, job["seeds"], train_settings(job),
                                 checkpoint_path=checkpoint, callback=callback, log=log.info,
                                 fingerprint={"inputs_sha256": hashes, "job": job}, return_state=True)
    for j, res in enumerate(results):
        res["start"] = {"name": start.name, "kind": start.kind, "ccv_target": ccv}
        if callback is not None:
            res["rigl"] = callback.model_history(state.extra, j)
    write_results(output, job, hashes, results)
    Path(checkpoint).unlink(missing_ok=True)
