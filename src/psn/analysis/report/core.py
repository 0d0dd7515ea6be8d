"""The report's machinery: a :class:`Claim` (one published number), an :class:`Ours` (our
measurement of it), a :class:`Section` (one table or experiment: its claims and the function
that measures them), the one spelling of a claim's id (:func:`claim_id`), the verdict rule and
the table that joins claims and measurements."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

REPRODUCED, DIFFERS, OTHER_SETTINGS, NOT_RUN = "reproduced", "differs", "other settings", "not run"
VERDICTS = (REPRODUCED, DIFFERS, OTHER_SETTINGS, NOT_RUN)
VERDICT_RULE = (
    "A number is **reproduced** when ours, measured at the paper's settings, lies within a "
    "tolerance of the paper's: two standard errors of our mean (sd/√n; for Cohen's d and "
    "Pearson's r their sampling errors), or half a unit in the paper's last printed digit, "
    "whichever is larger. A range (a–b) is reproduced when ours lies inside it widened by "
    "that half unit; a bound (\"all p > 0.1\", \"within 0.5%\") when ours keeps it; a p-value "
    "when ours falls on the same side of 0.05. It **differs** otherwise. **Other settings**: "
    "ours exists but was measured at other settings than the paper's (architecture, epochs, "
    "fewer seeds); it is shown, not judged. **Not run**: no result of ours; the row names the "
    "target that makes it and an estimate of its time.")
KINDS = ("value", "range", "above", "below", "significance")


# ---- ids ----------------------------------------------------------------------------------------

def claim_id(*parts: object, **numbered: object) -> str:
    """The one spelling of a claim's id, for the claim and its measurement alike: the parts
    joined by "_" and slugged (lower-case ASCII letters and digits, any other run one "_"),
    then each keyword as _name + value, ``s`` a sparsity in percent (``s99.9``):
    ``claim_id("table5", "bell", s=0.9) == "table5_bell_s90"``,
    ``claim_id("table3", n=784, fmin=1) == "table3_n784_fmin1"``."""
    return slug("_".join(str(p) for p in parts)) + "".join(
        f"_{k}{pct(v) if k == 's' else _number(v)}" for k, v in numbered.items())


def pct(s: float) -> str:
    return f"{100 * float(s):.6g}"


def slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "_" for ch in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def _number(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# ---- claims, measurements, sections -------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One published number."""

    id: str
    section: str                      # the report's heading: "Table 6", "§3.3 RigL", ...
    where: str                        # where in the paper
    quantity: str
    paper: float | tuple[float, float]
    decimals: int                     # as printed: the judging tolerance is half a unit of the last
    kind: str = "value"               # one of KINDS
    experiment: str = ""              # what produces ours: a static experiment, "rigl", "masks"
    dataset: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def paper_text(self) -> str:
        if isinstance(self.paper, tuple):
            return "–".join(f"{v:.{self.decimals}f}" for v in self.paper)
        prefix = {"above": "> ", "below": "≤ "}.get(self.kind, "")
        return f"{prefix}{self.paper:.{self.decimals}f}"


@dataclass(frozen=True)
class Ours:
    """Our measurement of a claim: value, sd and n over seeds where it has them, the standard
    error to judge by when it is not sd/√n, and the settings it was measured at."""

    value: float
    sd: float = math.nan
    n: int = 0
    se: float = math.nan
    settings: str = ""
    at_paper: bool = True
    note: str = ""


@dataclass
class Results:
    """The pipeline's tables the report reads; any may be missing (its stage not in the config)."""

    static: Mapping[str, pd.DataFrame] = field(default_factory=dict)   # experiment -> models.csv
    table3: pd.DataFrame | None = None
    mask_published: pd.DataFrame | None = None
    rounding: str = "ceil"
    dst_models: pd.DataFrame | None = None
    dst_curves: pd.DataFrame | None = None
    dst_equilibrium: pd.DataFrame | None = None
    dst_fanin: pd.DataFrame | None = None   # not judged: the report's paragraph on SET's fan-in


class Settings(NamedTuple):
    """How a row's models were run: the text the report shows, whether that is the paper's
    architecture, epochs and number of seeds, and the paper's seeds behind each of its numbers
    (``n``): a row of ours with fewer, or an aggregate missing a member, is shown, not judged."""

    text: str
    at_paper: bool
    n: int = 0


@dataclass(frozen=True)
class Section:
    """One table or experiment of the report: its claims, in the report's order, and the
    function that puts ours of them (claim id -> :class:`Ours`) from the pipeline's tables."""

    name: str
    claims: Callable[[], list[Claim]]
    measure: Callable[[Results, dict[str, Ours]], None]

    def measured(self, res: Results) -> dict[str, Ours]:
        """Ours of this section's claims; a ValueError naming any id it measured but does not claim."""
        out: dict[str, Ours] = {}
        self.measure(res, out)
        unclaimed(out, self.claims(), f"section {self.name!r}")
        return out


