"""What the browser tests share: Debian's Chromium through Playwright, and a real server
(uvicorn in a subprocess) over a SQLite file.

Without ``/usr/bin/chromium`` (``apt-get install chromium``) or the playwright package a
browser test skips, except under CI (``CI`` set), where a skipped browser test would hide a
failure, so it fails. Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("OPENETS_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password"
#: cheap Argon2 for the test's users and for the server's session keys
CHEAP_ARGON2 = {
    "OPENETS_ARGON2_TIME_COST": "1",
    "OPENETS_ARGON2_MEMORY_KIB": "8",
    "OPENETS_ARGON2_PARALLELISM": "1",
}
#: the server process: ``python -c SERVER URL PORT [fixed UTC instant]``
SERVER = """
import sys, uvicorn
from datetime import datetime
from openets import bootstrap
from openets.api.app import create_api
from openets.clock import FixedClock
clock = FixedClock(datetime.fromisoformat(sys.argv[3])) if len(sys.argv) > 3 else None
uvicorn.run(create_api(bootstrap(sys.argv[1], clock=clock)), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning")
"""


def require_browser() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem}: under CI a skipped browser test counts as a failure")
    pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served(url: str, clock_at: str | None = None) -> Iterator[str]:
    """Serve the database at ``url`` (on a clock fixed at the UTC instant ``clock_at``, if
    given) until the block ends; yields the base URL once the server answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(port), *([clock_at] if clock_at else [])],
        env={**os.environ, **CHEAP_ARGON2},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"the server exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{base}/static/app.css", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not answer within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
