"""Stateful property test of the stored registry, on SQLite and PostgreSQL.

Random commands go both to the services (one transaction each, or an atomic batch) and to a
pure :class:`Book` in memory, which ``tests/unit/test_ledger_properties.py`` checks against a
naive model. After every step the database must agree with the book: the same refusals with
the same messages, the same entries, balances and serial blocks; supply must be conserved and
``audit.verify`` must pass.

One database serves all examples of a test (a fresh one per example is too slow): each
example opens accounts of its own and measures supply relative to what it found.
"""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from openets import App
from openets.errors import OpenETSError
from openets.registry import audit
from openets.registry.book import Book, Position, system_account_kinds
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    ISSUANCE_ACCOUNT,
    RETIREMENT_ACCOUNT,
    Account,
    CancelUnits,
    CorrectEntry,
    FreezeUnits,
    IssueUnits,
    JournalEntry,
    RegistryCommand,
    RetireUnits,
    TransferUnits,
    UnfreezeUnits,
)
from openets.registry.services import (
    balance,
    execute,
    execute_batch,
    open_account,
    supply,
)
from openets.registry.store import LedgerStore

pytestmark = pytest.mark.slow

INSTRUMENTS = ("GDEA-2024", "CCER")
HOLDERS = 3
OPENED = "2025-07-01T02:00:00.000000Z"

instruments = st.sampled_from(INSTRUMENTS)
holder = st.integers(0, HOLDERS - 1)
# index HOLDERS is a system account, which may never be a transfer's party
party = st.integers(0, HOLDERS)
with_key = st.booleans()


