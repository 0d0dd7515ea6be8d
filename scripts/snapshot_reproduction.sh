#!/usr/bin/env bash
# Regenerate the report snapshot in docs/reproduction/: the quick preset's report on the real
# Fashion-MNIST, reading the committed full-size cells' tables too (presets/snapshot.yaml),
# with its figures, and the commit, machine and library versions it was made with.
#   bash scripts/snapshot_reproduction.sh          (after bash scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SNAKEMAKE=.venv/bin/snakemake
OUT=docs/reproduction
"$SNAKEMAKE" --cores all --configfile presets/quick.yaml presets/snapshot.yaml   # all: the report too
"$SNAKEMAKE" --report results/quick/report.html --configfile presets/quick.yaml presets/snapshot.yaml   # one HTML file, not committed
mkdir -p "$OUT/report" "$OUT/figures"
cp results/quick/report/reproduction.md results/quick/report/reproduction.csv "$OUT/report/"
cp results/quick/figures/*.png "$OUT/figures/"
"$PY" - "$OUT/PROVENANCE.md" <<'PYEOF'
import subprocess, sys
from psn.provenance import environment
env = environment()
commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "rules", "scripts", "Snakefile", "config.yaml",
                        "presets"], capture_output=True, text=True).stdout.strip()
lines = ["# How this snapshot was made", "",
         f"- code: commit `{commit}`" + (" with uncommitted changes to the code" if dirty else ""),
         f"- machine: {env['platform']} ({env['machine']})",
         *(f"- {k}: {v}" for k, v in env["versions"].items()),
         "- command: `bash scripts/snapshot_reproduction.sh`", ""]
open(sys.argv[1], "w").write("\n".join(lines))
PYEOF
echo "snapshot written to $OUT/"
