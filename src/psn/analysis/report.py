"""The reproduction report's rows: every number the paper publishes beside ours, with a verdict.

A :class:`Claim` is one published number (from :mod:`psn.analysis.published`, the one place the
paper's values live): where it is, what it is, its value as printed, and how it is judged. An
:class:`Ours` is our measurement of it, with the settings it was measured at. :func:`claims`
lists every claim whether or not we ran it; :func:`measure` finds ours in the pipeline's own
tables; :func:`report_table` joins them and gives each row its verdict by :data:`VERDICT_RULE`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import DENSE_CONDITION, RANDOM_CONDITION, sparsity_key, with_sparsity_key
from psn.analysis.comparisons import comparisons
from psn.analysis.rigl import PAPER_METHOD, crossover_epoch, gaps, of_method
from psn.analysis.static import STATIC_COMPARISONS, forest_grid, gradient_table, spreading_ablation
from psn.analysis.stats import finished
from psn.analysis.tables import table5, table6
from psn.masks.profiles import PAPER_PROFILES
from psn.provenance import ArtifactError

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


# ---- the catalogue: every published number ----------------------------------------------------

def _mask_claims() -> list[Claim]:
    out = [Claim(f"table3_n{n}_fmin{f}", "Table 3", pub.TABLE3_SOURCE, f"S_max (%), n_in = {n}, f_min = {f}",
                 v, 2, experiment="masks")
           for n, values in pub.TABLE3.items() for f, v in zip(pub.TABLE3_F_MINS, values)]
    for quantity, entry in pub.MASK_FIGURES.items():
        value = entry["value"]
        decimals = 0 if float(value).is_integer() and "CV" not in quantity else max(1, _decimals(value))
        out.append(Claim(f"mask_{_slug(quantity)}", "§3.1 mask statistics", entry["source"], quantity,
                         float(value), decimals, experiment="masks"))
    return out


def _table5_claims() -> list[Claim]:
    out = [Claim(f"table5_{c}_s{_pct(s)}", "Table 5", pub.TABLE5_SOURCE,
                 f"MNIST 5 ep, {_pct(s)}%, {c}", v, 2, experiment="mnist_sweep", dataset="mnist")
           for s, values in pub.TABLE5_VALUES.items() for c, v in zip(pub.TABLE5_COLUMNS, values)]
    d = pub.DENSE_MNIST_5EP
    out.append(Claim("dense_mnist_5ep", "Dense baselines", d["source"], "dense MNIST, 5 epochs", d["mean"], 2,
                     experiment="mnist_sweep", dataset="mnist"))
    return out


def _table6_claims() -> list[Claim]:
    return [Claim(f"table6_{_slug(label)}_{d}", "Table 6", pub.TABLE6_SOURCE, f"{label}, {d}", v, 2,
                  experiment="cross_dataset", dataset=d)
            for label, _, _, _, values in pub.TABLE6_ROWS for d, v in zip(pub.TABLE6_DATASETS, values)]


def _section32_claims() -> list[Claim]:
    c = pub.COMPARISONS
    out = [Claim(f"cross_spread_{d}", "§3.2 cross-dataset", pub.CROSS_DATASET_SPREAD_SOURCE,
                 f"spread of the seven sparse rows' means (max − min), {d}", v, 2,
                 experiment="cross_dataset", dataset=d) for d, v in pub.CROSS_DATASET_SPREAD.items()]
    out += [Claim(f"cross_spread_nine_{d}", "§3.2 cross-dataset", pub.CROSS_DATASET_SPREAD_SOURCE,
                  f"the same spread over Figure 2c's nine profiles (with power-law CV 1.0, 1.5), {d}", v, 2,
                  experiment="cross_dataset", dataset=d) for d, v in pub.CROSS_DATASET_SPREAD.items()]
    out += [Claim(f"cross_min_p_{d}", "§3.2 cross-dataset", c["cross_dataset_min_p"]["source"],
                  f"smallest p of profile vs random, {d}", c["cross_dataset_min_p"]["value"], 2, "above",
                  "cross_dataset", d) for d in pub.TABLE6_DATASETS]
    out += [Claim(f"within_dense_{d}", "§3.2 cross-dataset", c["within_dense_90"]["source"],
                  f"largest |sparse − dense| at 90% (Forest's lognormal 2.5 excepted), {d}",
                  c["within_dense_90"]["value"], 1, "below", "cross_dataset", d) for d in pub.TABLE6_DATASETS]
    f = pub.FASHION_98
    out += [Claim(f"fashion98_{k}", "§3.2 cross-dataset", f[k]["source"], q, f[k]["value"], 2,
                  experiment="fashion_98", dataset="fashion_mnist")
            for k, q in (("powerlaw", "Fashion-MNIST 98%, power-law CV 1.0"), ("random", "Fashion-MNIST 98%, random"),
                         ("gap", "Fashion-MNIST 98%, power-law − random"))]
    return out


def _section31_claims() -> list[Claim]:
    c = pub.COMPARISONS
    spec = [("inverse_vs_standard_mean_diff", "inverse − standard, mean over matched configurations", 2, "value"),
            ("inverse_vs_standard_p", "inverse vs standard, paired p", 2, "significance"),
            ("inverse_vs_standard_max_abs_diff", "inverse vs standard, largest |difference|", 1, "range"),
            ("even_vs_random_max_abs_diff", "even − random spreading, largest |difference|", 2, "value"),
            ("even_vs_random_mean_abs_diff", "even − random spreading, mean |difference|", 2, "value"),
            ("profiles_vs_random_min_p", "smallest p of profile vs random (all > 0.1)", 1, "above"),
            ("mnist_variant_spread", "spread of the 17 sparse variants' means (~0.2%)", 1, "value")]
    out = [Claim(key, "§3.1 MNIST sweep", c[key]["source"], quantity, c[key]["value"], dec, kind,
                 "mnist_sweep", "mnist") for key, quantity, dec, kind in spec]
    b = pub.BEST_MINUS_FINAL
    out += [Claim(f"best_minus_final_{k}", "§3.1 MNIST sweep", b[k]["source"], f"best − final epoch accuracy, {k} over models",
                  b[k]["value"], 2, experiment="mnist_sweep", dataset="mnist") for k in ("mean", "max")]
    return out


def _multipeak_claims() -> list[Claim]:
    m = pub.MULTIPEAK
    spec = [("total_range", "range of the 72 configuration means", 2),
            ("acc_min", "lowest configuration mean", 2), ("acc_max", "highest configuration mean", 2),
            ("range_beta12", "range of means at β = 12", 2), ("range_beta50", "range of means at β = 50", 2),
            ("range_beta1200", "range of means at β = 1200", 2),
            ("ccv_k1_beta1200", "realised fan-in CCV, k = 1, β = 1200", 2),
            ("acc_k1_beta1200", "accuracy, k = 1, β = 1200", 2),
            ("drop_k1_beta1200", "dense − (k = 1, β = 1200)", 2)]
    out = [Claim(f"multipeak_{key}", "Multi-peak (Figure 2b)", m[key]["source"], quantity, m[key]["value"], dec,
                 experiment="multipeak", dataset="mnist") for key, quantity, dec in spec]
    r = m["random_baseline"]
    out.append(Claim("random_mnist_5ep_s90", "Dense baselines", r["source"], "random baseline MNIST, 5 epochs, 90%",
                     r["value"], 2, experiment="mnist_sweep", dataset="mnist"))
    return out


def _gradient_claims() -> list[Claim]:
    g = pub.GRADIENTS
    return [Claim("gradient_structured_range", "Gradient hierarchy", g["structured_ratio_range"]["source"],
                  "largest hub/specialist gradient ratio of a structured profile", g["structured_ratio_range"]["value"],
                  1, "range", "mnist_sweep", "mnist"),
            Claim("gradient_random_ratio", "Gradient hierarchy", g["random_ratio"]["source"],
                  "gradient ratio of the random baseline", g["random_ratio"]["value"], 1, experiment="mnist_sweep",
                  dataset="mnist"),
            Claim("gradient_r", "Gradient hierarchy", g["r_fan_in_cv"]["source"],
                  "Pearson r, gradient ratio vs fan-in CV", g["r_fan_in_cv"]["value"], 2, experiment="mnist_sweep",
                  dataset="mnist")]


def _ablation_claims() -> list[Claim]:
    a = pub.SPREADING_ABLATION
    spec = [("sequential_minus_even", "sequential − even spreading", 2, "value"),
            ("sequential_accuracy", "sequential spreading accuracy", 1, "value"),
            ("even_accuracy", "even spreading accuracy", 1, "value"),
            ("even_vs_random_within", "|even − random spreading|", 1, "below")]
    return [Claim(f"ablation_{key}", "Spreading ablation", a[key]["source"], quantity, a[key]["value"], dec, kind,
                  "spreading_ablation", "mnist") for key, quantity, dec, kind in spec]


def _forest_grid_claims() -> list[Claim]:
    f = pub.FOREST_GRID
    out = [Claim("forest_grid_1024x3", "Forest Cover grid", f["selected_1024x3"]["source"], "dense 1024×3, 20 epochs",
                 f["selected_1024x3"]["value"], 2, experiment="forest_grid", dataset="forest_cover")]
    out += [Claim(f"forest_grid_gain_w{w}", "Forest Cover grid", f["depth3_gain"]["source"],
                  f"depth 3 − depth 2 at width {w}", f["depth3_gain"]["value"], 1, "range", "forest_grid", "forest_cover")
            for w in f["widths"]["value"]]
    return out


def _rigl_claims() -> list[Claim]:
    out = [Claim(f"table4_{d}_s{_pct(s)}", "Table 4", pub.TABLE4_SOURCE, f"equilibrium fan-in CCV, {d}, {_pct(s)}%",
                 v, 2, experiment="rigl", dataset=d) for d, row in pub.TABLE4.items() for s, v in row.items()]
    for d, gap in pub.RIGL_GAPS.items():
        out.append(Claim(f"rigl_gap_{d}", "§3.3 RigL", gap["source"], f"LN(equil.) − ERK at 90%, {d}", gap["value"], 2,
                         experiment="rigl", dataset=d))
        if "p" in gap:
            out.append(Claim(f"rigl_gap_p_{d}", "§3.3 RigL", gap["source"], f"Welch p of that gap, {d}", gap["p"], 3,
                             "significance", "rigl", d))
            out.append(Claim(f"rigl_gap_d_{d}", "§3.3 RigL", gap["source"], f"Cohen's d of that gap, {d}", gap["d"], 2,
                             experiment="rigl", dataset=d))
    c = pub.RIGL_CROSSOVER_EPOCH
    out.append(Claim("rigl_crossover_fashion_mnist", "§3.3 RigL", c["source"],
                     "epoch LN(equil.) overtakes ERK, fashion_mnist 90%", tuple(float(v) for v in c["value"]), 0,
                     "range", "rigl", "fashion_mnist"))
    for start, entry in pub.RIGL_FOREST.items():
        out.append(Claim(f"rigl_forest_{start}", "§3.3 RigL", entry["source"], f"Forest Cover 90%, {start} accuracy",
                         entry["value"], 2, experiment="rigl", dataset="forest_cover"))
    return out


def claims() -> list[Claim]:
    """Every published number the report sets ours beside, in the report's order."""
    out = (_mask_claims() + _table5_claims() + _section31_claims() + _multipeak_claims() + _gradient_claims()
           + _ablation_claims() + _table6_claims() + _section32_claims() + _forest_grid_claims() + _rigl_claims())
    ids = [c.id for c in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate claim ids: {dup}")
    return out


# ---- ours ---------------------------------------------------------------------------------------

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


# What the report needs of each table it reads: its columns, which of them must be numbers, and
# the columns that name one row (one model per (run, seed); a duplicate would count twice)
_CELL = ("method", "dataset", "arch", "epochs", "target_sparsity")
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
                       key=(*_CELL, "start", "seed", "epoch")),
    "dst_equilibrium": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "starts", "ccv_mean", "converged"),
                            numbers=("epochs", "target_sparsity", "ccv_mean"), key=_CELL),
    "dst_fanin": dict(columns=("dataset", "arch", "epochs", "target_sparsity", "start", "seed", "when", "layer", "ccv"),
                      numbers=("epochs", "target_sparsity", "seed", "layer", "ccv"),
                      key=(*_CELL, "start", "seed", "when", "layer")),
    "table3": dict(columns=("f_min",), numbers=("f_min",), key=("f_min",)),
    "mask_published": dict(columns=("quantity", "ours_ceil", "ours_floor"), numbers=(), key=("quantity",)),
}


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


