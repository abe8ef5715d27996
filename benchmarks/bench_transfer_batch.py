"""Benchmark: ``transfer-batch`` throughput on SQLite and PostgreSQL.

Targets (issue "Platform foundation and the registry"):
- SQLite: at least 60,000 transfers/s for a 200,000-row file, and at least half the rate of a
  bare ``sqlite3`` ``executemany`` writing the same postings and balance updates (the baseline,
  measured in this same run);
- PostgreSQL: at least 10,000 transfers/s batched from one process.

The OpenETS figure is end to end: parse the CSV, check every row (accounts, balances,
idempotency keys), move serial blocks, hash-chain 200,000 journal entries, and write journal,
postings, balances and blocks in one transaction.

Run: ``.venv/bin/python benchmarks/bench_transfer_batch.py [--rows N] [--no-postgres]``
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from openets import bootstrap
from openets.db.migrate import upgrade
from openets.registry import services
from openets.registry.audit import verify
from openets.registry.batch_file import read_transfer_csv
from openets.registry.model import IssueUnits

INSTRUMENT = "GDEA-2024"
PG_URL = os.environ.get(
    "OPENETS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def write_file(path: Path, rows: int, accounts: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["instrument", "quantity", "from", "to", "key"])
        for n in range(rows):
            a, b = rng.sample(range(accounts), 2)
            out.writerow(
                [INSTRUMENT, rng.randrange(1, 100), f"ACC-{a:04d}", f"ACC-{b:04d}", f"bench-{n}"]
            )


def seed_market(url: str, accounts: int) -> None:
    app = bootstrap(url)
    upgrade(app)
    services.ensure_system_accounts(app)
    for n in range(accounts):
        services.open_account(app, f"ACC-{n:04d}", "holding", f"Bench Co. {n}")
    services.execute_batch(
        app, [IssueUnits(INSTRUMENT, 1_000_000, f"ACC-{n:04d}") for n in range(accounts)]
    )
    app.dispose()


def run_openets(url: str, path: Path) -> float:
    app = bootstrap(url)
    started = time.perf_counter()
    commands, labels = read_transfer_csv(path)
    result = services.execute_batch(app, commands, labels)
    elapsed = time.perf_counter() - started
    assert result.applied == len(commands), result
    report = verify(app)
    assert report.ok, report
    app.dispose()
    return elapsed


def run_sqlite_baseline(db_file: Path, path: Path) -> float:
    """Bare sqlite3: executemany of the same postings and balance updates, one transaction."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    connection = sqlite3.connect(db_file, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    postings = []
    balances = []
    serial = 1
    for seq, (instrument, quantity, source, to, _key) in enumerate(rows, start=10_000_000):
        amount = int(quantity)
        end = serial + amount - 1
        postings.append((seq, 0, source, instrument, -amount, 0, serial, end))
        postings.append((seq, 1, to, instrument, amount, 0, serial, end))
        balances.append((-amount, source, instrument))
        balances.append((amount, to, instrument))
        serial = end + 1
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", postings)
    connection.executemany(
        "UPDATE positions SET quantity = quantity + ? WHERE account_id = ? AND instrument = ?",
        balances,
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch = folder / "batch.csv"
        write_file(batch, args.rows, args.accounts, args.seed)

        ours_db = folder / "openets.db"
        seed_market(f"sqlite:///{ours_db}", args.accounts)
        ours = run_openets(f"sqlite:///{ours_db}", batch)

        base_db = folder / "baseline.db"
        seed_market(f"sqlite:///{base_db}", args.accounts)
        base = run_sqlite_baseline(base_db, batch)

        ours_rate, base_rate = args.rows / ours, args.rows / base
        print(f"rows: {args.rows:,} transfers between {args.accounts} accounts")
        print(f"sqlite  openets transfer-batch : {ours:6.2f} s  {ours_rate:10,.0f} transfers/s")
        print(f"sqlite  bare executemany       : {base:6.2f} s  {base_rate:10,.0f} transfers/s")
        print(f"ratio openets / baseline       : {ours_rate / base_rate:.2f}  (target >= 0.50)")
        print(f"target 60,000 transfers/s      : {'met' if ours_rate >= 60_000 else 'NOT met'}")

        if not args.no_postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(PG_URL)
            with admin.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
            try:
                url = f"{PG_URL}?options=-csearch_path%3D{schema}"
                seed_market(url, args.accounts)
                pg = run_openets(url, batch)
                pg_rate = args.rows / pg
                print(f"postgres openets transfer-batch: {pg:6.2f} s  {pg_rate:10,.0f} transfers/s")
                print(
                    f"target 10,000 transfers/s      : {'met' if pg_rate >= 10_000 else 'NOT met'}"
                )
            finally:
                with admin.begin() as connection:
                    connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()


if __name__ == "__main__":
    main()
