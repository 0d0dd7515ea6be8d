#!/usr/bin/env bash
# Sets the project up from nothing: Debian's real Fashion-MNIST, a virtualenv in .venv, and
# the pinned packages of pyproject.toml (torch 2.13.0). Safe to rerun: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = none ] || ! command -v apt-get >/dev/null; then
        echo "setup: cannot install Debian's dataset-fashion-mnist here; fetch_dataset will try the mirrors" >&2
    else
        echo "setup: installing Debian package dataset-fashion-mnist" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
    fi
fi

python=${PYTHON:-}
if [ -z "$python" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            python=$candidate
            break
        fi
    done
fi
[ -n "$python" ] || { echo "setup: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.psn-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing pinned packages into .venv (a few minutes the first time)" >&2
    if ! .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]' > .venv/pip-install.log 2>&1; then
        tail -n 40 .venv/pip-install.log >&2
        echo "setup: pip install failed (full log: .venv/pip-install.log)" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
echo "setup: ready (.venv/bin/snakemake, .venv/bin/pytest)" >&2