def settings_of(models: pd.DataFrame, experiment: str, dataset: str) -> Settings:
    """How ``models`` (one experiment's rows for ``dataset``) were run, and whether that is the
    paper's architecture, epochs and at least its number of seeds (over the experiment: each
    row is judged on its own seeds too, see :func:`_put`)."""
    archs = sorted(set(models["arch"].astype(str)))
    epochs = sorted({int(e) for e in models["epochs"]})
    seeds = models["seed"].nunique()
    text = f"{', '.join(archs)}; {'/'.join(map(str, epochs))} ep; {seeds} seeds"
    arch, ep, n = pub.PAPER_SETTINGS.get(experiment, {}).get(dataset, (None, None, None))
    if ep is None:
        return Settings(text, False)
    at_paper = (arch is None or archs == [arch]) and epochs == [ep] and seeds >= n
    return Settings(text, at_paper, n)


def _of(models: pd.DataFrame | None, dataset: str) -> pd.DataFrame | None:
    if models is None or not len(models):
        return None
    sub = models[models["dataset"] == dataset]
    return sub if len(sub) else None


def _run(res: Results, experiment: str, dataset: str) -> tuple[pd.DataFrame | None, Settings]:
    """One static experiment's models of ``dataset`` and the settings they were run at."""
    models = _of(res.static.get(experiment), dataset)
    return models, (settings_of(models, experiment, dataset) if models is not None else Settings("", False))


