"""The ledger rules: how each registry command changes positions and serial blocks.

A :class:`Book` holds the positions (balance, frozen part, serial blocks) of the accounts a
unit of work touches. The storage layer loads it, :meth:`Book.apply` turns each command into
the balanced postings of one journal entry (or refuses it, changing nothing), and the storage
layer writes back the positions the book marked dirty. No I/O happens here.

Serial numbers are whole numbers counted per instrument from 1. Units leave an account from
its largest serial block (lowest serials of that block first); a transfer splits a block and
never renumbers it, and a received block merges with an adjacent one, so a holding stays in
as few blocks as possible and most transfers move exactly one block.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from typing import Any, NamedTuple

from openets.errors import InvalidInput, NotFound, RuleViolation
from openets.money import yuan
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    FUNDS,
    ISSUANCE_ACCOUNT,
    RETIREMENT_ACCOUNT,
    SYSTEM_KINDS,
    Account,
    AccountKind,
    CancelUnits,
    CorrectEntry,
    DepositFunds,
    EntryKind,
    FreezeUnits,
    IssueUnits,
    JournalEntry,
    Posting,
    RegistryCommand,
    RetireUnits,
    SettleTrades,
    SurrenderUnits,
    TransferUnits,
    UnfreezeUnits,
    WithdrawFunds,
    check_quantity,
)

Block = tuple[int, int]  # first and last serial, inclusive
PositionKey = tuple[str, str]  # (account id, instrument code)


class Position:
    """One account's holding of one instrument: balance, frozen part, serial blocks.

    The rule: units leave from the largest block (ties: the block with the lowest serials),
    lowest serials of that block first. So a transfer usually moves one block, and holdings
    do not crumble into ever smaller pieces as units change hands. The rule depends only on
    the blocks held, never on how operations were batched, so replaying the journal's
    commands one by one or all at once gives the same serials.

    Blocks are kept as two maps (first serial -> last, last -> first), so a received block
    merges with its neighbours in constant time, and a heap keyed by (-size, first serial)
    with lazily dropped stale entries. The largest block, once cut, stays "hot" outside the
    heap for as long as it remains the largest, so an account selling from one big block
    touches the heap only when that block stops being the largest.
    """

    __slots__ = (
        "_best_other",
        "_ends",
        "_heap",
        "_hot",
        "_pending",
        "_starts",
        "frozen",
        "quantity",
    )

    def __init__(self, quantity: int = 0, frozen: int = 0, blocks: list[Block] | None = None):
        self.quantity = quantity
        self.frozen = frozen
        self._ends: dict[int, int] = {}
        self._starts: dict[int, int] = {}
        for start, end in blocks or ():
            self._ends[start] = end
            self._starts[end] = start
        self._heap: list[tuple[int, int]] = []
        #: first serial of the largest block while it is kept out of the heap
        self._hot: int | None = None
        #: heap key of the best block other than the hot one (never worse than the truth)
        self._best_other: tuple[int, int] | None = None
        self._pending: list[int] = []  # first serials of received blocks not yet in the heap
        self._rebuild_heap()

    @property
    def available(self) -> int:
        return self.quantity - self.frozen

    @property
    def blocks(self) -> list[Block]:
        """The serial blocks held, in serial order."""
        return sorted(self._ends.items())

    def block_set(self) -> set[Block]:
        return set(self._ends.items())

    def _rebuild_heap(self) -> None:
        self._hot = None
        self._pending = []
        self._heap = [(start - end - 1, start) for start, end in self._ends.items()]
        heapify(self._heap)

    def _top(self) -> tuple[int, int] | None:
        """The heap key of the largest block in the heap, dropping stale entries on the way."""
        heap, ends = self._heap, self._ends
        while heap:
            negative_size, start = heap[0]
            end = ends.get(start)
            if end is not None and start - end - 1 == negative_size:
                return heap[0]
            heappop(heap)
        return None

    def _cool(self) -> None:
        """Put the hot block back in the heap."""
        hot = self._hot
        if hot is not None:
            self._hot = None
            heappush(self._heap, (hot - self._ends[hot] - 1, hot))

    def take_largest(self, quantity: int) -> list[Block]:
        """Remove ``quantity`` units by the rule above; return the blocks removed.

        The caller has checked that the position holds at least ``quantity`` units.
        """
        ends, starts = self._ends, self._starts
        hot = self._hot
        if hot is not None:
            end = ends[hot]
            if end - hot + 1 > quantity:  # the largest block covers it and keeps a remainder
                rest = hot + quantity
                del ends[hot]
                ends[rest] = end
                starts[end] = rest
                best = self._best_other
                if best is None or (rest - end - 1, rest) < best:
                    self._hot = rest
                else:
                    self._hot = None
                    heappush(self._heap, (rest - end - 1, rest))
                return [(hot, rest - 1)]
            self._cool()
        heap = self._heap
        for received in self._pending:
            last = ends.get(received)
            if last is not None:
                heappush(heap, (received - last - 1, received))
        self._pending.clear()
        taken: list[Block] = []
        while quantity:
            top = self._top()
            assert top is not None, "the caller checked the balance"
            heappop(heap)
            start = top[1]
            end = ends[start]
            size = end - start + 1
            if size <= quantity:
                del ends[start], starts[end]
                taken.append((start, end))
                quantity -= size
            else:
                rest = start + quantity
                del ends[start]
                ends[rest] = end
                starts[end] = rest
                taken.append((start, rest - 1))
                quantity = 0
                following = self._top()
                if following is None or (rest - end - 1, rest) < following:
                    self._hot, self._best_other = rest, following
                else:
                    heappush(heap, (rest - end - 1, rest))
        if len(heap) > 2 * len(ends) + 64:
            self._rebuild_heap()
        return taken

    def _block_containing(self, start: int, end: int) -> Block | None:
        for block_start, block_end in self._ends.items():
            if block_start <= start and end <= block_end:
                return block_start, block_end
        return None

    def holds(self, start: int, end: int) -> bool:
        return self._block_containing(start, end) is not None

    def take_range(self, start: int, end: int) -> None:
        """Remove exactly the serials ``start..end``, which must lie in one held block."""
        block = self._block_containing(start, end)
        if block is None:
            raise RuleViolation(f"serials {start}-{end} are not held here")
        self._cool()
        block_start, block_end = block
        del self._ends[block_start], self._starts[block_end]
        for piece_start, piece_end in ((block_start, start - 1), (end + 1, block_end)):
            if piece_start <= piece_end:
                self._ends[piece_start] = piece_end
                self._starts[piece_end] = piece_start
                heappush(self._heap, (piece_start - piece_end - 1, piece_start))

    def add(self, start: int, end: int) -> None:
        """Add the serials ``start..end``, merging with adjacent blocks."""
        ends, starts = self._ends, self._starts
        hot = self._hot
        left = starts.pop(start - 1, None)
        if left is not None:
            del ends[left]
            start = left  # if ``left`` was hot, the hot block just grew at its end
        right = ends.pop(end + 1, None)
        if right is not None:
            del starts[right]
            if hot == end + 1:  # the hot block grew at its start
                hot = self._hot = start
            end = right
        ends[start] = end
        starts[end] = start
        self._pending.append(start)  # goes into the heap when the heap is next used
        if hot is not None and hot != start:
            size, hot_size = end - start, ends[hot] - hot
            if size > hot_size or (size == hot_size and start < hot):
                self._cool()  # the new block is larger than the hot one
            else:
                best = self._best_other
                key = (start - end - 1, start)
                if best is None or key < best:
                    self._best_other = key


class Draft(NamedTuple):
    """A journal entry before it gets its sequence number and hash."""

    kind: EntryKind
    memo: str
    postings: tuple[Posting, ...]


_FINGERPRINTS: dict[type, Callable[[Any], str]] = {
    IssueUnits: lambda c: (
        f"issue|{c.instrument}|{c.quantity}|{c.to}|{memo_text(**dict(c.provenance))}"
    ),
    TransferUnits: lambda c: f"transfer|{c.instrument}|{c.quantity}|{c.source}|{c.to}",
    RetireUnits: lambda c: (
        f"retire|{c.instrument}|{c.quantity}|{c.source}|{len(c.reason)}:{c.reason}|{c.beneficiary}"
    ),
    CancelUnits: lambda c: f"cancel|{c.instrument}|{c.quantity}|{c.source}|{c.reason}",
    SurrenderUnits: lambda c: (
        f"surrender|{c.source}|{len(c.reason)}:{c.reason}|"
        + ",".join(f"{instrument}={quantity}" for instrument, quantity in c.lines)
    ),
    FreezeUnits: lambda c: f"freeze|{c.instrument}|{c.quantity}|{c.account}",
    UnfreezeUnits: lambda c: f"unfreeze|{c.instrument}|{c.quantity}|{c.account}",
    CorrectEntry: lambda c: f"correct|{c.seq}|{c.reason}",
    DepositFunds: lambda c: f"deposit|{c.account}|{c.amount}",
    WithdrawFunds: lambda c: f"withdraw|{c.account}|{c.amount}",
    SettleTrades: lambda c: f"settle|{len(c.reason)}:{c.reason}|{settlement_digest(c)}",
}


def fingerprint(command: RegistryCommand) -> str:
    """Canonical text of a request, to tell a retry from a different use of the same key."""
    return _FINGERPRINTS[type(command)](command)


def memo_text(**fields: str | int) -> str:
    """Canonical JSON of an entry's memo (sorted keys, no spaces), as hashed in the chain."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_NEEDS: dict[type, Callable[[Any], tuple[PositionKey, ...]]] = {
    IssueUnits: lambda c: ((ISSUANCE_ACCOUNT, c.instrument), (c.to, c.instrument)),
    TransferUnits: lambda c: ((c.source, c.instrument), (c.to, c.instrument)),
    RetireUnits: lambda c: ((c.source, c.instrument), (RETIREMENT_ACCOUNT, c.instrument)),
    CancelUnits: lambda c: ((c.source, c.instrument), (CANCELLATION_ACCOUNT, c.instrument)),
    SurrenderUnits: lambda c: tuple(
        key
        for instrument, _ in c.lines
        for key in ((c.source, instrument), (CANCELLATION_ACCOUNT, instrument))
    ),
    FreezeUnits: lambda c: ((c.account, c.instrument),),
    UnfreezeUnits: lambda c: ((c.account, c.instrument),),
    CorrectEntry: lambda c: (),  # the storage layer loads the corrected entry's positions
    DepositFunds: lambda c: ((ISSUANCE_ACCOUNT, FUNDS), (c.account, FUNDS)),
    WithdrawFunds: lambda c: ((c.account, FUNDS), (ISSUANCE_ACCOUNT, FUNDS)),
    SettleTrades: lambda c: tuple(settlement_positions(c)),
}


