"""What every rendering module shares: the labels and styles of datasets, methods and starts
(the same in every figure and table), number formatting, the figure grid with its legend
below, and the placeholder drawn for an experiment the config did not run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.analysis.dst_cells import EQUIL, PAPER_START  # noqa: E402
from psn.masks.starts import Start  # noqa: E402
from psn.render.io import Path, save_figure  # noqa: E402

NOT_IN_CONFIG = "experiment not in this config"
NO_RUNS = "no RigL runs"
MIN_WIDTH = 7.5  # inches: room for the title and the shared legend of a one-panel figure
LEGEND_COLUMNS = 5
DATASET_LABELS = {"mnist": "MNIST", "fashion_mnist": "Fashion", "emnist_balanced": "EMNIST",
                  "forest_cover": "Forest"}


# ---- names -----------------------------------------------------------------------------------

def dataset_label(dataset: str) -> str:
    return DATASET_LABELS.get(dataset, dataset)


def method_label(method: str) -> str:
    return {"rigl": "RigL", "set": "SET"}.get(method, method)


def start_label(start: str) -> str:
    """A start's label (``Start.label``: 'ln-equil' -> 'LN (equil.)'); a bare mask kind as itself."""
    try:
        return Start.parse(start).label
    except ValueError:
        return {"lognormal": "Lognormal"}.get(start, start)


def start_style(start: str) -> dict:
    """A start's colour, line and marker, the same in every figure: LN (equil.) family blue,
    LN (paper) purple, other lognormals teal, ERK red, uniform green, static dashed gray."""
    if start == "static":
        return dict(color="0.45", ls="--", marker="s")
    if start == EQUIL:
        return dict(color="#1f4e9c", ls="-", marker="o")
    if start.startswith(EQUIL):
        light = start[len(EQUIL):].startswith("-")
        return dict(color="#7fa7e0" if light else "#0b1f4d", ls="-", marker="v" if light else "^")
    fixed = {PAPER_START: dict(color="#7b3294", ls="-", marker="D"),
             "erk": dict(color="#d7301f", ls="-", marker="o"),
             "uniform": dict(color="#1a9850", ls="-", marker="P")}
    return fixed.get(start, dict(color="#35978f", ls="-", marker="X"))


def epochs_text(e) -> str:
    return f"{int(e)} epoch{'s' if int(e) != 1 else ''}"


def cell_title(dataset: str, arch: str, epochs, sparsity: float | None = None) -> str:
    s = f", {100 * sparsity:g}%" if sparsity is not None else ""
    return f"{dataset_label(dataset)} {arch}, {epochs_text(epochs)}{s}"


# ---- numbers and tables ----------------------------------------------------------------------

def fmt(v, spec: str = ".2f") -> str:
    """A table cell: floats by ``spec``, missing values (None, NaN, ±inf, NA) empty."""
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return format(v, spec)
    return str(v)


def present(df: pd.DataFrame | None) -> bool:
    """Whether a table was given and has rows."""
    return df is not None and len(df) > 0


def placeholder_table(experiment: str) -> pd.DataFrame:
    return pd.DataFrame([{"experiment": experiment, "note": NOT_IN_CONFIG}])


# ---- figures ---------------------------------------------------------------------------------

def placeholder_figure(png: Path | None, pdf: Path | None, title: str, experiment: str) -> None:
    with sns.axes_style("white"):
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.axis("off")
        ax.text(0.5, 0.6, title, ha="center", va="center", fontsize=11)
        ax.text(0.5, 0.35, f"{experiment}: {NOT_IN_CONFIG}", ha="center", va="center", fontsize=9, color="0.4")
        save_figure(fig, png, pdf)


def grid(n: int, ncols: int, width: float, height: float):
    """``n`` panels of ``width`` × ``height`` inches, ``ncols`` to a row; the spare ones hidden."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(width * ncols, MIN_WIDTH), height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def legend_below(fig, starts, extra: list | None = None) -> int:
    """One legend for the figure, below the panels; returns its number of rows."""
    handles = [plt.Line2D([], [], marker=start_style(s)["marker"], ls=start_style(s)["ls"],
                          color=start_style(s)["color"], ms=5, label=start_label(s)) for s in starts]
    handles += extra or []
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), LEGEND_COLUMNS), fontsize=7,
               frameon=False)
    return -(-len(handles) // LEGEND_COLUMNS)


def finish(fig, title: str, legend_rows: int) -> None:
    """Title on top and the panels between it and the legend, margins fixed in inches so tall
    and one-panel figures alike leave neither overlap nor empty bands."""
    height = fig.get_figheight()
    fig.suptitle(title, fontsize=10, y=1 - 0.12 / height, va="top")
    fig.tight_layout(rect=(0, (0.15 + 0.17 * legend_rows) / height, 1, 1 - 0.4 / height))