def _num(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return math.nan
    return v


def _put(out: dict[str, Ours], cid: str, value, settings: Settings, sd=math.nan, n=0, se=math.nan,
         note="", *, seeds=None, diverged=0, need=None, missing: Iterable[str] = (),
         thin: Iterable[str] = ()) -> None:
    """Ours for claim ``cid``, judged on its own data: ``seeds``, the fewest finished seeds behind
    it (``diverged`` of them diverged), against the paper's (``need``, else ``settings.n``);
    ``missing``, the members of an aggregate it lacks; ``thin``, the members with fewer seeds than
    the paper's. Any of them makes a row at the paper's settings "other settings", saying why."""
    value = _num(value)
    if np.isfinite(value):
        at_paper, note = _judged(settings, note, seeds=seeds, diverged=diverged, need=need, missing=missing,
                                 thin=thin)
        out[cid] = Ours(value, _num(sd), int(n) if n == n else 0, _num(se), settings.text, at_paper, note)


def _judged(settings: Settings, note: str = "", *, seeds=None, diverged=0, need=None,
            missing: Iterable[str] = (), thin: Iterable[str] = ()) -> tuple[bool, str]:
    """Whether a row is at the paper's settings on its own data (see :func:`_put`), and its note
    with what keeps it from being judged."""
    need = settings.n if need is None else need
    if not settings.at_paper:
        return False, note
    seeds = None if seeds is None else int(_num(seeds)) if _num(seeds) == _num(seeds) else 0
    why = [f"{seeds} of the paper's {need} seeds" + (f" ({int(diverged)} diverged)" if diverged else "")
           ] if seeds is not None and seeds < need else []
    missing, thin = list(missing), list(thin)
    if missing:
        why.append(f"missing {_listing(missing)}")
    if thin:
        why.append(f"fewer than the paper's {need} seeds in {_listing(thin)}")
    if not why:
        return True, note
    return False, "; ".join(x for x in (note, "not judged: " + "; ".join(why)) if x)


def _listing(names: Sequence[str], limit: int = 8) -> str:
    """'a, b, c' or, past ``limit``, 'a, b, … (17 in all)'."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", … ({len(names)} in all)"


def _table6_members(cross: pd.DataFrame, dataset: str, keys: Iterable[tuple[str, float | None]],
                    need: int) -> tuple[list[str], list[str]]:
    """Of Table 6's rows ``keys`` ((profile, ccv) as :func:`psn.analysis.tables.table6_key`
    names them) at 90% on ``dataset``: those with no finished model, and those with fewer
    finished seeds than ``need`` (any spread of theirs)."""
    long = table6(cross)
    long = long[long["dataset"] == dataset]
    missing, thin = [], []
    for profile, ccv in keys:
        rows = long[(long["profile"] == profile)
                    & long["ccv"].map(lambda c: _num(c) != _num(c) if ccv is None else abs(_num(c) - ccv) < 1e-9)]
        rows = rows[rows["n"] > 0]
        label = _table6_label(profile, ccv)
        if not len(rows):
            missing.append(label)
        elif (rows["n"] < need).any():
            thin.append(label)
    return missing, thin


def _table6_label(profile: str, ccv: float | None) -> str:
    known = {(p, c): label for label, p, c, _, _ in pub.TABLE6_ROWS}
    if (profile, ccv) in known:
        return known[(profile, ccv)]
    family = {"powerlaw": "Power-law", "lognormal": "Lognormal"}.get(profile, profile)
    return f"{family} ({ccv:.1f})" if ccv is not None else family


# Table 6's rows, and Figure 2c's nine profiles: those and two power-law CVs (config.yaml's reading)
TABLE6_SPARSE_KEYS = tuple((p, c) for _, p, c, _, _ in pub.TABLE6_ROWS if p != "dense")
FIGURE2C_KEYS = TABLE6_SPARSE_KEYS + (("powerlaw", 1.0), ("powerlaw", 1.5))
# §3.1: the multi-peak grid's 72 configurations (k × β)
MULTIPEAK_CONFIGURATIONS = 72


def _sweep_members(sweep: pd.DataFrame, need: int, up_to: float = 1.0) -> tuple[list[str], list[str]]:
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
                check(f"{profile} {spread} {_pct(s)}%", at & (m["profile"] == profile) & (m["spread"] == spread))
        check(f"random {_pct(s)}%", at & (m["condition"] == RANDOM_CONDITION))
    check("dense", m["condition"] == DENSE_CONDITION)
    return missing, thin


def _multipeak_members(mp: pd.DataFrame, need: int) -> tuple[list[str], list[str]]:
    """The multi-peak grid's configurations (β, k) lacking a finished model (counted against the
    paper's 72) and those with fewer finished seeds than ``need``."""
    m = finished(mp)
    counts = m.groupby(["beta", "k"])["seed"].nunique() if len(m) else pd.Series(dtype=int)
    short = MULTIPEAK_CONFIGURATIONS - len(counts)
    missing = [f"{short} of the paper's {MULTIPEAK_CONFIGURATIONS} configurations"] if short > 0 else []
    thin = [f"β = {b:g}, k = {k:g}" for (b, k), n in counts.items() if n < need]
    return missing, thin


