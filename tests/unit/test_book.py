"""The ledger rules of the pure :class:`Book`: serial blocks, balances, refusals, corrections."""

from __future__ import annotations

import copy

import pytest

from openets.errors import InvalidInput, NotFound, OpenETSError, RuleViolation
from openets.registry.book import Block, Book, Position, system_account_kinds
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    ISSUANCE_ACCOUNT,
    RETIREMENT_ACCOUNT,
    Account,
    AccountKind,
    CancelUnits,
    CorrectEntry,
    EntryKind,
    FreezeUnits,
    IssueUnits,
    JournalEntry,
    Posting,
    RegistryCommand,
    RetireUnits,
    TransferUnits,
    UnfreezeUnits,
)

GD = "GDEA-2024"
OPENED = "2025-07-01T02:00:00.000000Z"


class Ledger:
    """A pure book plus the journal it would write, numbered from 1 as the store does."""

    def __init__(self, *holders: str) -> None:
        accounts = {
            account_id: Account(account_id, kind, "registry", OPENED)
            for account_id, kind in system_account_kinds().items()
        }
        for holder in holders:
            accounts[holder] = Account(holder, AccountKind.HOLDING, f"owner of {holder}", OPENED)
        self.book = Book(accounts=accounts, positions={}, next_serial={})
        self.seq = 0

    def do(self, command: RegistryCommand) -> JournalEntry:
        draft = self.book.apply(command)
        self.seq += 1
        entry = JournalEntry(
            self.seq, draft.kind, OPENED, draft.memo, command.key, draft.postings, "", ""
        )
        self.book.entries[self.seq] = entry
        return entry

    def refuse(self, command: RegistryCommand, error: type[OpenETSError]) -> str:
        """Apply a command that must be refused; check it changed nothing; return the message."""
        before = self.snapshot()
        with pytest.raises(error) as refusal:
            self.book.apply(command)
        assert self.snapshot() == before
        return refusal.value.message

    def snapshot(
        self,
    ) -> tuple[dict[tuple[str, str], tuple[int, int, list[Block]]], dict[str, int]]:
        positions = {
            key: (p.quantity, p.frozen, list(p.blocks))
            for key, p in self.book.positions.items()
            if p.quantity or p.frozen or p.blocks
        }
        return positions, dict(self.book.next_serial)

    def position(self, account: str, instrument: str = GD) -> tuple[int, int, list[Block]]:
        """(balance, frozen, serial blocks) of one account."""
        p = self.book.positions.get((account, instrument), Position())
        return p.quantity, p.frozen, p.blocks


# --- Position: serial block arithmetic ---------------------------------------------------


def test_take_largest_takes_from_the_largest_block_lowest_serials_first() -> None:
    position = Position(13, 0, [(1, 3), (7, 9), (20, 26)])
    # 20-26 is the largest block: 5 units come from its low end
    assert position.take_largest(5) == [(20, 24)]
    assert position.blocks == [(1, 3), (7, 9), (25, 26)]
    # two blocks of 3: the lower one goes first
    assert position.take_largest(3) == [(1, 3)]
    assert position.blocks == [(7, 9), (25, 26)]
    # 4 units: all of the largest block (3), then 1 from the next largest
    assert position.take_largest(4) == [(7, 9), (25, 25)]
    assert position.blocks == [(26, 26)]
    assert position.take_largest(1) == [(26, 26)]
    assert position.blocks == []


def test_take_largest_sees_blocks_merged_by_add() -> None:
    position = Position(8, 0, [(1, 5), (10, 12)])
    position.add(13, 20)  # 10-20 is now the largest block
    assert position.take_largest(2) == [(10, 11)]
    position.add(6, 9)  # 1-9 and 12-20 are both 9 long: the lower one goes first
    assert position.blocks == [(1, 9), (12, 20)]
    assert position.take_largest(9) == [(1, 9)]
    assert position.blocks == [(12, 20)]


