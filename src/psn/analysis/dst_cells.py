"""The vocabulary of the dynamic sparse training tables (``psn.analysis.rigl`` builds them): a
*cell* is (method, dataset, arch, epochs, target_sparsity); within a cell each start (``erk``,
``ln-equil``, ``static`` ...) is one group of seeds. Tables from before SET joined have no method:
they are RigL's. The names of the methods, starts and cells, their order (the paper's), and the
seeds every start of a cell shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import sparsity_key

PAPER_METHOD = "rigl"  # Table 4 and §3.3 are RigL's; files from before SET joined are RigL's
CELL_KEYS = ["method", "dataset", "arch", "epochs", "target_sparsity"]
BASELINE = "erk"
EQUIL = "ln-equil"
PAPER_START = "ln-paper"
# §2.7: Forest Cover's network; ERK's first-layer density there is a pure computation (§3.3)
FOREST_LAYER_SIZES = (54, 1024, 1024, 1024, 7)
PAPER_SPARSITIES = (0.80, 0.90, 0.95, 0.98)


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

