"""The readings experiment: which reading of the paper's open points brings our Fashion-MNIST
accuracies to the published ones (Table 6's Fashion-MNIST column).

Pure functions on the readings experiment's ``models.csv`` (one row a model, ``reading`` ""
for the config's own settings). A reading trains only the groups it changes; the others are
the default's, so every reading is compared on the same four conditions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from psn.analysis import published as pub
from psn.analysis.columns import DENSE_CONDITION, RANDOM_CONDITION
from psn.analysis.stats import finished

DEFAULT = "default"
ACCURACIES = ("final", "best")


def table6_label(row) -> str | None:
    """The Table 6 row a model belongs to: dense, any random baseline, or a profile (with its
    lognormal CCV); None for a profile Table 6 does not have."""
    if row["condition"] == DENSE_CONDITION:
        return "Dense"
    if row["condition"] == RANDOM_CONDITION or str(row["condition"]).startswith("random_"):
        return "Random (≈0)"
    for label, profile, ccv, _, _ in pub.TABLE6_ROWS:
        if row["profile"] == profile and (ccv is None or np.isclose(float(row.get("ccv_target") or np.nan), ccv)):
            return label
    return None


def _with_labels(models: pd.DataFrame, dataset: str) -> pd.DataFrame:
    m = finished(models[models["dataset"] == dataset]).copy()
    m["reading"] = m["reading"].fillna("").replace("", DEFAULT) if "reading" in m else DEFAULT
    m["label"] = [table6_label(r) for r in m.to_dict("records")]
    return m[m["label"].notna()]


def _inits(models: pd.DataFrame) -> str:
    """The init scale(s) ``models`` were trained under, as the run records it ("" if it does not)."""
    return ", ".join(sorted(set(models["init"].dropna().astype(str)))) if "init" in models else ""


def readings_table(models: pd.DataFrame, dataset: str = "fashion_mnist") -> pd.DataFrame:
    """Per reading (the default first) and accuracy (final, best epoch): the init its own groups
    trained under (``init``; the default's is the one the other readings share), the fewest
    seeds of its own cells (``n``), each Table 6
    row's mean ours beside the paper's, the mean |ours − paper| over the rows (``distance``), and
    the sparse rows' mean minus dense, ours and the paper's (the paper has sparse at or above
    dense; the gap the readings are meant to explain)."""
    m = _with_labels(models, dataset)
    if m.empty:
        return pd.DataFrame(columns=["reading", "accuracy", "init", "n", "distance", "sparse_minus_dense", "paper_sparse_minus_dense"])
    paper = {label: values[pub.TABLE6_DATASETS.index(dataset)] for label, _, _, _, values in pub.TABLE6_ROWS}
    default = m[m["reading"] == DEFAULT]
    readings = [DEFAULT] + sorted(set(m["reading"]) - {DEFAULT})
    labels = [label for label in paper if label in set(m["label"])]
    rows = []
    for reading in readings:
        own = m[m["reading"] == reading]
        # a reading's own groups, the default's for the conditions it leaves unchanged
        groups = {label: (own if label in set(own["label"]) else default)[lambda d: d["label"] == label]
                  for label in labels}
        for acc in ACCURACIES:
            row = {"reading": reading, "accuracy": acc, "init": _inits(own)}
            for label, g in groups.items():
                vals = g[f"{acc}_acc"].dropna()
                row[f"{label}"] = float(vals.mean()) if len(vals) else np.nan
                row[f"{label} sd"] = float(vals.std(ddof=1)) if len(vals) > 1 else np.nan
                row[f"{label} n"] = len(vals)
                row[f"{label} own"] = label in set(own["label"]) or reading == DEFAULT
            if "Dense" in labels and not row["Dense n"]:
                warnings.warn(f"readings: {reading} has no finished dense model ({acc} accuracy; every one "
                              "diverged or none ran): its row is left out, having no sparse − dense gap",
                              stacklevel=2)
                continue
            # the seeds behind the reading's own cells (fewer where a seed batch left it out)
            row["n"] = min((row[f"{label} n"] for label in labels if row[f"{label} own"]), default=0)
            diffs = [row[label] - paper[label] for label in labels if np.isfinite(row[label])]
            row["distance"] = float(np.mean(np.abs(diffs))) if diffs else np.nan
            sparse = [label for label in labels if label != "Dense" and np.isfinite(row[label])]
            row["sparse_minus_dense"] = (float(np.mean([row[label] for label in sparse])) - row["Dense"]
                                         if sparse and "Dense" in row else np.nan)
            # its standard error: the sparse rows' mean and the dense mean, seeds independent
            var = [row[f"{label} sd"] ** 2 / row[f"{label} n"] for label in sparse]
            row["sparse_minus_dense_se"] = (float(np.sqrt(np.sum(var) / len(var) ** 2
                                                          + row["Dense sd"] ** 2 / row["Dense n"]))
                                            if sparse and "Dense" in row else np.nan)
            psparse = [paper[label] for label in labels if label != "Dense"]
            row["paper_sparse_minus_dense"] = float(np.mean(psparse)) - paper["Dense"] if psparse else np.nan
            rows.append(row)
    out = pd.DataFrame(rows)
    for label in labels:
        out[f"{label} paper"] = paper[label]
    return out


def at_paper_size(models: pd.DataFrame, dataset: str = "fashion_mnist") -> bool:
    """Whether the readings models of ``dataset`` have Table 6's architecture and epochs."""
    arch, epochs, _ = pub.PAPER_SETTINGS["cross_dataset"][dataset]
    m = models[models["dataset"] == dataset]
    return bool(len(m)) and set(m["arch"].astype(str)) == {arch} and {int(e) for e in m["epochs"]} == {epochs}


def choose_readings(candidates: list[pd.DataFrame | None], dataset: str = "fashion_mnist") -> pd.DataFrame | None:
    """The readings models the report shows: every candidate at Table 6's size whose default
    ran under the first one's init, pooled (seeds of one cell run as separate batches; a model
    two candidates both hold counts once), else the first that has any models of ``dataset``."""
    present = [m for m in candidates if m is not None and (m["dataset"] == dataset).any()]
    sized = [m for m in present if at_paper_size(m, dataset)]
    if not sized:
        return (present or [None])[0]
    same = [m for m in sized if _default_init(m, dataset) == _default_init(sized[0], dataset)]
    pooled = pd.concat(same, ignore_index=True)
    key = [c for c in ("dataset", "run", "reading", "seed") if c in pooled]
    return pooled.drop_duplicates(subset=key, keep="first").reset_index(drop=True) if len(same) > 1 else same[0]


def _default_init(models: pd.DataFrame, dataset: str) -> str:
    m = _with_labels(models, dataset)
    return _inits(m[m["reading"] == DEFAULT])


def closest_readings(table: pd.DataFrame) -> dict:
    """From :func:`readings_table`: the (reading, accuracy) nearest the paper's accuracies
    (smallest ``distance``), the one whose sparse − dense gap is nearest the paper's, and
    whether that gap is within two standard errors of the paper's."""
    t = table.dropna(subset=["distance"])
    if t.empty:
        return {}
    near = t.loc[t["distance"].idxmin()]
    off = (t["sparse_minus_dense"] - t["paper_sparse_minus_dense"]).abs()
    gap = t.loc[off.idxmin()] if off.notna().any() else near
    return {"distance": (near["reading"], near["accuracy"], float(near["distance"])),
            "gap": (gap["reading"], gap["accuracy"], float(gap["sparse_minus_dense"]),
                    float(gap["sparse_minus_dense_se"]), float(gap["paper_sparse_minus_dense"])),
            "gap_closed": bool(abs(gap["sparse_minus_dense"] - gap["paper_sparse_minus_dense"])
                               <= 2 * gap["sparse_minus_dense_se"])}