def test_add_merges_with_both_neighbours() -> None:
    position = Position(blocks=[(1, 3), (7, 9)])
    position.add(4, 6)
    assert position.blocks == [(1, 9)]


@pytest.mark.parametrize(
    ("start", "end", "after"),
    [
        (4, 5, [(1, 5), (10, 12)]),  # touches the left neighbour only
        (8, 9, [(1, 3), (8, 12)]),  # touches the right neighbour only
        (5, 6, [(1, 3), (5, 6), (10, 12)]),  # 4 and 7-9 stay unheld: no merge
        (13, 20, [(1, 3), (10, 20)]),  # appended after the last block
    ],
)
def test_add_merges_only_adjacent_blocks(start: int, end: int, after: list[Block]) -> None:
    position = Position(blocks=[(1, 3), (10, 12)])
    position.add(start, end)
    assert position.blocks == after


def test_add_to_an_empty_position() -> None:
    position = Position()
    position.add(101, 150)
    assert position.blocks == [(101, 150)]


@pytest.mark.parametrize(
    ("start", "end", "after"),
    [
        (4, 6, [(1, 3), (7, 10), (20, 25)]),  # the middle of a block: splits it in two
        (1, 3, [(4, 10), (20, 25)]),  # its left edge
        (8, 10, [(1, 7), (20, 25)]),  # its right edge
        (1, 10, [(20, 25)]),  # the whole block
        (20, 22, [(1, 10), (23, 25)]),  # starts a later block that is longer than the range
        (25, 25, [(1, 10), (20, 24)]),  # one serial at the very end
    ],
)
def test_take_range(start: int, end: int, after: list[Block]) -> None:
    position = Position(16, 0, [(1, 10), (20, 25)])
    position.take_range(start, end)
    assert position.blocks == after


@pytest.mark.parametrize(
    ("start", "end", "held"),
    [
        (1, 3, True),
        (2, 3, True),
        (5, 9, True),
        (5, 6, True),  # the block starting at 5 sorts after (5, 6)
        (9, 9, True),
        (3, 5, False),  # spans the gap at 4
        (4, 4, False),
        (9, 10, False),
        (10, 10, False),
    ],
)
def test_holds(start: int, end: int, held: bool) -> None:
    assert Position(8, 0, [(1, 3), (5, 9)]).holds(start, end) is held


def test_an_empty_position_holds_nothing() -> None:
    assert Position().holds(1, 1) is False


def test_take_range_refuses_serials_not_held() -> None:
    position = Position(8, 0, [(1, 3), (5, 9)])
    with pytest.raises(RuleViolation) as refused:
        position.take_range(3, 5)
    assert refused.value.message == "serials 3-5 are not held here"
    assert position.blocks == [(1, 3), (5, 9)]


# --- issuance ------------------------------------------------------------------------------


def test_issue_numbers_serials_from_1_then_continues_per_instrument() -> None:
    ledger = Ledger("A", "B")
    first = ledger.do(IssueUnits(GD, 100, "A"))
    assert first.kind is EntryKind.ISSUE
    assert first.memo == "{}"
    assert first.postings == (
        Posting(ISSUANCE_ACCOUNT, GD, -100, 0, 1, 100),
        Posting("A", GD, 100, 0, 1, 100),
    )
    second = ledger.do(IssueUnits(GD, 50, "B"))
    assert second.postings == (
        Posting(ISSUANCE_ACCOUNT, GD, -50, 0, 101, 150),
        Posting("B", GD, 50, 0, 101, 150),
    )
    ledger.do(IssueUnits("CCER", 10, "B"))
    assert ledger.position("A") == (100, 0, [(1, 100)])
    assert ledger.position("B") == (50, 0, [(101, 150)])
    assert ledger.position("B", "CCER") == (10, 0, [(1, 10)])
    assert ledger.position(ISSUANCE_ACCOUNT) == (-150, 0, [])
    assert ledger.book.next_serial == {GD: 151, "CCER": 11}