def unique_ids(claim_list: Iterable[Claim]) -> list[Claim]:
    out = list(claim_list)
    ids = [c.id for c in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate claim ids: {dup}")
    return out


def unclaimed(ours: Mapping[str, Ours], claim_list: Iterable[Claim], where: str = "the report") -> None:
    """A ValueError naming every measured id with no claim (a misspelt id would be a silent "not run")."""
    ids = {c.id for c in claim_list}
    stray = [cid for cid in ours if cid not in ids]
    if stray:
        raise ValueError(f"{where} measured {', '.join(repr(c) for c in stray)}, which no claim has; "
                         "build both ids with psn.analysis.report.claim_id")


def merge_measurements(*measured: Mapping[str, Ours]) -> dict[str, Ours]:
    """One measurement per claim from several results directories: one at the paper's settings
    over one that is not, then the larger n, then the earlier directory."""
    out: dict[str, Ours] = {}
    for m in measured:
        for cid, o in m.items():
            old = out.get(cid)
            if old is None or (o.at_paper, o.n) > (old.at_paper, old.n):
                out[cid] = o
    return out


# ---- verdicts ---------------------------------------------------------------------------------

def tolerance(claim: Claim, ours: Ours | None) -> float:
    """Half a unit of the paper's last printed digit, or two standard errors of ours if larger."""
    half = 0.5 * 10.0 ** (-claim.decimals)
    if ours is None:
        return half
    se = ours.se if np.isfinite(ours.se) else (ours.sd / math.sqrt(ours.n) if ours.n > 1 and np.isfinite(ours.sd)
                                               else math.nan)
    return max(half, 2 * se) if np.isfinite(se) else half


def verdict(claim: Claim, ours: Ours | None) -> str:
    if ours is None:
        return NOT_RUN
    if not ours.at_paper or ours.value != ours.value:  # NaN: a value that is no measurement
        return OTHER_SETTINGS
    v, tol = ours.value, tolerance(claim, ours)
    if claim.kind == "range":
        lo, hi = claim.paper
        ok = lo - tol <= v <= hi + tol
    elif claim.kind == "above":
        ok = v > claim.paper
    elif claim.kind == "below":
        ok = v <= claim.paper + 0.5 * 10.0 ** (-claim.decimals)
    elif claim.kind == "significance":
        ok = (v < 0.05) == (claim.paper < 0.05)
    else:
        ok = abs(v - claim.paper) <= tol
    return REPRODUCED if ok else DIFFERS


REPORT_COLUMNS = ["section", "id", "where", "quantity", "paper", "paper_value", "ours", "sd", "n", "diff",
                  "tolerance", "verdict", "settings", "note", "experiment", "dataset", "command", "hours"]


def report_table(claim_list: Iterable[Claim], ours: Mapping[str, Ours],
                 commands: Mapping[tuple[str, str], tuple[str, float]] | None = None) -> pd.DataFrame:
    """One row per claim: the paper's value as printed, ours (value, sd, n), ours − paper (for a
    single value), the tolerance, the verdict, the settings ours was measured at, and for rows
    not run or run at other settings the target that makes them at the paper's settings and its
    estimated hours (``commands``: (experiment, dataset) -> (command, hours)). A measurement
    whose id no claim has is a ValueError naming it."""
    claim_list = list(claim_list)
    unclaimed(ours, claim_list)
    commands = commands or {}
    rows = []
    for c in claim_list:
        o = ours.get(c.id)
        v = verdict(c, o)
        value = o.value if o is not None else math.nan
        single = not isinstance(c.paper, tuple)
        cmd, hours = commands.get((c.experiment, c.dataset), ("", math.nan)) if v in (NOT_RUN, OTHER_SETTINGS) \
            else ("", math.nan)
        rows.append({"section": c.section, "id": c.id, "where": c.where, "quantity": c.quantity,
                     "paper": c.paper_text, "paper_value": c.paper[0] if not single else c.paper,
                     "ours": value, "sd": o.sd if o else math.nan, "n": o.n if o else 0,
                     "diff": value - c.paper if single and c.kind == "value" and o else math.nan,
                     "tolerance": tolerance(c, o), "verdict": v, "settings": o.settings if o else "",
                     "note": o.note if o else "", "experiment": c.experiment, "dataset": c.dataset,
                     "command": cmd, "hours": hours})
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    counts = table["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


# ---- small readers ---------------------------------------------------------------------------

def num(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return math.nan
    return v


def decimals_of(value: Any) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0


def fmt(v) -> str:
    v = num(v)
    return "" if not np.isfinite(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.4g}")


def truthy(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "1.0")
