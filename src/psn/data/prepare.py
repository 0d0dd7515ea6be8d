"""Build the one cached artifact a training run reads: ``x_train`` float32 (N, d), ``y_train``
int64, ``x_test``, ``y_test`` and a JSON ``meta`` entry, in an .npz written byte for byte the
same from the same inputs (fixed zip timestamps, no compression, no pickle).

Normalisation of the image sets (the paper does not say which):
  * ``"unit"``: pixels / 255, in [0, 1] (default);
  * ``"standardise"``: (pixel - mean) / std with one scalar mean and std over every pixel of
    the training set, computed exactly from integer sums.
Forest Cover always gets the paper's treatment (an 80/20 seeded split: the paper gives only the
sizes): the 10 continuous columns standardised with training-set mean/std, the 44 binary
columns left 0/1; `normalise` does not apply to it and is not recorded.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from psn.data.fetch import MANIFEST, sha256_file
from psn.data.formats import DataError, decode_raw_file
from psn.data.sources import (
    TABLE,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DatasetSpec,
    get_spec,
)
from psn.provenance import ArtifactError, temp_file_beside, versions

NORMALISATIONS = ("unit", "standardise")
ARRAYS = ("x_train", "y_train", "x_test", "y_test")
ARTIFACT_FORMAT = "psn.prepared/1"
N_CONTINUOUS = 10  # Forest Cover: elevation .. horizontal distance to fire points
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest zip date: no wall clock in the bytes
_ROWS = 8192  # rows per chunk when converting to float


# --- Forest Cover split -------------------------------------------------------------------


def _exact(fraction: float) -> Fraction:
    """0.2 as 1/5, not as the nearest double, so ceil(0.2 * 1000) is 200, not 201."""
    return Fraction(repr(float(fraction)))


def n_test_rows(n: int, test_fraction: float) -> int:
    """ceil(test_fraction * n): 116,203 of Forest Cover's 581,012 at 0.2."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    return math.ceil(_exact(test_fraction) * n)


def stratified_test_counts(class_counts: Sequence[int], test_fraction: float) -> list[int]:
    """Test rows per class: each class gets floor of its exact share of n_test, and the rows
    left over go to the largest remainders (ties to the lower class), so the total is exactly
    n_test_rows(n, test_fraction)."""
    counts = [int(c) for c in class_counts]
    n = sum(counts)
    total = n_test_rows(n, test_fraction)
    shares = [Fraction(total * c, n) for c in counts]
    out = [math.floor(s) for s in shares]
    order = sorted(range(len(counts)), key=lambda k: (-(shares[k] - out[k]), k))
    for k in order[: total - sum(out)]:
        out[k] += 1
    return out


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): one permutation from default_rng(seed); within each class, the
    first rows in permutation order go to the test set. Both keep permutation order."""
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    per_class = stratified_test_counts(counts, test_fraction)
    perm = np.random.default_rng(seed).permutation(len(y))
    y_perm = y[perm]
    is_test = np.zeros(len(y), dtype=bool)
    for c, k in zip(classes, per_class):
        is_test[np.flatnonzero(y_perm == c)[:k]] = True
    return perm[~is_test], perm[is_test]


# --- normalisation ------------------------------------------------------------------------


def _exact_mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and population std of non-negative integers from exact integer sums (float64
    result, independent of summation order)."""
    counts = np.bincount(values.ravel())
    levels = np.arange(len(counts), dtype=object)
    n = int(counts.sum())
    s = int((levels * counts.astype(object)).sum())
    q = int((levels * levels * counts.astype(object)).sum())
    return s / n, math.sqrt(float(Fraction(q * n - s * s, n * n)))


