"""What would give the paper's equilibrium (Table 4)? Readings of the dynamic stage side by side.

A reading is a one-axis change of the default settings, run into a results directory of its
own (``presets/dst_readings/``); its tables are the stage's own (``tables/dst/equilibrium.csv``,
``fanin.csv``, ``trajectories.csv``). Pure functions over them: per reading, cell and start,
the final fan-in CCV (mean over hidden layers) and its ratio to the bound √(1/d − 1) at the
target density, beside the paper's Table 4 value and ratio; whether the starts meet (their
final spread within the cell's tolerance); and the correlation of fan-in with the neuron's
index (strongly negative when growth falls to ``torch.topk``'s order). And the statistic
itself read otherwise on the default runs, with no new training: Table 4's number per input
(fan-out CCV) instead of per neuron, and each hidden layer alone instead of their mean.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.dst_cells import PAPER_METHOD, n_layers, of_method
from psn.masks.starts import ordered_starts
from psn.masks.stats import ccv_bound

COLUMNS = ["reading", "method", "dataset", "target_sparsity", "start", "n", "ccv", "over_bound", "paper",
           "paper_over_bound", "starts_meet", "spread_final", "index_corr"]


def _starts(eq_row: Mapping) -> list[str]:
    return ordered_starts(s.strip() for s in str(eq_row["starts"]).split(","))


def _index_corr(fanin: pd.DataFrame | None, cell: Mapping, start: str) -> float:
    if fanin is None or fanin.empty or "index_corr" not in fanin:
        return np.nan
    f = of_method(fanin, cell["method"])
    sel = f[(f["dataset"] == cell["dataset"]) & (f["target_sparsity"].map(sparsity_key) == cell["target_sparsity"])
            & (f["start"] == start) & (f["when"] == "final")]
    return float(sel["index_corr"].mean()) if len(sel) else np.nan


def readings_rows(equilibria: Mapping[str, pd.DataFrame],
                  fanin: Mapping[str, pd.DataFrame | None] | None = None) -> pd.DataFrame:
    """One row per reading, cell and start (RigL's cells only: Table 4 is RigL's), from each
    reading's equilibrium table (and fan-in table, for the index correlation)."""
    rows = []
    for reading, eq in equilibria.items():
        eq = of_method(eq, PAPER_METHOD)
        if eq is None or eq.empty:
            continue
        for r in eq.to_dict("records"):
            s = sparsity_key(r["target_sparsity"])
            cell = {"method": r["method"], "dataset": r["dataset"], "target_sparsity": s}
            bound = ccv_bound(1.0 - s)
            paper = pub.table4_ccv(r["dataset"], s)
            for start in _starts(r):
                ccv = float(r.get(f"ccv_{start}", np.nan))
                rows.append({"reading": reading, **cell, "start": start, "n": r.get("n_seeds"),
                             "ccv": ccv, "over_bound": ccv / bound if bound > 0 else np.nan,
                             "paper": np.nan if paper is None else paper,
                             "paper_over_bound": np.nan if paper is None or bound <= 0 else paper / bound,
                             "starts_meet": bool(r["spread_final_max"] <= r["tolerance"]),
                             "spread_final": float(r["spread_final_max"]),
                             "index_corr": _index_corr((fanin or {}).get(reading), cell, start)})
    return pd.DataFrame(rows, columns=COLUMNS)


def statistic_rows(equilibrium: pd.DataFrame, trajectories: pd.DataFrame | None, reading: str = "default"
                   ) -> pd.DataFrame:
    """Table 4's statistic read otherwise on one reading's runs: each hidden layer alone (the
    equilibrium per layer over starts) and per input (the final fan-out CCV, mean over layers and
    seeds, per start); rows in ``readings_rows``' columns, ``reading`` naming the statistic."""
    eq = of_method(equilibrium, PAPER_METHOD)
    rows = []
    if eq is None or eq.empty:
        return pd.DataFrame(columns=COLUMNS)
    traj = of_method(trajectories, PAPER_METHOD) if trajectories is not None else None
    for r in eq.to_dict("records"):
        s = sparsity_key(r["target_sparsity"])
        bound = ccv_bound(1.0 - s)
        paper = pub.table4_ccv(r["dataset"], s)
        base = {"method": r["method"], "dataset": r["dataset"], "target_sparsity": s, "n": r.get("n_seeds"),
                "paper": np.nan if paper is None else paper,
                "paper_over_bound": np.nan if paper is None or bound <= 0 else paper / bound,
                "starts_meet": bool(r["spread_final_max"] <= r["tolerance"]),
                "spread_final": float(r["spread_final_max"]), "index_corr": np.nan}
        for i in range(n_layers(eq, "ccv_l")):
            v = r.get(f"ccv_l{i}")
            if v is not None and np.isfinite(v):
                rows.append({"reading": f"{reading}: layer {i + 1} alone", **base, "start": "all starts",
                             "ccv": float(v), "over_bound": float(v) / bound})
        if traj is None or traj.empty:
            continue
        t = traj[(traj["dataset"] == r["dataset"]) & (traj["target_sparsity"].map(sparsity_key) == s)]
        t = t[t["start"].isin(_starts(r))]  # the starts that measure the equilibrium
        last = t[t["record"] == t.groupby(["start", "seed"])["record"].transform("max")]
        per_start = last.groupby("start")["fanout_ccv"].mean()
        spread = float(per_start.max() - per_start.min()) if len(per_start) else np.nan
        for start in ordered_starts(per_start.index):
            v = float(per_start[start])
            rows.append({"reading": f"{reading}: per input (fan-out)", **base, "start": start, "ccv": v,
                         "over_bound": v / bound, "spread_final": spread,
                         "starts_meet": bool(spread <= r["tolerance"])})
    return pd.DataFrame(rows, columns=COLUMNS)


def nearest_reading(rows: pd.DataFrame) -> pd.DataFrame:
    """Per reading: the mean |ours − paper| of the CCV over its bound across its cells and
    starts, whether its starts meet in every cell, sorted nearest first."""
    if rows.empty:
        return pd.DataFrame(columns=["reading", "mean_distance", "cells", "starts_meet_everywhere"])
    d = rows.assign(distance=(rows["over_bound"] - rows["paper_over_bound"]).abs())
    out = d.groupby("reading", sort=False).agg(mean_distance=("distance", "mean"),
                                               cells=("target_sparsity", "nunique"),
                                               starts_meet_everywhere=("starts_meet", "all")).reset_index()
    return out.sort_values("mean_distance", kind="stable", ignore_index=True)