def _measure_masks(res: Results, out: dict[str, Ours]) -> None:
    exact = Settings("deterministic", True)
    if res.table3 is not None and len(res.table3):
        t = res.table3.set_index("f_min")
        for n in pub.TABLE3:
            col = f"S_max_n{n} (%)"
            for f in pub.TABLE3_F_MINS:
                if col in t and f in t.index:
                    _put(out, f"table3_n{n}_fmin{f}", t.loc[f, col], exact)
    if res.mask_published is not None and len(res.mask_published):
        other = "floor" if res.rounding == "ceil" else "ceil"
        rounding = Settings(f"rounding {res.rounding}", True)
        for r in res.mask_published.to_dict("records"):
            _put(out, f"mask_{_slug(r['quantity'])}", r[f"ours_{res.rounding}"], rounding,
                 note=f"⌊·⌋ gives {_fmt(r['ours_floor'])}" if other == "floor" else f"⌈·⌉ gives {_fmt(r['ours_ceil'])}")


def _measure_table5(res: Results, out: dict[str, Ours]) -> None:
    sweep, settings = _run(res, "mnist_sweep", "mnist")
    if sweep is None:
        return
    long = table5(sweep)
    for r in long.to_dict("records"):
        own = dict(seeds=r["n"], diverged=r["n_diverged"])
        if r["column"] == "dense":
            _put(out, "dense_mnist_5ep", r["mean"], settings, r["std"], r["n"], **own)
        else:
            _put(out, f"table5_{r['column']}_s{_pct(r['sparsity'])}", r["mean"], settings, r["std"], r["n"], **own)
    sparse = sweep[(sweep["condition"] != DENSE_CONDITION)]
    gap = (sparse["best_acc"] - sparse["final_acc"]).dropna()
    if len(gap):
        missing, thin = _sweep_members(sweep, settings.n)
        _put(out, "best_minus_final_mean", gap.mean(), settings, gap.std(ddof=1), len(gap), missing=missing, thin=thin)
        _put(out, "best_minus_final_max", gap.max(), settings, n=len(gap), missing=missing, thin=thin)
    rnd = long[(long["column"] == "random") & (long["sparsity"].map(lambda s: s == s and sparsity_key(s) == 0.9))]
    if len(rnd):
        r = rnd.iloc[0]
        _put(out, "random_mnist_5ep_s90", r["mean"], settings, r["std"], r["n"], seeds=r["n"], diverged=r["n_diverged"])