def settlement_positions(command: SettleTrades) -> set[PositionKey]:
    """Every (account, instrument) a settlement touches: both legs of each trade and each
    reservation line."""
    keys: set[PositionKey] = set()
    add = keys.add
    for buyer, seller, instrument, _, _ in command.trades:
        add((buyer, instrument))
        add((seller, instrument))
        add((buyer, FUNDS))
        add((seller, FUNDS))
    for account, instrument, _ in command.reservations:
        add((account, instrument))
    return keys


def settlement_digest(command: SettleTrades) -> str:
    """SHA-256 (hex) of a settlement's trades and reservation lines, in order: what its
    journal entry's memo commits to, and how a retry is told from another request."""
    digest = hashlib.sha256()
    for trade in command.trades:
        buyer, seller, instrument, quantity, price = trade
        digest.update(f"{buyer}\x1f{seller}\x1f{instrument}\x1f{quantity}\x1f{price}\x1e".encode())
    digest.update(b"\x1d")
    for line in command.reservations:
        account, instrument, change = line
        digest.update(f"{account}\x1f{instrument}\x1f{change}\x1e".encode())
    return digest.hexdigest()


def positions_needed(command: RegistryCommand) -> tuple[PositionKey, ...]:
    """The (account, instrument) positions a command reads or writes, corrections excepted."""
    return _NEEDS[type(command)](command)


