"""Datasets: the registry (``DATASETS``), fetching and verifying the raw files, and the
prepared artifact each training run reads.

    fetch_dataset("fashion_mnist", "data/raw")            # -> data/raw/fashion_mnist/manifest.json
    prepare_dataset("fashion_mnist", "data/raw", "data/prepared/fashion_mnist.npz")
    arrays = load_prepared("data/prepared/fashion_mnist.npz")   # x_train, y_train, x_test, y_test
"""

from psn.data.fetch import FetchError, VerificationError, fetch_dataset, where_to_put
from psn.data.formats import DataError, FormatError, parse_idx, read_idx_gz
from psn.data.prepare import (
    NORMALISATIONS,
    load_meta,
    load_prepared,
    n_test_rows,
    prepare_dataset,
    stratified_split,
    stratified_test_counts,
)
from psn.data.sources import DATASETS, DatasetSpec, Part, RawFile, Source, get_spec

__all__ = [
    "DATASETS",
    "NORMALISATIONS",
    "DataError",
    "DatasetSpec",
    "FetchError",
    "FormatError",
    "Part",
    "RawFile",
    "Source",
    "VerificationError",
    "fetch_dataset",
    "get_spec",
    "load_meta",
    "load_prepared",
    "n_test_rows",
    "parse_idx",
    "prepare_dataset",
    "read_idx_gz",
    "stratified_split",
    "stratified_test_counts",
    "where_to_put",
]
