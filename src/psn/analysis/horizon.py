"""Does any equilibrium exist? Whether two starts' fan-in CCVs meet over a run, read from the
dynamic stage's trajectories (``tables/dst/trajectories.csv``: one row per update record, seed
and hidden layer).

Pure functions. Per cell and hidden layer, and for the mean over the hidden layers (Table 4's
number), the two starts' CCV at every record (the mean over seeds), their gap, and the meeting:
the first record from which the gap stays within the tolerance to the end of the run. Record 0 is
the start (no update yet); record r follows the r-th update.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from psn.analysis.dst_cells import CELL_KEYS, with_method

MEAN_LAYER = "mean"  # the layer label of the mean over hidden layers
MEETING_COLUMNS = [*CELL_KEYS, "layer", "a", "b", "updates", "meets", "met_at_update", "met_at_step",
                   "met_at_epoch", "ccv_at_meeting", "ccv_a_final", "ccv_b_final", "gap_final", "gap_min",
                   "tolerance"]


def gap_series(traj: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per cell, layer (each hidden layer, then ``MEAN_LAYER``) and record: the CCV of
    start ``a`` and of ``b`` (means over their seeds), the gap |a − b|, step and epoch."""
    if traj is None or traj.empty:
        return pd.DataFrame()
    missing = {a, b} - set(traj["start"])
    if missing:
        raise ValueError(f"trajectories have no start {sorted(missing)} (starts: {sorted(set(traj['start']))})")
    traj = with_method(traj)  # files from before SET joined are RigL's
    t = traj[traj["start"].isin([a, b])].copy()
    t["layer"] = t["layer"].astype(str)
    keys = [*CELL_KEYS, "record", "step", "total_steps"]
    per_layer = t.groupby([*keys, "layer", "start"], sort=False)["fanin_ccv"].mean().unstack("start")
    mean = per_layer.groupby(level=keys, sort=False).mean()
    mean["layer"] = MEAN_LAYER
    mean = mean.set_index("layer", append=True)
    both = pd.concat([per_layer, mean]).reset_index()
    both.columns.name = None
    both = both.rename(columns={a: "ccv_a", b: "ccv_b"})
    both["a"], both["b"] = a, b
    both["gap"] = (both["ccv_a"] - both["ccv_b"]).abs()
    both["epoch"] = both["step"] / both["total_steps"] * both["epochs"]
    order = {name: i for i, name in enumerate(sorted(set(both["layer"]) - {MEAN_LAYER}) + [MEAN_LAYER])}
    both["_order"] = both["layer"].map(order)
    both = both.sort_values([*CELL_KEYS, "_order", "record"], kind="stable").drop(columns="_order")
    return both[[*CELL_KEYS, "layer", "a", "b", "record", "step", "epoch", "ccv_a", "ccv_b", "gap"]].reset_index(drop=True)


def first_lasting(within: np.ndarray) -> int | None:
    """The first index from which every entry of ``within`` is true; None when the last is not."""
    if len(within) == 0 or not within[-1]:
        return None
    outside = np.flatnonzero(~within)
    return int(outside[-1] + 1) if len(outside) else 0


def meetings(traj: pd.DataFrame, a: str, b: str, tolerance: float) -> pd.DataFrame:
    """Per cell and layer: whether ``a`` and ``b`` meet (their gap within ``tolerance`` from some
    record to the end), after how many updates, at which step and epoch, and at what CCV (the
    mean of the two there); the final CCVs and gap, and the smallest gap seen."""
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0, not {tolerance!r}")
    series = gap_series(traj, a, b)
    rows = []
    for key, g in series.groupby([*CELL_KEYS, "layer"], sort=False):
        g = g.sort_values("record")
        at = first_lasting((g["gap"] <= tolerance).to_numpy())
        hit = g.iloc[at] if at is not None else None
        last = g.iloc[-1]
        rows.append({**dict(zip([*CELL_KEYS, "layer"], key)), "a": a, "b": b, "updates": int(last["record"]),
                     "meets": at is not None,
                     "met_at_update": int(hit["record"]) if hit is not None else np.nan,
                     "met_at_step": int(hit["step"]) if hit is not None else np.nan,
                     "met_at_epoch": float(hit["epoch"]) if hit is not None else np.nan,
                     "ccv_at_meeting": float((hit["ccv_a"] + hit["ccv_b"]) / 2) if hit is not None else np.nan,
                     "ccv_a_final": float(last["ccv_a"]), "ccv_b_final": float(last["ccv_b"]),
                     "gap_final": float(last["gap"]), "gap_min": float(g["gap"].min()), "tolerance": tolerance})
    out = pd.DataFrame(rows, columns=MEETING_COLUMNS)
    return out.astype({"met_at_update": "Int64", "met_at_step": "Int64"})
