"""``audit.verify`` finds every kind of tampering with the stored registry.

Each test builds the same six entries, tampers with the rows directly (as someone with write
access to the database could), and checks where and what the audit reports.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, delete, select, update

from openets import App
from openets.db import schema
from openets.registry import audit
from openets.registry.book import Position
from openets.registry.chain import entry_hash
from openets.registry.model import (
    ChainReport,
    CorrectEntry,
    FreezeUnits,
    IssueUnits,
    Posting,
    RetireUnits,
    TransferUnits,
)
from openets.registry.services import execute, open_account
from openets.registry.store import LedgerStore

GD = "GDEA-2024"
journal, postings, positions = schema.journal, schema.postings, schema.positions


@pytest.fixture
def ledger(app: App) -> App:
    """Six entries; afterwards A holds 31-100 and 111-130 (90 t, 5 frozen), B 1-30 and
    131-150 (50 t), the retirement account 101-110."""
    open_account(app, "A", "holding", "Guangzhou Steel")
    open_account(app, "B", "holding", "Shenzhen Power")
    execute(app, IssueUnits(GD, 100, "A"))  # 1
    execute(app, IssueUnits(GD, 50, "B"))  # 2
    execute(app, TransferUnits(GD, 30, "A", "B"))  # 3
    execute(app, RetireUnits(GD, 10, "B", "voluntary"))  # 4
    execute(app, FreezeUnits(GD, 5, "A"))  # 5
    execute(app, TransferUnits(GD, 20, "B", "A"))  # 6
    assert audit.verify(app) == ChainReport(True, 6)
    return app


def tamper(app: App, *statements: Any) -> None:
    with app.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def entry_row(connection: Connection, seq: int) -> dict[str, Any]:
    row = connection.execute(select(journal).where(journal.c.seq == seq)).one()
    return dict(row._mapping)


def posting_rows(connection: Connection, seq: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(postings).where(postings.c.seq == seq).order_by(postings.c.n)
    ).all()
    return [dict(r._mapping) for r in rows]


def test_an_untouched_ledger_verifies(ledger: App) -> None:
    report = audit.verify(ledger)
    assert (report.ok, report.entries, report.first_bad_seq, report.problem) == (
        True,
        6,
        None,
        None,
    )


def test_an_edited_memo_is_found_at_its_entry(ledger: App) -> None:
    tamper(
        ledger,
        update(journal).where(journal.c.seq == 4).values(memo='{"reason":"compliance"}'),
    )
    assert audit.verify(ledger) == ChainReport(
        False, 3, 4, "entry 4 was altered: its content does not match its hash"
    )


@pytest.mark.parametrize("both_sides", [False, True])
def test_an_edited_posting_amount_is_found_at_its_entry(ledger: App, both_sides: bool) -> None:
    # entry 3 moved 30 t from A to B; make it 31, on one side or (balanced) on both
    statements = [update(postings).where(postings.c.seq == 3, postings.c.n == 0).values(amount=-31)]
    if both_sides:
        statements.append(
            update(postings).where(postings.c.seq == 3, postings.c.n == 1).values(amount=31)
        )
    tamper(ledger, *statements)
    assert audit.verify(ledger) == ChainReport(
        False, 2, 3, "entry 3 was altered: its content does not match its hash"
    )


def test_an_edit_with_a_recomputed_hash_is_found_at_the_next_entry(ledger: App) -> None:
    with ledger.engine.begin() as connection:
        row = entry_row(connection, 4)
        lines = [
            Posting(
                p["account_id"],
                p["instrument"],
                p["amount"],
                p["frozen"],
                p["serial_start"],
                p["serial_end"],
            )
            for p in posting_rows(connection, 4)
        ]
        memo = '{"beneficiary":"","reason":"compliance"}'
        forged = entry_hash(
            row["prev_hash"], 4, row["kind"], row["recorded_at"], memo, row["idem_key"], lines
        )
        connection.execute(update(journal).where(journal.c.seq == 4).values(memo=memo, hash=forged))
    assert audit.verify(ledger) == ChainReport(
        False, 4, 5, "entry 5 does not follow entry 4: prev hash differs"
    )


def test_a_deleted_middle_entry_is_found_at_its_place(ledger: App) -> None:
    tamper(
        ledger,
        delete(postings).where(postings.c.seq == 3),
        delete(journal).where(journal.c.seq == 3),
    )
    assert audit.verify(ledger) == ChainReport(False, 2, 3, "entry 3 is missing (next is 4)")


def test_two_swapped_entries_are_found(ledger: App) -> None:
    """Entries 3 and 4 trade places: every column but the sequence number, and postings."""
    with ledger.engine.begin() as connection:
        rows = {seq: entry_row(connection, seq) for seq in (3, 4)}
        lines = {seq: posting_rows(connection, seq) for seq in (3, 4)}
        connection.execute(delete(postings).where(postings.c.seq.in_([3, 4])))
        for seq, other in ((3, 4), (4, 3)):
            values = {k: v for k, v in rows[other].items() if k != "seq"}
            connection.execute(update(journal).where(journal.c.seq == seq).values(**values))
            for line in lines[other]:
                connection.execute(postings.insert().values(**{**line, "seq": seq}))
    assert audit.verify(ledger) == ChainReport(
        False, 2, 3, "entry 3 does not follow entry 2: prev hash differs"
    )


def test_a_deleted_last_entry_is_found_by_the_head(ledger: App) -> None:
    tamper(
        ledger,
        delete(postings).where(postings.c.seq == 6),
        delete(journal).where(journal.c.seq == 6),
    )
    assert audit.verify(ledger) == ChainReport(
        False, 5, 6, "the journal ends at entry 5 but its head names entry 6"
    )


def test_a_deleted_last_entry_with_a_rewound_head_is_found_by_the_balances(ledger: App) -> None:
    with ledger.engine.begin() as connection:
        fifth = entry_row(connection, 5)
        connection.execute(delete(postings).where(postings.c.seq == 6))
        connection.execute(delete(journal).where(journal.c.seq == 6))
        connection.execute(update(schema.journal_head).values(seq=5, hash=fifth["hash"]))
    assert audit.verify(ledger) == ChainReport(
        False,
        5,
        None,
        "balance of GDEA-2024 in account 'A' is 90 t (5 frozen) but the journal sums to "
        "70 t (5 frozen)",
    )


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"quantity": 51},
            "balance of GDEA-2024 in account 'B' is 51 t (0 frozen) but the journal sums to "
            "50 t (0 frozen)",
        ),
        (
            {"frozen": 7},
            "balance of GDEA-2024 in account 'B' is 50 t (7 frozen) but the journal sums to "
            "50 t (0 frozen)",
        ),
    ],
)
def test_an_edited_balance_row_is_found(ledger: App, values: dict[str, int], problem: str) -> None:
    tamper(
        ledger,
        update(positions).where(positions.c.account_id == "B").values(**values),
    )
    assert audit.verify(ledger) == ChainReport(False, 6, None, problem)


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([(21, 100), (121, 130)], "serial 21 of GDEA-2024 is held in two places"),
        ([(31, 100)], "account 'A' holds 90 t of GDEA-2024 but serial blocks for 70 t"),
    ],
)
def test_edited_serial_blocks_are_found(
    ledger: App, blocks: list[tuple[int, int]], problem: str
) -> None:
    with ledger.engine.begin() as connection:
        store = LedgerStore(connection)
        held = store.load_positions([("A", GD)])
        assert held[("A", GD)].blocks == [(31, 100), (111, 130)]
        store.save_positions({("A", GD): Position(90, 5, blocks)}, [("A", GD)])
    assert audit.verify(ledger) == ChainReport(False, 6, None, problem)


def test_postings_folded_into_one_are_found(app: App) -> None:
    """Three postings rewritten as one whose account holds the other two's text: the
    canonical text of the entry, and so its hash, stays the same. Balances, serial blocks
    and accounts are forged to match, so only the chain check can tell."""
    for account in ("A", "B", "C"):
        open_account(app, account, "holding", f"owner of {account}")
    execute(app, IssueUnits(GD, 10, "A"))  # 1: A 1-10
    execute(app, IssueUnits(GD, 10, "B"))  # 2: B 11-20
    execute(app, TransferUnits(GD, 5, "A", "B"))  # 3: B 1-5, 11-20
    execute(app, TransferUnits(GD, 15, "B", "C"))  # 4: all of 11-20, then 1-5
    fix = execute(app, CorrectEntry(4, "wrong account")).entry  # 5
    assert fix.postings == (
        Posting("B", GD, 10, 0, 11, 20),
        Posting("C", GD, -10, 0, 11, 20),
        Posting("B", GD, 5, 0, 1, 5),
        Posting("C", GD, -5, 0, 1, 5),
    )
    # the first three postings' fields, joined by the chain's unit (1f) and record (1e)
    # separators, in the account field of the one posting that replaces them
    fold = "B\x1fGDEA-2024\x1f10\x1f0\x1f11\x1f20\x1eC\x1fGDEA-2024\x1f-10\x1f0\x1f11\x1f20\x1eB"
    with app.engine.begin() as connection:
        connection.execute(
            schema.accounts.insert().values(
                id=fold, kind="holding", owner="forger", opened_at=fix.recorded_at
            )
        )
        connection.execute(delete(postings).where(postings.c.seq == 5, postings.c.n.in_([1, 2])))
        connection.execute(
            update(postings)
            .where(postings.c.seq == 5, postings.c.n == 0)
            .values(account_id=fold, amount=5, serial_start=1, serial_end=5)
        )
        # 10 t of B's go to C and 5 t to the forged account, with their serials
        LedgerStore(connection).save_positions(
            {
                ("B", GD): Position(0, 0, []),
                ("C", GD): Position(10, 0, [(11, 20)]),
                (fold, GD): Position(5, 0, [(1, 5)]),
            },
            [("B", GD), ("C", GD), (fold, GD)],
        )
    report = audit.verify(app)
    assert (report.ok, report.entries, report.first_bad_seq) == (False, 4, 5)
    assert report.problem is not None
    assert report.problem.startswith("entry 5 was altered: ")
