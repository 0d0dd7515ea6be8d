"""Readers for the raw formats: IDX (gzipped), EMNIST's zip of gzipped IDX files, and the UCI
covtype CSV (gzipped). Each returns the decoded array together with the SHA-256 of the
decompressed bytes, which is what the registry's hashes describe."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from psn.data.sources import CSV_GZ, IDX_GZ, ZIP_IDX_GZ, RawFile


class DataError(Exception):
    """A data set could not be obtained, read or verified."""


class FormatError(DataError):
    """A file is not in the format it claims (bad magic, truncated, malformed rows)."""


@dataclass(frozen=True)
class Decoded:
    array: np.ndarray
    sha256: str  # of the decompressed bytes
    nbytes: int  # length of the decompressed bytes


# IDX type codes (third byte of the magic number) -> big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

COVTYPE_COLUMNS = 55  # 54 features and the class


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Decode IDX bytes: magic 0x0000TTNN (type TT, NN dimensions), NN big-endian uint32
    sizes, then the values. The byte count must match the header exactly."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise FormatError(f"{name}: not an IDX file (magic bytes {data[:4].hex() or 'missing'})")
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise FormatError(f"{name}: truncated IDX header ({len(data)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise FormatError(
            f"{name}: IDX file {what}: header says {dims} {dtype.name} = {expected} bytes, "
            f"found {len(data)}"
        )
    arr = np.frombuffer(data, dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=False)


def gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:  # truncated or not gzip
        raise FormatError(f"{name}: cannot decompress gzip data ({exc})") from None


def decode_idx_gz(data: bytes, name: str) -> Decoded:
    raw = gunzip(data, name)
    return Decoded(parse_idx(raw, name), hashlib.sha256(raw).hexdigest(), len(raw))


def read_idx_gz(path: str | Path) -> np.ndarray:
    path = Path(path)
    return decode_idx_gz(path.read_bytes(), str(path)).array


def read_zip_idx_gz(path: str | Path, members: list[str]) -> dict[str, Decoded]:
    """Decode gzipped IDX members of a zip (EMNIST's gzip.zip) straight from the archive:
    only the named members are read, nothing is extracted to disk."""
    path = Path(path)
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for member in members:
                if member not in names:
                    raise FormatError(f"{path}: zip has no member {member}")
                with zf.open(member) as fh:
                    packed = fh.read()
                out[member] = decode_idx_gz(packed, f"{path}:{member}")
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FormatError(f"{path}: not a readable zip ({exc})") from None
    return out


def parse_covtype_csv(text: bytes, name: str) -> np.ndarray:
    """Rows of 55 comma-separated integers (54 features, class 1..7) -> int32 (n, 55)."""
    import pandas as pd  # only this reader needs it

    try:
        frame = pd.read_csv(io.BytesIO(text), header=None, dtype=np.int32, engine="c")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FormatError(f"{name}: malformed covtype CSV ({first})") from None
    if frame.shape[1] != COVTYPE_COLUMNS:
        raise FormatError(f"{name}: expected {COVTYPE_COLUMNS} columns, found {frame.shape[1]}")
    return np.ascontiguousarray(frame.to_numpy(dtype=np.int32))


def decode_csv_gz(data: bytes, name: str) -> Decoded:
    text = gunzip(data, name)
    return Decoded(parse_covtype_csv(text, name), hashlib.sha256(text).hexdigest(), len(text))


def decode_raw_file(path: str | Path, raw: RawFile) -> dict[str, Decoded]:
    """Decode every part of `raw` stored at `path`, keyed by part role."""
    path = Path(path)
    if raw.format == IDX_GZ:
        (part,) = raw.parts
        return {part.role: decode_idx_gz(path.read_bytes(), str(path))}
    if raw.format == CSV_GZ:
        (part,) = raw.parts
        return {part.role: decode_csv_gz(path.read_bytes(), str(path))}
    if raw.format == ZIP_IDX_GZ:
        decoded = read_zip_idx_gz(path, [p.member for p in raw.parts])
        return {p.role: decoded[p.member] for p in raw.parts}
    raise ValueError(f"unknown raw format {raw.format!r}")
