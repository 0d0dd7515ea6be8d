"""What every workflow script needs around the library call: a log it writes to, and an
error that lands in that log as one readable line."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterator

from psn.provenance import ArtifactError


@contextlib.contextmanager
def job_log(path: str | Path | None, name: str) -> Iterator[logging.Logger]:
    """Log to ``path`` (the rule's ``log:``) and to stderr, with warnings captured.

    An exception is logged as one line naming its type before it propagates, so the rule's
    log says why the job failed even when Snakemake shows only the exit status.
    """
    logger = logging.getLogger(f"psn.job.{name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w"))
    for handler in handlers:
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logging.captureWarnings(True)
    warn_logger = logging.getLogger("py.warnings")
    for handler in handlers:
        warn_logger.addHandler(handler)
    start = time.perf_counter()
    try:
        yield logger
        logger.info("done in %.1f s", time.perf_counter() - start)
    except BaseException as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            warn_logger.removeHandler(handler)
            handler.close()
        logging.captureWarnings(False)


# The Snakefile sets it for its jobs: the arguments that run this workflow as the user ran it
# (its Snakefile when not the working directory's, the user's --configfile files)
SNAKEMAKE_ARGS_ENV = "PSN_SNAKEMAKE_ARGS"


def rebuild_command(rule: str, path: str | Path) -> str:
    """The command that rebuilds ``path`` by ``rule``, with the workflow's own arguments
    (:data:`SNAKEMAKE_ARGS_ENV`; ``--configfile`` last, as it takes every word after it)."""
    args = os.environ.get(SNAKEMAKE_ARGS_ENV, "").strip()
    return f"snakemake {path} --forcerun {rule}" + (f" {args}" if args else "")


@contextlib.contextmanager
def rebuilt_by(rule: str, path: str | Path) -> Iterator[None]:
    """Append to an ``ArtifactError`` raised inside (a cached file that fails verification) the
    command that rebuilds ``path``, so the job's one-line error names its remedy."""
    try:
        yield
    except ArtifactError as exc:
        raise ArtifactError(f"{exc}; rebuild it: {rebuild_command(rule, path)}") from None