def registry_machine(app: App) -> type[RuleBasedStateMachine]:
    examples = itertools.count()

    class RegistryMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            n = next(examples)
            self.prefix = f"X{n}"
            self.holders = [f"X{n}-{name}" for name in "ABC"][:HOLDERS]
            accounts = {
                account_id: Account(account_id, kind, "registry", OPENED)
                for account_id, kind in system_account_kinds().items()
            }
            for account_id in self.holders:
                opened = open_account(app, account_id, "holding", f"owner of {account_id}")
                accounts[account_id] = opened
            with app.reading() as connection:
                next_serial = LedgerStore(connection).load_next_serials(INSTRUMENTS)
            self.book = Book(accounts=accounts, positions={}, next_serial=next_serial)
            self.supply_before = {i: supply(app, i) for i in INSTRUMENTS}
            self.keyed: list[tuple[RegistryCommand, JournalEntry]] = []
            self.keys = (f"{self.prefix}-k{i}" for i in itertools.count())

        # --- helpers ---------------------------------------------------------------------

        def key(self, keyed: bool) -> str | None:
            return next(self.keys) if keyed else None

        def account(self, index: int, system: str) -> str:
            return self.holders[index] if index < HOLDERS else system

        def position(self, account: str, instrument: str) -> Position:
            return self.book.positions.get((account, instrument), Position())

        def quantity(self, data: st.DataObject, account: str, instrument: str) -> int:
            have = max(self.position(account, instrument).available, 0)
            return data.draw(st.integers(1, have + 3), label="quantity")

        def run(self, command: RegistryCommand) -> None:
            """Execute on the database and on the book: both accept, or both refuse alike."""
            refusal: OpenETSError | None = None
            try:
                draft = self.book.apply(command)
            except OpenETSError as error:
                refusal = error
            if refusal is not None:
                with pytest.raises(type(refusal)) as stored_refusal:
                    execute(app, command)
                assert stored_refusal.value.message == refusal.message
                return
            receipt = execute(app, command)
            assert not receipt.replayed
            entry = receipt.entry
            assert (entry.kind, entry.memo, entry.key) == (draft.kind, draft.memo, command.key)
            assert entry.postings == tuple(draft.postings)
            self.book.entries[entry.seq] = entry
            if command.key:
                self.keyed.append((command, entry))

        # --- rules -----------------------------------------------------------------------

        @initialize(size=st.integers(5, 40))
        def opening_issues(self, size: int) -> None:
            for i, (account, instrument) in enumerate(itertools.product(self.holders, INSTRUMENTS)):
                self.run(IssueUnits(instrument, size + i, account))

        @rule(instrument=instruments, quantity=st.integers(1, 40), to=holder, keyed=with_key)
        def issue(self, instrument: str, quantity: int, to: int, keyed: bool) -> None:
            self.run(IssueUnits(instrument, quantity, self.holders[to], self.key(keyed)))

        @rule(instrument=instruments, source=party, to=party, keyed=with_key, data=st.data())
        def transfer(
            self, instrument: str, source: int, to: int, keyed: bool, data: st.DataObject
        ) -> None:
            giver = self.account(source, RETIREMENT_ACCOUNT)
            taker = self.account(to, CANCELLATION_ACCOUNT)
            quantity = self.quantity(data, giver, instrument)
            self.run(TransferUnits(instrument, quantity, giver, taker, self.key(keyed)))

        @rule(
            instrument=instruments,
            source=holder,
            reason=st.sampled_from(("voluntary", "surrender 2024", " ")),
            retire=st.booleans(),
            data=st.data(),
        )
        def retire_or_cancel(
            self, instrument: str, source: int, reason: str, retire: bool, data: st.DataObject
        ) -> None:
            account = self.holders[source]
            quantity = self.quantity(data, account, instrument)
            if retire:
                self.run(RetireUnits(instrument, quantity, account, reason, "beneficiary"))
            else:
                self.run(CancelUnits(instrument, quantity, account, reason))

        @rule(instrument=instruments, account=holder, freeze=st.booleans(), data=st.data())
        def freeze_or_unfreeze(
            self, instrument: str, account: int, freeze: bool, data: st.DataObject
        ) -> None:
            holder_id = self.holders[account]
            if freeze or not self.position(holder_id, instrument).frozen:
                quantity = self.quantity(data, holder_id, instrument)
                self.run(FreezeUnits(instrument, quantity, holder_id))
            else:
                frozen = self.position(holder_id, instrument).frozen
                quantity = data.draw(st.integers(1, frozen + 2), label="quantity")
                self.run(UnfreezeUnits(instrument, quantity, holder_id))

        @precondition(lambda self: self.book.entries)
        @rule(pick=st.integers(0, 10_000), keyed=with_key)
        def correct(self, pick: int, keyed: bool) -> None:
            seqs = sorted(self.book.entries)
            seq = seqs[-1 - pick % len(seqs)]
            self.run(CorrectEntry(seq, "keyed in error", self.key(keyed)))

        @precondition(lambda self: self.keyed)
        @rule(pick=st.integers(0, 10_000))
        def retry(self, pick: int) -> None:
            """A retry with a used key answers with the first entry and changes nothing."""
            command, entry = self.keyed[pick % len(self.keyed)]
            receipt = execute(app, command)
            assert receipt.replayed
            assert receipt.entry == entry

        @rule(
            moves=st.lists(
                st.tuples(instruments, holder, st.integers(1, HOLDERS - 1)), min_size=2, max_size=4
            ),
            data=st.data(),
        )
        def batch(self, moves: list[tuple[str, int, int]], data: st.DataObject) -> None:
            """A batch applies whole or not at all; a refusal names its command."""
            saved = copy.deepcopy(self.book)
            commands: list[RegistryCommand] = []
            refusal: tuple[int, OpenETSError] | None = None
            for i, (instrument, source, step) in enumerate(moves):
                giver = self.holders[source]
                taker = self.holders[(source + step) % HOLDERS]
                quantity = self.quantity(data, giver, instrument)
                command = TransferUnits(instrument, quantity, giver, taker, self.key(True))
                commands.append(command)
                if refusal is None:
                    try:
                        self.book.apply(command)
                    except OpenETSError as error:
                        refusal = (i, error)
            if refusal is not None:
                self.book = saved
                i, error = refusal
                with pytest.raises(type(error)) as stored_refusal:
                    execute_batch(app, commands)
                assert stored_refusal.value.message == f"command {i + 1}: {error.message}"
                return
            self.book = saved
            result = execute_batch(app, commands)
            assert (result.applied, result.replayed) == (len(commands), 0)
            assert result.first_seq is not None
            for offset, command in enumerate(commands):
                draft = self.book.apply(command)
                seq = result.first_seq + offset
                self.book.entries[seq] = JournalEntry(
                    seq, draft.kind, OPENED, draft.memo, command.key, draft.postings, "", ""
                )

        # --- invariants ------------------------------------------------------------------

        @invariant()
        def database_agrees_with_the_book(self) -> None:
            keys = [(h, i) for h in self.holders for i in INSTRUMENTS]
            with app.reading() as connection:
                stored = LedgerStore(connection).load_positions(keys)
            for key in keys:
                mine, theirs = self.position(*key), stored.get(key, Position())
                assert (theirs.quantity, theirs.frozen, theirs.blocks) == (
                    mine.quantity,
                    mine.frozen,
                    mine.blocks,
                ), key
                assert 0 <= theirs.frozen <= theirs.quantity
            for account in self.holders:
                reported = {
                    p.instrument: (p.quantity, p.frozen) for p in balance(app, account).balances
                }
                expected = {
                    i: (self.position(account, i).quantity, self.position(account, i).frozen)
                    for i in INSTRUMENTS
                    if self.position(account, i).quantity or self.position(account, i).frozen
                }
                assert reported == expected

        @invariant()
        def supply_is_conserved(self) -> None:
            for instrument in INSTRUMENTS:
                now, before = supply(app, instrument), self.supply_before[instrument]
                assert now.issued - now.retired - now.cancelled == now.outstanding
                issued = -self.position(ISSUANCE_ACCOUNT, instrument).quantity
                assert now.issued == before.issued + issued
                retired = self.position(RETIREMENT_ACCOUNT, instrument).quantity
                assert now.retired == before.retired + retired
                cancelled = self.position(CANCELLATION_ACCOUNT, instrument).quantity
                assert now.cancelled == before.cancelled + cancelled
                held = sum(self.position(h, instrument).quantity for h in self.holders)
                assert now.outstanding == before.outstanding + held

        @invariant()
        def the_audit_passes(self) -> None:
            report = audit.verify(app)
            assert report.ok, report

    return RegistryMachine


def test_the_stored_registry_against_the_book(app: App) -> None:
    # No shrinking: every shrink step replays against the database and takes minutes; the
    # failure report names the first step where database and book disagree, and the pure
    # book has its own, shrinking, property test.
    run_state_machine_as_test(
        registry_machine(app),
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
        ),
    )
    # every example left its trace in the one database, and it all still adds up
    report = audit.verify(app)
    assert report.ok
    assert report.entries >= 20 * 6