def test_issuing_again_to_the_same_holder_merges_the_blocks() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(IssueUnits(GD, 20, "A"))
    assert ledger.position("A") == (120, 0, [(1, 120)])


def test_a_refused_issue_uses_no_serials() -> None:
    ledger = Ledger("A")
    assert ledger.refuse(IssueUnits(GD, 10, "Z"), NotFound) == "account 'Z' does not exist"
    assert ledger.refuse(IssueUnits("GDEA-24", 10, "A"), InvalidInput).startswith(
        "unknown instrument code 'GDEA-24'"
    )
    entry = ledger.do(IssueUnits(GD, 5, "A"))
    assert entry.postings[1] == Posting("A", GD, 5, 0, 1, 5)


@pytest.mark.parametrize("quantity", [0, -5, True, 2.5, "10"])
def test_quantity_must_be_a_positive_whole_number(quantity: object) -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))
    expected = f"quantity must be a positive whole number of tonnes, got {quantity!r}"
    for command in (
        IssueUnits(GD, quantity, "A"),  # type: ignore[arg-type]
        TransferUnits(GD, quantity, "A", "B"),  # type: ignore[arg-type]
        FreezeUnits(GD, quantity, "A"),  # type: ignore[arg-type]
    ):
        assert ledger.refuse(command, InvalidInput) == expected


# --- transfer ------------------------------------------------------------------------------


def test_transfer_moves_the_largest_block_first_and_splits_without_renumbering() -> None:
    ledger = Ledger("A", "B", "C")
    ledger.do(IssueUnits(GD, 100, "A"))  # A: 1-100
    ledger.do(IssueUnits(GD, 20, "B"))  # B: 101-120
    first = ledger.do(TransferUnits(GD, 30, "A", "B"))
    assert first.kind is EntryKind.TRANSFER
    assert first.postings == (Posting("A", GD, -30, 0, 1, 30), Posting("B", GD, 30, 0, 1, 30))
    assert ledger.position("A") == (70, 0, [(31, 100)])
    assert ledger.position("B") == (50, 0, [(1, 30), (101, 120)])

    # 40 from B: all of its largest block 1-30, then 101-110; C gets the same numbers
    second = ledger.do(TransferUnits(GD, 40, "B", "C"))
    assert second.postings == (
        Posting("B", GD, -30, 0, 1, 30),
        Posting("C", GD, 30, 0, 1, 30),
        Posting("B", GD, -10, 0, 101, 110),
        Posting("C", GD, 10, 0, 101, 110),
    )
    assert ledger.position("B") == (10, 0, [(111, 120)])
    assert ledger.position("C") == (40, 0, [(1, 30), (101, 110)])

    # C's largest block 1-30 goes back to A and merges with 31-100 into one block
    ledger.do(TransferUnits(GD, 30, "C", "A"))
    assert ledger.position("A") == (100, 0, [(1, 100)])
    assert ledger.position("C") == (10, 0, [(101, 110)])
    assert ledger.position(ISSUANCE_ACCOUNT) == (-120, 0, [])


def test_transfer_prefers_the_largest_block_over_the_lowest_serials() -> None:
    ledger = Ledger("A", "B", "C")
    ledger.do(IssueUnits(GD, 5, "A"))  # A: 1-5
    ledger.do(IssueUnits(GD, 20, "B"))  # B: 6-25
    ledger.do(TransferUnits(GD, 5, "A", "C"))  # C: 1-5
    ledger.do(TransferUnits(GD, 15, "B", "A"))  # A: 6-20, B: 21-25
    ledger.do(TransferUnits(GD, 5, "B", "C"))  # C: 1-5, 21-25
    ledger.do(TransferUnits(GD, 5, "A", "C"))  # 6-10 joins 1-5: C 1-10, 21-25
    assert ledger.position("C") == (15, 0, [(1, 10), (21, 25)])
    assert ledger.do(TransferUnits(GD, 3, "C", "B")).postings == (
        Posting("C", GD, -3, 0, 1, 3),
        Posting("B", GD, 3, 0, 1, 3),
    )
    ledger.do(TransferUnits(GD, 4, "C", "B"))  # 4-7: C 8-10, 21-25
    assert ledger.do(TransferUnits(GD, 2, "C", "B")).postings == (
        Posting("C", GD, -2, 0, 21, 22),
        Posting("B", GD, 2, 0, 21, 22),
    )
    assert ledger.position("C") == (6, 0, [(8, 10), (23, 25)])
    assert ledger.position("B") == (9, 0, [(1, 7), (21, 22)])


