"""Registry use cases: one function each, run in one transaction.

State-changing calls take an optional idempotency key: a repeat with the same key and the
same request returns the first call's entry and changes nothing; the same key with another
request is a :class:`~openets.errors.Conflict`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, text

from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotFound, OpenETSError
from openets.registry.book import Book, fingerprint, positions_needed, system_account_kinds
from openets.registry.bulk import gc_paused
from openets.registry.chain import entry_hash, transfer_hash
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    FUNDS,
    ISSUANCE_ACCOUNT,
    RETIREMENT_ACCOUNT,
    SYSTEM_OWNER,
    Account,
    AccountBalance,
    AccountKind,
    BatchResult,
    CorrectEntry,
    EntryKind,
    JournalEntry,
    Page,
    PositionView,
    Receipt,
    RegistryCommand,
    SerialMove,
    Supply,
    TransferUnits,
    check_account_id,
    parse_account_kind,
)
from openets.registry.store import LedgerStore

#: batches from this many commands on run with the cyclic garbage collector paused
_LARGE_BATCH = 10_000


# --- accounts -----------------------------------------------------------------------------


def ensure_system_accounts(app: App) -> None:
    """Create the issuance, retirement and cancellation accounts if they are missing."""

    def work(connection: Connection) -> None:
        existing = LedgerStore(connection).load_accounts(system_account_kinds())
        opened_at = utc_text(app.clock.now())
        for account_id, kind in system_account_kinds().items():
            if account_id not in existing:
                connection.execute(
                    schema.accounts.insert().values(
                        id=account_id, kind=kind.value, owner=SYSTEM_OWNER, opened_at=opened_at
                    )
                )

    app.write(work)


def open_account(app: App, account_id: str, kind: str, owner: str) -> Account:
    """Open an account. Opening the same account again (same kind and owner) is a no-op."""
    check_account_id(account_id)
    account_kind = parse_account_kind(kind)
    if account_kind in {AccountKind.ISSUANCE, AccountKind.RETIREMENT, AccountKind.CANCELLATION}:
        raise InvalidInput(
            f"{account_kind} accounts are system accounts that `openets db upgrade` creates"
        )
    owner = owner.strip()
    if not owner:
        raise InvalidInput("an account needs an owner")

    def work(connection: Connection) -> Account:
        existing = LedgerStore(connection).load_accounts([account_id]).get(account_id)
        if existing is not None:
            if existing.kind is account_kind and existing.owner == owner:
                return existing
            raise Conflict(
                f"account {account_id!r} already exists as a {existing.kind} account "
                f"of {existing.owner!r}"
            )
        account = Account(account_id, account_kind, owner, utc_text(app.clock.now()))
        connection.execute(
            schema.accounts.insert().values(
                id=account.id, kind=account.kind.value, owner=owner, opened_at=account.opened_at
            )
        )
        return account

    return app.write_unique(work)


def get_account(app: App, account_id: str) -> Account:
    with app.reading() as connection:
        account = LedgerStore(connection).load_accounts([account_id]).get(account_id)
    if account is None:
        raise NotFound(f"account {account_id!r} does not exist")
    return account


def list_accounts(
    app: App, owner: str | None = None, after: str | None = None, limit: int = 100
) -> Page[Account]:
    """Accounts ordered by id, ``limit`` at a time; ``after`` is the cursor of the last page."""
    accounts = schema.accounts
    query = select(accounts).order_by(accounts.c.id).limit(limit + 1)
    if owner is not None:
        query = query.where(accounts.c.owner == owner)
    if after:
        query = query.where(accounts.c.id > after)
    with app.reading() as connection:
        rows = connection.execute(query).all()
    items = tuple(Account(r.id, AccountKind(r.kind), r.owner, r.opened_at) for r in rows[:limit])
    return Page(items, items[-1].id if len(rows) > limit else None)


# --- state changes ------------------------------------------------------------------------


def execute(app: App, command: RegistryCommand) -> Receipt:
    """Apply one registry command as one journal entry and return its receipt."""

    def work(connection: Connection) -> Receipt:
        outcome = _apply(app, connection, [command], labels=None)
        seq, replayed = outcome.entry_of(0)
        entry = LedgerStore(connection).load_entries([seq])[seq]
        return Receipt(entry, replayed)

    return app.write(work)


def execute_in(
    app: App, connection: Connection, commands: Sequence[RegistryCommand]
) -> list[JournalEntry]:
    """Apply registry commands inside a transaction another service already holds.

    For use cases that must change the registry and their own tables atomically (issuing
    credits for a project, surrendering for compliance, settling a trade). Takes the journal
    head lock like every registry write; returns each command's entry (a replayed key gives
    the first call's entry).
    """
    outcome = _apply(app, connection, commands, labels=None)
    seqs = [outcome.entry_of(i)[0] for i in range(len(commands))]
    entries = LedgerStore(connection).load_entries(seqs)
    return [entries[seq] for seq in seqs]


def execute_batch(
    app: App, commands: Sequence[RegistryCommand], labels: Sequence[str] | None = None
) -> BatchResult:
    """Apply many commands atomically: every one becomes an entry, or none does.

    ``labels`` name each command in error messages (for a file: ``line 12``).
    """
    if not commands:
        return BatchResult(0, 0, None, None)

    def work(connection: Connection) -> BatchResult:
        with gc_paused() if len(commands) >= _LARGE_BATCH else nullcontext():
            outcome = _apply(app, connection, commands, labels)
        fresh = outcome.seqs
        return BatchResult(
            applied=len(fresh),
            replayed=len(outcome.replays),
            first_seq=min(fresh.values()) if fresh else None,
            last_seq=max(fresh.values()) if fresh else None,
        )

    return app.write(work)


def _apply(
    app: App,
    connection: Connection,
    commands: Sequence[RegistryCommand],
    labels: Sequence[str] | None,
) -> _Outcome:
    """Apply commands in order; return which entry each command made or replayed.

    Takes the journal head lock first, so everything read below is current and stays so
    until the transaction ends.
    """
    store = LedgerStore(connection)
    head_seq, head_hash = store.lock_head()

    def label(i: int) -> str:
        return labels[i] if labels is not None else f"command {i + 1}"

    if len(commands) == 1 and labels is None:
        label = _no_label  # a lone command's refusal needs no "command 1:" in front

    replays = _sort_out_keys(store, commands, label)
    todo = [(i, c) for i, c in enumerate(commands) if i not in replays] if replays else None
    book = _load_book(store, [c for _, c in todo] if todo is not None else commands)
    serials_before = dict(book.next_serial)
    applied = todo if todo is not None else enumerate(commands)
    seqs, chain = _record(app, store, book, applied, (head_seq, head_hash), label)
    if seqs:
        if book.dirty:
            store.save_positions(book.positions, book.dirty)
        changed_serials = {
            code: n for code, n in book.next_serial.items() if serials_before.get(code) != n
        }
        if changed_serials:
            store.save_next_serials(changed_serials)
        store.set_head(max(seqs.values()), chain)
    return _Outcome(seqs, replays)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Which entry each command of a batch made (``seqs``) or replayed (``replays``)."""

    seqs: dict[int, int]  # command position -> seq of the entry it made
    replays: dict[int, int]  # command position -> earlier seq, or -1 - position in this batch

    def entry_of(self, i: int) -> tuple[int, bool]:
        """(entry seq, replayed) of the command at position ``i``."""
        seq = self.seqs.get(i)
        if seq is not None:
            return seq, False
        earlier = self.replays[i]
        # a key repeated within this batch replays the entry of its first command
        return (earlier if earlier > 0 else self.seqs[-1 - earlier]), True


