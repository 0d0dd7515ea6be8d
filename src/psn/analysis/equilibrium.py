"""The fan-in CCV RigL converges to (Table 4), measured from the final masks of several starts.

Per start, the final fan-in CCV of each hidden layer is averaged over seeds; the equilibrium of a
layer is the mean of those over starts, and the "mean" reading averages the layers (Table 4 does
not say which it prints: NOTES.md). Convergence is judged while α is still large: at
t = ½·T_end, the starts' CCVs (per layer) must agree within a stated tolerance; their spread at
the end is reported too. Pure functions of the run files' contents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from psn.provenance import ArtifactError

READINGS = ("mean", "per_layer")


def _at_or_before(history: Mapping[str, Any], t_limit: float) -> int:
    """Index of the last record with t ≤ t_limit (the first record, t = 0, always qualifies)."""
    ts = history["t"]
    return max(i for i, t in enumerate(ts) if t <= t_limit)


def start_ccv(run: Mapping[str, Any], when: str = "final") -> np.ndarray:
    """(seeds, layers) fan-in CCV of one run's models, at the end or at t = ½·T_end."""
    rows = []
    for model in run["results"]:
        hist = model["rigl"]
        if when == "final":
            i = len(hist["t"]) - 1
        else:
            t_end = run["job"]["rigl"]["end_fraction"] * model["steps"]
            i = _at_or_before(hist, 0.5 * t_end)
        rows.append(hist["fanin_ccv"][i])
    return np.asarray(rows, dtype=np.float64)


def equilibrium(runs: Sequence[Mapping[str, Any]], *, reading: str = "mean",
                tolerance: float = 0.1) -> dict[str, Any]:
    """{per_start: {start: [per-layer mean CCV]}, per_layer: [...], mean: float, target: float or
    list, spread_half / spread_final: per-layer max − min over starts, converged: bool, ...}."""
    if reading not in READINGS:
        raise ValueError(f"unknown equilibrium reading {reading!r}; choose one of {READINGS}")
    if not runs:
        raise ValueError("no runs to measure an equilibrium from")
    # a start whose masks never changed ends where it began: its CCV is no equilibrium
    idle = sorted({str(r["job"]["start"]) for r in runs for m in r["results"] if len(m["rigl"]["t"]) < 2})
    if idle:
        raise ValueError(f"no mask update ran in the runs of {', '.join(idle)} (dst.update_every beyond their "
                         "steps?): their final fan-in CCV is their start's, not an equilibrium")
    final = {r["job"]["start"]: start_ccv(r, "final") for r in runs}
    half = {r["job"]["start"]: start_ccv(r, "half") for r in runs}
    per_start = {s: v.mean(axis=0) for s, v in final.items()}
    stacked = np.stack(list(per_start.values()))  # (starts, layers)
    per_layer = stacked.mean(axis=0)
    half_means = np.stack([v.mean(axis=0) for v in half.values()])
    spread_half = half_means.max(axis=0) - half_means.min(axis=0)
    spread_final = stacked.max(axis=0) - stacked.min(axis=0)
    mean = float(per_layer.mean())
    return {
        "starts": list(per_start),
        "n_seeds": {s: int(v.shape[0]) for s, v in final.items()},
        "per_start": {s: v.tolist() for s, v in per_start.items()},
        "per_start_sd": {s: v.std(axis=0, ddof=1).tolist() if v.shape[0] > 1 else [0.0] * v.shape[1]
                         for s, v in final.items()},
        "per_layer": per_layer.tolist(),
        "mean": mean,
        "reading": reading,
        "target": mean if reading == "mean" else per_layer.tolist(),
        "half_per_start": {s: v.mean(axis=0).tolist() for s, v in half.items()},
        "spread_half": spread_half.tolist(),
        "spread_final": spread_final.tolist(),
        "tolerance": tolerance,
        "converged": bool((spread_half <= tolerance).all()),
    }


def equilibrium_problem(eq: Any, *, widths: Sequence[int] | None = None) -> str | None:
    """What makes ``eq`` (an equilibrium file's content) unusable as a lognormal target, or None:
    the fields :func:`equilibrium` writes must be there; every CCV finite and non-negative and,
    given the hidden layers' ``widths`` (one value per layer), at most √(m − 1), the largest
    std/mean of m non-negative fan-ins; ``target`` the ``mean`` or the ``per_layer`` values as
    ``reading`` says."""
    if not isinstance(eq, Mapping):
        return f"holds {type(eq).__name__}, not an equilibrium's fields"
    missing = [k for k in ("reading", "target", "mean", "per_layer") if k not in eq]
    if missing:
        return f"has no {', '.join(repr(k) for k in missing)} (not an equilibrium file)"
    if eq["reading"] not in READINGS:
        return f"reading {eq['reading']!r} is not one of {READINGS}"
    layers = eq["per_layer"]
    if not isinstance(layers, list) or not layers:
        return f"per_layer = {layers!r} is not a list of per-layer CCVs"
    if widths is not None and len(layers) != len(widths):
        return f"per_layer holds {len(layers)} CCV(s) for the network's {len(widths)} hidden layers"
    bounds = [math.sqrt(m - 1) for m in widths] if widths is not None else [math.inf] * len(layers)

    def bad(name: str, v: Any, bound: float) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return f"{name} = {v!r} is not a number"
        if not (math.isfinite(v) and 0.0 <= v <= bound + 1e-9):
            return f"{name} = {v!r} is not a fan-in CCV in [0, {bound:.4g}]"
        return None

    checks = [bad(f"per_layer[{i}]", v, b) for i, (v, b) in enumerate(zip(layers, bounds))]
    for why in checks + [bad("mean", eq["mean"], max(bounds))]:
        if why:
            return why
    if abs(float(np.mean(layers)) - eq["mean"]) > 1e-9:
        return f"mean = {eq['mean']!r} is not the mean of per_layer {layers!r}"
    want = eq["mean"] if eq["reading"] == "mean" else layers
    if eq["target"] != want:
        return f"target = {eq['target']!r} is not its {eq['reading']} reading {want!r}"
    return None


def read_equilibrium(path: str | Path, *, widths: Sequence[int] | None = None) -> dict[str, Any]:
    """An equilibrium file, checked (:func:`equilibrium_problem`, ``widths`` the hidden layers');
    one that does not parse or fails a check is an ``ArtifactError`` naming the file."""
    from psn.analysis.runs import load_results

    eq = load_results(path)
    why = equilibrium_problem(eq, widths=widths)
    if why:
        raise ArtifactError(f"{path} is damaged: {why}")
    return eq


def lognormal_target(eq: Mapping[str, Any], offset: float) -> float | list[float]:
    """The lognormal start's CCV: the equilibrium (one value or per layer) plus ``offset``; a
    target that is no finite CCV (:func:`equilibrium_problem`) is a ValueError."""
    why = equilibrium_problem(eq)
    if why:
        raise ValueError(f"equilibrium {why}")
    if not math.isfinite(offset):
        raise ValueError(f"offset={offset!r} must be a finite number")
    target = eq["target"]
    if isinstance(target, list):
        return [float(t) + offset for t in target]
    return float(target) + offset
