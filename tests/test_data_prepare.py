"""prepare_dataset: orientation, normalisation, the Forest Cover split, byte-determinism, and
(when Debian's package is installed) the real Fashion-MNIST."""

import hashlib
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

import datafakes as fk
from psn.data import (
    DATASETS,
    fetch_dataset,
    load_meta,
    load_prepared,
    n_test_rows,
    prepare_dataset,
    stratified_split,
    stratified_test_counts,
)

QUIET = {"log": lambda m: None}


def fetched_mnist(tmp_path, n_train=30, n_test=10):
    arrays, files, hashes = fk.mnist_files(n_train, n_test)
    spec = DATASETS["mnist"].override(n_train=n_train, n_test=n_test, sha256=hashes, mirrors=[])
    fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[fk.write_files(tmp_path / "hand", files)],
                  spec=spec, **QUIET)
    return spec, arrays


def test_forest_cover_count_formula():
    assert n_test_rows(581_012, 0.2) == 116_203
    assert 581_012 - n_test_rows(581_012, 0.2) == 464_809
    assert n_test_rows(1000, 0.2) == 200  # exact, not ceil(200.00000000000003)
    assert n_test_rows(10, 0.3) == 3
    # The real class sizes of covtype (UCI covtype.info).
    real = [211_840, 283_301, 35_754, 2_747, 9_493, 17_367, 20_510]
    per_class = stratified_test_counts(real, 0.2)
    assert sum(per_class) == 116_203
    assert all(abs(t - 0.2 * c) < 1 for t, c in zip(per_class, real))


def test_stratified_counts_largest_remainder():
    assert stratified_test_counts([5, 5, 5], 0.5) == [3, 3, 2]  # 8 rows; ties to lower class
    assert stratified_test_counts([1, 1, 98], 0.1) == [0, 0, 10]
    assert stratified_test_counts([3, 7], 0.5) == [2, 3]  # remainders .5 vs .5 -> lower first