def test_insufficient_balance_names_the_figures() -> None:
    ledger = Ledger("A", "B", "C")
    ledger.do(IssueUnits(GD, 70, "A"))
    assert ledger.refuse(TransferUnits(GD, 71, "A", "B"), RuleViolation) == (
        "insufficient balance: account 'A' has 70 t of GDEA-2024 available "
        "(70 t held, 0 t frozen), 71 t requested"
    )
    assert ledger.refuse(TransferUnits(GD, 1, "C", "B"), RuleViolation) == (
        "insufficient balance: account 'C' has 0 t of GDEA-2024 available "
        "(0 t held, 0 t frozen), 1 t requested"
    )
    assert ledger.refuse(TransferUnits("CCER", 5, "A", "B"), RuleViolation) == (
        "insufficient balance: account 'A' has 0 t of CCER available "
        "(0 t held, 0 t frozen), 5 t requested"
    )


def test_frozen_units_cannot_move() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 70, "A"))
    freeze = ledger.do(FreezeUnits(GD, 20, "A"))
    assert freeze.kind is EntryKind.FREEZE
    assert freeze.postings == (Posting("A", GD, 0, 20),)
    assert ledger.position("A") == (70, 20, [(1, 70)])
    available_50 = (
        "insufficient balance: account 'A' has 50 t of GDEA-2024 available "
        "(70 t held, 20 t frozen), 51 t requested"
    )
    assert ledger.refuse(TransferUnits(GD, 51, "A", "B"), RuleViolation) == available_50
    assert ledger.refuse(RetireUnits(GD, 51, "A", "voluntary"), RuleViolation) == available_50
    assert ledger.refuse(CancelUnits(GD, 51, "A", "surrender"), RuleViolation) == available_50
    assert ledger.refuse(FreezeUnits(GD, 51, "A"), RuleViolation) == available_50

    ledger.do(TransferUnits(GD, 50, "A", "B"))
    assert ledger.position("A") == (20, 20, [(51, 70)])
    assert ledger.refuse(TransferUnits(GD, 1, "A", "B"), RuleViolation) == (
        "insufficient balance: account 'A' has 0 t of GDEA-2024 available "
        "(20 t held, 20 t frozen), 1 t requested"
    )
    ledger.do(UnfreezeUnits(GD, 5, "A"))
    ledger.do(TransferUnits(GD, 5, "A", "B"))
    assert ledger.position("A") == (15, 15, [(56, 70)])
    assert ledger.position("B") == (55, 0, [(1, 55)])


