"""The tables the report reads, checked: what each kind must hold (:data:`TABLE_NEEDS`), where
each sits in a results directory (:data:`REPORT_TABLES`, which the workflow's rule imports), and
:func:`read_results`, which turns the report rule's named inputs into :class:`Results`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from psn.analysis.dst_cells import CELL_KEYS
from psn.analysis.report.core import Results
from psn.provenance import ArtifactError

# What the report needs of each table it reads: its columns, which of them must be numbers, and
# the columns that name one row (one model per (run, seed); a duplicate would count twice)
TABLE_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "models": dict(columns=("run", "dataset", "arch", "epochs", "condition", "profile", "spread", "target_sparsity",
                            "seed", "final_acc", "best_acc", "diverged"),
                   numbers=("epochs", "target_sparsity", "seed", "final_acc", "best_acc"),
                   key=("dataset", "run", "seed")),
    "dst_models": dict(columns=("run", "dataset", "arch", "epochs", "target_sparsity", "start", "seed", "final_acc",
                                "diverged"),
                       numbers=("epochs", "target_sparsity", "seed", "final_acc"), key=("run", "seed")),
    "dst_curves": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "start", "seed", "epoch", "test_acc"),
                       numbers=("epochs", "target_sparsity", "seed", "epoch", "test_acc"),
                       key=(*CELL_KEYS, "start", "seed", "epoch")),
    "dst_equilibrium": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "starts", "ccv_mean", "converged"),
                            numbers=("epochs", "target_sparsity", "ccv_mean"), key=tuple(CELL_KEYS)),
    "dst_fanin": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "start", "seed", "when", "layer", "ccv"),
                      numbers=("epochs", "target_sparsity", "seed", "layer", "ccv"),
                      key=(*CELL_KEYS, "start", "seed", "when", "layer")),
    "dst_trajectories": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "start", "seed", "record", "layer"),
                             numbers=("epochs", "target_sparsity", "seed", "record", "layer"),
                             key=(*CELL_KEYS, "start", "seed", "record", "layer")),
    "table3": dict(columns=("f_min",), numbers=("f_min",), key=("f_min",)),
    "mask_published": dict(columns=("quantity", "ours_ceil", "ours_floor"), numbers=(), key=("quantity",)),
}


class ReportTable(NamedTuple):
    """One table the report reads: its path in a results directory, and where it goes in
    :class:`Results`: the field of that name, or ``static[experiment]`` for a models table."""

    path: str
    field: str                        # a Results field, also its TABLE_NEEDS kind; "static" for models
    experiment: str = ""

    @property
    def kind(self) -> str:
        return "models" if self.field == "static" else self.field


def _static(experiment: str) -> ReportTable:
    return ReportTable(f"tables/{experiment}/models.csv", "static", experiment)


# Every table of a results directory the report reads, in the order the rule numbers them
REPORT_TABLES: tuple[ReportTable, ...] = (
    ReportTable("tables/table3.csv", "table3"), ReportTable("tables/mask_published.csv", "mask_published"),
    ReportTable("tables/dst/models.csv", "dst_models"), ReportTable("tables/dst/curves.csv", "dst_curves"),
    ReportTable("tables/dst/equilibrium.csv", "dst_equilibrium"), ReportTable("tables/dst/fanin.csv", "dst_fanin"),
    *map(_static, ("mnist_sweep", "multipeak", "cross_dataset", "fashion_98", "spreading_ablation",
                   "forest_grid", "readings")))
INCLUDED_TABLES: tuple[str, ...] = tuple(t.path for t in REPORT_TABLES)
_BY_PATH = {t.path: t for t in REPORT_TABLES}
# the report rule's own inputs: <field> for a Results field, static_<experiment> for a models table
_FIELDS = tuple(t.field for t in REPORT_TABLES if t.field != "static")
STATIC_PREFIX, FIGURE_PREFIX = "static_", "figure_"


def check_table(df: pd.DataFrame, kind: str, path: str) -> pd.DataFrame:
    """``df`` (a table read from ``path``) if it has what the report reads of a ``kind`` table
    (:data:`TABLE_NEEDS`): its columns, numbers where numbers belong, one row per key (a model
    once per run and seed). Otherwise an ``ArtifactError`` naming the file, the row (its line
    in the file) and the remedy."""
    need = TABLE_NEEDS[kind]
    remedy = "rerun the rule that makes it (snakemake <file> --forcerun <rule>)"
    missing = [c for c in need["columns"] if c not in df]
    if missing:
        raise ArtifactError(f"{path} is damaged: no column {', '.join(repr(c) for c in missing)}; {remedy}")
    for col in need["numbers"]:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = df.index[values.isna() & df[col].notna() & (df[col].astype(str).str.strip().str.lower() != "nan")]
        if len(bad):
            i = bad[0]
            raise ArtifactError(f"{path} row {i + 2}: {col} = {df.at[i, col]!r} is not a number; {remedy}")
    key = [c for c in need["key"] if c in df]
    dup = df.index[df.duplicated(subset=key, keep="first")]
    if len(dup):
        i = dup[0]
        group = df.groupby(key, dropna=False, sort=False).ngroup()
        first = group.index[group == group[i]][0]
        what = ", ".join(f"{c} {df.at[i, c]}" for c in key)
        raise ArtifactError(f"{path} row {i + 2}: a second row for ({what}), first at row {first + 2}; "
                            f"each must appear once; {remedy}")
    return df


def read_table(path: str, kind: str) -> pd.DataFrame:
    """A pipeline table of ``kind`` (:data:`TABLE_NEEDS`); one that does not parse, lacks a
    column the report reads or holds a model twice is an ArtifactError naming the file."""
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is damaged: not a readable CSV ({exc}); rerun the rule that "
                            "makes it (snakemake --forcerun <rule>)") from None
    return check_table(df, kind, path)


def _file(res: Results, table: ReportTable, df: pd.DataFrame) -> None:
    if table.field == "static":
        res.static[table.experiment] = df
    else:
        setattr(res, table.field, df)


def read_results(inputs: Mapping[str, str], included: Mapping[str, tuple[int, str]] | None = None,
                 rounding: str = "ceil") -> tuple[Results, list[Results]]:
    """The report's tables from the report rule's named inputs: this run's :class:`Results`
    (``<field>`` for a Results field such as ``dst_models``, ``static_<experiment>`` for a static
    experiment's models table) and one :class:`Results` per ``report.include`` directory, in its
    order (``included``: input name -> (directory index, path in it, one of :data:`INCLUDED_TABLES`))."""
    own = Results(rounding=rounding, static={})
    for key, path in inputs.items():
        if key.startswith(STATIC_PREFIX):
            own.static[key.removeprefix(STATIC_PREFIX)] = read_table(path, "models")
    for name in _FIELDS:
        if name in inputs:
            setattr(own, name, read_table(inputs[name], name))
    per_root: dict[int, Results] = {}
    for key, (i, rel) in (included or {}).items():
        res = per_root.setdefault(i, Results(rounding=rounding, static={}))
        table = _BY_PATH[rel]
        _file(res, table, read_table(inputs[key], table.kind))
    return own, [per_root[i] for i in sorted(per_root)]


def figure_inputs(inputs: Mapping[str, str]) -> dict[str, str]:
    """The figures among the report rule's inputs: name -> path."""
    return {k.removeprefix(FIGURE_PREFIX): v for k, v in inputs.items() if k.startswith(FIGURE_PREFIX)}
