"""The fan-in distributions dynamic sparse training leaves (does SET grow a heavy tail?).

Pure functions over loaded run files: per model, hidden layer and moment (``start``: the masks
the group began from, rebuilt from its job; ``final``: the masks it ended with), the shape of
the fan-in distribution: CCV (population std / mean), max over mean, neurons with no input, and
the share of the layer's connections held by the top 10% of neurons by fan-in (10% for a
constant fan-in, larger the heavier the tail). And the counts behind a CCDF, pooled over seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from psn.analysis.dst_cells import CELL_KEYS, job_cell
from psn.masks.starts import Start, ordered_starts

TOP_FRACTION = 0.10  # the share of connections held by this fraction of neurons
SHAPE = ("ccv", "max_over_mean", "zero_fanin", "top10_share", "index_corr")
MOMENTS = ("start", "final")


def fanin_shape(fan_in: Sequence[float] | np.ndarray) -> dict[str, float]:
    """CCV, max / mean, neurons with fan-in 0, the share of all connections the top 10% of
    neurons (⌈0.1·n⌉, by fan-in) hold, and the Pearson correlation of fan-in with the neuron's
    index (growth that falls to ``torch.topk``'s order fills the lowest rows first: strongly
    negative), of one layer's per-neuron fan-in."""
    f = np.asarray(fan_in, dtype=np.float64)
    if f.ndim != 1 or not len(f):
        raise ValueError(f"a layer's fan-in is a non-empty vector, got shape {f.shape}")
    total, mean = float(f.sum()), float(f.mean())
    top = int(np.ceil(TOP_FRACTION * len(f)))
    return {"ccv": float(f.std() / mean) if mean > 0 else 0.0,
            "max_over_mean": float(f.max() / mean) if mean > 0 else np.nan,
            "zero_fanin": int((f == 0).sum()),
            "top10_share": float(np.sort(f)[::-1][:top].sum() / total) if total > 0 else np.nan,
            "index_corr": float(np.corrcoef(np.arange(len(f)), f)[0, 1]) if len(f) > 1 and f.std() > 0 else 0.0}


StartFanIn = Callable[[Mapping[str, Any], Mapping[str, Any]], list[np.ndarray]]


