"""The vocabulary of ``models.csv`` (one row per trained model, see ``psn.analysis.runs``).

The random baseline is the condition ``"random"`` (profile ``uniform`` or ``random``); dense
models are condition ``"dense"``. Profile names are matched on the ``profile`` column, so
parameter suffixes in ``condition`` ("bell-beta3") do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from psn.model.gradients import READINGS

WHENS = ("init", "final")
GRAD_COLUMNS = tuple(f"grad_ratio_{w}_{r}" for w in WHENS for r in READINGS)
DEFAULT_METRICS = ("final_acc", "best_acc", "fan_in_cv", *GRAD_COLUMNS)
# What makes two rows the same trained configuration (seeds aside).
CONFIG_KEYS = ("dataset", "arch", "epochs", "condition", "profile", "spread", "target_sparsity",
               "ccv_target", "k", "beta")
RANDOM_CONDITION = "random"
DENSE_CONDITION = "dense"


def present(models: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` that ``models`` has, in the given order."""
    return [c for c in columns if c in models.columns]


def sparsity_key(s) -> float:
    """Target sparsities as group keys, immune to float noise from CSV round trips."""
    return round(float(s), 6)


def with_sparsity_key(models: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``models`` with the column ``_s``: :func:`sparsity_key` of ``target_sparsity``."""
    out = models.copy()
    out["_s"] = out["target_sparsity"].map(sparsity_key)
    return out
