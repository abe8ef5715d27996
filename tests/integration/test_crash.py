"""A writer killed in the middle of a big batch leaves all of it or nothing.

A batch of 100,000 transfers runs in a separate process, which is killed with SIGKILL at
several moments: while it works out the entries, and while it writes them (the moment that
matters most: rows are on their way to disk, the commit is not). Afterwards the journal has
either none or all of the batch, the balances are the ones before or after it, and the
audit passes.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from openets import App
from openets.db import schema
from openets.registry import audit
from openets.registry.model import IssueUnits
from openets.registry.services import balance, execute, open_account, supply

pytestmark = pytest.mark.slow

GD = "GDEA-2024"
ROWS = 100_000
ACCOUNTS = ("A", "B", "C")
OPENING = 1_000_000  # per account: no row of the batch can overdraw

#: argv: database URL, CSV path. Prints "start" once the file is read, before the batch;
#: after the batch it waits for its stdin to close, so a late kill finds it committed but
#: still running (a kill then checks that nothing committed is lost).
BATCH_WORKER = r"""
import sys
from pathlib import Path
from openets import bootstrap
from openets.registry.batch_file import read_transfer_csv
from openets.registry.services import execute_batch

app = bootstrap(sys.argv[1])
commands, labels = read_transfer_csv(Path(sys.argv[2]))
print("start", flush=True)
execute_batch(app, commands, labels)
print("done", flush=True)
sys.stdin.read()
"""


def write_batch(path: Path) -> dict[str, int]:
    """Write the batch file; return the balances it leads to from the opening ones."""
    after = dict.fromkeys(ACCOUNTS, OPENING)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["instrument", "quantity", "from", "to", "key"])
        for i in range(ROWS):
            quantity, source, to = 1 + i % 7, ACCOUNTS[i % 3], ACCOUNTS[(i + 1) % 3]
            writer.writerow([GD, quantity, source, to, f"crash-{i}"])
            after[source] -= quantity
            after[to] += quantity
    return after


def journal_length(app: App) -> int:
    with app.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(schema.journal)).scalar())


def balances(app: App) -> dict[str, int]:
    return {
        account: {p.instrument: p.quantity for p in balance(app, account).balances}.get(GD, 0)
        for account in ACCOUNTS
    }


def kill(process: subprocess.Popen[str]) -> None:
    assert process.poll() is None, process.communicate()[1]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # waits, and closes the pipes
    assert process.returncode == -signal.SIGKILL


def start_batch(url: str, path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", BATCH_WORKER, url, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "start\n", process.communicate(timeout=30)[1]
    return process


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll until ``condition`` holds (the batch must still be running)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "the batch ended before it started writing"
        assert time.monotonic() < deadline, "the batch never started writing"
        time.sleep(0.0002)


@contextmanager
def writing_probe(url: str, database_url: str) -> Iterator[Callable[[], bool]]:
    """A check that is true once the batch process writes its rows."""
    if database_url.startswith("sqlite"):
        wal = Path(sa.make_url(database_url).database or "").with_name("openets.db-wal")
        baseline = wal.stat().st_size if wal.exists() else 0
        # pages reach the write-ahead log only when the batch writes them (at commit, or
        # when the page cache spills)
        yield lambda: wal.exists() and wal.stat().st_size > baseline + (1 << 18)
        return
    name = sa.make_url(url).query["application_name"]
    engine = sa.create_engine(database_url)

    def copying() -> bool:
        with engine.connect() as connection:
            query = connection.execute(
                sa.text(
                    "SELECT query FROM pg_stat_activity "
                    "WHERE application_name = :name AND state = 'active'"
                ),
                {"name": name},
            ).scalar()
        return str(query or "").startswith(("COPY", "INSERT INTO journal", "INSERT INTO postings"))

    try:
        yield copying
    finally:
        engine.dispose()


def check_all_or_nothing(
    app: App, before: tuple[int, dict[str, int]], after: dict[str, int]
) -> int:
    """The journal and balances are exactly as before or exactly as after; return which."""
    length = journal_length(app)
    assert length in (before[0], before[0] + ROWS)
    assert balances(app) == (before[1] if length == before[0] else after)
    assert supply(app, GD).outstanding == OPENING * len(ACCOUNTS)
    report = audit.verify(app)
    assert (report.ok, report.entries) == (True, length), report
    return length


def test_a_killed_batch_leaves_all_or_nothing(app: App, database_url: str, tmp_path: Path) -> None:
    for account in ACCOUNTS:
        open_account(app, account, "holding", f"owner of {account}")
        execute(app, IssueUnits(GD, OPENING, account))
    path = tmp_path / "transfers.csv"
    after = write_batch(path)
    before = (journal_length(app), balances(app))
    assert before == (3, dict.fromkeys(ACCOUNTS, OPENING))
    url = database_url
    if database_url.startswith("postgresql"):  # so the probe can find the batch's session
        url = f"{database_url}&application_name=openets-crash-{uuid.uuid4().hex[:8]}"

    # killed as soon as its rows start going to the database (on SQLite the whole commit
    # takes some 40 ms, so the kill almost always lands in it; on PostgreSQL the COPY
    # takes a second)
    process = start_batch(url, path)
    with writing_probe(url, database_url) as writing:
        wait_until(writing, process)
    kill(process)
    check_all_or_nothing(app, before, after)

    # killed at a few moments from the start: before, while or after it commits
    for delay in (0.3, 0.8, 1.5, 2.5):
        process = start_batch(url, path)
        time.sleep(delay)
        kill(process)
        check_all_or_nothing(app, before, after)

    # left alone, through the command line, the same file applies whole
    openets = shutil.which("openets", path=str(Path(sys.executable).parent))
    assert openets is not None
    done = subprocess.run(
        [openets, "--db", url, "registry", "transfer-batch", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) in (
        {"applied": ROWS, "replayed": 0, "first_seq": 4, "last_seq": 3 + ROWS},
        # a kill above came after the commit: every row is a repeat now
        {"applied": 0, "replayed": ROWS, "first_seq": None, "last_seq": None},
    )
    assert check_all_or_nothing(app, before, after) == before[0] + ROWS