def _column_mean_std(x: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-column mean and population std of integer columns, exactly (signed values)."""
    means, stds = [], []
    for j in range(x.shape[1]):
        col = x[:, j].astype(np.int64)
        n, s, q = len(col), int(col.sum()), int((col * col).sum())  # < 2**63 for covtype
        means.append(s / n)
        stds.append(math.sqrt(float(Fraction(q * n - s * s, n * n))))
    return means, stds


def _to_float32(x: np.ndarray, shift, scale) -> np.ndarray:
    """(x - shift) / scale in float64, stored as float32, a chunk of rows at a time."""
    out = np.empty(x.shape, dtype=np.float32)
    for i in range(0, len(x), _ROWS):
        out[i : i + _ROWS] = (x[i : i + _ROWS].astype(np.float64) - shift) / scale
    return out


def _images(x: np.ndarray, spec: DatasetSpec) -> np.ndarray:
    if spec.transposed:  # EMNIST stores each image column-major
        x = x.transpose(0, 2, 1)
    return np.ascontiguousarray(x).reshape(len(x), -1)


# --- the artifact -------------------------------------------------------------------------


def array_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(memoryview(np.ascontiguousarray(a)).cast("B")).hexdigest()


def write_artifact(out_path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """An .npz readable by np.load(allow_pickle=False), identical bytes for identical input:
    entries stored uncompressed with a fixed timestamp, written to a temporary file in the
    same folder and moved into place."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    entries = dict(arrays)
    entries["meta"] = np.array(json.dumps(meta, sort_keys=True, indent=1))
    fd, tmp = temp_file_beside(out_path)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, arr in entries.items():
                info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_STORED
                info.create_system = 3
                info.external_attr = 0o644 << 16
                with zf.open(info, "w", force_zip64=arr.nbytes > 2**31 - 2**20) as fh:
                    np.lib.format.write_array(fh, np.asarray(arr, order="C"), allow_pickle=False)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_prepared(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test of a prepared artifact, verified: each array must match
    the shape, dtype and SHA-256 the artifact's own metadata records, and every label lie in
    [0, n_classes); a damaged, edited or relabelled file raises ``ArtifactError`` naming it."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in ARRAYS}
            meta = json.loads(str(npz["meta"][()]))
        _verify_prepared(path, arrays, meta)
    except (ArtifactError, FileNotFoundError):
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise ArtifactError(f"{path}: unreadable prepared data ({reason})") from None
    return arrays


def _verify_prepared(path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{path}: not a {ARTIFACT_FORMAT} artifact (format {meta.get('format')!r})")
    for key, a in arrays.items():
        rec = meta["arrays"][key]
        if [list(a.shape), a.dtype.name, array_sha256(a)] != [rec["shape"], rec["dtype"], rec["sha256"]]:
            raise ArtifactError(f"{path}: {key} is not the array its metadata records (shape, dtype "
                                "or SHA-256 differ): the file was damaged or edited after preparing")
    n_classes = int(meta["n_classes"])
    for key in ("y_train", "y_test"):
        bad = np.flatnonzero((arrays[key] < 0) | (arrays[key] >= n_classes))
        if bad.size:
            raise ArtifactError(f"{path}: {key}[{bad[0]}] is label {arrays[key][bad[0]]}, outside "
                                f"[0, {n_classes})")


def load_meta(path: str | os.PathLike) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return json.loads(str(npz["meta"][()]))


# --- prepare ------------------------------------------------------------------------------


def _read_manifest(folder: Path, spec: DatasetSpec) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise DataError(f"{path} not found: run `python -m psn.data fetch {spec.name}` first")
    manifest = json.loads(path.read_text())
    for raw in spec.files:
        rec = manifest["files"].get(raw.name)
        if rec is None or sha256_file(folder / raw.name) != rec["sha256"]:
            raise DataError(f"{folder / raw.name} differs from {path}; fetch {spec.name} again")
    return manifest


def prepare_dataset(
    name: str,
    raw_dir: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    normalise: str = "unit",
    split_seed: int = 0,
    test_fraction: float = 0.2,
    log: Callable[[str], None] = print,
    spec: DatasetSpec | None = None,
) -> dict:
    """Read the fetched raw files of `name` and write the artifact `out_path`; returns its
    metadata. `spec` replaces the registry entry (tests)."""
    start = time.perf_counter()
    spec = spec or get_spec(name)
    if normalise not in NORMALISATIONS:
        raise ValueError(f"normalise must be one of {NORMALISATIONS}, got {normalise!r}")
    folder = Path(raw_dir) / spec.name
    manifest = _read_manifest(folder, spec)
    decoded = {}
    for raw in spec.files:
        decoded.update({role: d.array for role, d in decode_raw_file(folder / raw.name, raw).items()})

    if TABLE in decoded:
        arrays, norm, split = _prepare_table(decoded[TABLE], spec, split_seed, test_fraction)
    else:
        arrays, norm = _prepare_images(decoded, spec, normalise)
        split = {"kind": "official train/test files"}
    for key in ARRAYS:
        arrays[key] = np.ascontiguousarray(arrays[key])
    n_train, n_test = len(arrays["y_train"]), len(arrays["y_test"])
    if TABLE not in decoded and (n_train, n_test) != (spec.n_train, spec.n_test):
        raise DataError(f"{spec.name}: got {n_train}/{n_test} rows, expected {spec.n_train}/{spec.n_test}")

    meta = {
        "format": ARTIFACT_FORMAT,
        "dataset": spec.name,
        "input_dim": spec.input_dim,
        "n_classes": spec.n_classes,
        "arrays": {
            k: {"shape": list(a.shape), "dtype": a.dtype.name, "sha256": array_sha256(a)}
            for k, a in arrays.items()
        },
        "normalisation": norm,
        "split": split,
        "orientation": "EMNIST images transposed to upright" if spec.transposed else "as stored",
        # Hashes only, not where the files came from: same data, same artifact.
        "sources": {
            f: {"sha256": r["sha256"], "parts": {p: v["sha256"] for p, v in r["parts"].items()}}
            for f, r in sorted(manifest["files"].items())
        },
        "versions": versions(),
    }
    write_artifact(out_path, arrays, meta)
    log(
        f"{spec.name}: wrote {out_path} (train {arrays['x_train'].shape}, test "
        f"{arrays['x_test'].shape}, {norm['method']}) in {time.perf_counter() - start:.1f} s"
    )
    return meta


def _prepare_images(decoded: dict, spec: DatasetSpec, normalise: str) -> tuple[dict, dict]:
    x_train = _images(decoded[TRAIN_IMAGES], spec)
    x_test = _images(decoded[TEST_IMAGES], spec)
    if normalise == "unit":
        shift, scale = 0.0, 255.0
        norm = {"method": "unit", "description": "pixel / 255"}
    else:
        shift, scale = _exact_mean_std(x_train)
        norm = {
            "method": "standardise",
            "description": "(pixel - mean) / std, one scalar each over all training pixels",
            "mean": shift,
            "std": scale,
        }
    arrays = {
        "x_train": _to_float32(x_train, shift, scale),
        "y_train": decoded[TRAIN_LABELS].astype(np.int64),
        "x_test": _to_float32(x_test, shift, scale),
        "y_test": decoded[TEST_LABELS].astype(np.int64),
    }
    return arrays, norm


def _prepare_table(
    table: np.ndarray, spec: DatasetSpec, split_seed: int, test_fraction: float
) -> tuple[dict, dict, dict]:
    x, y = table[:, :-1], table[:, -1].astype(np.int64) - 1  # classes 1..7 -> 0..6
    train, test = stratified_split(y, test_fraction, split_seed)
    means, stds = _column_mean_std(x[train, :N_CONTINUOUS])
    shift = np.zeros(x.shape[1])
    scale = np.ones(x.shape[1])
    shift[:N_CONTINUOUS], scale[:N_CONTINUOUS] = means, stds
    arrays = {
        "x_train": _to_float32(x[train], shift, scale),
        "y_train": y[train],
        "x_test": _to_float32(x[test], shift, scale),
        "y_test": y[test],
    }
    norm = {
        "method": "standardise-continuous",
        "description": f"first {N_CONTINUOUS} columns (x - mean) / std over training rows; "
        "binary columns 0/1",
        "mean": means,
        "std": stds,
    }
    split = {
        "kind": "stratified",
        "seed": split_seed,
        "test_fraction": test_fraction,
        "rng": "numpy.random.default_rng(seed).permutation",
        "train_counts": np.bincount(y[train], minlength=spec.n_classes).tolist(),
        "test_counts": np.bincount(y[test], minlength=spec.n_classes).tolist(),
    }
    return arrays, norm, split
