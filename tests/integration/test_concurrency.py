"""Concurrent writer processes on one database (a SQLite file, a PostgreSQL schema).

Each worker is a separate Python process with its own engine, as a second CLI call or API
worker would be. Workers start together on a "go" line so their transactions really overlap.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from openets import App
from openets.db import schema
from openets.registry import audit
from openets.registry.model import IssueUnits, Posting
from openets.registry.services import balance, execute, journal_page, open_account, supply
from openets.registry.store import LedgerStore

pytestmark = pytest.mark.slow

GD = "GDEA-2024"

#: argv: database URL, worker number, transfers to try, accounts (comma separated)
TRANSFER_WORKER = r"""
import json, random, sys
from openets import bootstrap
from openets.errors import RuleViolation
from openets.registry.model import TransferUnits
from openets.registry.services import execute

url, worker, count, accounts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
accounts = accounts.split(",")
app = bootstrap(url)
rng = random.Random(worker)
print("ready", flush=True)
sys.stdin.readline()
done, refused = [], 0
for i in range(count):
    source, to = rng.sample(accounts, 2)
    # every tenth asks for more than exists, the rest for up to 60 t of balances of 100 t
    quantity = 10_000 if i % 10 == 9 else rng.randint(1, 60)
    command = TransferUnits("GDEA-2024", quantity, source, to, key=f"w{worker}-{i}")
    try:
        receipt = execute(app, command)
    except RuleViolation as refusal:
        if not refusal.message.startswith(f"insufficient balance: account {source!r}"):
            raise
        refused += 1
    else:
        assert not receipt.replayed
        done.append([receipt.entry.seq, source, to, quantity])
app.dispose()
print(json.dumps({"done": done, "refused": refused}), flush=True)
"""

#: argv: database URL, worker number, rounds; moves all of R<round> to X<worker> each round
RACE_WORKER = r"""
import json, sys
from openets import bootstrap
from openets.errors import RuleViolation
from openets.registry.model import TransferUnits
from openets.registry.services import execute

url, worker, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = bootstrap(url)
print("ready", flush=True)
sys.stdin.readline()
won, refusals = [], []
for r in range(rounds):
    try:
        execute(app, TransferUnits("GDEA-2024", 50, f"R{r}", f"X{worker}"))
    except RuleViolation as refusal:
        refusals.append(refusal.message)
    else:
        won.append(r)
app.dispose()
print(json.dumps({"won": won, "refusals": refusals}), flush=True)
"""


def run_workers(script: str, argvs: list[list[str]]) -> list[dict[str, Any]]:
    """Start one process per argv, let them all go at once, return what each printed."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line == "ready\n", process.communicate(timeout=30)[1]
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            results.append(json.loads(out))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_eight_writers_conserve_units(app: App, database_url: str) -> None:
    accounts = [f"W{i}" for i in range(5)]
    for account in accounts:
        open_account(app, account, "holding", f"owner of {account}")
        execute(app, IssueUnits(GD, 100, account))
    workers, per_worker = 8, 40

    results = run_workers(
        TRANSFER_WORKER,
        [[database_url, str(w), str(per_worker), ",".join(accounts)] for w in range(workers)],
    )

    done = [move for r in results for move in r["done"]]
    refused = sum(r["refused"] for r in results)
    assert len(done) + refused == workers * per_worker
    assert refused >= workers * per_worker // 10  # at least the deliberate overdrafts
    assert len(done) >= 1
    # every success the workers saw is exactly one transfer entry of the journal
    seqs = [seq for seq, *_ in done]
    assert len(set(seqs)) == len(seqs)
    with app.reading() as connection:
        stored = {
            int(seq)
            for (seq,) in connection.execute(
                select(schema.journal.c.seq).where(schema.journal.c.kind == "transfer")
            )
        }
        entries = LedgerStore(connection).load_entries(seqs)
    assert stored == set(seqs)
    for seq, source, to, quantity in done:
        moved = Counter()
        for p in entries[seq].postings:
            moved[p.account] += p.amount
        assert dict(moved) == {source: -quantity, to: quantity}

    # balances are the opening 100 t replayed with exactly the reported transfers
    expected = dict.fromkeys(accounts, 100)
    for _, source, to, quantity in sorted(done):
        expected[source] -= quantity
        expected[to] += quantity
        assert expected[source] >= 0  # in journal order no transfer overdrew
    for account in accounts:
        held = {p.instrument: p.quantity for p in balance(app, account).balances}
        assert held.get(GD, 0) == expected[account]
    assert sum(expected.values()) == 500
    assert supply(app, GD).outstanding == 500
    report = audit.verify(app)
    assert (report.ok, report.entries) == (True, 5 + len(done))


def test_two_writers_racing_to_empty_an_account_only_one_wins(app: App, database_url: str) -> None:
    rounds = 10
    for name in ["X0", "X1", *(f"R{r}" for r in range(rounds))]:
        open_account(app, name, "holding", f"owner of {name}")
    for r in range(rounds):
        execute(app, IssueUnits(GD, 50, f"R{r}"))

    first, second = run_workers(
        RACE_WORKER, [[database_url, "0", str(rounds)], [database_url, "1", str(rounds)]]
    )

    assert sorted(first["won"] + second["won"]) == list(range(rounds))
    assert len(first["refusals"]) + len(second["refusals"]) == rounds
    for worker, result in ((0, first), (1, second)):
        for message in result["refusals"]:
            assert message.endswith(
                "has 0 t of GDEA-2024 available (0 t held, 0 t frozen), 50 t requested"
            )
        held = {p.instrument: p.quantity for p in balance(app, f"X{worker}").balances}
        assert held.get(GD, 0) == 50 * len(result["won"])
    for r in range(rounds):
        assert balance(app, f"R{r}").balances == ()
        entries = journal_page(app, account=f"R{r}").items
        # the issue, then exactly one transfer of all 50 t
        assert [e.kind.value for e in entries] == ["transfer", "issue"]
        assert entries[0].postings[0] == Posting(
            f"R{r}",
            GD,
            -50,
            0,
            entries[1].postings[1].serial_start,
            entries[1].postings[1].serial_end,
        )
    assert audit.verify(app).ok
