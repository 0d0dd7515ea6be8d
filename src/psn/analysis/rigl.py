"""The dynamic sparse training stage (§2.8, §3.3, Table 4, Figure 3) as tables, each comparison
beside the paper.

Pure functions over loaded run files (what ``scripts/train_dst.py`` writes: ``{"job": ...,
"results": [one dict per model]}``), equilibrium files (``scripts/dst_equilibrium.py``) and
the DataFrames made from them. A *cell* is (method, dataset, arch, epochs, target_sparsity);
within a cell each start (``erk``, ``ln-equil``, ``static`` ...) is one group of seeds. Files and
tables from before SET joined have no method: they are RigL's. Accuracies are in percent, as in
the static tables (``psn.analysis.runs``). Fan-in CCV is population std / mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key
from psn.analysis.stats import cohens_d, diverged_mask, final_accuracies, n_diverged, welch
from psn.masks.starts import STARTS, Start, ordered_starts, start_densities
from psn.masks.stats import ccv_bound
from psn.names import parse_arch
from psn.training.dst import RECORDED

PAPER_METHOD = "rigl"  # Table 4 and §3.3 are RigL's; files from before SET joined are RigL's
CELL_KEYS = ["method", "dataset", "arch", "epochs", "target_sparsity"]
BASELINE = "erk"
EQUIL = "ln-equil"
PAPER_START = "ln-paper"
# §2.7: Forest Cover's network; ERK's first-layer density there is a pure computation (§3.3)
FOREST_LAYER_SIZES = (54, 1024, 1024, 1024, 7)
PAPER_SPARSITIES = (0.80, 0.90, 0.95, 0.98)


# ---- vocabulary ----------------------------------------------------------------------------------

def job_method(job: Mapping[str, Any]) -> str:
    """A run file's method: its job's ``method``, absent (RigL) for RigL's groups."""
    return str(job.get("method", PAPER_METHOD))


def with_method(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """``df`` with a ``method`` column: a table from before SET joined has none, and is RigL's."""
    if df is None or df.empty or "method" in df:
        return df
    return df.assign(method=PAPER_METHOD)


def of_method(df: pd.DataFrame | None, method: str) -> pd.DataFrame | None:
    """``df``'s rows of one method."""
    df = with_method(df)
    if df is None or df.empty:
        return df
    return df[df["method"] == method].reset_index(drop=True)


def method_rank(method: str) -> tuple:
    """Sort key of methods: RigL (the paper's), SET, then the rest by name."""
    order = {PAPER_METHOD: 0, "set": 1}
    return (order.get(method, 2), method)


def dataset_rank(dataset: str) -> tuple:
    """Sort key of datasets: the paper's order (MNIST, Fashion-MNIST, EMNIST, Forest Cover)."""
    order = list(pub.TABLE4)
    return (order.index(dataset) if dataset in order else len(order), dataset)


def in_paper_order(df: pd.DataFrame) -> pd.DataFrame:
    """``df``'s rows with datasets in the paper's order, otherwise as they were."""
    if df.empty or "dataset" not in df:
        return df
    rank = df["dataset"].map(lambda d: dataset_rank(d)[0])
    return df.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def ordered_cells(df: pd.DataFrame, keys: Sequence[str] = CELL_KEYS) -> list[tuple]:
    """The distinct ``keys`` tuples of ``df``, datasets in the paper's order, then the rest sorted."""
    cells = df[list(keys)].drop_duplicates().itertuples(index=False)  # named: cell.dataset ...

    def rank(c):
        d = c._asdict()
        return (method_rank(d["method"]) if "method" in d else (), dataset_rank(d["dataset"]),
                *[v for k, v in d.items() if k not in ("method", "dataset")])

    return sorted(cells, key=rank)


def n_layers(df: pd.DataFrame, prefix: str) -> int:
    """How many per-layer columns ``{prefix}{0,1,...}`` ``df`` has."""
    n = 0
    while f"{prefix}{n}" in df.columns:
        n += 1
    return n


def layer_values(row: Mapping[str, Any], prefix: str, n: int) -> list[float]:
    """The finite values of a row's columns ``{prefix}0 .. {prefix}{n-1}`` (a layer it lacks is NaN)."""
    vals = [row.get(f"{prefix}{i}") for i in range(n)]
    return [float(v) for v in vals if v is not None and np.isfinite(float(v))]


def _pct(fraction: float | None) -> float:
    return np.nan if fraction is None else 100.0 * float(fraction)


def _mean(values) -> float:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else np.nan


def job_cell(job: Mapping[str, Any]) -> dict[str, Any]:
    return {"method": job_method(job), "dataset": job["dataset"], "arch": job["arch"], "epochs": int(job["epochs"]),
            "target_sparsity": sparsity_key(job["sparsity"])}


def common_seeds(df: pd.DataFrame) -> pd.DataFrame:
    """The rows whose seed every start of their cell has (the confirmation's extra seeds of
    ERK and LN(equil.) drop out, so every start is compared over the same seeds)."""
    if df.empty:
        return df
    df = with_method(df)
    keep = pd.Series(False, index=df.index)
    for _, g in df.groupby(CELL_KEYS, sort=False):
        seeds = set.intersection(*(set(s["seed"]) for _, s in g.groupby("start")))
        keep.loc[g.index] = g["seed"].isin(seeds)
    return df[keep]


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


# ---- RigL gaps (§3.3) --------------------------------------------------------------------------------

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


# ---- what each start gives each layer (§3.3's Forest Cover ERK) -------------------------------------------

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
