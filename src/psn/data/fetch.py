"""Locate, download and verify the raw files of a data set.

For each raw file the places are tried in turn: the destination itself (a previous fetch or a
copy put there by hand), the manual folders, the system folders of the spec (Debian's
/usr/share/datasets/...), then the network sources. Every candidate is copied or downloaded
to a temporary name next to its destination, verified there, and moved into place with
``os.replace``; on failure the temporary file is removed, so a destination file is always
complete and verified. ``manifest.json`` is written last, so its presence means "done".
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from psn.data.formats import DataError, Decoded, decode_raw_file
from psn.data.sources import TABLE, DatasetSpec, RawFile, Source, get_spec
from psn.provenance import atomic_write_json, temp_file_beside

MANIFEST = "manifest.json"
Log = Callable[[str], None]
_CHUNK = 1 << 20
_USER_AGENT = "psn-data/0.1 (Python urllib; reproducing the PSN paper)"


class VerificationError(DataError):
    """A file decoded, but is not the expected data (hash, shape or label range)."""


class FetchError(DataError):
    """No place gave a verified copy of some raw file. ``attempts`` maps each missing file
    to the (place, reason) pairs tried."""

    def __init__(self, message: str, attempts: dict[str, list[tuple[str, str]]]):
        super().__init__(message)
        self.attempts = attempts


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- verification -------------------------------------------------------------------------


def verify_raw_file(path: str | Path, raw: RawFile, spec: DatasetSpec) -> dict:
    """Decode `path` as `raw` and check it: shapes from the spec, labels in range, and the
    SHA-256 of each decoded part where one is published. Returns the part records."""
    decoded = decode_raw_file(path, raw)
    parts = {}
    for part in raw.parts:
        got = decoded[part.role]
        where = f"{path}" + (f":{part.member}" if part.member else "")
        expected = spec.part_shape(part)
        if got.array.shape != expected:
            raise VerificationError(f"{where}: shape {got.array.shape}, expected {expected}")
        _check_values(got, part.role, spec, where)
        if part.sha256 is not None and got.sha256 != part.sha256:
            raise VerificationError(
                f"{where}: content SHA-256 mismatch: expected {part.sha256}, got {got.sha256}"
            )
        parts[part.role] = {
            "sha256": got.sha256,
            "bytes": got.nbytes,
            "shape": list(got.array.shape),
            "hash_published": part.sha256 is not None,
        }
    return parts


def _check_values(got: Decoded, role: str, spec: DatasetSpec, where: str) -> None:
    a = got.array
    if a.size == 0:
        raise VerificationError(f"{where}: no data")
    if role.endswith("_images") and a.dtype != np.uint8:
        raise VerificationError(f"{where}: images are {a.dtype}, expected uint8")
    if role.endswith("_labels"):
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= spec.n_classes:
            raise VerificationError(f"{where}: labels span {lo}..{hi}, expected 0..{spec.n_classes - 1}")
    if role == TABLE:
        lo, hi = int(a[:, -1].min()), int(a[:, -1].max())
        if lo < 1 or hi > spec.n_classes:
            raise VerificationError(f"{where}: classes span {lo}..{hi}, expected 1..{spec.n_classes}")
        binary = a[:, 10:-1]
        if binary.size and (binary.min() < 0 or binary.max() > 1):
            raise VerificationError(f"{where}: columns 11..54 must be 0/1")


# --- acquisition --------------------------------------------------------------------------


def _download(url: str, out: Path, timeout: float, log: Log) -> tuple[str, str]:
    """Stream `url` into `out`, logging about every 10%; returns (sha256, md5) of the bytes."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with urllib.request.urlopen(request, timeout=timeout) as resp, open(out, "wb") as fh:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done, next_report = 0, 10
        log(f"  downloading {url}" + (f" ({total / 1e6:.1f} MB)" if total else ""))
        while True:
            chunk = resp.read(_CHUNK)
            if not chunk:
                break
            fh.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            done += len(chunk)
            if total:
                while total and done * 100 >= next_report * total and next_report <= 100:
                    log(f"    {next_report}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")
                    next_report += 10
            elif done >= next_report * 1e6:
                log(f"    {done / 1e6:.0f} MB")
                next_report += 10
    if total is not None and done != total:
        raise ConnectionError(f"connection closed after {done} of {total} bytes")
    return sha.hexdigest(), md5.hexdigest()


