"""``python -m psn.data fetch|prepare|where NAME ...``"""

from __future__ import annotations

import argparse
import sys

from psn.data.fetch import fetch_dataset, where_to_put
from psn.data.formats import DataError
from psn.data.prepare import NORMALISATIONS, prepare_dataset
from psn.data.sources import DATASETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m psn.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    fetch = sub.add_parser("fetch", help="locate or download and verify the raw files")
    fetch.add_argument("name", choices=sorted(DATASETS))
    fetch.add_argument("--raw-dir", required=True)
    fetch.add_argument("--manual-dir", action="append", default=[],
                       help="folder with files placed by hand (repeatable)")
    fetch.add_argument("--timeout", type=float, default=60)

    prep = sub.add_parser("prepare", help="build the prepared .npz from fetched raw files")
    prep.add_argument("name", choices=sorted(DATASETS))
    prep.add_argument("--raw-dir", required=True)
    prep.add_argument("--out", required=True)
    prep.add_argument("--normalise", choices=NORMALISATIONS, default="unit")
    prep.add_argument("--split-seed", type=int, default=0)
    prep.add_argument("--test-fraction", type=float, default=0.2)

    where = sub.add_parser("where", help="say which files to put where by hand")
    where.add_argument("name", choices=sorted(DATASETS))
    where.add_argument("--raw-dir")
    where.add_argument("--manual-dir", action="append", default=[])

    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(fetch_dataset(args.name, args.raw_dir, manual_dirs=args.manual_dir,
                                timeout=args.timeout))
        elif args.command == "prepare":
            prepare_dataset(args.name, args.raw_dir, args.out, normalise=args.normalise,
                            split_seed=args.split_seed, test_fraction=args.test_fraction)
        else:
            print(where_to_put(args.name, args.raw_dir, args.manual_dir))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
