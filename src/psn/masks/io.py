"""Mask artifacts: a set of masks in one byte-deterministic, pickle-free ``.npz``.

Format (``FORMAT`` = "psn-masks", ``VERSION`` = 1): a zip readable by ``numpy.load``, members
in sorted order with a fixed timestamp (1980-01-01), deflate-compressed:
- ``<key>.npy``: uint8 array, ``np.packbits`` of the row-major flattened bool mask;
- ``__meta__.npy``: uint8 array of UTF-8 JSON (sorted keys) holding
  {"format", "version", "shapes": {key: [n_out, n_in]}, "meta": <caller's meta>}.
Keys are layer/seed names such as ``fc1/seed42`` (letters, digits, ``_ - . /``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from os import PathLike

import numpy as np

from psn.masks.stats import as_bool_array
from psn.provenance import ArtifactError, _json_default, atomic_write_bytes

FORMAT, VERSION = "psn-masks", 1
META_KEY = "__meta__"
_KEY = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
_DATE = (1980, 1, 1, 0, 0, 0)


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def masks_to_bytes(masks: dict, meta: dict | None = None) -> bytes:
    """The artifact's bytes: same masks and meta → same bytes."""
    shapes, members = {}, {}
    for key in sorted(masks):
        if not _KEY.match(key) or key == META_KEY or ".." in key.split("/"):
            raise ValueError(f"mask key {key!r} must match {_KEY.pattern} and not be {META_KEY!r}")
        m = as_bool_array(masks[key])
        shapes[key] = list(m.shape)
        members[f"{key}.npy"] = _npy_bytes(np.packbits(m.ravel()))
    header = {"format": FORMAT, "version": VERSION, "shapes": shapes, "meta": meta or {}}
    text = json.dumps(header, sort_keys=True, default=_json_default).encode()
    members[f"{META_KEY}.npy"] = _npy_bytes(np.frombuffer(text, dtype=np.uint8))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, members[name], compresslevel=6)
    return buf.getvalue()


def save_masks(path: str | PathLike, masks: dict, meta: dict | None = None) -> None:
    """Write ``masks`` ({key: bool mask, numpy or torch}) and JSON-able ``meta`` atomically."""
    atomic_write_bytes(path, masks_to_bytes(masks, meta))


def load_masks(path: str | PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """(masks as numpy bool arrays, meta) from ``save_masks`` output; never unpickles. Each
    member is checked against its zip CRC-32 and each mask against its header's shape (packed
    length, zero padding bits); a file that fails raises ``ArtifactError`` naming it."""
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(z[META_KEY].tobytes().decode())
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise ArtifactError(f"{path}: not a {FORMAT} v{VERSION} file")
            masks = {key: _unpack(path, key, z[key], shape) for key, shape in header["shapes"].items()}
        return masks, header["meta"]
    except (ArtifactError, FileNotFoundError):
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise ArtifactError(f"{path}: corrupt mask artifact ({reason})") from None


def _unpack(path, key: str, packed: np.ndarray, shape: list[int]) -> np.ndarray:
    n = int(np.prod(shape))
    pad = (1 << (-n % 8)) - 1  # the last byte's unused low bits, zero as np.packbits leaves them
    if packed.dtype != np.uint8 or packed.shape != ((n + 7) // 8,) or (n and packed[-1] & pad):
        raise ArtifactError(f"{path}: corrupt mask artifact ({key} holds {packed.size} bytes, "
                            f"not the {n} bits of shape {shape} its header records)")
    return np.unpackbits(packed, count=n).astype(bool).reshape(shape)
