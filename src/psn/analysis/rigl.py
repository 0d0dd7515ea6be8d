"""The dynamic sparse training stage (§2.8, §3.3, Table 4, Figure 3) as tables, each comparison
beside the paper.

Pure functions over loaded run files (what ``scripts/train_dst.py`` writes: ``{"job": ...,
"results": [one dict per model]}``), equilibrium files (``scripts/dst_equilibrium.py``) and
the DataFrames made from them. A *cell* is (method, dataset, arch, epochs, target_sparsity);
within a cell each start (``erk``, ``ln-equil``, ``static`` ...) is one group of seeds. Files and
tables from before SET joined have no method: they are RigL's. Accuracies are in percent, as in
the static tables (``psn.analysis.runs``). Fan-in CCV is population std / mean.

Here: run files to flat tables (models, curves, trajectories) and the equilibrium (Table 4). The
vocabulary of cells is ``psn.analysis.dst_cells``, the gaps and crossover ``psn.analysis.dst_gaps``,
the starts table ``psn.analysis.dst_starts``; their names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.dst_cells import (PAPER_METHOD, PAPER_SPARSITIES, in_paper_order, job_cell, job_method, layer_values,
                                    method_rank, n_layers, with_method)
from psn.masks.stats import ccv_bound
from psn.training.dst import RECORDED


def _pct(fraction: float | None) -> float:
    return np.nan if fraction is None else 100.0 * float(fraction)


def _mean(values) -> float:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else np.nan


# ---- run files -> flat tables ----------------------------------------------------------------------

def models_table(runs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per model: the cell, the start (name, kind, mean CCV target), seed, final and
    best accuracy (%), diverged, realised sparsity (overall and per layer), fan-in CCV of the
    final masks per layer (``fanin_ccv_l*``) and mean, the same at the start (the first RigL
    record; a static run's masks never change), and the final CCV over its bound √(1/d − 1) at
    the layer's density d."""
    rows = []
    for run in runs:
        job = run["job"]
        for res in run["results"]:
            start = res.get("start") or {}
            target = start.get("ccv_target")
            hist = res.get("rigl")
            final = list(res["fan_in_cv"])
            init = list(hist["fanin_ccv"][0]) if hist else final
            row: dict[str, Any] = {
                "run": f"{job_method(job)}/{job['key']}", **job_cell(job), "start": job["start"],
                "start_kind": start.get("kind", job["start"]),
                "ccv_target": _mean(target) if isinstance(target, list) else
                (np.nan if target is None else float(target)),
                "erk_output_in_budget": (job.get("rigl") or {}).get("erk_dense_output_in_budget"),
                "seed": int(res["seed"]),
                "final_acc": _pct(res["final_test_accuracy"]),
                "best_acc": _pct(res["best_test_accuracy"]),
                "best_epoch": res.get("best_epoch"),
                "diverged": bool(res["diverged"]),
                "steps": res.get("steps"),
                "n_updates": len(hist["t"]) - 1 if hist else 0,
                "sparsity": res["sparsity_overall"],
            }
            for i, s in enumerate(res["sparsity"]):
                row[f"sparsity_l{i}"] = s
            for i, cv in enumerate(final):
                row[f"fanin_ccv_l{i}"] = cv
            row["fanin_ccv"] = _mean(final)
            for i, cv in enumerate(init):
                row[f"init_fanin_ccv_l{i}"] = cv
            row["init_fanin_ccv"] = _mean(init)
            ratios = [cv / ccv_bound(1.0 - s) if ccv_bound(1.0 - s) > 0 else np.nan
                      for cv, s in zip(final, res["sparsity"])]
            row["ccv_over_bound"] = float(np.nanmean(ratios)) if np.isfinite(ratios).any() else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def curves_table(runs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per model and epoch: test accuracy (%) and train loss."""
    rows = []
    for run in runs:
        job = run["job"]
        cell = job_cell(job)
        for res in run["results"]:
            for epoch, (acc, loss) in enumerate(zip(res["test_accuracy"], res["train_loss"])):
                rows.append({**cell, "start": job["start"], "seed": int(res["seed"]),
                             "diverged": bool(res["diverged"]), "epoch": epoch + 1,
                             "test_acc": _pct(acc), "train_loss": loss})
    return pd.DataFrame(rows)


def trajectories_table(runs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per RigL model, record and hidden layer: t (optimizer steps), step, α, the run's
    total steps T and T_end, and every recorded statistic (``psn.training.dst.RECORDED``).
    Static runs have no records."""
    rows = []
    for run in runs:
        job = run["job"]
        cell = job_cell(job)
        end_fraction = (job.get("rigl") or {}).get("end_fraction", np.nan)
        for res in run["results"]:
            hist = res.get("rigl")
            if not hist:
                continue
            stats = [name for name in RECORDED if name in hist]
            total = res.get("steps")
            for i, (t, step, alpha) in enumerate(zip(hist["t"], hist["step"], hist["alpha"])):
                for layer in range(len(hist[stats[0]][i])):
                    row = {**cell, "start": job["start"], "seed": int(res["seed"]),
                           "record": i, "t": t, "step": step, "alpha": alpha,
                           "total_steps": total,
                           "t_end": end_fraction * total if total is not None else np.nan,
                           "layer": layer}
                    row.update({name: hist[name][i][layer] for name in stats})
                    rows.append(row)
    return pd.DataFrame(rows)


# ---- the equilibrium (Table 4) ---------------------------------------------------------------------

def equilibrium_cell(eq: Mapping[str, Any]) -> dict[str, Any]:
    """The cell of an equilibrium file: its ``cell`` holds the rule's wildcards (method, dataset,
    arch, epochs, sparsity in percent as in the path), as a mapping or in that order; a file from
    before SET joined has no method and is RigL's."""
    cell = eq.get("cell")
    if isinstance(cell, Mapping):
        parts = [cell.get("method", PAPER_METHOD)] + [cell.get(k) for k in ("dataset", "arch", "epochs", "sparsity")]
    elif isinstance(cell, (list, tuple)) and len(cell) in (4, 5):
        parts = ([PAPER_METHOD] if len(cell) == 4 else []) + list(cell)
    else:
        raise ValueError(f"equilibrium file has no readable cell (method, dataset, arch, epochs, sparsity): {cell!r}")
    method, dataset, arch, epochs, pct = parts
    return {"method": str(method), "dataset": str(dataset), "arch": str(arch), "epochs": int(str(epochs).lstrip("e")),
            "target_sparsity": sparsity_key(float(str(pct).lstrip("s")) / 100.0)}


def _cell_models(models: pd.DataFrame | None, cell: Mapping[str, Any], starts: Sequence[str]) -> pd.DataFrame:
    """The cell's models of the given starts (none without ``models``)."""
    if models is None or models.empty:
        return pd.DataFrame()
    m = with_method(models)
    sel = ((m["method"] == cell["method"]) & (m["dataset"] == cell["dataset"]) & (m["arch"] == cell["arch"])
           & (m["epochs"] == cell["epochs"]) & (m["target_sparsity"].map(sparsity_key) == cell["target_sparsity"])
           & m["start"].isin(starts))
    return m[sel]


def _realised_densities(models: pd.DataFrame | None, cell: Mapping[str, Any], starts: Sequence[str],
                        n: int) -> list[float] | None:
    """Mean realised density per layer over the cell's models of the given starts."""
    m = _cell_models(models, cell, starts)
    if m.empty or n_layers(m, "sparsity_l") < n:
        return None
    return [float(1.0 - m[f"sparsity_l{i}"].mean()) for i in range(n)]


def equilibrium_table(equilibria: Iterable[Mapping[str, Any]], models: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cell: the equilibrium CCV per layer (``ccv_l*``) and their mean (``ccv_mean``,
    the "mean" reading), each start's final CCV (mean over layers), the starts' spread at
    ½·T_end and at the end, converged, the paper's Table 4 value and ours − paper; and the CCV
    bound √(1/d − 1) per layer at the realised density d (mean over the equilibrium starts'
    models when ``models`` is given, else 1 − target), ours over it per layer and on average,
    and the paper's value over the bound at its target density (≈ 0.8 on the 784-input rows)."""
    rows = []
    for eq in equilibria:
        cell = equilibrium_cell(eq)
        per_layer = [float(v) for v in eq["per_layer"]]
        n = len(per_layer)
        row: dict[str, Any] = {**cell, "reading": eq.get("reading"), "starts": ", ".join(eq["starts"]),
                               "n_seeds": min(eq["n_seeds"].values()) if eq.get("n_seeds") else np.nan}
        for i, v in enumerate(per_layer):
            row[f"ccv_l{i}"] = v
        row["ccv_mean"] = float(eq["mean"])
        for start, v in eq["per_start"].items():
            row[f"ccv_{start}"] = _mean(v)
        for when in ("half", "final"):
            spread = [float(v) for v in eq[f"spread_{when}"]]
            for i, v in enumerate(spread):
                row[f"spread_{when}_l{i}"] = v
            row[f"spread_{when}_max"] = max(spread)
        row["tolerance"] = eq.get("tolerance")
        row["converged"] = bool(eq["converged"])
        paper = pub.table4_ccv(cell["dataset"], cell["target_sparsity"])
        row["paper"] = np.nan if paper is None else paper
        row["ours_minus_paper"] = row["ccv_mean"] - row["paper"]
        updates = _cell_models(models, cell, eq["starts"]).get("n_updates", pd.Series(dtype=float))
        row["n_updates_min"] = float(updates.min()) if len(updates) else np.nan  # 0: no equilibrium
        dens = _realised_densities(models, cell, eq["starts"], n)
        row["density_source"] = "target" if dens is None else "realised"
        dens = dens or [1.0 - cell["target_sparsity"]] * n
        ratios = []
        for i, (v, d) in enumerate(zip(per_layer, dens)):
            b = ccv_bound(d)
            row[f"density_l{i}"] = d
            row[f"bound_l{i}"] = b
            ratios.append(v / b if b > 0 else np.nan)
            row[f"over_bound_l{i}"] = ratios[-1]
        row["over_bound_mean"] = float(np.nanmean(ratios)) if np.isfinite(ratios).any() else np.nan
        paper_bound = ccv_bound(1.0 - cell["target_sparsity"])
        row["paper_bound"] = paper_bound
        row["paper_over_bound"] = row["paper"] / paper_bound if paper_bound > 0 else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if not len(out):
        return out
    out = out.sort_values(["dataset", "arch", "epochs", "target_sparsity"], kind="stable", ignore_index=True)
    out = out.iloc[np.argsort(out["method"].map(method_rank).to_numpy(), kind="stable")]
    return in_paper_order(out.reset_index(drop=True))


def paper_bound_ratios() -> pd.DataFrame:
    """Each Table 4 value over the CCV bound √(1/d − 1) at its target density d = 1 − s."""
    rows = [{"dataset": d, "target_sparsity": s, "paper": v, "bound": ccv_bound(1.0 - s),
             "paper_over_bound": v / ccv_bound(1.0 - s)}
            for d, row in pub.TABLE4.items() for s, v in row.items()]
    return pd.DataFrame(rows)


def _pct_label(s: float) -> str:
    return f"{100 * s:g}%"


def table4(eq: pd.DataFrame) -> pd.DataFrame:
    """Table 4's layout: one row per dataset, method (and our architecture, epochs), one column
    group per sparsity: ours (mean reading), ours per layer ('1.62 / 1.70'), the paper's (RigL's:
    beside every method, so SET reads against it too). The paper's datasets and sparsities are
    always present; cells we did not run are empty."""
    eq = with_method(eq)
    sparsities = sorted({*PAPER_SPARSITIES, *(eq["target_sparsity"].map(sparsity_key) if len(eq) else [])})
    ours_rows = (eq[["dataset", "method", "arch", "epochs"]].drop_duplicates().itertuples(index=False)
                 if len(eq) else [])
    keys = [(r.dataset, r.method, r.arch, int(r.epochs)) for r in ours_rows]
    keys += [(d, PAPER_METHOD, "", np.nan) for d in pub.TABLE4 if d not in {k[0] for k in keys}]
    order = {d: i for i, d in enumerate(pub.TABLE4)}
    keys.sort(key=lambda k: (order.get(k[0], len(order)), k[0], k[2], method_rank(k[1])))
    n = n_layers(eq, "ccv_l")
    rows = []
    for dataset, method, arch, epochs in keys:
        row: dict[str, Any] = {"dataset": dataset, "method": method, "arch": arch, "epochs": epochs}
        for s in sparsities:
            hit = eq[(eq["dataset"] == dataset) & (eq["method"] == method) & (eq["arch"] == arch)
                     & (eq["epochs"] == epochs) & (eq["target_sparsity"].map(sparsity_key) == s)] if arch else eq.iloc[0:0]
            lab = _pct_label(s)
            if len(hit) and hit.iloc[0].get("n_updates_min", np.nan) == 0:  # the starts' own CCV
                row[f"ours {lab}"] = np.nan
                row[f"ours per layer {lab}"] = "no update"
            elif len(hit):
                r = hit.iloc[0]
                row[f"ours {lab}"] = float(r["ccv_mean"])
                row[f"ours per layer {lab}"] = " / ".join(f"{v:.2f}" for v in layer_values(r, "ccv_l", n))
            else:
                row[f"ours {lab}"] = np.nan
                row[f"ours per layer {lab}"] = ""
            paper = pub.table4_ccv(dataset, s)
            row[f"paper {lab}"] = np.nan if paper is None else paper
        rows.append(row)
    out = pd.DataFrame(rows)
    out["epochs"] = out["epochs"].astype("Int64")
    return out

