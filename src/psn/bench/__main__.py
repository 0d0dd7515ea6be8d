"""``python -m psn.bench <name> [args]``: run one benchmark (``masks``, ``train``, ``rigl``,
``gpu``: the GPU check).
A benchmark is a module ``psn.bench.<name>`` with ``main(argv)``."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("masks", "train", "rigl", "gpu")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: python -m psn.bench {{{','.join(BENCHMARKS)}}} [args]", file=sys.stderr)
        return 2
    name, rest = argv[0], argv[1:]
    try:
        module = importlib.import_module(f"psn.bench.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"psn.bench.{name}":
            raise  # a missing dependency inside the benchmark, not a missing benchmark
        print(f"error: benchmark {name!r} is not available (no module psn.bench.{name} yet)", file=sys.stderr)
        return 2
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
