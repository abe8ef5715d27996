#!/usr/bin/env bash
# Set up .venv and run the demo market with its dashboard on http://127.0.0.1:8000
# (extra arguments go to `openets demo`, e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/openets demo "$@"