def test_stratified_split_is_seeded_disjoint_and_complete():
    y = np.repeat(np.arange(3), [50, 30, 20])
    train, test = stratified_split(y, 0.2, seed=3)
    assert len(test) == 20 and np.bincount(y[test]).tolist() == [10, 6, 4]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    again = stratified_split(y, 0.2, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    assert not np.array_equal(test, stratified_split(y, 0.2, seed=4)[1])


def test_forest_cover_fake_split_and_standardisation(tmp_path):
    table = fk.covtype_table(3001, seed=1)
    data, digest = fk.covtype_gz(table)
    n_test = n_test_rows(3001, 0.2)
    spec = DATASETS["forest_cover"].override(
        n_train=3001 - n_test, n_test=n_test, sha256={"table": digest}, mirrors=[])
    fetch_dataset("forest_cover", tmp_path / "raw",
                  manual_dirs=[fk.write_files(tmp_path / "hand", {"covtype.data.gz": data})],
                  spec=spec, **QUIET)
    meta = prepare_dataset("forest_cover", tmp_path / "raw", tmp_path / "fc.npz", split_seed=7,
                           spec=spec, **QUIET)
    a = load_prepared(tmp_path / "fc.npz")
    assert a["x_train"].shape == (3001 - 601, 54) and a["x_test"].shape == (601, 54)
    assert a["x_train"].dtype == np.float32 and a["y_train"].dtype == np.int64
    classes = np.bincount(table[:, -1] - 1, minlength=7)
    expected = stratified_test_counts(classes, 0.2)
    assert np.bincount(a["y_test"], minlength=7).tolist() == expected == meta["split"]["test_counts"]
    assert (np.bincount(a["y_train"], minlength=7) == classes - expected).all()
    xtr = a["x_train"].astype(np.float64)
    np.testing.assert_allclose(xtr[:, :10].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(xtr[:, :10].std(0), 1, atol=1e-5)
    assert set(np.unique(a["x_train"][:, 10:])) <= {0.0, 1.0}
    # Rows stay whole: each test row matches an input row (binary part and class).
    rows = {tuple(r) for r in table[:, 10:].tolist()}
    for x, y in zip(a["x_test"][:20], a["y_test"][:20]):
        assert tuple(x[10:].astype(int).tolist()) + (int(y) + 1,) in rows


def test_emnist_comes_out_upright(tmp_path):
    data, upright, _ = fk.emnist_zip(n_train=47, n_test=47)
    spec = DATASETS["emnist_balanced"].override(n_train=47, n_test=47, mirrors=[])
    fetch_dataset("emnist_balanced", tmp_path / "raw",
                  manual_dirs=[fk.write_files(tmp_path / "hand", {"gzip.zip": data})], spec=spec, **QUIET)
    prepare_dataset("emnist_balanced", tmp_path / "raw", tmp_path / "e.npz", spec=spec, **QUIET)
    a = load_prepared(tmp_path / "e.npz")
    img = a["x_train"][0].reshape(28, 28)
    assert (img[0, :] == 1.0).all()  # the bar is along the top row, not the left column
    assert img[20, 3] == pytest.approx(200 / 255) and img[3, 20] == 0
    np.testing.assert_array_equal(a["y_test"], upright["test_labels"].astype(np.int64))


def test_unit_and_standardise(tmp_path):
    spec, arrays = fetched_mnist(tmp_path)
    prepare_dataset("mnist", tmp_path / "raw", tmp_path / "u.npz", spec=spec, **QUIET)
    meta = prepare_dataset("mnist", tmp_path / "raw", tmp_path / "s.npz", normalise="standardise",
                           spec=spec, **QUIET)
    u, s = load_prepared(tmp_path / "u.npz"), load_prepared(tmp_path / "s.npz")
    np.testing.assert_array_equal(u["x_train"], arrays["train_images"].reshape(30, 784) / np.float32(255))
    assert 0 <= u["x_test"].min() and u["x_test"].max() <= 1
    raw = arrays["train_images"].astype(np.float64)
    assert meta["normalisation"]["mean"] == pytest.approx(raw.mean(), rel=1e-12)
    assert meta["normalisation"]["std"] == pytest.approx(raw.std(), rel=1e-12)
    np.testing.assert_allclose(s["x_train"].astype(np.float64).mean(), 0, atol=1e-6)
    np.testing.assert_allclose(s["x_train"].astype(np.float64).std(), 1, atol=1e-6)
    np.testing.assert_array_equal(u["y_train"], arrays["train_labels"].astype(np.int64))


def test_prepare_is_byte_deterministic_and_self_describing(tmp_path):
    spec, _ = fetched_mnist(tmp_path)
    prepare_dataset("mnist", tmp_path / "raw", tmp_path / "a.npz", spec=spec, **QUIET)
    prepare_dataset("mnist", tmp_path / "raw", tmp_path / "b.npz", spec=spec, **QUIET)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.npz") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    with np.load(tmp_path / "a.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["meta", "x_test", "x_train", "y_test", "y_train"]
    meta, arrays = load_meta(tmp_path / "a.npz"), load_prepared(tmp_path / "a.npz")
    for key, arr in arrays.items():
        assert meta["arrays"][key]["sha256"] == hashlib.sha256(arr.tobytes()).hexdigest()
    assert meta["dataset"] == "mnist" and meta["normalisation"]["method"] == "unit"
    manifest_files = set(fk.MNIST_NAMES.values())
    assert set(meta["sources"]) == manifest_files
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_prepare_without_fetch_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="fetch mnist"):
        prepare_dataset("mnist", tmp_path / "raw", tmp_path / "x.npz", **QUIET)
    assert not (tmp_path / "x.npz").exists()


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist(tmp_path):
    fetch_dataset("fashion_mnist", tmp_path / "raw", mirrors=[], **QUIET)
    meta = prepare_dataset("fashion_mnist", tmp_path / "raw", tmp_path / "fm.npz", **QUIET)
    a = load_prepared(tmp_path / "fm.npz")
    assert a["x_train"].shape == (60_000, 784) and a["x_test"].shape == (10_000, 784)
    assert a["x_train"].dtype == np.float32 and a["y_train"].dtype == np.int64
    assert np.bincount(a["y_train"]).tolist() == [6000] * 10
    assert np.bincount(a["y_test"]).tolist() == [1000] * 10
    assert a["x_train"].min() == 0.0 and a["x_train"].max() == 1.0
    assert 0.0 <= a["x_test"].min() and a["x_test"].max() <= 1.0
    assert meta["arrays"]["x_train"]["shape"] == [60_000, 784]
    assert not math.isnan(float(a["x_train"].mean()))