def fanin_tables(runs: Iterable[Mapping[str, Any]],
                 start_fan_in: StartFanIn | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per model: one row per model, moment and layer with ``SHAPE``; counts: per cell, start,
    moment, layer and fan-in value, how many neurons of the group's models have it, pooled over
    seeds). ``start_fan_in(job, result)`` gives a model's starting fan-in per layer (the starts
    are rebuilt from the job); without it only the final moment is tabled."""
    rows, counts = [], {}
    for run in runs:
        job = run["job"]
        cell = job_cell(job)
        for res in run["results"]:
            moments = {"final": [np.asarray(f) for f in res["fan_in"]]}
            if start_fan_in is not None:
                moments["start"] = start_fan_in(job, res)
            for when, layers in moments.items():
                for layer, f in enumerate(layers):
                    rows.append({**cell, "start": job["start"], "seed": int(res["seed"]), "when": when,
                                 "layer": layer, "n_neurons": len(f), "n_active": int(np.sum(f)),
                                 **fanin_shape(f)})
                    values, n = np.unique(np.asarray(f, dtype=np.int64), return_counts=True)
                    key = (*cell.values(), job["start"], when, layer)
                    slot = counts.setdefault(key, {"models": 0, "hist": {}})
                    slot["models"] += 1
                    for v, c in zip(values.tolist(), n.tolist()):
                        slot["hist"][v] = slot["hist"].get(v, 0) + c
    keys = [*CELL_KEYS, "start", "when", "layer"]
    per_model = pd.DataFrame(rows)
    count_rows = [{**dict(zip(keys, key)), "n_models": slot["models"], "fan_in": v, "neurons": c}
                  for key, slot in counts.items() for v, c in sorted(slot["hist"].items())]
    return per_model, pd.DataFrame(count_rows)


def ccdf(counts: pd.DataFrame) -> pd.DataFrame:
    """Per group of ``counts`` (cell, start, moment, layer): each fan-in value with the fraction of
    neurons whose fan-in is at least it."""
    if counts.empty:
        return counts.assign(ccdf=[])
    keys = [*CELL_KEYS, "start", "when", "layer"]
    out = []
    for _, g in counts.groupby(keys, sort=False):
        g = g.sort_values("fan_in")
        at_least = g["neurons"].to_numpy()[::-1].cumsum()[::-1]
        out.append(g.assign(ccdf=at_least / g["neurons"].sum()))
    return pd.concat(out, ignore_index=True)


def fanin_summary(per_model: pd.DataFrame) -> pd.DataFrame:
    """Per cell, start and layer: each ``SHAPE`` statistic at the start and at the end (mean over
    seeds) and the change, with the number of models."""
    if per_model.empty:
        return per_model
    keys = [*CELL_KEYS, "start", "layer"]
    present = [stat for stat in SHAPE if stat in per_model]  # a table from before a statistic joined
    wide = per_model.pivot_table(index=keys, columns="when", values=present, aggfunc="mean")
    n = per_model[per_model["when"] == "final"].groupby(keys)["seed"].nunique().rename("n")
    out = pd.DataFrame(index=wide.index)
    for stat in SHAPE:
        for when in MOMENTS:
            out[f"{stat}_{when}"] = wide[(stat, when)] if (stat, when) in wide else np.nan
        out[f"{stat}_change"] = out[f"{stat}_final"] - out[f"{stat}_start"]
    return out.join(n).reset_index()


# a move toward a heavier tail is both of these at once (averaged over layers); the reverse of
# both is a lighter tail; anything less is no change worth the name
CCV_STEP = 0.2
TOP10_STEP = 0.05


def tail_direction(ccv_change: float, top10_change: float) -> str:
    """'heavier', 'lighter' or 'unchanged': CCV and the top-10% share both up (down) by at least
    ``CCV_STEP`` and ``TOP10_STEP``."""
    if ccv_change >= CCV_STEP and top10_change >= TOP10_STEP:
        return "heavier"
    if ccv_change <= -CCV_STEP and top10_change <= -TOP10_STEP:
        return "lighter"
    return "unchanged"


def heavy_tail_verdict(summary: pd.DataFrame, method: str, label=str, start_label=str) -> str:
    """One clause per equilibrium start (ERK, uniform, fixed-CCV lognormal) of ``method``: its
    fan-in's CCV, top-10% share and max/mean at the start and the end (averaged over layers),
    and whether the tail got heavier (``tail_direction``)."""
    s = summary[summary["method"] == method] if len(summary) else summary
    if len(s):
        s = s[s["start"].map(lambda n: Start.parse(n).kind in ("erk", "uniform") or Start.parse(n).ccv is not None)]
    if s.empty:
        return f"{label(method)}: no runs from the equilibrium starts."
    parts = []
    for start in ordered_starts(s["start"]):
        m = s[s["start"] == start].mean(numeric_only=True)
        direction = tail_direction(m["ccv_change"], m["top10_share_change"])
        parts.append(f"from {start_label(start)}, fan-in CCV {m['ccv_start']:.2f} → {m['ccv_final']:.2f}, "
                     f"top-10% share {100 * m['top10_share_start']:.1f}% → {100 * m['top10_share_final']:.1f}%, "
                     f"max/mean {m['max_over_mean_start']:.2f} → {m['max_over_mean_final']:.2f} "
                     f"({'a heavier tail' if direction == 'heavier' else 'a lighter tail' if direction == 'lighter' else 'no change in the tail'})")
    return f"{label(method)}: " + "; ".join(parts) + "."