def _network_reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"unreachable ({exc.reason})"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed after {len(exc.partial)} bytes"
    return f"{type(exc).__name__}: {exc}"


def _archive_check(source: Source, raw: RawFile, sha: str, md5: str) -> str:
    """Check downloaded bytes against the source's published hash. Only used when the decoded
    content has no published hash: a content check is stronger and survives recompression."""
    if raw.content_known:
        return ""
    if source.sha256:
        if sha != source.sha256:
            raise VerificationError(f"archive SHA-256 mismatch: expected {source.sha256}, got {sha}")
        return "archive SHA-256 (published)"
    if source.md5:
        if md5 != source.md5:
            raise VerificationError(f"archive MD5 mismatch: expected {source.md5}, got {md5}")
        return "archive MD5 (published)"
    return ""


def _extract_member(archive: Path, member: str, out: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    except KeyError:
        raise DataError(f"zip has no member {member}") from None
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a readable zip ({exc})") from None


def _temp_in(folder: Path, name: str) -> Path:
    fd, tmp = temp_file_beside(folder / name)
    os.close(fd)
    return Path(tmp)


def _obtain(
    raw: RawFile,
    spec: DatasetSpec,
    dest: Path,
    manual_dirs: Sequence[Path],
    timeout: float,
    log: Log,
    attempts: list[tuple[str, str]],
) -> dict | None:
    """Put a verified copy of `raw` at `dest`; returns its manifest record, or None with
    `attempts` listing every place tried and why it failed."""
    local = [dest]
    for folder in manual_dirs:
        local += [folder / raw.name, folder / spec.name / raw.name]
    local += [Path(d) / raw.name for d in spec.system_dirs]

    for path in dict.fromkeys(local):  # keep order, drop duplicates
        if not path.is_file():
            attempts.append((str(path), "not found"))
            continue
        record = _try_candidate(raw, spec, dest, log, attempts, str(path), timeout, local=path)
        if record is not None:
            return record
    for source in spec.sources(raw):
        place = source.url + (f" (member {source.member})" if source.member else "")
        record = _try_candidate(raw, spec, dest, log, attempts, place, timeout, source=source)
        if record is not None:
            return record
    return None


def _try_candidate(
    raw: RawFile,
    spec: DatasetSpec,
    dest: Path,
    log: Log,
    attempts: list[tuple[str, str]],
    place: str,
    timeout: float,
    *,
    local: Path | None = None,
    source: Source | None = None,
) -> dict | None:
    temps: list[Path] = []
    try:
        archive_check = ""
        if local is not None and local == dest:
            target = dest  # already in place: verify without copying
        else:
            target = _temp_in(dest.parent, raw.name)
            temps.append(target)
            if local is not None:
                shutil.copyfile(local, target)
            else:
                fetched = target
                if source.member:
                    fetched = _temp_in(dest.parent, raw.name + ".zip")
                    temps.append(fetched)
                sha, md5 = _download(source.url, fetched, timeout, log)
                archive_check = _archive_check(source, raw, sha, md5)
                if source.member:
                    _extract_member(fetched, source.member, target)
        parts = verify_raw_file(target, raw, spec)
        record = {
            "source": place,
            "bytes": target.stat().st_size,
            "sha256": sha256_file(target),
            "parts": parts,
            "verified_by": _verified_by(raw, archive_check),
        }
        if target != dest:
            os.replace(target, dest)
        log(f"{spec.name}: {raw.name} from {place}: verified by {record['verified_by']}")
        return record
    except (OSError, http.client.HTTPException, DataError) as exc:
        if source is not None and not isinstance(exc, DataError):
            reason = _network_reason(exc, timeout)
        else:
            reason = str(exc)
            if local is not None and local == dest:
                reason += " (left in place; will be replaced by a verified copy)"
        attempts.append((place, reason))
        log(f"{spec.name}: {raw.name}: {place}: {reason}")
        return None
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def _verified_by(raw: RawFile, archive_check: str) -> str:
    if raw.content_known:
        return "published content SHA-256"
    if archive_check:
        return f"{archive_check} and structure"
    return "structure only (no published hash of its content; shapes, magic, label range checked)"


# --- the data set -------------------------------------------------------------------------


def _manifest_still_valid(folder: Path, spec: DatasetSpec, log: Log) -> bool:
    path = folder / MANIFEST
    if not path.is_file():
        return False
    try:
        manifest = json.loads(path.read_text())
        for raw in spec.files:
            rec = manifest["files"][raw.name]
            file = folder / raw.name
            if not file.is_file() or file.stat().st_size != rec["bytes"]:
                return False
            if sha256_file(file) != rec["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    log(f"{spec.name}: {folder} already fetched; files match {MANIFEST}")
    return True


def fetch_dataset(
    name: str,
    raw_dir: str | os.PathLike,
    *,
    manual_dirs: Sequence[str | os.PathLike] = (),
    mirrors: Sequence[str] | None = None,
    timeout: float = 60,
    log: Log = print,
    spec: DatasetSpec | None = None,
) -> Path:
    """Put verified copies of `name`'s raw files in ``raw_dir/<name>/`` and write
    ``manifest.json`` there last; returns the manifest's path. `mirrors` replaces every
    network source of the registry; `spec` replaces the registry entry (tests)."""
    spec = spec or get_spec(name)
    if spec.name != name:
        raise ValueError(f"spec is for {spec.name!r}, not {name!r}")
    if mirrors is not None:
        spec = spec.override(mirrors=mirrors)
    folder = Path(raw_dir) / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    if _manifest_still_valid(folder, spec, log):
        return manifest_path
    manifest_path.unlink(missing_ok=True)  # a manifest only ever describes verified files

    manual = [Path(m) for m in manual_dirs]
    records: dict[str, dict] = {}
    failed: dict[str, list[tuple[str, str]]] = {}
    for raw in spec.files:
        attempts: list[tuple[str, str]] = []
        record = _obtain(raw, spec, folder / raw.name, manual, timeout, log, attempts)
        if record is None:
            failed[raw.name] = attempts
        else:
            records[raw.name] = record
    if failed:
        raise FetchError(_failure_message(spec, folder, manual, failed), failed)

    atomic_write_json(manifest_path, {"dataset": spec.name, "files": records})
    log(f"{spec.name}: wrote {manifest_path}")
    return manifest_path


def _failure_message(
    spec: DatasetSpec, folder: Path, manual: list[Path], failed: dict[str, list[tuple[str, str]]]
) -> str:
    n = len(spec.files)
    lines = [
        f"could not obtain {spec.name}: no verified copy of {len(failed)} of {n} raw file(s) "
        f"({', '.join(failed)})",
        "Places tried:",
    ]
    for file, attempts in failed.items():
        lines.append(f"  {file}:")
        lines += [f"    - {place}: {reason}" for place, reason in attempts]
    lines.append(where_to_put(spec.name, folder.parent, manual, spec=spec, only=list(failed)))
    return "\n".join(lines)


def where_to_put(
    name: str,
    raw_dir: str | os.PathLike | None = None,
    manual_dirs: Sequence[str | os.PathLike] = (),
    *,
    spec: DatasetSpec | None = None,
    only: Sequence[str] | None = None,
) -> str:
    """Plain instructions for placing the raw files by hand."""
    spec = spec or get_spec(name)
    files = [f.name for f in spec.files if only is None or f.name in only]
    folders = [str(Path(m)) for m in manual_dirs]
    if raw_dir is not None:
        folders.append(str(Path(raw_dir) / spec.name))
    lines = [f"To supply {spec.name} by hand, get {spec.manual_hint}, and put"]
    lines += [f"    {f}" for f in files]
    if folders:
        lines.append("into " + " or ".join(folders) + " (file names unchanged), then fetch again.")
    else:
        lines.append(
            f"into RAW_DIR/{spec.name}/ or a folder passed with --manual-dir "
            "(file names unchanged), then fetch again."
        )
    if spec.system_dirs:
        lines.append("Also looked for in: " + ", ".join(spec.system_dirs))
    urls = [s.url for f in spec.files if f.name in files for s in spec.sources(f)]
    if urls:
        lines.append("Network sources: " + ", ".join(dict.fromkeys(urls)))
    return "\n".join(lines)
