"""How a measurement is judged: the settings a row's models ran at (:func:`settings_of`), and
:func:`put`, which files ours of a claim as "at the paper's settings" only when its own seeds
and an aggregate's members are the paper's too, saying why not otherwise."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.comparisons import RANGE_OF_MEANS
from psn.analysis.columns import DENSE_CONDITION, RANDOM_CONDITION, sparsity_key, with_sparsity_key
from psn.analysis.report.core import Ours, Results, Settings, num, pct
from psn.analysis.stats import finished
from psn.analysis.tables import table6
from psn.masks.profiles import PAPER_PROFILES

# Table 6's rows, and Figure 2c's nine profiles: those and two power-law CVs (config.yaml's reading)
TABLE6_SPARSE_KEYS = tuple((p, c) for _, p, c, _, _ in pub.TABLE6_ROWS if p != "dense")
FIGURE2C_KEYS = TABLE6_SPARSE_KEYS + (("powerlaw", 1.0), ("powerlaw", 1.5))
# §3.1: the multi-peak grid's 72 configurations (k × β)
MULTIPEAK_CONFIGURATIONS = 72


def settings_of(models: pd.DataFrame, experiment: str, dataset: str) -> Settings:
    """How ``models`` (one experiment's rows for ``dataset``) were run, and whether that is the
    paper's architecture, epochs and at least its number of seeds (over the experiment: each
    row is judged on its own seeds too, see :func:`put`)."""
    archs = sorted(set(models["arch"].astype(str)))
    epochs = sorted({int(e) for e in models["epochs"]})
    seeds = models["seed"].nunique()
    text = f"{', '.join(archs)}; {'/'.join(map(str, epochs))} ep; {seeds} seeds"
    arch, ep, n = pub.PAPER_SETTINGS.get(experiment, {}).get(dataset, (None, None, None))
    if ep is None:
        return Settings(text, False)
    at_paper = (arch is None or archs == [arch]) and epochs == [ep] and seeds >= n
    return Settings(text, at_paper, n)


def of(models: pd.DataFrame | None, dataset: str) -> pd.DataFrame | None:
    """The rows of ``dataset``, None when there are none."""
    if models is None or not len(models):
        return None
    sub = models[models["dataset"] == dataset]
    return sub if len(sub) else None


def run(res: Results, experiment: str, dataset: str) -> tuple[pd.DataFrame | None, Settings]:
    """One static experiment's models of ``dataset`` and the settings they were run at."""
    models = of(res.static.get(experiment), dataset)
    return models, (settings_of(models, experiment, dataset) if models is not None else Settings("", False))


def put(out: dict[str, Ours], cid: str, value, settings: Settings, sd=math.nan, n=0, se=math.nan,
        note="", *, seeds=None, diverged=0, need=None, missing: Iterable[str] = (),
        thin: Iterable[str] = ()) -> None:
    """Ours for claim ``cid``, judged on its own data: ``seeds``, the fewest finished seeds behind
    it (``diverged`` of them diverged), against the paper's (``need``, else ``settings.n``);
    ``missing``, the members of an aggregate it lacks; ``thin``, the members with fewer seeds than
    the paper's. Any of them makes a row at the paper's settings "other settings", saying why."""
    value = num(value)
    if np.isfinite(value):
        at_paper, note = judged(settings, note, seeds=seeds, diverged=diverged, need=need, missing=missing,
                                thin=thin)
        out[cid] = Ours(value, num(sd), int(n) if n == n else 0, num(se), settings.text, at_paper, note)


def judged(settings: Settings, note: str = "", *, seeds=None, diverged=0, need=None,
           missing: Iterable[str] = (), thin: Iterable[str] = ()) -> tuple[bool, str]:
    """Whether a row is at the paper's settings on its own data (see :func:`put`), and its note
    with what keeps it from being judged."""
    need = settings.n if need is None else need
    if not settings.at_paper:
        return False, note
    seeds = None if seeds is None else int(num(seeds)) if num(seeds) == num(seeds) else 0
    why = [f"{seeds} of the paper's {need} seeds" + (f" ({int(diverged)} diverged)" if diverged else "")
           ] if seeds is not None and seeds < need else []
    missing, thin = list(missing), list(thin)
    if missing:
        why.append(f"missing {listing(missing)}")
    if thin:
        why.append(f"fewer than the paper's {need} seeds in {listing(thin)}")
    if not why:
        return True, note
    return False, "; ".join(x for x in (note, "not judged: " + "; ".join(why)) if x)


