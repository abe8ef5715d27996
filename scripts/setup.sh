#!/usr/bin/env bash
# Create or refresh the virtual environment at .venv with OpenETS installed.
#   scripts/setup.sh          the package
#   scripts/setup.sh dev      the package and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "OpenETS needs Python 3.11 or newer as '$python' (set PYTHON=...)" >&2
    exit 1
fi
# Debian ships the venv module (and ensurepip) separately from python3 itself.
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    as_root apt-get update -qq
    as_root apt-get install -y -qq python3-venv
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "dev" ]; then
    .venv/bin/python -m pip install --quiet -e '.[dev]'
else
    .venv/bin/python -m pip install --quiet -e .
fi