def test_unfreezing_more_than_is_frozen_is_refused() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 70, "A"))
    assert ledger.refuse(UnfreezeUnits(GD, 1, "A"), RuleViolation) == (
        "cannot unfreeze 1 t of GDEA-2024 in account 'A': only 0 t frozen"
    )
    assert ledger.refuse(UnfreezeUnits(GD, 1, "B"), RuleViolation) == (
        "cannot unfreeze 1 t of GDEA-2024 in account 'B': only 0 t frozen"
    )
    ledger.do(FreezeUnits(GD, 20, "A"))
    assert ledger.refuse(UnfreezeUnits(GD, 21, "A"), RuleViolation) == (
        "cannot unfreeze 21 t of GDEA-2024 in account 'A': only 20 t frozen"
    )
    entry = ledger.do(UnfreezeUnits(GD, 20, "A"))
    assert entry.kind is EntryKind.UNFREEZE
    assert entry.postings == (Posting("A", GD, 0, -20),)
    assert ledger.position("A") == (70, 0, [(1, 70)])


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            TransferUnits(GD, 1, ISSUANCE_ACCOUNT, "A"),
            "account 'SYS-ISSUANCE' is the registry's issuance account and cannot be the source",
        ),
        (
            TransferUnits(GD, 1, RETIREMENT_ACCOUNT, "A"),
            "account 'SYS-RETIREMENT' is the registry's retirement account "
            "and cannot be the source",
        ),
        (
            TransferUnits(GD, 1, "A", RETIREMENT_ACCOUNT),
            "account 'SYS-RETIREMENT' is the registry's retirement account "
            "and cannot be the recipient",
        ),
        (
            TransferUnits(GD, 1, "A", CANCELLATION_ACCOUNT),
            "account 'SYS-CANCELLATION' is the registry's cancellation account "
            "and cannot be the recipient",
        ),
        (
            TransferUnits(GD, 1, "A", ISSUANCE_ACCOUNT),
            "account 'SYS-ISSUANCE' is the registry's issuance account and cannot be the recipient",
        ),
        (
            IssueUnits(GD, 1, CANCELLATION_ACCOUNT),
            "account 'SYS-CANCELLATION' is the registry's cancellation account "
            "and cannot be the recipient",
        ),
        (
            RetireUnits(GD, 1, RETIREMENT_ACCOUNT, "x"),
            "account 'SYS-RETIREMENT' is the registry's retirement account "
            "and cannot be the source",
        ),
        (
            CancelUnits(GD, 1, CANCELLATION_ACCOUNT, "x"),
            "account 'SYS-CANCELLATION' is the registry's cancellation account "
            "and cannot be the source",
        ),
        (
            FreezeUnits(GD, 1, RETIREMENT_ACCOUNT),
            "account 'SYS-RETIREMENT' is the registry's retirement account "
            "and cannot be the holder",
        ),
    ],
)
def test_system_accounts_are_never_a_party(command: RegistryCommand, message: str) -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 10, "A"))
    ledger.do(RetireUnits(GD, 5, "A", "voluntary"))
    assert ledger.refuse(command, RuleViolation) == f"{message} of this operation"


def test_self_transfer_and_unknown_accounts_are_refused() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 10, "A"))
    assert ledger.refuse(TransferUnits(GD, 5, "A", "A"), RuleViolation) == (
        "transfer from account 'A' to itself"
    )
    assert ledger.refuse(TransferUnits(GD, 5, "A", "Z"), NotFound) == "account 'Z' does not exist"
    assert ledger.refuse(TransferUnits(GD, 5, "Z", "A"), NotFound) == "account 'Z' does not exist"


