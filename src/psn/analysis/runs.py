"""Results files of training groups -> flat tables, one row per model (and one per epoch).

A results file is what ``scripts/train_group.py`` writes: ``{"job": ..., "environment": ...,
"results": [one dict per model from psn.training.train_group]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis.columns import WHENS
from psn.model.gradients import READINGS
from psn.provenance import ArtifactError


def load_results(path: str | Path) -> dict[str, Any]:
    """A results file (run, equilibrium) written by the pipeline; one that does not parse is an
    ``ArtifactError`` naming the file."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path} is damaged: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{path} is damaged: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                            f"offset {exc.start})") from None


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def model_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One flat row per model of a results file: the configuration and the scalar outcomes."""
    job = run["job"]
    params = job.get("params", {})
    rows = []
    for res in run["results"]:
        row: dict[str, Any] = {
            "run": job["key"],
            "dataset": job["dataset"],
            "arch": job["arch"],
            "epochs": job["epochs"],
            "condition": job["condition"],
            "reading": job.get("reading", ""),
            "profile": job["profile"],
            "spread": job["spread"],
            "target_sparsity": job["sparsity"],
            "ccv_target": params.get("ccv"),
            "k": params.get("k"),
            "beta": params.get("beta") if job["profile"] == "multipeak" else None,
            "seed": res["seed"],
            "init": res["init"],
            "final_acc": _pct(res["final_test_accuracy"]),
            "best_acc": _pct(res["best_test_accuracy"]),
            "best_epoch": res["best_epoch"],
            "diverged": res["diverged"],
            "diverged_step": res["diverged_step"],
            "sparsity": res["sparsity_overall"],
            "fan_in_cv": _mean(res["fan_in_cv"]),
        }
        for layer, (s, cv) in enumerate(zip(res["sparsity"], res["fan_in_cv"])):
            row[f"sparsity_l{layer}"] = s
            row[f"fan_in_cv_l{layer}"] = cv
        for when in WHENS:
            ratios = res["gradient_ratio"][when]
            for reading in READINGS:
                values = ratios[reading] if ratios is not None else None
                if values is None:
                    row[f"grad_ratio_{when}_{reading}"] = None
                    continue
                row[f"grad_ratio_{when}_{reading}"] = _mean(values)
                for layer, v in enumerate(values):
                    row[f"grad_ratio_{when}_{reading}_l{layer}"] = v
        rows.append(row)
    return rows


def curve_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per model per epoch: train loss and test accuracy (percent)."""
    job = run["job"]
    return [
        {"run": job["key"], "seed": res["seed"], "epoch": epoch + 1,
         "train_loss": loss, "test_acc": _pct(acc)}
        for res in run["results"]
        for epoch, (loss, acc) in enumerate(zip(res["train_loss"], res["test_accuracy"]))
    ]


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else 100.0 * fraction


def experiment_table(paths: Iterable[str | Path], members: Mapping[str, Iterable[int]],
                     experiment: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(models, curves) of one experiment: rows of the given results files whose seed the
    experiment asked for (a results file may hold more seeds, shared with another experiment)."""
    models, curves = [], []
    for path in paths:
        run = load_results(path)
        wanted = set(members[run["job"]["key"]])
        models += [r for r in model_rows(run) if r["seed"] in wanted]
        curves += [r for r in curve_rows(run) if r["seed"] in wanted]
    m = pd.DataFrame(models)
    m.insert(0, "experiment", experiment)
    c = pd.DataFrame(curves)
    c.insert(0, "experiment", experiment)
    return m, c


TIMING_KEYS = ("seconds", "group_seconds")


def strip_timings(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results without wall-clock timings, so the same job gives the same bytes (timings go
    to the job's log and Snakemake's benchmark file instead)."""
    return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in results]
