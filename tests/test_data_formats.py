"""The raw-format readers on small files in the real formats."""

import gzip
import zipfile

import numpy as np
import pytest

import datafakes as fk
from psn.data import DATASETS, FormatError, parse_idx, read_idx_gz
from psn.data.formats import decode_raw_file, parse_covtype_csv, read_zip_idx_gz


def test_idx_round_trip_and_header():
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = fk.idx_bytes(arr)
    assert data[:4] == bytes([0, 0, 8, 3])
    np.testing.assert_array_equal(parse_idx(data, "x"), arr)


def test_idx_gz_reader(tmp_path):
    arr = np.arange(10, dtype=np.uint8)
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(fk.gz(fk.idx_bytes(arr)))
    np.testing.assert_array_equal(read_idx_gz(path), arr)


def test_truncated_idx_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(fk.gz(fk.idx_bytes(np.zeros((5, 28, 28), np.uint8))[:-100]))
    with pytest.raises(FormatError, match=r"train-images-idx3-ubyte\.gz.*truncated"):
        read_idx_gz(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(fk.gz(fk.idx_bytes(np.zeros(5000, np.uint8)))[:-20])
    with pytest.raises(FormatError, match=r"t10k-labels-idx1-ubyte\.gz.*gzip"):
        read_idx_gz(path)


def test_bad_magic():
    with pytest.raises(FormatError, match="not an IDX file"):
        parse_idx(b"PK\x03\x04" + bytes(20), "f")


def test_emnist_zip_reads_only_the_balanced_members(tmp_path):
    data, upright, hashes = fk.emnist_zip(n_train=6, n_test=4)
    path = tmp_path / "gzip.zip"
    path.write_bytes(data)
    raw = DATASETS["emnist_balanced"].files[0]
    decoded = decode_raw_file(path, raw)
    assert decoded["train_images"].array.shape == (6, 28, 28)
    assert {r: d.sha256 for r, d in decoded.items()} == hashes
    # Stored transposed: the reader returns what is stored; prepare puts it upright.
    np.testing.assert_array_equal(decoded["test_images"].array[0], upright["test_images"][0].T)
    with pytest.raises(FormatError, match="no member gzip/emnist-balanced-x"):
        read_zip_idx_gz(path, ["gzip/emnist-balanced-x"])


def test_emnist_zip_corrupt_member_crc(tmp_path):
    data, _, _ = fk.emnist_zip(n_train=2, n_test=2)
    path = tmp_path / "gzip.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("gzip/emnist-balanced-train-labels-idx1-ubyte.gz")
    blob = bytearray(data)
    blob[info.header_offset + 30 + len(info.filename) + 12] ^= 0xFF  # flip a byte of the member
    path.write_bytes(bytes(blob))
    with pytest.raises(FormatError):
        decode_raw_file(path, DATASETS["emnist_balanced"].files[0])


def test_covtype_csv(tmp_path):
    table = fk.covtype_table(50)
    data, digest = fk.covtype_gz(table)
    path = tmp_path / "covtype.data.gz"
    path.write_bytes(data)
    decoded = decode_raw_file(path, DATASETS["forest_cover"].files[0])["table"]
    np.testing.assert_array_equal(decoded.array, table)
    assert decoded.sha256 == digest and decoded.array.dtype == np.int32


@pytest.mark.parametrize("text", [b"1,2,3\n4,5,6\n", b"1," * 54 + b"x\n", b"1," * 54 + b"1\n1,2\n"])
def test_covtype_malformed(text):
    with pytest.raises(FormatError, match="covtype"):
        parse_covtype_csv(text, "covtype.data")


def test_gzip_helper_is_deterministic():
    assert fk.gz(b"abc") == gzip.compress(b"abc", mtime=0)
