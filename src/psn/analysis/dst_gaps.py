"""The gaps between starts (§3.3): each start − ERK in final accuracy per cell, with Welch's test,
Cohen's d under both pooled-SD readings and the paper's numbers beside; and the crossover epoch of
the training curves (LN starts below ERK and overtakes at epoch 10–12, says the paper)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.dst_cells import BASELINE, CELL_KEYS, EQUIL, PAPER_METHOD, PAPER_START, in_paper_order, with_method
from psn.analysis.stats import cohens_d, diverged_mask, final_accuracies, n_diverged, welch
from psn.masks.starts import ordered_starts


def _paper_gap(method: str, dataset: str, sparsity: float, a: str, b: str) -> dict[str, Any]:
    """The paper's numbers for a − b in this cell, where §3.3 gives any (RigL, 90% only)."""
    out: dict[str, Any] = dict(paper_diff=np.nan, paper_p=np.nan, paper_d=np.nan, paper_n=np.nan,
                               paper_mean_a=np.nan, paper_mean_b=np.nan, source="")
    if method != PAPER_METHOD or sparsity_key(sparsity) != 0.9 or b != BASELINE:
        return out
    gap = pub.RIGL_GAPS.get(dataset)
    if gap and a in (EQUIL, PAPER_START):
        out.update(paper_diff=gap["value"], paper_p=gap.get("p", np.nan), paper_d=gap.get("d", np.nan),
                   paper_n=gap.get("n", np.nan), source=gap["source"])
    if dataset == "forest_cover":  # §3.3 names ERK's and static random's accuracy, 90% read
        forest = pub.RIGL_FOREST
        out["paper_mean_b"] = forest["erk"]["value"]
        if a == "static":
            out.update(paper_mean_a=forest["static"]["value"],
                       paper_diff=forest["static"]["value"] - forest["erk"]["value"])
        out["source"] = ", ".join(filter(None, [out["source"], forest["erk"]["source"] + " (sparsity read as 90%)"]))
    return out


def _gap_row(cell: Mapping[str, Any], a: str, b: str, seeds_label: str, ga: pd.DataFrame,
             gb: pd.DataFrame) -> dict[str, Any]:
    xa, xb = final_accuracies(ga), final_accuracies(gb)
    t, p = welch(xa, xb)
    ma = float(xa.mean()) if len(xa) else np.nan
    mb = float(xb.mean()) if len(xb) else np.nan
    return {**cell, "a": a, "b": b, "seeds": seeds_label, "n_a": len(xa), "n_b": len(xb),
            "n_diverged_a": n_diverged(ga), "n_diverged_b": n_diverged(gb),
            "mean_a": ma, "mean_b": mb,
            "sd_a": float(xa.std(ddof=1)) if len(xa) > 1 else np.nan,
            "sd_b": float(xb.std(ddof=1)) if len(xb) > 1 else np.nan,
            "diff": ma - mb, "t": t, "p": p,
            "d_ddof0": cohens_d(xa, xb, ddof=0), "d_ddof1": cohens_d(xa, xb, ddof=1),
            **_paper_gap(cell["method"], cell["dataset"], cell["target_sparsity"], a, b)}


GAP_COLUMNS = [*CELL_KEYS, "a", "b", "seeds", "n_a", "n_b", "n_diverged_a", "n_diverged_b", "mean_a",
               "mean_b", "sd_a", "sd_b", "diff", "t", "p", "d_ddof0", "d_ddof1", "paper_diff", "paper_p",
               "paper_d", "paper_n", "paper_mean_a", "paper_mean_b", "source"]


def gaps(models: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Per cell, every start − ``baseline`` in final accuracy (percentage points) over seeds:
    Welch's t and p, Cohen's d with the pooled SD over n_a + n_b (``d_ddof0``, what the paper's
    d = 1.07 at t ≈ 2.27 on 10 + 10 seeds fits) and over n_a + n_b − 2 (``d_ddof1``).

    ``seeds`` says which seeds: ``common`` (every start of the cell has them; Figure 3's) and,
    where the two starts share more (the 10-seed confirmation), ``pair`` (all they share). The
    paper's gap, p, d and n sit beside LN(equil.) and LN(paper) − ERK at 90%."""
    rows = []
    if models.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    models = with_method(models)
    for key, g in models.groupby(CELL_KEYS, sort=True):
        cell = dict(zip(CELL_KEYS, key))
        seeds = {s: set(gs["seed"]) for s, gs in g.groupby("start")}
        if baseline not in seeds:
            continue
        common = set.intersection(*seeds.values())
        for a in ordered_starts(seeds):
            if a == baseline:
                continue
            pair = seeds[a] & seeds[baseline]
            for label, chosen in [("common", common)] + ([("pair", pair)] if pair != common else []):
                ga = g[(g["start"] == a) & g["seed"].isin(chosen)]
                gb = g[(g["start"] == baseline) & g["seed"].isin(chosen)]
                rows.append(_gap_row(cell, a, baseline, label, ga, gb))
    return in_paper_order(pd.DataFrame(rows, columns=GAP_COLUMNS))


# ---- training curves: the crossover (§3.3) ---------------------------------------------------------------

CROSSOVER_COLUMNS = [*CELL_KEYS, "a", "b", "n_a", "n_b", "last_epoch", "crossover_epoch", "a_starts_below",
                     "first_gap", "final_gap", "paper", "source"]


def crossover_epoch(curves: pd.DataFrame, a: str = EQUIL, b: str = BASELINE) -> pd.DataFrame:
    """Per cell with both starts: the first epoch from which the mean test accuracy of ``a``
    (finished models, over the rows given) stays ≥ that of ``b`` through the last epoch
    (None if ``a`` ends below; 1 if never below), whether ``a`` starts below ``b`` at epoch 1,
    and the gaps at the first and last epochs. The paper: LN starts lower and overtakes at
    epoch 10–12."""
    rows = []
    if curves.empty:
        return pd.DataFrame(columns=CROSSOVER_COLUMNS)
    curves = with_method(curves)
    done = curves[~diverged_mask(curves)]
    paper = pub.RIGL_CROSSOVER_EPOCH
    for key, g in done.groupby(CELL_KEYS, sort=True):
        ca, cb = g[g["start"] == a], g[g["start"] == b]
        if ca.empty or cb.empty:
            continue
        ma = ca.groupby("epoch")["test_acc"].mean()
        mb = cb.groupby("epoch")["test_acc"].mean()
        epochs = sorted(set(ma.index) & set(mb.index))
        ge = [bool(ma[e] >= mb[e]) for e in epochs]
        if not ge[-1]:
            cross = None
        else:
            below = [i for i, ok in enumerate(ge) if not ok]
            cross = int(epochs[below[-1] + 1]) if below else int(epochs[0])
        rows.append({**dict(zip(CELL_KEYS, key)), "a": a, "b": b,
                     "n_a": ca["seed"].nunique(), "n_b": cb["seed"].nunique(),
                     "last_epoch": int(epochs[-1]), "crossover_epoch": cross,
                     "a_starts_below": bool(ma[epochs[0]] < mb[epochs[0]]),
                     "first_gap": float(ma[epochs[0]] - mb[epochs[0]]),
                     "final_gap": float(ma[epochs[-1]] - mb[epochs[-1]]),
                     "paper": "–".join(map(str, paper["value"])), "source": paper["source"]})
    return in_paper_order(pd.DataFrame(rows, columns=CROSSOVER_COLUMNS))