def _measure_table6(res: Results, out: dict[str, Ours]) -> None:
    cross = res.static.get("cross_dataset")
    if cross is None or not len(cross):
        return
    long = table6(cross)
    for d in pub.TABLE6_DATASETS:
        sub = _of(cross, d)
        if sub is None:
            continue
        settings = settings_of(sub, "cross_dataset", d)
        rows = long[(long["dataset"] == d) & long["paper"].notna() & (long["n"] > 0)]
        rows = rows.sort_values("spread", key=lambda c: c.map({"random": 0, "none": 0}).fillna(1))
        for label in dict.fromkeys(rows["label"]):
            r = rows[rows["label"] == label].iloc[0]
            _put(out, f"table6_{_slug(label)}_{d}", r["mean"], settings, r["std"], r["n"],
                 note="" if r["spread"] in ("random", "none") else f"{r['spread']} spreading",
                 seeds=r["n"], diverged=r["n_diverged"])
        dense = rows[rows["profile"] == "dense"]
        sparse = rows[rows["profile"] != "dense"]
        if d == "forest_cover":
            sparse = sparse[~((sparse["profile"] == "lognormal") & (sparse["ccv"].map(_num) == 2.5))]
        if len(dense) and len(sparse):
            gap = (sparse["mean"] - float(dense["mean"].iloc[0])).abs()
            worst = sparse.loc[gap.idxmax(), "label"]
            keys = [("dense", None), *(k for k in TABLE6_SPARSE_KEYS
                                      if not (d == "forest_cover" and k == ("lognormal", 2.5)))]
            missing, thin = _table6_members(sub, d, keys, settings.n)
            _put(out, f"within_dense_{d}", float(gap.max()), settings, note=f"largest: {worst}",
                 missing=missing, thin=thin)


def _measure_fashion98(res: Results, out: dict[str, Ours]) -> None:
    run = _of(res.static.get("fashion_98"), "fashion_mnist")
    if run is None:
        return
    at98 = run[run["target_sparsity"].map(sparsity_key) == 0.98]
    pl = at98[(at98["profile"] == "powerlaw") & (at98["ccv_target"].map(_num) == 1.0)]
    rnd = at98[at98["condition"] == "random"]
    accs = {}
    for key, m in (("powerlaw", pl), ("random", rnd)):
        acc = m["final_acc"].dropna()
        if len(acc):
            accs[key] = acc
            _put(out, f"fashion98_{key}", acc.mean(), settings_of(m, "fashion_98", "fashion_mnist"),
                 acc.std(ddof=1) if len(acc) > 1 else math.nan, len(acc), seeds=len(acc))
    if len(accs) == 2:
        a, b = accs["powerlaw"], accs["random"]
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) if len(a) > 1 and len(b) > 1 else math.nan
        _put(out, "fashion98_gap", a.mean() - b.mean(), settings_of(pd.concat([pl, rnd]), "fashion_98", "fashion_mnist"),
             n=min(len(a), len(b)), se=se, seeds=min(len(a), len(b)))


def _summary(table: pd.DataFrame, comparison: str, test: str, dataset: str | None = None) -> pd.Series | None:
    sel = table[(table["comparison"] == comparison) & (table["test"] == test) & (table["a"] == "all")]
    if dataset is not None:
        sel = sel[sel["dataset"] == dataset]
    return sel.iloc[0] if len(sel) else None


def _widest_spread(table: pd.DataFrame, comparison: str, dataset: str, up_to: float = 1.0) -> pd.Series | None:
    """The widest per-sparsity spread row of a variant-spread comparison (its ``a`` and ``b``
    name the highest and lowest variant) at sparsities up to ``up_to``."""
    sel = table[(table["comparison"] == comparison) & (table["dataset"] == dataset)
                & (table["test"] == "range of means (max − min)")]
    sel = sel[sel["sparsity"].map(lambda s: s == s and s <= up_to + 1e-9) & sel["diff"].notna()]
    return sel.loc[sel["diff"].idxmax()] if len(sel) else None


