"""What each start gives each hidden layer (§3.3's Forest Cover ERK): computed density and mean
fan-in per layer, the realised density where runs exist, and the final accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.dst_cells import FOREST_LAYER_SIZES, PAPER_SPARSITIES, common_seeds, in_paper_order
from psn.analysis.stats import final_accuracies
from psn.masks.starts import STARTS, ordered_starts, start_densities
from psn.names import parse_arch


def _computed_densities(layer_sizes: Sequence[int], sparsity: float, kind: str,
                        dense_output_in_budget: bool) -> list[float]:
    """A start's per-hidden-layer density: ERK and uniform by their budget; lognormal and static
    at the target per layer (the masks stage's; f_min clamping may add a little)."""
    if kind in ("erk", "uniform"):
        return start_densities(layer_sizes, sparsity, kind, dense_output_in_budget=dense_output_in_budget)
    return [1.0 - sparsity] * (len(layer_sizes) - 2)


def starts_table(models: pd.DataFrame | None = None, *, dense_output_in_budget: bool | None = None,
                 forest_sparsities: Sequence[float] = PAPER_SPARSITIES) -> pd.DataFrame:
    """Per (dataset, arch, sparsity, start): the start's computed density and mean fan-in
    (density × n_in) per hidden layer (``start_densities``: no masks needed), the realised
    density where runs exist, and the final accuracy over the common seeds (%), with the
    paper's Forest Cover accuracies (§3.3) beside.

    Cells come from ``models`` plus Forest Cover at the paper's architecture and sparsities
    (the four starting kinds) even without a Forest run: standard ERK makes its 54-input FC1
    dense at 80% and 0.81 dense at 90%, where the paper describes "~5" inputs per neuron.
    ``dense_output_in_budget`` defaults to the runs' setting (False without runs)."""
    models = models if models is not None else pd.DataFrame()
    if dense_output_in_budget is None:
        flags = models["erk_output_in_budget"].dropna() if "erk_output_in_budget" in models else []
        dense_output_in_budget = bool(flags.iloc[0]) if len(flags) else False
    cells: dict[tuple, list[tuple[str, str]]] = {}
    if len(models):
        for (d, arch, s), g in models.groupby(["dataset", "arch", "target_sparsity"], sort=True):
            kinds = g.drop_duplicates("start").set_index("start")["start_kind"]
            cells[(d, arch, sparsity_key(s))] = [(st, kinds[st]) for st in ordered_starts(kinds.index)]
    forest_arch = "-".join(map(str, FOREST_LAYER_SIZES))
    for s in forest_sparsities:
        cells.setdefault(("forest_cover", forest_arch, sparsity_key(s)), [(k, k) for k in STARTS])
    done = common_seeds(models) if len(models) else models
    rows = []
    for (dataset, arch, s), starts in sorted(cells.items()):
        sizes = parse_arch(arch)
        for start, kind in starts:
            dens = _computed_densities(sizes, s, kind, dense_output_in_budget)
            row: dict[str, Any] = {"dataset": dataset, "arch": arch, "target_sparsity": s,
                                   "start": start, "start_kind": kind,
                                   "erk_output_in_budget": dense_output_in_budget}
            for i, d in enumerate(dens):
                row[f"density_l{i}"] = d
                row[f"fanin_l{i}"] = d * sizes[i]
            g = (done[(done["dataset"] == dataset) & (done["arch"] == arch)
                      & (done["target_sparsity"].map(sparsity_key) == s) & (done["start"] == start)]
                 if len(done) else pd.DataFrame())
            for i in range(len(dens)):
                col = f"sparsity_l{i}"
                row[f"realised_density_l{i}"] = (float(1.0 - g[col].mean())
                                                 if len(g) and col in g else np.nan)
            acc = final_accuracies(g) if len(g) else np.array([])
            row["n"] = len(acc)
            row["final_acc_mean"] = float(acc.mean()) if len(acc) else np.nan
            row["final_acc_std"] = float(acc.std(ddof=1)) if len(acc) > 1 else np.nan
            paper = (pub.RIGL_FOREST.get(kind) if dataset == "forest_cover" and s == 0.9
                     and start in ("erk", "static") else None)
            row["paper_acc"] = paper["value"] if paper else np.nan
            rows.append(row)
    out = pd.DataFrame(rows)
    n = max((len(parse_arch(a)) - 2 for a in out["arch"]), default=0)
    layered = [f"{p}_l{i}" for p in ("density", "fanin", "realised_density") for i in range(n)]
    head = ["dataset", "arch", "target_sparsity", "start", "start_kind", "erk_output_in_budget"]
    return in_paper_order(out[head + layered + ["n", "final_acc_mean", "final_acc_std", "paper_acc"]])
