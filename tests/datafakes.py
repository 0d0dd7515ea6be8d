"""Small files in the real raw formats, and a bounded local HTTP server to serve them.

IDX: big-endian magic 0x000008NN (unsigned bytes, NN dims), NN uint32 sizes, the values.
EMNIST: gzip.zip holding gzip/emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte.gz,
images stored transposed (column-major). covtype: gzipped CSV of 55 integers per row.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import threading
import zipfile
from pathlib import Path

import numpy as np

from psn.data.sources import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS

MNIST_NAMES = {
    TRAIN_IMAGES: "train-images-idx3-ubyte.gz",
    TRAIN_LABELS: "train-labels-idx1-ubyte.gz",
    TEST_IMAGES: "t10k-images-idx3-ubyte.gz",
    TEST_LABELS: "t10k-labels-idx1-ubyte.gz",
}


def idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
    return header + arr.tobytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def image_set(n_train: int, n_test: int, n_classes: int = 10, seed: int = 0) -> dict:
    """Random uint8 images and labels covering every class, by role."""
    rng = np.random.default_rng(seed)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: (np.arange(n_train) % n_classes).astype(np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: (np.arange(n_test) % n_classes).astype(np.uint8),
    }


def mnist_files(n_train: int = 30, n_test: int = 10, seed: int = 0) -> tuple[dict, dict, dict]:
    """(arrays by role, .gz bytes by file name, decompressed SHA-256 by role)."""
    arrays = image_set(n_train, n_test, seed=seed)
    raw = {role: idx_bytes(a) for role, a in arrays.items()}
    files = {MNIST_NAMES[role]: gz(b) for role, b in raw.items()}
    return arrays, files, {role: sha(b) for role, b in raw.items()}


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def upright_pattern(n: int) -> np.ndarray:
    """Images with an asymmetric mark: a bar along the top row and a dot at (row 20, col 3),
    so a transpose is visible."""
    img = np.zeros((28, 28), np.uint8)
    img[0, :] = 255
    img[20, 3] = 200
    return np.repeat(img[None], n, axis=0)


def emnist_zip(n_train: int = 47, n_test: int = 47) -> tuple[bytes, dict, dict]:
    """(zip bytes, upright arrays by role, decompressed SHA-256 by member role). Images are
    stored transposed as in the real EMNIST; a second split is there to be ignored."""
    upright = {
        TRAIN_IMAGES: upright_pattern(n_train),
        TRAIN_LABELS: (np.arange(n_train) % 47).astype(np.uint8),
        TEST_IMAGES: upright_pattern(n_test),
        TEST_LABELS: (np.arange(n_test) % 47).astype(np.uint8),
    }
    member = {
        TRAIN_IMAGES: "train-images-idx3",
        TRAIN_LABELS: "train-labels-idx1",
        TEST_IMAGES: "test-images-idx3",
        TEST_LABELS: "test-labels-idx1",
    }
    hashes, buf = {}, io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for role, arr in upright.items():
            stored = arr.transpose(0, 2, 1) if arr.ndim == 3 else arr
            raw = idx_bytes(stored)
            hashes[role] = sha(raw)
            zf.writestr(f"gzip/emnist-balanced-{member[role]}-ubyte.gz", gz(raw))
            zf.writestr(f"gzip/emnist-digits-{member[role]}-ubyte.gz", gz(b"not read"))
        zf.writestr("gzip/emnist-balanced-mapping.txt", "0 48\n")
    return buf.getvalue(), upright, hashes


def covtype_table(n: int = 3000, seed: int = 0) -> np.ndarray:
    """int (n, 55): 10 continuous columns, 4 wilderness + 40 soil one-hots, class 1..7 with
    unequal class sizes like the real data."""
    rng = np.random.default_rng(seed)
    cont = rng.integers(-150, 4000, (n, 10))
    wild = np.eye(4, dtype=np.int64)[rng.integers(0, 4, n)]
    soil = np.eye(40, dtype=np.int64)[rng.integers(0, 40, n)]
    cls = rng.choice(np.arange(1, 8), size=n, p=[0.36, 0.49, 0.06, 0.005, 0.017, 0.03, 0.038])
    return np.column_stack([cont, wild, soil, cls])


def covtype_gz(table: np.ndarray) -> tuple[bytes, str]:
    """(covtype.data.gz bytes, SHA-256 of the CSV text)."""
    text = "".join(",".join(map(str, row)) + "\n" for row in table.tolist()).encode()
    return gz(text), sha(text)


class LocalServer:
    """HTTP on 127.0.0.1 serving `routes` {path: bytes}; paths in `truncate` send their full
    Content-Length, then half the body, then close. Unknown paths get 404. Stops itself
    after `max_seconds` even if a test forgets to."""

    def __init__(self, routes: dict[str, bytes], truncate: set[str] = frozenset(), max_seconds: float = 30):
        self.routes, self.truncate, self.hits = dict(routes), set(truncate), []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5

            def do_GET(self):  # noqa: N802 (http.server's name)
                server.hits.append(self.path)
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in server.truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(max_seconds, self.httpd.shutdown)
        self.timer.daemon = True

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