def _measure_comparisons(res: Results, out: dict[str, Ours]) -> None:
    table = comparisons(res.static, STATIC_COMPARISONS)
    if not len(table):
        return
    sweep = _of(res.static.get("mnist_sweep"), "mnist")
    if sweep is not None:
        st = settings_of(sweep, "mnist_sweep", "mnist")
        missing, thin = _sweep_members(sweep, st.n)
        for cid, comparison, test, col in [
                ("inverse_vs_standard_mean_diff", "inverse_vs_standard", "mean diff (inverse − standard, matched configs)", "diff"),
                ("inverse_vs_standard_p", "inverse_vs_standard", "paired t (config means)", "p"),
                ("inverse_vs_standard_max_abs_diff", "inverse_vs_standard", "max |diff|", "diff"),
                ("even_vs_random_max_abs_diff", "even_vs_random", "max |diff|", "diff"),
                ("even_vs_random_mean_abs_diff", "even_vs_random", "mean |diff|", "diff"),
                ("profiles_vs_random_min_p", "mnist_profile_vs_random", "min p", "p")]:
            r = _summary(table, comparison, test, "mnist" if comparison.startswith("mnist") else None)
            if r is not None:
                _put(out, cid, r[col], st, n=r["n_a"], missing=missing, thin=thin)
        # Figure 2a: "all profiles cluster within 0.2% of each other up to 98% sparsity"
        r = _widest_spread(table, "mnist_variant_spread", "mnist", up_to=0.98)
        if r is not None:
            up_to = _sweep_members(sweep, st.n, up_to=0.98)
            _put(out, "mnist_variant_spread", r["diff"], st, n=r["n_a"],
                 note=f"widest at {100 * r['sparsity']:g}% up to 98%: {r['a']} highest, {r['b']} lowest",
                 missing=up_to[0], thin=up_to[1])
    for d in pub.TABLE6_DATASETS:
        sub = _of(res.static.get("cross_dataset"), d)
        if sub is None:
            continue
        st = settings_of(sub, "cross_dataset", d)
        seven = _table6_members(sub, d, TABLE6_SPARSE_KEYS, st.n)
        r = _summary(table, "cross_dataset_vs_random", "min p", d)
        if r is not None:
            _put(out, f"cross_min_p_{d}", r["p"], st, n=r["n_a"], missing=seven[0], thin=seven[1])
        for cid, comparison, keys in ((f"cross_spread_{d}", "cross_dataset_spread", TABLE6_SPARSE_KEYS),
                                      (f"cross_spread_nine_{d}", "cross_dataset_spread_all", FIGURE2C_KEYS)):
            r = _widest_spread(table, comparison, d)  # one sparsity, 90%
            if r is not None:
                missing, thin = _table6_members(sub, d, keys, st.n)
                _put(out, cid, r["diff"], st, n=r["n_a"], note=f"{r['a']} highest, {r['b']} lowest",
                     missing=missing, thin=thin)
    mp = _of(res.static.get("multipeak"), "mnist")
    if mp is not None:
        st = settings_of(mp, "multipeak", "mnist")
        grid = _multipeak_members(mp, st.n)
        k1 = finished(mp[(mp["k"].map(_num) == 1) & (mp["beta"].map(_num) == 1200)])
        dense = finished(sweep[sweep["condition"] == DENSE_CONDITION]) if sweep is not None else k1.iloc[0:0]
        single = {"acc_k1_beta1200": dict(seeds=k1["seed"].nunique()),
                  "ccv_k1_beta1200": dict(seeds=k1["seed"].nunique()),
                  "drop_k1_beta1200": dict(seeds=min(k1["seed"].nunique(), dense["seed"].nunique()))}
        for cid, test in [("total_range", "total range"), ("acc_min", "min config mean"),
                          ("acc_max", "max config mean"), ("range_beta12", "range β=12"),
                          ("range_beta50", "range β=50"), ("range_beta1200", "range β=1200"),
                          ("ccv_k1_beta1200", "fan-in CCV k=1 β=1200"), ("acc_k1_beta1200", "acc k=1 β=1200"),
                          ("drop_k1_beta1200", "drop k=1 β=1200 vs dense (mnist_sweep)")]:
            r = _summary(table, "multipeak", test)
            if r is not None:
                own = single.get(cid, dict(missing=grid[0], thin=grid[1]))
                _put(out, f"multipeak_{cid}", r["diff"], st, n=r["n_a"], **own)