def test_retire_and_cancel_move_units_to_the_system_accounts_with_their_reason() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    retire = ledger.do(RetireUnits(GD, 10, "A", "voluntary", beneficiary="Guangzhou Metro"))
    assert retire.kind is EntryKind.RETIRE
    assert retire.memo == '{"beneficiary":"Guangzhou Metro","reason":"voluntary"}'
    assert retire.postings == (
        Posting("A", GD, -10, 0, 1, 10),
        Posting(RETIREMENT_ACCOUNT, GD, 10, 0, 1, 10),
    )
    cancel = ledger.do(CancelUnits(GD, 15, "A", "surrender 2024"))
    assert cancel.kind is EntryKind.CANCEL
    assert cancel.memo == '{"reason":"surrender 2024"}'
    assert cancel.postings == (
        Posting("A", GD, -15, 0, 11, 25),
        Posting(CANCELLATION_ACCOUNT, GD, 15, 0, 11, 25),
    )
    assert ledger.position("A") == (75, 0, [(26, 100)])
    assert ledger.position(RETIREMENT_ACCOUNT) == (10, 0, [(1, 10)])
    assert ledger.position(CANCELLATION_ACCOUNT) == (15, 0, [(11, 25)])


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_retire_and_cancel_need_a_reason(reason: str) -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    assert ledger.refuse(RetireUnits(GD, 10, "A", reason), InvalidInput) == (
        "a retirement needs a reason"
    )
    assert ledger.refuse(CancelUnits(GD, 10, "A", reason), InvalidInput) == (
        "a cancellation needs a reason"
    )


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_reverses_a_transfer_exactly() -> None:
    ledger = Ledger("A", "B", "C")
    ledger.do(IssueUnits(GD, 100, "A"))  # 1
    ledger.do(IssueUnits(GD, 20, "B"))  # 2: B 101-120
    ledger.do(TransferUnits(GD, 10, "A", "B"))  # 3: B 1-10, 101-120
    transfer = ledger.do(TransferUnits(GD, 25, "B", "C"))  # 4: all of 101-120, then 1-5
    assert transfer.postings == (
        Posting("B", GD, -20, 0, 101, 120),
        Posting("C", GD, 20, 0, 101, 120),
        Posting("B", GD, -5, 0, 1, 5),
        Posting("C", GD, 5, 0, 1, 5),
    )
    correction = ledger.do(CorrectEntry(4, "keyed the wrong account"))
    assert correction.kind is EntryKind.CORRECTION
    assert correction.memo == '{"reason":"keyed the wrong account","reverses":4}'
    assert correction.postings == (
        Posting("B", GD, 20, 0, 101, 120),
        Posting("C", GD, -20, 0, 101, 120),
        Posting("B", GD, 5, 0, 1, 5),
        Posting("C", GD, -5, 0, 1, 5),
    )
    assert ledger.position("B") == (30, 0, [(1, 10), (101, 120)])
    assert ledger.position("C") == (0, 0, [])
    assert ledger.position("A") == (90, 0, [(11, 100)])


def test_correcting_an_issue_withdraws_its_serials_for_good() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(IssueUnits(GD, 50, "A"))
    correction = ledger.do(CorrectEntry(2, "issued twice"))
    assert correction.postings == (
        Posting(ISSUANCE_ACCOUNT, GD, 50, 0, 101, 150),
        Posting("A", GD, -50, 0, 101, 150),
    )
    assert ledger.position("A") == (100, 0, [(1, 100)])
    assert ledger.position(ISSUANCE_ACCOUNT) == (-100, 0, [])
    # withdrawn serials are never issued again
    assert ledger.do(IssueUnits(GD, 5, "A")).postings[1] == Posting("A", GD, 5, 0, 151, 155)


def test_correcting_a_retirement_returns_the_units() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(RetireUnits(GD, 30, "A", "voluntary"))
    ledger.do(CorrectEntry(2, "retired by mistake"))
    assert ledger.position("A") == (100, 0, [(1, 100)])
    assert ledger.position(RETIREMENT_ACCOUNT) == (0, 0, [])


def test_correcting_a_freeze_and_an_unfreeze() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))  # 1
    ledger.do(FreezeUnits(GD, 20, "A"))  # 2
    ledger.do(CorrectEntry(2, "pledge not signed"))  # 3
    assert ledger.position("A") == (100, 0, [(1, 100)])
    ledger.do(FreezeUnits(GD, 30, "A"))  # 4
    ledger.do(UnfreezeUnits(GD, 30, "A"))  # 5
    ledger.do(CorrectEntry(5, "pledge still running"))  # 6
    assert ledger.position("A") == (100, 30, [(1, 100)])
    ledger.do(UnfreezeUnits(GD, 30, "A"))  # 7
    ledger.do(TransferUnits(GD, 90, "A", "B"))  # 8
    # re-freezing 30 t needs 30 t available; A has 10
    assert ledger.refuse(CorrectEntry(7, "pledge still running"), RuleViolation) == (
        "cannot correct entry 7: insufficient balance: account 'A' has 10 t of GDEA-2024 "
        "available (10 t held, 0 t frozen), 30 t requested"
    )
    ledger.do(FreezeUnits(GD, 10, "A"))  # 9
    ledger.do(TransferUnits(GD, 90, "B", "A"))  # 10
    assert ledger.position("A") == (100, 10, [(1, 100)])
    # undoing the freeze of entry 4 needs 30 t frozen; A has 10
    assert ledger.refuse(CorrectEntry(4, "x"), RuleViolation) == (
        "cannot correct entry 4: account 'A' has only 10 t of GDEA-2024 frozen"
    )


