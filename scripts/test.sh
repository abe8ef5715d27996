#!/usr/bin/env bash
# Set up .venv with the test tools, Chromium and a Chinese font, then run the whole test suite
# (SQLite and PostgreSQL; extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

bash scripts/setup.sh dev
# Browser tests drive Debian's Chromium (no test tool may download a browser of its own);
# PDF tests embed Debian's Chinese font.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update -qq
    as_root apt-get install -y -qq "${missing[@]}"
fi
exec .venv/bin/python -m pytest -n 2 "$@"