def listing(names: Sequence[str], limit: int = 8) -> str:
    """'a, b, c' or, past ``limit``, 'a, b, … (17 in all)'."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", … ({len(names)} in all)"


# ---- an aggregate's members: which it lacks, which have fewer seeds than the paper's ------------

def table6_members(cross: pd.DataFrame, dataset: str, keys: Iterable[tuple[str, float | None]],
                   need: int) -> tuple[list[str], list[str]]:
    """Of Table 6's rows ``keys`` ((profile, ccv) as :func:`psn.analysis.tables.table6_key`
    names them) at 90% on ``dataset``: those with no finished model, and those with fewer
    finished seeds than ``need`` (any spread of theirs)."""
    long = table6(cross)
    long = long[long["dataset"] == dataset]
    missing, thin = [], []
    for profile, ccv in keys:
        rows = long[(long["profile"] == profile)
                    & long["ccv"].map(lambda c: num(c) != num(c) if ccv is None else abs(num(c) - ccv) < 1e-9)]
        rows = rows[rows["n"] > 0]
        label = table6_label(profile, ccv)
        if not len(rows):
            missing.append(label)
        elif (rows["n"] < need).any():
            thin.append(label)
    return missing, thin


def table6_label(profile: str, ccv: float | None) -> str:
    known = {(p, c): label for label, p, c, _, _ in pub.TABLE6_ROWS}
    if (profile, ccv) in known:
        return known[(profile, ccv)]
    family = {"powerlaw": "Power-law", "lognormal": "Lognormal"}.get(profile, profile)
    return f"{family} ({ccv:.1f})" if ccv is not None else family


def sweep_members(sweep: pd.DataFrame, need: int, up_to: float = 1.0) -> tuple[list[str], list[str]]:
    """Of the MNIST sweep's members (§3.1: 8 profiles × 2 spreads and the random baseline at each
    of Table 5's sparsities up to ``up_to``, and dense): those with no finished model, and those
    with fewer finished seeds than ``need``."""
    m = with_sparsity_key(finished(sweep))
    missing, thin = [], []

    def check(name: str, sel: pd.Series) -> None:
        n = int(m.loc[sel, "seed"].nunique())
        (missing if n == 0 else thin if n < need else []).append(name)

    for s in sorted(pub.TABLE5_VALUES):
        if s > up_to + 1e-9:
            continue
        at = m["_s"] == sparsity_key(s)
        for profile in PAPER_PROFILES:
            for spread in ("even", "random"):
                check(f"{profile} {spread} {pct(s)}%", at & (m["profile"] == profile) & (m["spread"] == spread))
        check(f"random {pct(s)}%", at & (m["condition"] == RANDOM_CONDITION))
    check("dense", m["condition"] == DENSE_CONDITION)
    return missing, thin


def multipeak_members(mp: pd.DataFrame, need: int) -> tuple[list[str], list[str]]:
    """The multi-peak grid's configurations (β, k) lacking a finished model (counted against the
    paper's 72) and those with fewer finished seeds than ``need``."""
    m = finished(mp)
    counts = m.groupby(["beta", "k"])["seed"].nunique() if len(m) else pd.Series(dtype=int)
    short = MULTIPEAK_CONFIGURATIONS - len(counts)
    missing = [f"{short} of the paper's {MULTIPEAK_CONFIGURATIONS} configurations"] if short > 0 else []
    thin = [f"β = {b:g}, k = {k:g}" for (b, k), n in counts.items() if n < need]
    return missing, thin


def summary(table: pd.DataFrame, comparison: str, test: str, dataset: str | None = None) -> pd.Series | None:
    """The summary row (``a == "all"``) of ``comparison``'s ``test``, of ``dataset`` when given."""
    sel = table[(table["comparison"] == comparison) & (table["test"] == test) & (table["a"] == "all")]
    if dataset is not None:
        sel = sel[sel["dataset"] == dataset]
    return sel.iloc[0] if len(sel) else None


def widest_spread(table: pd.DataFrame, comparison: str, dataset: str, up_to: float = 1.0) -> pd.Series | None:
    """The widest per-sparsity spread row of a variant-spread comparison (its ``a`` and ``b``
    name the highest and lowest variant) at sparsities up to ``up_to``."""
    sel = table[(table["comparison"] == comparison) & (table["dataset"] == dataset)
                & (table["test"] == RANGE_OF_MEANS)]
    sel = sel[sel["sparsity"].map(lambda s: s == s and s <= up_to + 1e-9) & sel["diff"].notna()]
    return sel.loc[sel["diff"].idxmax()] if len(sel) else None
