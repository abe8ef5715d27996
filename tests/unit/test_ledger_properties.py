"""Stateful property test of the pure :class:`Book` against a naive model of the ledger.

The model keeps every account's holding as a plain set of serial numbers, so it shares no
code and no block arithmetic with the book: units leave an account from its largest run of
consecutive serials (the lower of two equal runs), lowest serials of that run first. After
every step the book must agree with the model exactly (what was refused, balances, frozen
parts, serial blocks), and the ledger's invariants must hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from openets.errors import InvalidInput, OpenETSError, RuleViolation
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
    RegistryCommand,
    RetireUnits,
    TransferUnits,
    UnfreezeUnits,
)

HOLDERS = ("A", "B", "C", "D")
INSTRUMENTS = ("GDEA-2024", "CCER")
SINKS = (RETIREMENT_ACCOUNT, CANCELLATION_ACCOUNT)
OPENED = "2025-07-01T02:00:00.000000Z"

instruments = st.sampled_from(INSTRUMENTS)
holders = st.sampled_from(HOLDERS)
# now and then a system account, which may never be a transfer's party
sources = st.sampled_from((*HOLDERS, RETIREMENT_ACCOUNT))
recipients = st.sampled_from((*HOLDERS, CANCELLATION_ACCOUNT))
reasons = st.sampled_from(("voluntary", "surrender 2024", "", "  "))


def runs(serials: set[int]) -> list[Block]:
    """Maximal runs of consecutive serials: the blocks a holding must be stored as."""
    blocks: list[Block] = []
    for serial in sorted(serials):
        if blocks and blocks[-1][1] + 1 == serial:
            blocks[-1] = (blocks[-1][0], serial)
        else:
            blocks.append((serial, serial))
    return blocks


@dataclass
class Move:
    """What an entry moved, for the model: serials from one place to another."""

    instrument: str
    source: str
    to: str
    serials: frozenset[int]


@dataclass
class Freeze:
    instrument: str
    account: str
    change: int  # + frozen, - unfrozen


class Model:
    def __init__(self) -> None:
        self.held: dict[tuple[str, str], set[int]] = {}
        self.frozen: dict[tuple[str, str], int] = {}
        self.next_serial = dict.fromkeys(INSTRUMENTS, 1)
        self.withdrawn: dict[str, set[int]] = {i: set() for i in INSTRUMENTS}
        self.effects: dict[int, Move | Freeze | None] = {}  # None: a correction
        self.corrected: set[int] = set()

    def holding(self, account: str, instrument: str) -> set[int]:
        return self.held.setdefault((account, instrument), set())

    def available(self, account: str, instrument: str) -> int:
        return len(self.holding(account, instrument)) - self.frozen.get((account, instrument), 0)

    def move(self, instrument: str, source: str, to: str, quantity: int) -> Move:
        """Units leave from the largest block (the lower one of equals), low serials first."""
        held = self.holding(source, instrument)
        moved: set[int] = set()
        while len(moved) < quantity:
            start, end = max(runs(held), key=lambda block: (block[1] - block[0], -block[0]))
            serials = range(start, min(end, start + quantity - len(moved) - 1) + 1)
            held.difference_update(serials)
            moved.update(serials)
        self.holding(to, instrument).update(moved)
        return Move(instrument, source, to, frozenset(moved))

    def issue(self, instrument: str, quantity: int, to: str) -> Move:
        start = self.next_serial[instrument]
        self.next_serial[instrument] = start + quantity
        serials = frozenset(range(start, start + quantity))
        self.holding(to, instrument).update(serials)
        return Move(instrument, ISSUANCE_ACCOUNT, to, serials)

    def correction_refused(self, seq: int) -> bool:
        effect = self.effects[seq]
        if effect is None or seq in self.corrected:
            return True
        if isinstance(effect, Freeze):
            key = (effect.account, effect.instrument)
            if effect.change > 0:
                return self.frozen.get(key, 0) < effect.change
            return self.available(effect.account, effect.instrument) < -effect.change
        return not effect.serials <= self.holding(effect.to, effect.instrument) or (
            self.available(effect.to, effect.instrument) < len(effect.serials)
        )

    def correct(self, seq: int) -> None:
        effect = self.effects[seq]
        self.corrected.add(seq)
        if isinstance(effect, Freeze):
            key = (effect.account, effect.instrument)
            self.frozen[key] = self.frozen.get(key, 0) - effect.change
        elif isinstance(effect, Move):
            self.holding(effect.to, effect.instrument).difference_update(effect.serials)
            if effect.source == ISSUANCE_ACCOUNT:
                self.withdrawn[effect.instrument].update(effect.serials)
            else:
                self.holding(effect.source, effect.instrument).update(effect.serials)


def new_book() -> Book:
    accounts = {
        account_id: Account(account_id, kind, "registry", OPENED)
        for account_id, kind in system_account_kinds().items()
    }
    for holder in HOLDERS:
        accounts[holder] = Account(holder, AccountKind.HOLDING, "owner", OPENED)
    return Book(accounts=accounts, positions={}, next_serial={})


class BookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = new_book()
        self.model = Model()
        self.seq = 0

    # --- driving book and model together -------------------------------------------------

    def apply(self, command: RegistryCommand, refusal: type[OpenETSError] | None) -> None:
        """Apply to the book; it must refuse exactly when the model says so."""
        if refusal is not None:
            before = self.state()
            with pytest.raises(refusal):
                self.book.apply(command)
            assert self.state() == before
            return
        draft = self.book.apply(command)
        self.seq += 1
        self.book.entries[self.seq] = JournalEntry(
            self.seq, draft.kind, OPENED, draft.memo, None, draft.postings, "", ""
        )
        effect = self.model.effects.get(self.seq)
        if isinstance(effect, Move):  # the entry moved exactly the serials the model moved
            moved = {
                serial
                for p in draft.postings
                if p.account == effect.to
                for serial in range(p.serial_start or 0, (p.serial_end or -1) + 1)
            }
            assert moved == effect.serials

    def state(self) -> dict[tuple[str, str], tuple[int, int, list[Block]]]:
        return {
            key: (p.quantity, p.frozen, list(p.blocks))
            for key, p in self.book.positions.items()
            if p.quantity or p.frozen or p.blocks
        }

    def position(self, account: str, instrument: str) -> Position:
        return self.book.positions.get((account, instrument), Position())

    # --- rules ---------------------------------------------------------------------------

    def quantity(self, data: st.DataObject, have: int) -> int:
        """Mostly a quantity the account can afford, sometimes a few tonnes more."""
        return data.draw(st.integers(1, have + 3), label="quantity")

    @initialize(sizes=st.lists(st.integers(5, 40), min_size=8, max_size=8))
    def opening_issues(self, sizes: list[int]) -> None:
        pairs = [(h, i) for i in INSTRUMENTS for h in HOLDERS]
        for (holder, instrument), size in zip(pairs, sizes, strict=True):
            self.issue(instrument, size, holder)

    @rule(instrument=instruments, quantity=st.integers(1, 40), to=holders)
    def issue(self, instrument: str, quantity: int, to: str) -> None:
        self.model.effects[self.seq + 1] = self.model.issue(instrument, quantity, to)
        self.apply(IssueUnits(instrument, quantity, to), None)

    @rule(instrument=instruments, source=sources, to=recipients, data=st.data())
    def transfer(self, instrument: str, source: str, to: str, data: st.DataObject) -> None:
        quantity = self.quantity(data, self.model.available(source, instrument))
        command = TransferUnits(instrument, quantity, source, to)
        refused = source in SINKS or to in SINKS or source == to
        if refused or self.model.available(source, instrument) < quantity:
            self.apply(command, RuleViolation)
        else:
            self.model.effects[self.seq + 1] = self.model.move(instrument, source, to, quantity)
            self.apply(command, None)

    @rule(
        instrument=instruments, source=holders, reason=reasons, retire=st.booleans(), data=st.data()
    )
    def retire_or_cancel(
        self, instrument: str, source: str, reason: str, retire: bool, data: st.DataObject
    ) -> None:
        quantity = self.quantity(data, self.model.available(source, instrument))
        command: RegistryCommand
        if retire:
            command = RetireUnits(instrument, quantity, source, reason, "a beneficiary")
        else:
            command = CancelUnits(instrument, quantity, source, reason)
        if not reason.strip():
            self.apply(command, InvalidInput)
        elif self.model.available(source, instrument) < quantity:
            self.apply(command, RuleViolation)
        else:
            sink = RETIREMENT_ACCOUNT if retire else CANCELLATION_ACCOUNT
            self.model.effects[self.seq + 1] = self.model.move(instrument, source, sink, quantity)
            self.apply(command, None)

    @rule(instrument=instruments, account=holders, data=st.data())
    def freeze(self, instrument: str, account: str, data: st.DataObject) -> None:
        quantity = self.quantity(data, self.model.available(account, instrument))
        command = FreezeUnits(instrument, quantity, account)
        if self.model.available(account, instrument) < quantity:
            self.apply(command, RuleViolation)
        else:
            key = (account, instrument)
            self.model.frozen[key] = self.model.frozen.get(key, 0) + quantity
            self.model.effects[self.seq + 1] = Freeze(instrument, account, quantity)
            self.apply(command, None)

    @rule(instrument=instruments, account=holders, data=st.data())
    def unfreeze(self, instrument: str, account: str, data: st.DataObject) -> None:
        key = (account, instrument)
        quantity = self.quantity(data, self.model.frozen.get(key, 0))
        command = UnfreezeUnits(instrument, quantity, account)
        if self.model.frozen.get(key, 0) < quantity:
            self.apply(command, RuleViolation)
        else:
            self.model.frozen[key] -= quantity
            self.model.effects[self.seq + 1] = Freeze(instrument, account, -quantity)
            self.apply(command, None)

    @precondition(lambda self: self.seq > 0)
    @rule(pick=st.integers(0, 10_000))
    def correct(self, pick: int) -> None:
        seq = self.seq - pick % self.seq  # recent entries more often while shrinking
        command = CorrectEntry(seq, "keyed in error")
        if self.model.correction_refused(seq):
            self.apply(command, RuleViolation)
        else:
            self.model.correct(seq)
            self.model.effects[self.seq + 1] = None
            self.apply(command, None)
            assert self.book.entries[self.seq].kind is EntryKind.CORRECTION

    @precondition(lambda self: self.model.corrected)
    @rule(pick=st.integers(0, 10_000), again=st.booleans())
    def correct_again(self, pick: int, again: bool) -> None:
        """Correct a corrected entry again, or a correction: both are refused."""
        if again:
            seq = sorted(self.model.corrected)[pick % len(self.model.corrected)]
        else:
            corrections = [seq for seq, effect in self.model.effects.items() if effect is None]
            seq = corrections[pick % len(corrections)]
        assert self.model.correction_refused(seq)
        self.apply(CorrectEntry(seq, "keyed in error"), RuleViolation)

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def book_agrees_with_the_model(self) -> None:
        for instrument in INSTRUMENTS:
            for account in (*HOLDERS, *SINKS):
                serials = self.model.holding(account, instrument)
                position = self.position(account, instrument)
                assert position.quantity == len(serials), (account, instrument)
                assert position.frozen == self.model.frozen.get((account, instrument), 0)
                assert position.blocks == runs(serials), (account, instrument)
            issued = self.model.next_serial[instrument] - 1 - len(self.model.withdrawn[instrument])
            assert self.position(ISSUANCE_ACCOUNT, instrument).quantity == -issued
            assert self.book.next_serial.get(instrument, 1) == self.model.next_serial[instrument]

    @invariant()
    def units_are_conserved(self) -> None:
        for instrument in INSTRUMENTS:
            issued = -self.position(ISSUANCE_ACCOUNT, instrument).quantity
            retired = self.position(RETIREMENT_ACCOUNT, instrument).quantity
            cancelled = self.position(CANCELLATION_ACCOUNT, instrument).quantity
            held = sum(self.position(h, instrument).quantity for h in HOLDERS)
            assert issued - retired - cancelled == held

    @invariant()
    def no_balance_is_negative_or_overfrozen(self) -> None:
        for (account, _), position in self.book.positions.items():
            if account != ISSUANCE_ACCOUNT:
                assert 0 <= position.frozen <= position.quantity

    @invariant()
    def every_serial_is_in_exactly_one_place(self) -> None:
        for instrument in INSTRUMENTS:
            places: dict[int, str] = {}
            for (account, code), position in self.book.positions.items():
                if code != instrument:
                    continue
                size = 0
                for start, end in position.blocks:
                    assert start <= end
                    size += end - start + 1
                    for serial in range(start, end + 1):
                        assert serial not in places, (serial, places[serial], account)
                        places[serial] = account
                if account != ISSUANCE_ACCOUNT:
                    assert size == position.quantity
            # withdrawn serials: those of issues that a correction reversed
            withdrawn = {
                serial
                for entry in self.book.entries.values()
                if entry.kind is EntryKind.CORRECTION
                for p in entry.postings
                if p.account == ISSUANCE_ACCOUNT and p.instrument == instrument
                for serial in range(p.serial_start or 0, (p.serial_end or -1) + 1)
            }
            assert not withdrawn & places.keys()
            ever_issued = set(range(1, self.book.next_serial.get(instrument, 1)))
            assert places.keys() | withdrawn == ever_issued


BookMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_book_against_the_model = BookMachine.TestCase