def _measure_gradients(res: Results, out: dict[str, Ours]) -> None:
    sets = {k: res.static[k] for k in ("mnist_sweep", "multipeak") if _of(res.static.get(k), "mnist") is not None}
    if not sets:
        return
    table = gradient_table(sets, units=("configuration",))
    name = "all" if len(sets) > 1 else next(iter(sets))
    st = settings_of(pd.concat(sets.values()), "mnist_sweep", "mnist")
    parts = [_sweep_members(sets["mnist_sweep"], st.n)] if "mnist_sweep" in sets else []
    parts += [_multipeak_members(sets["multipeak"], st.n)] if "multipeak" in sets else []
    members = dict(missing=[x for p in parts for x in p[0]], thin=[x for p in parts for x in p[1]])
    t = table[(table["set"] == name) & (table["when"] == "init") & (table["reading"] == "per_connection")]
    pr = t[t["kind"] == "pearson"]
    others = table[(table["kind"] == "pearson") & (table["set"] == name)]
    if len(pr):
        r = pr.iloc[0]
        n = int(r["n"])
        se = (1 - r["r"] ** 2) / math.sqrt(n - 1) if n > 1 else math.nan
        alt = ", ".join(f"{o['reading']}/{o['when']} {o['r']:.2f}" for o in others.to_dict("records")
                        if (o["reading"], o["when"]) != ("per_connection", "init"))
        _put(out, "gradient_r", r["r"], st, n=n, se=se, note=f"per connection, at init; other readings: {alt}",
             **members)
    rr = t[t["kind"] == "ratio_range"]
    for group, cid, col in (("structured", "gradient_structured_range", "max"), ("random baseline", "gradient_random_ratio", "mean")):
        g = rr[rr["group"] == group]
        if len(g):
            r = g.iloc[0]
            _put(out, cid, r[col], st, n=r["n"], note=f"configuration means {r['min']:.2f}–{r['max']:.2f}",
                 **members)


def _measure_ablation(res: Results, out: dict[str, Ours]) -> None:
    abl, st = _run(res, "spreading_ablation", "mnist")
    if abl is None:
        return
    t = spreading_ablation(abl).set_index("label")
    n = {label: int(t.loc[label, "n"]) if label in t.index else 0 for label in ("sequential", "even", "random")}
    if "sequential" in t.index:
        _put(out, "ablation_sequential_minus_even", t.loc["sequential", "diff_vs_even"], st, n=t.loc["sequential", "n"],
             seeds=min(n["sequential"], n["even"]))
        _put(out, "ablation_sequential_accuracy", t.loc["sequential", "final_acc_mean"], st,
             t.loc["sequential", "final_acc_std"], t.loc["sequential", "n"], seeds=n["sequential"])
    if "even" in t.index:
        _put(out, "ablation_even_accuracy", t.loc["even", "final_acc_mean"], st, t.loc["even", "final_acc_std"],
             t.loc["even", "n"], seeds=n["even"])
    if "random" in t.index and "even" in t.index:
        _put(out, "ablation_even_vs_random_within", abs(t.loc["random", "diff_vs_even"]), st,
             seeds=min(n["random"], n["even"]))


def _measure_forest_grid(res: Results, out: dict[str, Ours]) -> None:
    grid, st = _run(res, "forest_grid", "forest_cover")
    if grid is None:
        return
    t = forest_grid(grid)
    sel = t[(t["width"] == 1024) & (t["depth"] == 3)]
    if len(sel):
        r = sel.iloc[0]
        _put(out, "forest_grid_1024x3", r["final_acc_mean"], st, r["final_acc_std"], r["n"], seeds=r["n"],
             diverged=r["n_diverged"])
    for r in t[t["depth"] == 3].to_dict("records"):
        if r["width"] == r["width"]:
            two = t[(t["depth"] == 2) & (t["width"] == r["width"]) & (t["dataset"] == r["dataset"])]["n"]
            _put(out, f"forest_grid_gain_w{int(r['width'])}", r["gain_vs_depth2"], st,
                 seeds=min(int(r["n"]), int(two.min()) if len(two) else 0))


def _rigl_models(models: pd.DataFrame, dataset: str, sparsity: float, starts: Iterable[str]) -> pd.DataFrame:
    return models[(models["dataset"] == dataset) & (models["target_sparsity"].map(sparsity_key) == sparsity_key(sparsity))
                  & models["start"].isin(list(starts))]


def _rigl_settings(models: pd.DataFrame, dataset: str, sparsity: float, starts: Iterable[str]) -> Settings:
    m = _rigl_models(models, dataset, sparsity, starts)
    return settings_of(m, "rigl", dataset) if len(m) else Settings("", False)


def _no_update(models: pd.DataFrame) -> bool:
    """Whether some dynamic model of ``models`` had no mask update (``update_every`` beyond its
    steps): its final fan-in is its start's, and no equilibrium."""
    if "n_updates" not in models or "start" not in models:
        return False
    dynamic = models[models["start"] != "static"]
    return bool(len(dynamic)) and bool((pd.to_numeric(dynamic["n_updates"], errors="coerce") == 0).any())


