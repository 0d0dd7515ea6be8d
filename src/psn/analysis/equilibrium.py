"""The fan-in CCV RigL converges to (Table 4), measured from the final masks of several starts.

Per start, the final fan-in CCV of each hidden layer is averaged over seeds; the equilibrium of a
layer is the mean of those over starts, and the "mean" reading averages the layers (Table 4 does
not say which it prints: NOTES.md). Convergence is judged while α is still large: at
t = ½·T_end, the starts' CCVs (per layer) must agree within a stated tolerance; their spread at
the end is reported too. Pure functions of the run files' contents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

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


def lognormal_target(eq: Mapping[str, Any], offset: float) -> float | list[float]:
    """The lognormal start's CCV: the equilibrium (one value or per layer) plus ``offset``."""
    target = eq["target"]
    if isinstance(target, list):
        return [float(t) + offset for t in target]
    return float(target) + offset