@dataclass
class Book:
    """The working set of one unit of work: accounts, positions and serial counters."""

    accounts: dict[str, Account]
    positions: dict[PositionKey, Position]
    #: next unused serial per instrument code
    next_serial: dict[str, int]
    #: committed entries a correction may reverse, by sequence number
    entries: dict[int, JournalEntry] = field(default_factory=dict)
    #: sequence numbers of entries already reversed by a correction
    reversed_seqs: set[int] = field(default_factory=set)
    dirty: set[PositionKey] = field(default_factory=set)
    #: ids of the loaded accounts that units may leave and enter by transfer
    _movable: set[str] | None = field(default=None, repr=False)

    # --- helpers -----------------------------------------------------------------------

    def _account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise NotFound(f"account {account_id!r} does not exist")
        return account

    def _user_account(self, account_id: str, role: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise NotFound(f"account {account_id!r} does not exist")
        if account.kind in SYSTEM_KINDS:
            raise RuleViolation(
                f"account {account_id!r} is the registry's {account.kind} account and cannot "
                f"be the {role} of this operation"
            )
        return account

    def _position(self, account_id: str, instrument: str) -> Position:
        key = (account_id, instrument)
        position = self.positions.get(key)
        if position is None:
            position = self.positions[key] = Position()
        self.dirty.add(key)
        return position

    def _check_available(self, account_id: str, instrument: str, quantity: int) -> Position:
        position = self.positions.get((account_id, instrument))
        available = 0 if position is None else position.available
        if position is None or available < quantity:
            held = 0 if position is None else position.quantity
            frozen = 0 if position is None else position.frozen
            raise RuleViolation(
                f"insufficient balance: account {account_id!r} has {available} t of "
                f"{instrument} available ({held} t held, {frozen} t frozen), "
                f"{quantity} t requested"
            )
        self.dirty.add((account_id, instrument))
        return position

    def _move(self, instrument: str, quantity: int, source: str, to: str) -> tuple[Posting, ...]:
        giver = self.positions.get((source, instrument))
        if giver is None or giver.quantity - giver.frozen < quantity:
            giver = self._check_available(source, instrument, quantity)  # raises the refusal
        taker = self._position(to, instrument)
        self.dirty.add((source, instrument))
        blocks = giver.take_largest(quantity)
        giver.quantity -= quantity
        taker.quantity += quantity
        if len(blocks) == 1:  # the usual case, spelt out: batches run it 100,000s of times
            start, end = blocks[0]
            taker.add(start, end)
            return (
                Posting(source, instrument, -quantity, 0, start, end),
                Posting(to, instrument, quantity, 0, start, end),
            )
        postings: list[Posting] = []
        for start, end in blocks:
            size = end - start + 1
            taker.add(start, end)
            postings.append(Posting(source, instrument, -size, 0, start, end))
            postings.append(Posting(to, instrument, size, 0, start, end))
        return tuple(postings)

    # --- the rules ---------------------------------------------------------------------

    def apply(self, command: RegistryCommand) -> Draft:
        """Apply one command to the book and return its entry, or raise and change nothing."""
        rule: Callable[[Book, Any], Draft] = _RULES[type(command)]
        return rule(self, command)

    def _issue(self, command: IssueUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        self._user_account(command.to, "recipient")
        start = self.next_serial.get(instrument, 1)
        end = start + quantity - 1
        self.next_serial[instrument] = end + 1
        self._position(ISSUANCE_ACCOUNT, instrument).quantity -= quantity
        holder = self._position(command.to, instrument)
        holder.add(start, end)
        holder.quantity += quantity
        postings = (
            Posting(ISSUANCE_ACCOUNT, instrument, -quantity, 0, start, end),
            Posting(command.to, instrument, quantity, 0, start, end),
        )
        memo = memo_text(**dict(command.provenance)) if command.provenance else "{}"
        return Draft(EntryKind.ISSUE, memo, postings)

    def transfer_quickly(self, command: TransferUnits) -> list[Block] | None:
        """Carry out a transfer that every rule allows; return the blocks it moved.

        Returns None, changing nothing, when any check fails or the recipient has no
        position yet: the caller then takes the general path (:meth:`apply`), which refuses
        with the rule's own message. The checks are exactly those of :meth:`_transfer` (a
        property test holds the two paths to the same entries); batches of transfers run
        this hundreds of thousands of times, so it avoids the general path's layers.
        """
        movable = self._movable
        if movable is None:
            movable = self._movable = {
                id_ for id_, account in self.accounts.items() if account.kind not in SYSTEM_KINDS
            }
        instrument, quantity = command.instrument, command.quantity
        source, to = command.source, command.to
        giver = self.positions.get((source, instrument))  # found only for a valid, stored code
        taker = self.positions.get((to, instrument))
        if (
            giver is None
            or taker is None
            or type(quantity) is not int
            or not 0 < quantity <= giver.quantity - giver.frozen
            or source == to
            or source not in movable
            or to not in movable
        ):
            return None
        blocks = giver.take_largest(quantity)
        for start, end in blocks:
            taker.add(start, end)
        giver.quantity -= quantity
        taker.quantity += quantity
        self.dirty.add((source, instrument))
        self.dirty.add((to, instrument))
        return blocks

    @staticmethod
    def transfer_postings(command: TransferUnits, blocks: list[Block]) -> tuple[Posting, ...]:
        """The postings of a transfer that moved ``blocks``: out of the giver, into the taker."""
        postings: list[Posting] = []
        for start, end in blocks:
            size = end - start + 1
            postings.append(Posting(command.source, command.instrument, -size, 0, start, end))
            postings.append(Posting(command.to, command.instrument, size, 0, start, end))
        return tuple(postings)

    def _transfer(self, command: TransferUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        source, to = command.source, command.to
        # the common case, checked inline: batches run this rule hundreds of thousands of times
        giver = self.positions.get((source, instrument))
        known = self.accounts.get(source), self.accounts.get(to)
        if (
            giver is None
            or giver.quantity - giver.frozen < quantity
            or known[0] is None
            or known[1] is None
            or known[0].kind in SYSTEM_KINDS
            or known[1].kind in SYSTEM_KINDS
            or source == to
        ):
            self._user_account(source, "source")
            self._user_account(to, "recipient")
            if source == to:
                raise RuleViolation(f"transfer from account {source!r} to itself")
        return Draft(EntryKind.TRANSFER, "{}", self._move(instrument, quantity, source, to))

    def _retire(self, command: RetireUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        if not command.reason.strip():
            raise InvalidInput("a retirement needs a reason")
        self._user_account(command.source, "source")
        postings = self._move(instrument, quantity, command.source, RETIREMENT_ACCOUNT)
        memo = memo_text(reason=command.reason, beneficiary=command.beneficiary)
        return Draft(EntryKind.RETIRE, memo, postings)

    def _cancel(self, command: CancelUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        if not command.reason.strip():
            raise InvalidInput("a cancellation needs a reason")
        self._user_account(command.source, "source")
        postings = self._move(instrument, quantity, command.source, CANCELLATION_ACCOUNT)
        return Draft(EntryKind.CANCEL, memo_text(reason=command.reason), postings)

    def _surrender(self, command: SurrenderUnits) -> Draft:
        if not command.lines:
            raise InvalidInput("a surrender needs at least one instrument")
        if not command.reason.strip():
            raise InvalidInput("a surrender needs a reason")
        self._user_account(command.source, "source")
        lines = [(parse_instrument(i).code, check_quantity(q)) for i, q in command.lines]
        codes = [code for code, _ in lines]
        if len(set(codes)) != len(codes):
            raise InvalidInput("a surrender names each instrument once")
        for code, quantity in lines:  # every line is checked before any unit moves
            self._check_available(command.source, code, quantity)
        postings = tuple(
            posting
            for code, quantity in lines
            for posting in self._move(code, quantity, command.source, CANCELLATION_ACCOUNT)
        )
        return Draft(EntryKind.SURRENDER, memo_text(reason=command.reason), postings)

    def _freeze(self, command: FreezeUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        self._user_account(command.account, "holder")
        position = self._check_available(command.account, instrument, quantity)
        position.frozen += quantity
        return Draft(EntryKind.FREEZE, "{}", (Posting(command.account, instrument, 0, quantity),))

    def _unfreeze(self, command: UnfreezeUnits) -> Draft:
        instrument = parse_instrument(command.instrument).code
        quantity = check_quantity(command.quantity)
        self._user_account(command.account, "holder")
        position = self.positions.get((command.account, instrument))
        frozen = 0 if position is None else position.frozen
        if position is None or frozen < quantity:
            raise RuleViolation(
                f"cannot unfreeze {quantity} t of {instrument} in account "
                f"{command.account!r}: only {frozen} t frozen"
            )
        self.dirty.add((command.account, instrument))
        position.frozen -= quantity
        posting = Posting(command.account, instrument, 0, -quantity)
        return Draft(EntryKind.UNFREEZE, "{}", (posting,))

    def _correct(self, command: CorrectEntry) -> Draft:
        if not command.reason.strip():
            raise InvalidInput("a correction needs a reason")
        original = self.entries.get(command.seq)
        if original is None:
            raise NotFound(f"journal entry {command.seq} does not exist")
        if original.kind is EntryKind.CORRECTION:
            raise RuleViolation(
                f"entry {command.seq} is itself a correction; record the operation again instead"
            )
        if command.seq in self.reversed_seqs:
            raise RuleViolation(f"entry {command.seq} has already been corrected")
        reverse = tuple(
            Posting(p.account, p.instrument, -p.amount, -p.frozen, p.serial_start, p.serial_end)
            for p in original.postings
        )
        self._check_reversal(command.seq, reverse)
        for posting in reverse:
            position = self._position(posting.account, posting.instrument)
            if posting.serial_start is not None and posting.serial_end is not None:
                if posting.amount < 0 and posting.account != ISSUANCE_ACCOUNT:
                    position.take_range(posting.serial_start, posting.serial_end)
                elif posting.amount > 0 and posting.account != ISSUANCE_ACCOUNT:
                    position.add(posting.serial_start, posting.serial_end)
            position.quantity += posting.amount
            position.frozen += posting.frozen
        self.reversed_seqs.add(command.seq)
        memo = memo_text(reason=command.reason, reverses=command.seq)
        return Draft(EntryKind.CORRECTION, memo, reverse)

    def _check_reversal(self, seq: int, reverse: tuple[Posting, ...]) -> None:
        """Refuse a reversal that would overdraw, move frozen units or miss serials."""
        outflow: dict[PositionKey, int] = {}
        for p in reverse:
            key = (p.account, p.instrument)
            if p.account != ISSUANCE_ACCOUNT:
                self._account(p.account)
            if p.amount < 0 and p.account != ISSUANCE_ACCOUNT:
                outflow[key] = outflow.get(key, 0) - p.amount
                position = self.positions.get(key)
                start, end = p.serial_start, p.serial_end
                if (
                    start is not None
                    and end is not None
                    and (position is None or not position.holds(start, end))
                ):
                    raise RuleViolation(
                        f"cannot correct entry {seq}: account {p.account!r} no longer holds "
                        f"serials {start}-{end} of {p.instrument}"
                    )
            if p.frozen < 0:
                position = self.positions.get(key)
                frozen = 0 if position is None else position.frozen
                if frozen < -p.frozen:
                    raise RuleViolation(
                        f"cannot correct entry {seq}: account {p.account!r} has only "
                        f"{frozen} t of {p.instrument} frozen"
                    )
        needs = list(outflow.items())
        needs += [((p.account, p.instrument), p.frozen) for p in reverse if p.frozen > 0]
        for (account, instrument), quantity in needs:
            try:
                self._check_available(account, instrument, quantity)
            except RuleViolation as refusal:
                raise RuleViolation(f"cannot correct entry {seq}: {refusal.message}") from None

    # --- the exchange's funds and settlement ---------------------------------------------

    def _deposit(self, command: DepositFunds) -> Draft:
        amount = _fen(command.amount)
        self._user_account(command.account, "recipient of funds")
        start = self.next_serial.get(FUNDS, 1)
        end = start + amount - 1
        self.next_serial[FUNDS] = end + 1
        self._position(ISSUANCE_ACCOUNT, FUNDS).quantity -= amount
        holder = self._position(command.account, FUNDS)
        holder.add(start, end)
        holder.quantity += amount
        postings = (
            Posting(ISSUANCE_ACCOUNT, FUNDS, -amount, 0, start, end),
            Posting(command.account, FUNDS, amount, 0, start, end),
        )
        return Draft(EntryKind.DEPOSIT, "{}", postings)

    def _withdraw(self, command: WithdrawFunds) -> Draft:
        amount = _fen(command.amount)
        self._user_account(command.account, "payer of funds")
        position = self.positions.get((command.account, FUNDS))
        available = 0 if position is None else position.available
        if position is None or available < amount:
            frozen = 0 if position is None else position.frozen
            raise RuleViolation(
                f"insufficient funds: account {command.account!r} has ¥{yuan(available)} "
                f"available (¥{yuan(available + frozen)} held, ¥{yuan(frozen)} "
                f"reserved for orders), ¥{yuan(amount)} requested"
            )
        self.dirty.add((command.account, FUNDS))
        blocks = position.take_largest(amount)
        position.quantity -= amount
        # the issuance account keeps no blocks: withdrawn fen leave circulation
        self._position(ISSUANCE_ACCOUNT, FUNDS).quantity += amount
        postings: list[Posting] = []
        for start, end in blocks:
            size = end - start + 1
            postings.append(Posting(command.account, FUNDS, -size, 0, start, end))
            postings.append(Posting(ISSUANCE_ACCOUNT, FUNDS, size, 0, start, end))
        return Draft(EntryKind.WITHDRAWAL, "{}", tuple(postings))

    def _settle(self, command: SettleTrades) -> Draft:
        """Net the trades and reservations per (account, instrument), check every resulting
        position, move serial blocks from net givers to net takers; one entry."""
        if not command.trades and not command.reservations:
            raise InvalidInput("a settlement needs at least one trade or reservation")
        amount: dict[PositionKey, int] = {}
        frozen: dict[PositionKey, int] = {}
        codes: dict[str, str] = {}
        value_total = 0
        for buyer, seller, instrument, quantity, price in command.trades:
            code = codes.get(instrument)
            if code is None:
                code = codes[instrument] = parse_instrument(instrument).code
                if code != instrument:
                    raise InvalidInput(f"instrument {instrument!r} is not a canonical code")
            if type(quantity) is not int or quantity <= 0:
                raise InvalidInput(
                    f"a trade quantity must be a positive whole number: {quantity!r}"
                )
            if type(price) is not int or price <= 0:
                raise InvalidInput(
                    f"a trade price must be a positive whole number of fen: {price!r}"
                )
            value = price * quantity
            value_total += value
            seller_units, buyer_units = (seller, instrument), (buyer, instrument)
            seller_funds, buyer_funds = (seller, FUNDS), (buyer, FUNDS)
            amount[seller_units] = amount.get(seller_units, 0) - quantity
            frozen[seller_units] = frozen.get(seller_units, 0) - quantity
            amount[buyer_units] = amount.get(buyer_units, 0) + quantity
            amount[buyer_funds] = amount.get(buyer_funds, 0) - value
            frozen[buyer_funds] = frozen.get(buyer_funds, 0) - value
            amount[seller_funds] = amount.get(seller_funds, 0) + value
        for account, instrument, change in command.reservations:
            if instrument != FUNDS and parse_instrument(instrument).code != instrument:
                raise InvalidInput(f"instrument {instrument!r} is not a canonical code")
            if type(change) is not int or change == 0:
                raise InvalidInput(
                    f"a reservation change must be a non-zero whole number: {change!r}"
                )
            key = (account, instrument)
            frozen[key] = frozen.get(key, 0) + change
            amount.setdefault(key, 0)
        for account in {account for account, _ in amount}:
            self._user_account(account, "party of a settlement")
        for key, change in amount.items():  # every position is checked before anything moves
            self._check_settled(key, change, frozen.get(key, 0), command)
        postings: list[Posting] = []
        for instrument in sorted({instrument for _, instrument in amount}):
            postings.extend(self._deliver(instrument, amount, frozen))
        memo = memo_text(
            reason=command.reason,
            trades=len(command.trades),
            value=value_total,
            digest=settlement_digest(command),
        )
        kind = EntryKind.SETTLEMENT if command.trades else EntryKind.RESERVATION
        return Draft(kind, memo, tuple(postings))

    def _check_settled(
        self, key: PositionKey, change: int, frozen_change: int, command: SettleTrades
    ) -> None:
        position = self.positions.get(key)
        quantity = 0 if position is None else position.quantity
        frozen = 0 if position is None else position.frozen
        new_quantity, new_frozen = quantity + change, frozen + frozen_change
        account, instrument = key
        of = "" if instrument == FUNDS else f" of {instrument}"
        if new_frozen < 0:
            drawn = _drawn(command, account, instrument)  # only on this refusal's path
            raise RuleViolation(
                f"account {account!r} has only {_amount(instrument, new_frozen + drawn)}{of} "
                f"reserved, {_amount(instrument, drawn)} needed to settle"
            )
        if new_frozen > new_quantity:
            available = quantity - frozen
            needed = available + new_frozen - new_quantity
            raise RuleViolation(
                f"insufficient {'funds' if instrument == FUNDS else 'units'}: account "
                f"{account!r} has {_amount(instrument, available)}{of} available "
                f"({_amount(instrument, quantity)} held, {_amount(instrument, frozen)} "
                f"reserved), {_amount(instrument, needed)} needed"
            )

    def _deliver(
        self, instrument: str, amount: dict[PositionKey, int], frozen: dict[PositionKey, int]
    ) -> list[Posting]:
        """The postings of one instrument: net givers' blocks go, in order, to net takers."""
        keys = [key for key in amount if key[1] == instrument]
        lines: dict[str, list[Posting]] = {account: [] for account, _ in keys}
        pool: list[Block] = []
        for key in keys:
            change = amount[key]
            position = self._position(*key)
            if change < 0:
                for start, end in position.take_largest(-change):
                    pool.append((start, end))
                    lines[key[0]].append(
                        Posting(key[0], instrument, start - end - 1, 0, start, end)
                    )
                position.quantity += change
        pool.reverse()  # popped from the end: first taken, first given
        for key in keys:
            need = amount[key]
            if need <= 0:
                continue
            position = self.positions[key]
            position.quantity += need
            while need:
                start, end = pool.pop()
                size = end - start + 1
                if size > need:
                    pool.append((start + need, end))
                    end, size = start + need - 1, need
                position.add(start, end)
                lines[key[0]].append(Posting(key[0], instrument, size, 0, start, end))
                need -= size
        postings: list[Posting] = []
        for key in keys:
            change = frozen.get(key, 0)
            self.positions[key].frozen += change
            own = lines[key[0]]
            if change and own:
                own[0] = own[0]._replace(frozen=change)
            elif change:
                own.append(Posting(key[0], instrument, 0, change))
            postings.extend(own)
        return postings


def _drawn(command: SettleTrades, account: str, instrument: str) -> int:
    """What a settlement's trades draw from an account's reservation of ``instrument``."""
    if instrument == FUNDS:
        return sum(t.quantity * t.price for t in command.trades if t.buyer == account)
    return sum(
        t.quantity for t in command.trades if t.seller == account and t.instrument == instrument
    )


def _fen(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(f"an amount must be a positive whole number of fen, got {amount!r}")
    return amount


def _amount(instrument: str, quantity: int) -> str:
    return f"¥{yuan(quantity)}" if instrument == FUNDS else f"{quantity} t"


_RULES: dict[type, Callable[[Book, Any], Draft]] = {
    IssueUnits: Book._issue,
    TransferUnits: Book._transfer,
    RetireUnits: Book._retire,
    CancelUnits: Book._cancel,
    SurrenderUnits: Book._surrender,
    FreezeUnits: Book._freeze,
    UnfreezeUnits: Book._unfreeze,
    CorrectEntry: Book._correct,
    DepositFunds: Book._deposit,
    WithdrawFunds: Book._withdraw,
    SettleTrades: Book._settle,
}


def system_account_kinds() -> dict[str, AccountKind]:
    """The system accounts every registry has, by id."""
    return {
        ISSUANCE_ACCOUNT: AccountKind.ISSUANCE,
        RETIREMENT_ACCOUNT: AccountKind.RETIREMENT,
        CANCELLATION_ACCOUNT: AccountKind.CANCELLATION,
    }
