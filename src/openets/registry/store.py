"""Loading and saving the registry's state inside one transaction.

Hot paths (a batch of 200,000 transfers) write with the driver's own bulk calls:
``executemany`` on SQLite and ``COPY`` on PostgreSQL, in the same transaction.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, select

from openets.db import schema
from openets.registry.book import Block, Position, PositionKey
from openets.registry.model import Account, AccountKind, EntryKind, JournalEntry, Posting

JOURNAL_COLUMNS = (
    "seq",
    "kind",
    "recorded_at",
    "business_date",
    "memo",
    "idem_key",
    "fingerprint",
    "reverses",
    "prev_hash",
    "hash",
)
POSTING_COLUMNS = (
    "seq",
    "n",
    "account_id",
    "instrument",
    "amount",
    "frozen",
    "serial_start",
    "serial_end",
)
_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def pack_blocks(blocks: Sequence[Block]) -> bytes:
    """Serial blocks as little-endian signed 64-bit (first, last) pairs, in serial order."""
    flat = array("q", [serial for block in blocks for serial in block])
    if sys.byteorder != "little":  # pragma: no cover - every platform we run on is
        flat.byteswap()
    return flat.tobytes()


def unpack_blocks(packed: bytes | memoryview | None) -> list[Block]:
    flat = array("q")
    flat.frombytes(bytes(packed or b""))
    if sys.byteorder != "little":  # pragma: no cover
        flat.byteswap()
    return list(zip(flat[::2], flat[1::2], strict=True))


def _chunks(items: Iterable[str], size: int = _CHUNK) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class LedgerStore:
    """SQL for the registry on one open connection (the caller owns the transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self._mark = "%s" if self.postgres else "?"

    def _marks(self, count: int) -> str:
        return ", ".join([self._mark] * count)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.connection.exec_driver_sql(sql, tuple(params)).fetchall())

    # --- the chain head: every writer takes its lock first ------------------------------

    def lock_head(self) -> tuple[int, str]:
        lock = " FOR UPDATE" if self.postgres else ""
        seq, hash_ = self._rows(f"SELECT seq, hash FROM journal_head WHERE id = 1{lock}")[0]
        return int(seq), str(hash_)

    def set_head(self, seq: int, hash_: str) -> None:
        m = self._mark
        self.connection.exec_driver_sql(
            f"UPDATE journal_head SET seq = {m}, hash = {m} WHERE id = 1", (seq, hash_)
        )

    # --- reads --------------------------------------------------------------------------

    def find_keys(self, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Idempotency keys already used: key -> (request fingerprint, entry seq)."""
        found: dict[str, tuple[str, int]] = {}
        for chunk in _chunks(keys):
            sql = (
                "SELECT idem_key, fingerprint, seq FROM journal "
                f"WHERE idem_key IN ({self._marks(len(chunk))})"
            )
            for key, fingerprint, seq in self._rows(sql, chunk):
                found[key] = (fingerprint, int(seq))
        return found

    def load_accounts(self, ids: Iterable[str]) -> dict[str, Account]:
        found: dict[str, Account] = {}
        for chunk in _chunks(ids):
            sql = (
                "SELECT id, kind, owner, opened_at FROM accounts "
                f"WHERE id IN ({self._marks(len(chunk))})"
            )
            for id_, kind, owner, opened_at in self._rows(sql, chunk):
                found[id_] = Account(id_, AccountKind(kind), owner, opened_at)
        return found

    def load_positions(self, keys: Iterable[PositionKey]) -> dict[PositionKey, Position]:
        """Positions with their serial blocks."""
        by_instrument: dict[str, list[str]] = {}
        for account, instrument in set(keys):
            by_instrument.setdefault(instrument, []).append(account)
        positions: dict[PositionKey, Position] = {}
        for instrument, account_ids in by_instrument.items():
            for chunk in _chunks(account_ids):
                sql = (
                    "SELECT account_id, quantity, frozen, serial_blocks FROM positions "
                    f"WHERE instrument = {self._mark} AND account_id IN ({self._marks(len(chunk))})"
                )
                for account, quantity, frozen, packed in self._rows(sql, [instrument, *chunk]):
                    blocks = unpack_blocks(packed)
                    positions[(account, instrument)] = Position(int(quantity), int(frozen), blocks)
        return positions

    def load_next_serials(self, instruments: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(instruments):
            sql = (
                "SELECT code, next_serial FROM instruments "
                f"WHERE code IN ({self._marks(len(chunk))})"
            )
            for code, next_serial in self._rows(sql, chunk):
                found[code] = int(next_serial)
        return found

    def load_entries(self, seqs: Iterable[int]) -> dict[int, JournalEntry]:
        wanted = sorted(set(seqs))
        if not wanted:
            return {}
        entries: dict[int, JournalEntry] = {}
        journal, postings = schema.journal, schema.postings
        for lo in range(0, len(wanted), _CHUNK):
            chunk = wanted[lo : lo + _CHUNK]
            rows = self.connection.execute(
                select(journal).where(journal.c.seq.in_(chunk)).order_by(journal.c.seq)
            ).all()
            lines: dict[int, list[Posting]] = {}
            for p in self.connection.execute(
                select(postings)
                .where(postings.c.seq.in_(chunk))
                .order_by(postings.c.seq, postings.c.n)
            ):
                lines.setdefault(p.seq, []).append(
                    Posting(
                        p.account_id,
                        p.instrument,
                        p.amount,
                        p.frozen,
                        p.serial_start,
                        p.serial_end,
                    )
                )
            for r in rows:
                entries[r.seq] = JournalEntry(
                    seq=r.seq,
                    kind=EntryKind(r.kind),
                    recorded_at=r.recorded_at,
                    memo=r.memo,
                    key=r.idem_key,
                    postings=tuple(lines.get(r.seq, ())),
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                )
        return entries

    def reversed_among(self, seqs: Iterable[int]) -> set[int]:
        journal = schema.journal
        wanted = sorted(set(seqs))
        if not wanted:
            return set()
        rows = self.connection.execute(
            select(journal.c.reverses).where(journal.c.reverses.in_(wanted))
        )
        return {int(r[0]) for r in rows}

    # --- writes -------------------------------------------------------------------------

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        # The driver's own connection is the fastest path: COPY on PostgreSQL, executemany
        # on SQLite (a second writer thread was tried: the GIL makes it slower, not faster).
        raw: Any = self.connection.connection.driver_connection
        if self.postgres:
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = self._marks(len(columns))
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def append(
        self, journal_rows: Sequence[Sequence[Any]], posting_rows: Sequence[Sequence[Any]]
    ) -> None:
        """Append journal entries and their postings."""
        self._insert_many("journal", JOURNAL_COLUMNS, journal_rows)
        self._insert_many("postings", POSTING_COLUMNS, posting_rows)

    def save_positions(
        self, positions: dict[PositionKey, Position], dirty: Iterable[PositionKey]
    ) -> None:
        """Upsert the balance and serial blocks of every dirty position."""
        m = self._mark
        rows = [
            (account, instrument, p.quantity, p.frozen, pack_blocks(p.blocks))
            for (account, instrument), p in ((key, positions[key]) for key in dirty)
        ]
        self.connection.exec_driver_sql(
            "INSERT INTO positions (account_id, instrument, quantity, frozen, serial_blocks) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}) ON CONFLICT (account_id, instrument) DO UPDATE "
            "SET quantity = excluded.quantity, frozen = excluded.frozen, "
            "serial_blocks = excluded.serial_blocks",
            rows,
        )

    def save_next_serials(self, next_serial: dict[str, int]) -> None:
        m = self._mark
        self.connection.exec_driver_sql(
            f"INSERT INTO instruments (code, next_serial) VALUES ({m}, {m}) "
            "ON CONFLICT (code) DO UPDATE SET next_serial = excluded.next_serial",
            list(next_serial.items()),
        )