def test_a_correction_of_a_correction_is_refused() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(TransferUnits(GD, 30, "A", "B"))
    ledger.do(CorrectEntry(2, "wrong account"))
    assert ledger.refuse(CorrectEntry(3, "undo the undo"), RuleViolation) == (
        "entry 3 is itself a correction; record the operation again instead"
    )


def test_an_entry_is_corrected_at_most_once() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(TransferUnits(GD, 30, "A", "B"))
    ledger.do(CorrectEntry(2, "wrong account"))
    assert ledger.refuse(CorrectEntry(2, "again"), RuleViolation) == (
        "entry 2 has already been corrected"
    )
    assert ledger.position("A") == (100, 0, [(1, 100)])


def test_a_correction_is_refused_when_the_recipient_no_longer_holds_the_serials() -> None:
    ledger = Ledger("A", "B", "C")
    ledger.do(IssueUnits(GD, 100, "A"))  # 1
    ledger.do(TransferUnits(GD, 30, "A", "B"))  # 2: B 1-30
    ledger.do(TransferUnits(GD, 30, "B", "C"))  # 3: C 1-30
    ledger.do(TransferUnits(GD, 30, "A", "B"))  # 4: B 31-60, the same quantity, other serials
    assert ledger.refuse(CorrectEntry(2, "wrong account"), RuleViolation) == (
        "cannot correct entry 2: account 'B' no longer holds serials 1-30 of GDEA-2024"
    )
    ledger.do(TransferUnits(GD, 1, "C", "A"))  # 5: serial 1 back to A
    assert ledger.refuse(CorrectEntry(3, "wrong account"), RuleViolation) == (
        "cannot correct entry 3: account 'C' no longer holds serials 1-30 of GDEA-2024"
    )


def test_a_correction_cannot_move_frozen_units() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(TransferUnits(GD, 30, "A", "B"))
    ledger.do(FreezeUnits(GD, 10, "B"))
    assert ledger.refuse(CorrectEntry(2, "wrong account"), RuleViolation) == (
        "cannot correct entry 2: insufficient balance: account 'B' has 20 t of GDEA-2024 "
        "available (30 t held, 10 t frozen), 30 t requested"
    )


def test_a_correction_needs_a_reason_and_an_existing_entry() -> None:
    ledger = Ledger("A")
    ledger.do(IssueUnits(GD, 100, "A"))
    assert ledger.refuse(CorrectEntry(1, " "), InvalidInput) == "a correction needs a reason"
    assert ledger.refuse(CorrectEntry(9, "typo"), NotFound) == "journal entry 9 does not exist"


def test_a_refused_command_in_a_sequence_leaves_the_book_as_it_was() -> None:
    ledger = Ledger("A", "B")
    ledger.do(IssueUnits(GD, 100, "A"))
    ledger.do(TransferUnits(GD, 40, "A", "B"))
    before = copy.deepcopy(ledger.snapshot())
    for command, error in [
        (TransferUnits(GD, 61, "A", "B"), RuleViolation),
        (TransferUnits(GD, 1, "A", "A"), RuleViolation),
        (RetireUnits(GD, 41, "B", "voluntary"), RuleViolation),
        (CorrectEntry(1, "x"), RuleViolation),  # A no longer holds 1-40
        (IssueUnits(GD, 1, RETIREMENT_ACCOUNT), RuleViolation),
    ]:
        ledger.refuse(command, error)
    assert ledger.snapshot() == before
    assert before[0][("A", GD)] == (60, 0, [(41, 100)])
    assert before[0][("B", GD)] == (40, 0, [(1, 40)])
