"""Registry services end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openets import App, bootstrap
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotFound, OpenETSError, RuleViolation
from openets.registry import audit
from openets.registry.batch_file import read_transfer_csv
from openets.registry.book import Block
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    ISSUANCE_ACCOUNT,
    RETIREMENT_ACCOUNT,
    AccountKind,
    BatchResult,
    CancelUnits,
    CorrectEntry,
    EntryKind,
    FreezeUnits,
    IssueUnits,
    Posting,
    RegistryCommand,
    RetireUnits,
    SerialMove,
    Supply,
    TransferUnits,
    UnfreezeUnits,
)
from openets.registry.services import (
    balance,
    execute,
    execute_batch,
    journal_page,
    open_account,
    serial_history,
    supply,
)
from openets.registry.store import LedgerStore

GD = "GDEA-2024"
AT = "2025-07-01T02:00:00.000000Z"  # the fixed clock of the ``app`` fixture


# --- helpers ----------------------------------------------------------------------------


def holdings(app: App, account: str) -> dict[str, tuple[int, int]]:
    """instrument -> (balance, frozen) of one account, as the balance service reports it."""
    return {p.instrument: (p.quantity, p.frozen) for p in balance(app, account).balances}


def blocks(app: App, account: str, instrument: str = GD) -> list[Block]:
    """The serial blocks an account holds, as stored."""
    with app.reading() as connection:
        positions = LedgerStore(connection).load_positions([(account, instrument)])
    position = positions.get((account, instrument))
    return [] if position is None else position.blocks


def journal_length(app: App) -> int:
    with app.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(schema.journal)).scalar())


def stored_state(app: App) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    with app.reading() as connection:
        positions = connection.execute(
            select(schema.positions).order_by(
                schema.positions.c.account_id, schema.positions.c.instrument
            )
        ).all()
        serials = connection.execute(
            select(schema.instruments).order_by(schema.instruments.c.code)
        ).all()
        head = connection.execute(select(schema.journal_head)).all()
    return tuple(map(tuple, positions)), tuple(map(tuple, serials)), tuple(map(tuple, head))


def refuse(app: App, command: RegistryCommand, error: type[OpenETSError]) -> str:
    """Execute a command that must be refused and change nothing; return the message."""
    before, length = stored_state(app), journal_length(app)
    with pytest.raises(error) as refusal:
        execute(app, command)
    assert stored_state(app) == before
    assert journal_length(app) == length
    return refusal.value.message


def open_accounts(app: App, *ids: str) -> None:
    for account_id in ids:
        open_account(app, account_id, "holding", f"owner of {account_id}")


# --- accounts ---------------------------------------------------------------------------


def test_open_account_is_idempotent_and_refuses_a_different_reopening(app: App) -> None:
    first = open_account(app, "GZ-STEEL-01", "compliance", "Guangzhou Steel")
    again = open_account(app, "GZ-STEEL-01", "compliance", " Guangzhou Steel ")
    assert again == first
    assert first.kind is AccountKind.COMPLIANCE
    assert first.opened_at == AT
    with pytest.raises(Conflict) as conflict:
        open_account(app, "GZ-STEEL-01", "holding", "Guangzhou Steel")
    assert conflict.value.message == (
        "account 'GZ-STEEL-01' already exists as a compliance account of 'Guangzhou Steel'"
    )
    with pytest.raises(InvalidInput, match="retirement accounts are system accounts"):
        open_account(app, "MY-RETIREMENT", "retirement", "someone")
    with pytest.raises(InvalidInput, match="unknown account kind 'wallet'"):
        open_account(app, "W1", "wallet", "someone")
    with pytest.raises(InvalidInput, match=r"account id 'a b' is malformed"):
        open_account(app, "a b", "holding", "someone")
    with pytest.raises(InvalidInput, match="an account needs an owner"):
        open_account(app, "NOBODY", "holding", "  ")
    with pytest.raises(NotFound, match="account 'NOPE' does not exist"):
        balance(app, "NOPE")


# --- the life of a tonne ----------------------------------------------------------------


def test_issue_transfer_retire_cancel_freeze_with_exact_figures(app: App) -> None:
    open_account(app, "A", "holding", "Guangzhou Steel")
    open_account(app, "B", "compliance", "Shaoguan Cement")
    open_account(app, "C", "exchange", "CEEX member 17")

    r1 = execute(app, IssueUnits(GD, 1000, "A"))
    assert (r1.entry.seq, r1.replayed, r1.entry.kind) == (1, False, EntryKind.ISSUE)
    assert r1.entry.postings == (
        Posting(ISSUANCE_ACCOUNT, GD, -1000, 0, 1, 1000),
        Posting("A", GD, 1000, 0, 1, 1000),
    )
    assert execute(app, IssueUnits(GD, 500, "B")).entry.postings[1] == Posting(
        "B", GD, 500, 0, 1001, 1500
    )
    assert execute(app, IssueUnits("CCER", 200, "C")).entry.postings[1] == Posting(
        "C", "CCER", 200, 0, 1, 200
    )
    # 300 from A's one block 1-1000
    r4 = execute(app, TransferUnits(GD, 300, "A", "B"))
    assert r4.entry.postings == (
        Posting("A", GD, -300, 0, 1, 300),
        Posting("B", GD, 300, 0, 1, 300),
    )
    # B holds 1-300 and 1001-1500: the larger block goes first
    r5 = execute(app, RetireUnits(GD, 50, "B", "voluntary", beneficiary="Asian Games 2010"))
    assert r5.entry.memo == '{"beneficiary":"Asian Games 2010","reason":"voluntary"}'
    assert r5.entry.postings == (
        Posting("B", GD, -50, 0, 1001, 1050),
        Posting(RETIREMENT_ACCOUNT, GD, 50, 0, 1001, 1050),
    )
    r6 = execute(app, CancelUnits(GD, 100, "A", "surrender 2024"))
    assert r6.entry.postings == (
        Posting("A", GD, -100, 0, 301, 400),
        Posting(CANCELLATION_ACCOUNT, GD, 100, 0, 301, 400),
    )
    r7 = execute(app, FreezeUnits(GD, 200, "A"))
    assert r7.entry.postings == (Posting("A", GD, 0, 200),)

    assert refuse(app, TransferUnits(GD, 401, "A", "C"), RuleViolation) == (
        "insufficient balance: account 'A' has 400 t of GDEA-2024 available "
        "(600 t held, 200 t frozen), 401 t requested"
    )

    assert holdings(app, "A") == {GD: (600, 200)}
    assert holdings(app, "B") == {GD: (750, 0)}
    assert holdings(app, "C") == {"CCER": (200, 0)}
    assert blocks(app, "A") == [(401, 1000)]
    assert blocks(app, "B") == [(1, 300), (1051, 1500)]
    assert blocks(app, "C", "CCER") == [(1, 200)]
    assert blocks(app, RETIREMENT_ACCOUNT) == [(1001, 1050)]
    assert blocks(app, CANCELLATION_ACCOUNT) == [(301, 400)]
    assert holdings(app, RETIREMENT_ACCOUNT) == {GD: (50, 0)}
    assert holdings(app, ISSUANCE_ACCOUNT) == {GD: (-1500, 0), "CCER": (-200, 0)}

    assert supply(app, GD) == Supply(GD, issued=1500, retired=50, cancelled=100, outstanding=1350)
    assert supply(app, "CCER") == Supply("CCER", 200, 0, 0, 200)
    assert supply(app, "SINK") == Supply("SINK", 0, 0, 0, 0)

    # the history of one tonne
    assert serial_history(app, GD, 1001) == [
        SerialMove(2, EntryKind.ISSUE, AT, ISSUANCE_ACCOUNT, "B", 1001, 1500),
        SerialMove(5, EntryKind.RETIRE, AT, "B", RETIREMENT_ACCOUNT, 1001, 1050),
    ]
    assert serial_history(app, GD, 350) == [
        SerialMove(1, EntryKind.ISSUE, AT, ISSUANCE_ACCOUNT, "A", 1, 1000),
        SerialMove(6, EntryKind.CANCEL, AT, "A", CANCELLATION_ACCOUNT, 301, 400),
    ]
    assert [m.seq for m in serial_history(app, GD, 300)] == [1, 4]
    with pytest.raises(NotFound, match="serial 1501 of GDEA-2024 has never been issued"):
        serial_history(app, GD, 1501)
    with pytest.raises(InvalidInput, match="serial numbers start at 1, got 0"):
        serial_history(app, GD, 0)

    # the journal, newest first, by cursor
    page = journal_page(app, limit=3)
    assert [e.seq for e in page.items] == [7, 6, 5]
    assert page.next_cursor == "5"
    page = journal_page(app, before=int(page.next_cursor), limit=3)
    assert [e.seq for e in page.items] == [4, 3, 2]
    assert page.next_cursor == "2"
    page = journal_page(app, before=2, limit=3)
    assert [e.seq for e in page.items] == [1]
    assert page.next_cursor is None
    assert [e.seq for e in journal_page(app, account="C").items] == [3]
    assert [e.seq for e in journal_page(app, account="A").items] == [7, 6, 4, 1]
    assert journal_page(app).items[0] == r7.entry

    report = audit.verify(app)
    assert (report.ok, report.entries, report.first_bad_seq) == (True, 7, None)


def test_unfreeze_and_refusals_change_nothing(app: App) -> None:
    open_accounts(app, "A", "B")
    execute(app, IssueUnits(GD, 100, "A"))
    execute(app, FreezeUnits(GD, 30, "A"))
    assert refuse(app, UnfreezeUnits(GD, 31, "A"), RuleViolation) == (
        "cannot unfreeze 31 t of GDEA-2024 in account 'A': only 30 t frozen"
    )
    assert refuse(app, TransferUnits(GD, 71, "A", "B"), RuleViolation) == (
        "insufficient balance: account 'A' has 70 t of GDEA-2024 available "
        "(100 t held, 30 t frozen), 71 t requested"
    )
    assert refuse(app, TransferUnits(GD, 5, "A", "A"), RuleViolation) == (
        "transfer from account 'A' to itself"
    )
    assert refuse(app, TransferUnits(GD, 5, "A", RETIREMENT_ACCOUNT), RuleViolation) == (
        "account 'SYS-RETIREMENT' is the registry's retirement account and cannot be the recipient "
        "of this operation"
    )
    assert refuse(app, TransferUnits(GD, 5, ISSUANCE_ACCOUNT, "B"), RuleViolation) == (
        "account 'SYS-ISSUANCE' is the registry's issuance account "
        "and cannot be the source of this operation"
    )
    assert refuse(app, TransferUnits(GD, 5, "A", "Z"), NotFound) == "account 'Z' does not exist"
    assert refuse(app, IssueUnits(GD, 5, "Z"), NotFound) == "account 'Z' does not exist"
    assert refuse(app, RetireUnits(GD, 5, "A", " "), InvalidInput) == "a retirement needs a reason"
    assert refuse(app, CancelUnits(GD, 5, "A", ""), InvalidInput) == (
        "a cancellation needs a reason"
    )
    assert refuse(app, IssueUnits("GDEA-24", 5, "A"), InvalidInput).startswith(
        "unknown instrument code 'GDEA-24'"
    )
    assert refuse(app, IssueUnits(GD, 0, "A"), InvalidInput) == (
        "quantity must be a positive whole number of tonnes, got 0"
    )
    execute(app, UnfreezeUnits(GD, 30, "A"))
    execute(app, TransferUnits(GD, 100, "A", "B"))
    assert holdings(app, "A") == {}
    assert holdings(app, "B") == {GD: (100, 0)}
    # the refused issue used no serials
    assert execute(app, IssueUnits(GD, 1, "A")).entry.postings[1] == Posting(
        "A", GD, 1, 0, 101, 101
    )
    assert audit.verify(app).ok


def test_corrections_reverse_exactly_and_only_once(app: App) -> None:
    open_accounts(app, "A", "B", "C")
    execute(app, IssueUnits(GD, 100, "A"))  # 1: A 1-100
    transfer = execute(app, TransferUnits(GD, 30, "A", "B")).entry  # 2: B 1-30
    correction = execute(app, CorrectEntry(2, "keyed the wrong account")).entry  # 3
    assert correction.kind is EntryKind.CORRECTION
    assert correction.memo == '{"reason":"keyed the wrong account","reverses":2}'
    assert correction.postings == (Posting("A", GD, 30, 0, 1, 30), Posting("B", GD, -30, 0, 1, 30))
    assert transfer.postings == (Posting("A", GD, -30, 0, 1, 30), Posting("B", GD, 30, 0, 1, 30))
    assert holdings(app, "A") == {GD: (100, 0)}
    assert blocks(app, "A") == [(1, 100)]
    assert holdings(app, "B") == {}
    assert blocks(app, "B") == []

    # each refusal is checked against what is stored, in a transaction of its own
    assert refuse(app, CorrectEntry(2, "again"), RuleViolation) == (
        "entry 2 has already been corrected"
    )
    assert refuse(app, CorrectEntry(3, "undo the undo"), RuleViolation) == (
        "entry 3 is itself a correction; record the operation again instead"
    )
    assert refuse(app, CorrectEntry(99, "typo"), NotFound) == "journal entry 99 does not exist"
    assert refuse(app, CorrectEntry(1, ""), InvalidInput) == "a correction needs a reason"

    execute(app, TransferUnits(GD, 40, "A", "B"))  # 4: B 1-40
    execute(app, TransferUnits(GD, 40, "B", "C"))  # 5: C 1-40
    execute(app, TransferUnits(GD, 40, "A", "B"))  # 6: B 41-80, same quantity, other serials
    assert refuse(app, CorrectEntry(4, "wrong account"), RuleViolation) == (
        "cannot correct entry 4: account 'B' no longer holds serials 1-40 of GDEA-2024"
    )
    # an issue's correction withdraws its serials; they are never issued again
    execute(app, IssueUnits(GD, 10, "C"))  # 7: C 101-110
    execute(app, CorrectEntry(7, "issued twice"))  # 8
    assert holdings(app, "C") == {GD: (40, 0)}
    assert supply(app, GD) == Supply(GD, 100, 0, 0, 100)
    assert execute(app, IssueUnits(GD, 5, "C")).entry.postings[1] == Posting(
        "C", GD, 5, 0, 111, 115
    )
    assert audit.verify(app).ok


def test_entries_survive_a_new_app_on_the_same_database(app: App) -> None:
    """Positions and serial counters come back from storage, not from memory."""
    open_accounts(app, "A", "B")
    execute(app, IssueUnits(GD, 100, "A"))
    execute(app, TransferUnits(GD, 60, "A", "B"))
    url = app.engine.url.render_as_string(hide_password=False)
    other = bootstrap(url, clock=app.clock)
    try:
        execute(other, TransferUnits(GD, 25, "B", "A"))  # B 1-60 -> 1-25 back: A 1-25, 61-100
        assert execute(other, IssueUnits(GD, 1, "B")).entry.postings[1].serial_start == 101
    finally:
        other.dispose()
    assert holdings(app, "A") == {GD: (65, 0)}
    assert blocks(app, "A") == [(1, 25), (61, 100)]
    assert blocks(app, "B") == [(26, 60), (101, 101)]
    assert audit.verify(app).ok


# --- idempotency --------------------------------------------------------------------------


def test_a_repeated_key_replays_without_a_second_effect(app: App) -> None:
    open_accounts(app, "A", "B")
    execute(app, IssueUnits(GD, 100, "A", key="issue-1"))
    first = execute(app, TransferUnits(GD, 30, "A", "B", key="t-1"))
    assert (first.entry.seq, first.replayed, first.entry.key) == (2, False, "t-1")
    again = execute(app, TransferUnits(GD, 30, "A", "B", key="t-1"))
    assert again.replayed is True
    assert again.entry == first.entry
    assert journal_length(app) == 2
    assert holdings(app, "A") == {GD: (70, 0)}
    assert holdings(app, "B") == {GD: (30, 0)}

    with pytest.raises(Conflict) as conflict:
        execute(app, TransferUnits(GD, 31, "A", "B", key="t-1"))
    assert "idempotency key 't-1' was already used for a different request" in (
        conflict.value.message
    )
    assert conflict.value.exit_code == 4
    # the key is global: a different kind of command with the same key conflicts too
    with pytest.raises(Conflict):
        execute(app, FreezeUnits(GD, 1, "A", key="issue-1"))
    # a replay is answered even when the request could no longer be applied
    execute(app, TransferUnits(GD, 70, "A", "B"))
    assert execute(app, TransferUnits(GD, 30, "A", "B", key="t-1")).entry.seq == 2
    assert journal_length(app) == 3
    assert holdings(app, "B") == {GD: (100, 0)}


def test_an_empty_key_is_no_key(app: App) -> None:
    open_accounts(app, "A")
    one = execute(app, IssueUnits(GD, 10, "A", key=""))
    two = execute(app, IssueUnits(GD, 10, "A", key=""))
    assert (one.entry.seq, two.entry.seq) == (1, 2)
    assert one.replayed is two.replayed is False
    assert one.entry.key is None
    assert holdings(app, "A") == {GD: (20, 0)}
    assert audit.verify(app).ok


def test_keys_repeated_in_a_batch_and_a_replayed_batch(app: App) -> None:
    open_accounts(app, "A", "B")
    execute(app, IssueUnits(GD, 100, "A"))
    batch = [
        TransferUnits(GD, 10, "A", "B", key="k1"),
        TransferUnits(GD, 20, "A", "B", key="k2"),
        TransferUnits(GD, 10, "A", "B", key="k1"),  # a retry inside the batch: no effect
        TransferUnits(GD, 5, "B", "A"),  # no key: always a new entry
    ]
    assert execute_batch(app, batch) == BatchResult(applied=3, replayed=1, first_seq=2, last_seq=4)
    assert holdings(app, "A") == {GD: (75, 0)}
    assert holdings(app, "B") == {GD: (25, 0)}
    # the whole batch again: the keyed commands replay, the unkeyed one applies again
    assert execute_batch(app, batch) == BatchResult(applied=1, replayed=3, first_seq=5, last_seq=5)
    assert holdings(app, "A") == {GD: (80, 0)}
    assert journal_length(app) == 5

    before, length = stored_state(app), journal_length(app)
    with pytest.raises(Conflict) as conflict:
        execute_batch(
            app,
            [TransferUnits(GD, 1, "A", "B", key="k3"), TransferUnits(GD, 2, "A", "B", key="k3")],
            labels=["line 2", "line 3"],
        )
    assert conflict.value.message == (
        "line 3: idempotency key 'k3' was already used for a different request"
    )
    assert (stored_state(app), journal_length(app)) == (before, length)
    assert execute_batch(app, []) == BatchResult(0, 0, None, None)


# --- batches are atomic -------------------------------------------------------------------


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("instrument,quantity,from,to,key\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_a_batch_with_one_bad_row_changes_nothing(app: App, tmp_path: Path) -> None:
    open_accounts(app, "A", "B", "C")
    execute(app, IssueUnits(GD, 100, "A"))
    execute(app, IssueUnits(GD, 10, "B"))
    path = write_csv(
        tmp_path / "batch.csv",
        "GDEA-2024,60,A,B,b-1",
        "GDEA-2024,30,B,C,b-2",
        "GDEA-2024,41,A,C,b-3",  # A has 40 left after line 2: refused
        "GDEA-2024,1,C,A,b-4",
    )
    commands, labels = read_transfer_csv(path)
    before, length = stored_state(app), journal_length(app)
    with pytest.raises(RuleViolation) as refusal:
        execute_batch(app, commands, labels)
    assert refusal.value.message == (
        "batch.csv: line 4: insufficient balance: account 'A' has 40 t of GDEA-2024 available "
        "(40 t held, 0 t frozen), 41 t requested"
    )
    assert (stored_state(app), journal_length(app)) == (before, length)
    assert holdings(app, "A") == {GD: (100, 0)}
    assert holdings(app, "B") == {GD: (10, 0)}
    assert holdings(app, "C") == {}
    # none of the keys was used: the corrected file goes through
    path = write_csv(
        tmp_path / "batch.csv",
        "GDEA-2024,60,A,B,b-1",
        "GDEA-2024,30,B,C,b-2",
        "GDEA-2024,40,A,C,b-3",
        "GDEA-2024,1,C,A,b-4",
    )
    result = execute_batch(app, *read_transfer_csv(path))
    assert result == BatchResult(applied=4, replayed=0, first_seq=3, last_seq=6)
    assert holdings(app, "A") == {GD: (1, 0)}
    assert holdings(app, "B") == {GD: (40, 0)}
    assert holdings(app, "C") == {GD: (69, 0)}
    assert audit.verify(app).ok


def test_a_batch_that_issues_then_fails_uses_no_serials(app: App) -> None:
    open_accounts(app, "A")
    with pytest.raises(NotFound) as refusal:
        execute_batch(app, [IssueUnits(GD, 50, "A"), IssueUnits(GD, 5, "Z")])
    assert refusal.value.message == "command 2: account 'Z' does not exist"
    assert refusal.value.exit_code == 3
    assert journal_length(app) == 0
    assert supply(app, GD) == Supply(GD, 0, 0, 0, 0)
    assert execute(app, IssueUnits(GD, 5, "A")).entry.postings[1] == Posting("A", GD, 5, 0, 1, 5)


# --- batch files --------------------------------------------------------------------------


def test_read_transfer_csv(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "\ufeffInstrument, Quantity ,from,to,key\nGDEA-2024,5,A,B,k-1\n\nCCER,7,B,C,\n",
        encoding="utf-8",
    )
    commands, labels = read_transfer_csv(path)
    assert commands == [
        TransferUnits("GDEA-2024", 5, "A", "B", "k-1"),
        TransferUnits("CCER", 7, "B", "C", None),
    ]
    assert list(labels) == ["ok.csv: line 2", "ok.csv: line 4"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "instrument,qty,from,to,key\nGDEA-2024,5,A,B,k\n",
            "line 1: header must be instrument,quantity,from,to,key, "
            "got instrument,qty,from,to,key",
        ),
        ("", "line 1: header must be instrument,quantity,from,to,key, got "),
        (
            "instrument,quantity,from,to,key\nGDEA-2024,5,A,B,k\nGDEA-2024,ten,A,B,k2\n",
            "line 3: quantity 'ten' is not a whole number of tonnes",
        ),
        (
            "instrument,quantity,from,to,key\nGDEA-2024,2.5,A,B,k\n",
            "line 2: quantity '2.5' is not a whole number of tonnes",
        ),
        (
            "instrument,quantity,from,to,key\nGDEA-2024,5,A,B,k\n\nGDEA-2024,-5,A,B,k2\n",
            "line 4: quantity must be positive, got -5",
        ),
        (
            "instrument,quantity,from,to,key\nGDEA-2024,0,A,B,k\n",
            "line 2: quantity must be positive, got 0",
        ),
        (
            "instrument,quantity,from,to,key\nGDEA-2024,5,A,B\n",
            "line 2: expected 5 fields, got 4",
        ),
    ],
)
def test_read_transfer_csv_names_the_bad_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_transfer_csv(path)
    assert refused.value.message == f"{path}: {message}"
    assert refused.value.exit_code == 2


def test_read_transfer_csv_of_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    with pytest.raises(InvalidInput) as refused:
        read_transfer_csv(path)
    assert refused.value.message == f"cannot read {path}: No such file or directory"
