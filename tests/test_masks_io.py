"""Mask artifacts: round trip, byte determinism, no pickle, key validation."""

import zipfile

import numpy as np
import pytest

import psn
from psn.masks.io import masks_to_bytes


def some_masks():
    return {
        "fc1/seed42": psn.make_mask(784, 1024, 0.9, "exponential", spread="random", seed=42),
        "fc2/seed42": psn.make_mask(1024, 1024, 0.9, "bell").numpy(),
        "odd": np.random.default_rng(0).random((3, 5)) < 0.5,  # 15 bits: padding in the last byte
    }


def test_round_trip(tmp_path):
    masks, meta = some_masks(), {"profile": "exponential", "sparsity": 0.9, "seeds": [42]}
    path = tmp_path / "masks.npz"
    psn.save_masks(path, masks, meta)
    got, got_meta = psn.load_masks(path)
    assert got_meta == meta
    assert sorted(got) == sorted(masks)
    for k, m in masks.items():
        assert got[k].dtype == bool and np.array_equal(got[k], np.asarray(m))


def test_byte_deterministic_and_compact(tmp_path):
    a = masks_to_bytes(some_masks(), {"x": 1})
    b = masks_to_bytes(dict(reversed(list(some_masks().items()))), {"x": 1})
    assert a == b  # insertion order and wall clock do not leak into the bytes
    psn.save_masks(tmp_path / "m.npz", some_masks(), {"x": 1})
    assert (tmp_path / "m.npz").read_bytes() == a
    assert len(a) < (784 * 1024 + 1024 * 1024) / 8  # bit-packed, then deflated
    with zipfile.ZipFile(tmp_path / "m.npz") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_loads_with_plain_numpy_without_pickle(tmp_path):
    psn.save_masks(tmp_path / "m.npz", some_masks(), {})
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert z["fc2/seed42"].dtype == np.uint8


@pytest.mark.parametrize("key", ["../x", "/abs", "a b", "__meta__", ""])
def test_bad_keys_rejected(key):
    with pytest.raises(ValueError):
        masks_to_bytes({key: np.ones((2, 2), dtype=bool)})
