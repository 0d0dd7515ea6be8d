"""Writers of every rendered file: figures (PNG, PDF), tables (CSV, Markdown) and text.

Each file is written atomically, and figures carry no timestamp or software version, so the
same inputs give the same bytes.
"""

from __future__ import annotations

import io
from os import PathLike

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from psn.provenance import atomic_write_bytes  # noqa: E402

Path = str | PathLike


def save_figure(fig, png: Path | None, pdf: Path | None, dpi: int = 150) -> None:
    """PNG and PDF (either may be None) without timestamps or software versions; closes ``fig``."""
    for path, fmt, meta in ((png, "png", {"Software": None}),
                            (pdf, "pdf", {"CreationDate": None, "Producer": None})):
        if path is None:
            continue
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
        atomic_write_bytes(path, buf.getvalue())
    plt.close(fig)


def to_markdown(df: pd.DataFrame, floatfmt: str = ".2f") -> str:
    """A GitHub-flavoured Markdown table (no ``tabulate`` dependency)."""

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else format(v, floatfmt)
        return str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(path, df.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode())


def write_markdown(df: pd.DataFrame, path: Path, floatfmt: str = ".2f") -> None:
    atomic_write_bytes(path, to_markdown(df, floatfmt).encode())


def write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