def _measure_rigl(res: Results, out: dict[str, Ours]) -> None:
    """Table 4 and §3.3 are RigL's: other methods' rows (SET) are not judged against them."""
    models = of_method(res.dst_models, PAPER_METHOD)
    if models is None or not len(models):
        return
    eq = of_method(res.dst_equilibrium, PAPER_METHOD)
    for c in (eq.to_dict("records") if eq is not None else []):
        if pub.table4_ccv(c["dataset"], c["target_sparsity"]) is None:
            continue
        layers = [c[f"ccv_l{i}"] for i in range(sum(1 for k in c if re.fullmatch(r"ccv_l\d+", k)))]
        starts = str(c["starts"]).split(", ")
        st = _rigl_settings(models, c["dataset"], c["target_sparsity"], starts)
        note = (f"per layer {' / '.join(f'{v:.2f}' for v in layers)}; {c['over_bound_mean']:.2f} of the bound "
                f"(paper {c['paper_over_bound']:.2f})")
        if not _truthy(c["converged"]):
            note += f"; the starts do not converge (spread {c['spread_half_max']:.2f} at ½·T_end)"
        cid = f"table4_{c['dataset']}_s{_pct(c['target_sparsity'])}"
        if _no_update(_rigl_models(models, c["dataset"], c["target_sparsity"], starts)):
            # never an equilibrium: the mean of the starting CCVs, shown as that and not judged
            out[cid] = Ours(_num(c["ccv_mean"]), settings=st.text, at_paper=False,
                            note="no mask update ran (update_every beyond the run's steps): the starts' own "
                                 "CCV, not an equilibrium")
            continue
        _put(out, cid, c["ccv_mean"], st, note=note, seeds=c.get("n_seeds"))
    g = gaps(models)
    for d in pub.RIGL_GAPS:
        rows = g[(g["dataset"] == d) & (g["target_sparsity"].map(sparsity_key) == 0.9) & (g["a"] == "ln-equil")]
        if not len(rows):
            continue
        r = rows.iloc[-1]  # the 'pair' rows (every seed the two share) come after 'common'
        st = _rigl_settings(models, d, 0.9, ["ln-equil", "erk"])
        # the paper's seeds behind the comparison (Fashion-MNIST: 10), else its Table 4 cells'
        own = dict(seeds=min(r["n_a"], r["n_b"]), diverged=r["n_diverged_a"] + r["n_diverged_b"],
                   need=pub.RIGL_GAPS[d].get("n", st.n))
        se = math.sqrt(r["sd_a"] ** 2 / r["n_a"] + r["sd_b"] ** 2 / r["n_b"]) if r["n_a"] and r["n_b"] else math.nan
        _put(out, f"rigl_gap_{d}", r["diff"], st, n=int(r["n_a"]), se=se, note=f"{r['seeds']} seeds, {r['n_a']} + {r['n_b']}",
             **own)
        _put(out, f"rigl_gap_p_{d}", r["p"], st, n=int(r["n_a"]), **own)
        n1, n2, dd = r["n_a"], r["n_b"], r["d_ddof0"]
        se_d = math.sqrt((n1 + n2) / (n1 * n2) + dd ** 2 / (2 * (n1 + n2))) if n1 and n2 else math.nan
        _put(out, f"rigl_gap_d_{d}", dd, st, n=int(n1), se=se_d, note=f"pooled SD ddof 0; ddof 1 gives {r['d_ddof1']:.2f}",
             **own)
    curves = of_method(res.dst_curves, PAPER_METHOD)
    if curves is not None and len(curves):
        x = crossover_epoch(curves)
        x = x[(x["dataset"] == "fashion_mnist") & (x["target_sparsity"].map(sparsity_key) == 0.9)]
        if len(x):
            r = x.iloc[0]
            st = _rigl_settings(models, "fashion_mnist", 0.9, ["ln-equil", "erk"])
            v = r["crossover_epoch"]
            note = (f"LN starts {'below' if _truthy(r['a_starts_below']) else 'above'} ERK "
                    f"({r['first_gap']:+.2f} at epoch 1, {r['final_gap']:+.2f} at the end)")
            seeds = min(r["n_a"], r["n_b"])
            if v is None or v != v:
                at_paper, note = _judged(st, "LN never overtakes; " + note, seeds=seeds)
                out["rigl_crossover_fashion_mnist"] = Ours(math.inf, settings=st.text, at_paper=at_paper, note=note)
            else:
                _put(out, "rigl_crossover_fashion_mnist", v, st, note=note, seeds=seeds)
    for start in pub.RIGL_FOREST:
        m = models[(models["dataset"] == "forest_cover") & (models["target_sparsity"].map(sparsity_key) == 0.9)
                   & (models["start"] == start)]
        if len(m):
            acc = m["final_acc"].dropna()
            _put(out, f"rigl_forest_{start}", acc.mean(), settings_of(m, "rigl", "forest_cover"),
                 acc.std(ddof=1) if len(acc) > 1 else math.nan, len(acc), seeds=len(acc))


MEASURES: tuple[Callable[[Results, dict[str, Ours]], None], ...] = (
    _measure_masks, _measure_table5, _measure_table6, _measure_fashion98, _measure_comparisons, _measure_gradients,
    _measure_ablation, _measure_forest_grid, _measure_rigl)


def measure(res: Results) -> dict[str, Ours]:
    """Claim id -> ours, for every claim the given tables measure."""
    out: dict[str, Ours] = {}
    for fn in MEASURES:
        fn(res, out)
    return out


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
    estimated hours (``commands``: (experiment, dataset) -> (command, hours))."""
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


# ---- helpers -------------------------------------------------------------------------------------

def _pct(s: float) -> str:
    return f"{100 * float(s):.6g}"


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "_" for ch in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def _decimals(value: Any) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0


def _fmt(v) -> str:
    v = _num(v)
    return "" if not np.isfinite(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.4g}")


def _truthy(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "1.0")