def _no_label(i: int) -> str:
    return ""


def _labelled(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _sort_out_keys(
    store: LedgerStore, commands: Sequence[RegistryCommand], label: Callable[[int], str]
) -> dict[int, int]:
    """Idempotency: find the commands whose key was used before.

    A key used before for the same request replays: the result maps the command's position
    to the earlier entry's seq, or to ``-1 - position`` of an earlier command of this batch
    with the same key. The same key with another request is a conflict.
    """
    keys = [c.key for c in commands if c.key]
    if not keys:
        return {}
    known = store.find_keys(keys)
    if not known and len(set(keys)) == len(keys):
        return {}  # the usual case: every key is new
    replays: dict[int, int] = {}
    first_at: dict[str, int] = {}
    for i, command in enumerate(commands):
        key = command.key
        if not key:
            continue
        if key in known:
            earlier_request, seq = known[key]
            replays[i] = seq
        elif key in first_at:
            earlier_request = fingerprint(commands[first_at[key]])
            replays[i] = -1 - first_at[key]
        else:
            first_at[key] = i
            continue
        if fingerprint(command) != earlier_request:
            message = f"idempotency key {key!r} was already used for a different request"
            raise Conflict(_labelled(label(i), message))
    return replays


def _load_book(store: LedgerStore, commands: Sequence[RegistryCommand]) -> Book:
    """Load every account, position and corrected entry the commands touch."""
    corrected = [c.seq for c in commands if type(c) is CorrectEntry]
    entries = store.load_entries(corrected)
    if all(type(c) is TransferUnits for c in commands):  # a transfer batch, the bulk case
        transfers: list[TransferUnits] = commands  # type: ignore[assignment]
        needed = {(c.source, c.instrument) for c in transfers}
        needed.update((c.to, c.instrument) for c in transfers)
    else:
        needed = {key for c in commands for key in positions_needed(c)}
    for entry in entries.values():
        needed.update((p.account, p.instrument) for p in entry.postings)
    account_ids = {account for account, _ in needed} | set(system_account_kinds())
    instruments = {instrument for _, instrument in needed}
    return Book(
        accounts=store.load_accounts(account_ids),
        positions=store.load_positions(needed),
        next_serial=store.load_next_serials(instruments),
        entries=entries,
        reversed_seqs=store.reversed_among(corrected),
    )


def _record(
    app: App,
    store: LedgerStore,
    book: Book,
    commands: Iterable[tuple[int, RegistryCommand]],
    head: tuple[int, str],
    label: Callable[[int], str],
) -> tuple[dict[int, int], str]:
    """Apply each command to the book, chain its entry and append the entries.

    Returns the seq of each command's entry by the command's position, and the new head hash.
    """
    now = app.clock.now()
    recorded_at = utc_text(now)
    day = business_date(now).isoformat()
    seq, chain = head
    journal_rows: list[tuple[Any, ...]] = []
    posting_rows: list[tuple[Any, ...]] = []
    seqs: dict[int, int] = {}
    for i, command in commands:
        blocks = book.transfer_quickly(command) if type(command) is TransferUnits else None
        if blocks is not None:
            assert type(command) is TransferUnits
            seq += 1
            prev = chain
            key = command.key or None
            instrument, quantity = command.instrument, command.quantity
            source, to = command.source, command.to
            if len(blocks) == 1:  # the usual case, hashed and written without Posting objects
                start, end = blocks[0]
                block = (source, to, instrument, quantity, start, end)
                chain = transfer_hash(prev, seq, recorded_at, key, block)
                posting_rows.append((seq, 0, source, instrument, -quantity, 0, start, end))
                posting_rows.append((seq, 1, to, instrument, quantity, 0, start, end))
            else:
                postings = Book.transfer_postings(command, blocks)
                chain = entry_hash(prev, seq, "transfer", recorded_at, "{}", key, postings)
                for n, p in enumerate(postings):
                    posting_rows.append((seq, n, *p))
            digest = fingerprint(command) if key else None
            journal_rows.append(
                (seq, "transfer", recorded_at, day, "{}", key, digest, None, prev, chain)
            )
            seqs[i] = seq
            continue
        try:
            draft = book.apply(command)
        except OpenETSError as refusal:
            where = label(i)
            if not where:
                raise
            raise type(refusal)(_labelled(where, refusal.message)) from None
        seq += 1
        prev = chain
        key = command.key or None  # an empty key is no key: store NULL, not a unique ""
        digest = fingerprint(command) if key else None
        kind = draft.kind
        chain = entry_hash(prev, seq, kind, recorded_at, draft.memo, key, draft.postings)
        reverses = command.seq if type(command) is CorrectEntry else None
        journal_rows.append(
            (seq, kind.value, recorded_at, day, draft.memo, key, digest, reverses, prev, chain)
        )
        for n, p in enumerate(draft.postings):
            posting_rows.append((seq, n, *p))
        seqs[i] = seq
    store.append(journal_rows, posting_rows)
    return seqs, chain


# --- reads --------------------------------------------------------------------------------


def balance(app: App, account_id: str) -> AccountBalance:
    """An account's balances by instrument (tonnes held, of which frozen)."""
    positions = schema.positions
    with app.reading() as connection:
        account = LedgerStore(connection).load_accounts([account_id]).get(account_id)
        if account is None:
            raise NotFound(f"account {account_id!r} does not exist")
        rows = connection.execute(
            select(positions.c.instrument, positions.c.quantity, positions.c.frozen)
            .where(positions.c.account_id == account_id)
            .where((positions.c.quantity != 0) | (positions.c.frozen != 0))
            .order_by(positions.c.instrument)
        ).all()
    views = tuple(PositionView(r.instrument, int(r.quantity), int(r.frozen)) for r in rows)
    return AccountBalance(account, views)


def supply(app: App, instrument: str) -> Supply:
    """Issued, retired, cancelled and outstanding units of one instrument (or of the
    exchange's funds, ``CNY`` in fen: deposited, withdrawn and held)."""
    code = FUNDS if instrument.strip().upper() == FUNDS else parse_instrument(instrument).code
    return _supplies(app, code).get(code) or Supply(code, 0, 0, 0, 0)


def all_supplies(app: App) -> list[Supply]:
    """Supply of every instrument ever issued, by code."""
    return sorted(_supplies(app, None).values(), key=lambda s: s.instrument)


def _supplies(app: App, code: str | None) -> dict[str, Supply]:
    positions = schema.positions
    special = {ISSUANCE_ACCOUNT: "issued", RETIREMENT_ACCOUNT: "retired"}
    special[CANCELLATION_ACCOUNT] = "cancelled"
    query = select(positions.c.account_id, positions.c.instrument, positions.c.quantity).where(
        positions.c.account_id.in_(special)
    )
    outstanding_query = (
        select(positions.c.instrument, func.sum(positions.c.quantity))
        .where(positions.c.account_id.not_in(special))
        .group_by(positions.c.instrument)
    )
    if code is not None:
        query = query.where(positions.c.instrument == code)
        outstanding_query = outstanding_query.where(positions.c.instrument == code)
    figures: dict[str, dict[str, int]] = {}
    with app.reading() as connection:
        for account_id, instrument, quantity in connection.execute(query):
            figures.setdefault(instrument, {})[special[account_id]] = int(quantity)
        for instrument, total in connection.execute(outstanding_query):
            figures.setdefault(instrument, {})["outstanding"] = int(total or 0)
    return {
        instrument: Supply(
            instrument=instrument,
            issued=-f.get("issued", 0),
            retired=f.get("retired", 0),
            cancelled=f.get("cancelled", 0),
            outstanding=f.get("outstanding", 0),
        )
        for instrument, f in figures.items()
    }


def serial_history(app: App, instrument: str, serial: int) -> list[SerialMove]:
    """Every entry that moved one serial number, oldest first."""
    code = parse_instrument(instrument).code
    if serial <= 0:
        raise InvalidInput(f"serial numbers start at 1, got {serial}")
    # "i" is the posting that received the serial (the partial index covers amount > 0),
    # "o" the posting of the same entry that gave it
    query = text(
        "SELECT i.seq, j.kind, j.recorded_at, o.account_id, i.account_id, i.serial_start, "
        "i.serial_end FROM postings i JOIN journal j ON j.seq = i.seq "
        "LEFT JOIN postings o ON o.seq = i.seq AND o.amount < 0 "
        "AND o.instrument = i.instrument AND o.serial_start = i.serial_start "
        "WHERE i.amount > 0 AND i.instrument = :code AND i.serial_start <= :serial "
        "AND i.serial_end >= :serial ORDER BY i.seq"
    )
    with app.reading() as connection:
        rows = connection.execute(query, {"code": code, "serial": serial}).all()
    if not rows:
        raise NotFound(f"serial {serial} of {code} has never been issued")
    return [
        SerialMove(
            seq=int(seq),
            kind=EntryKind(kind),
            recorded_at=recorded_at,
            source=source or "",
            to=to,
            serial_start=int(start),
            serial_end=int(end),
        )
        for seq, kind, recorded_at, source, to, start, end in rows
    ]


def get_entry(app: App, seq: int) -> JournalEntry:
    with app.reading() as connection:
        entry = LedgerStore(connection).load_entries([seq]).get(seq)
    if entry is None:
        raise NotFound(f"journal entry {seq} does not exist")
    return entry


def journal_page(
    app: App, before: int | None = None, limit: int = 50, account: str | None = None
) -> Page[JournalEntry]:
    """Journal entries newest first; ``before`` is the cursor (a sequence number)."""
    journal, postings = schema.journal, schema.postings
    query = select(journal.c.seq).order_by(journal.c.seq.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(journal.c.seq < before)
    if account is not None:
        query = query.where(
            journal.c.seq.in_(select(postings.c.seq).where(postings.c.account_id == account))
        )
    with app.reading() as connection:
        seqs = [int(r[0]) for r in connection.execute(query)]
        entries = LedgerStore(connection).load_entries(seqs[:limit])
    items = tuple(entries[s] for s in seqs[:limit])
    return Page(items, str(items[-1].seq) if len(seqs) > limit else None)
