"""Integrity checks of the stored registry (``openets audit verify``).

1. The hash chain: sequence numbers run 1..N without a gap, each entry names the previous
   entry's hash, and each stored hash matches the entry's recomputed content. The head row
   must name the last entry, so deleting the newest entry is caught too.
2. Balances agree with the journal: every position equals the sum of its postings.
3. Serial blocks: no serial is held in two places, and each position's blocks add up to its
   balance.
"""

from __future__ import annotations

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.registry.chain import GENESIS_HASH, entry_hash
from openets.registry.model import ISSUANCE_ACCOUNT, ChainReport, Posting
from openets.registry.store import unpack_blocks

_BATCH = 5000


def verify(app: App) -> ChainReport:
    """Check the chain, then balances and serial blocks; report the first problem found."""
    with app.reading() as connection:
        report = _verify_chain(connection)
        if report.ok:
            problem = (
                _verify_references(connection)
                or _verify_positions(connection)
                or _verify_blocks(connection)
            )
            if problem:
                return ChainReport(False, report.entries, None, problem)
    return report


def _verify_chain(connection: Connection) -> ChainReport:
    head_seq, head_hash = connection.exec_driver_sql(
        "SELECT seq, hash FROM journal_head WHERE id = 1"
    ).one()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    last = 0
    while True:
        rows = connection.exec_driver_sql(
            "SELECT seq, kind, recorded_at, memo, idem_key, prev_hash, hash FROM journal "
            f"WHERE seq >= {int(expected_seq)} ORDER BY seq LIMIT {_BATCH}"
        ).all()
        if not rows:
            break
        lo, hi = rows[0][0], rows[-1][0]
        lines: dict[int, list[Posting]] = {}
        for seq, account, instrument, amount, frozen, start, end in connection.exec_driver_sql(
            "SELECT seq, account_id, instrument, amount, frozen, serial_start, serial_end "
            f"FROM postings WHERE seq >= {int(lo)} AND seq <= {int(hi)} ORDER BY seq, n"
        ):
            lines.setdefault(seq, []).append(
                Posting(account, instrument, amount, frozen, start, end)
            )
        for seq, kind, recorded_at, memo, key, prev_hash, stored in rows:
            if seq != expected_seq:
                return ChainReport(
                    False, last, expected_seq, f"entry {expected_seq} is missing (next is {seq})"
                )
            if prev_hash != expected_prev:
                return ChainReport(
                    False,
                    last,
                    seq,
                    f"entry {seq} does not follow entry {seq - 1}: prev hash differs",
                )
            recomputed = entry_hash(
                prev_hash, seq, kind, recorded_at, memo, key, lines.get(seq, ())
            )
            altered = None
            if recomputed != stored:
                altered = "its content does not match its hash"
            elif _separated(kind, recorded_at, lines.get(seq, ())):
                altered = "a field holds a separator character"
            if altered:
                return ChainReport(False, last, seq, f"entry {seq} was altered: {altered}")
            if _unbalanced(lines.get(seq, ())):
                return ChainReport(False, last, seq, f"entry {seq} does not balance")
            expected_prev = stored
            expected_seq = seq + 1
            last = seq
    if last != head_seq or expected_prev != head_hash:
        return ChainReport(
            False,
            last,
            last + 1,
            f"the journal ends at entry {last} but its head names entry {head_seq}",
        )
    return ChainReport(True, last)


def _separated(kind: str, recorded_at: str, postings: list[Posting] | tuple[Posting, ...]) -> bool:
    """Whether a field the hash does not length-prefix holds a separator character.

    The application never writes one (codes, times and account ids are validated), and
    without this check an editor could fold postings into one whose account field holds
    their text: the canonical text, and so the hash, would not change.
    """
    text = "".join([kind, recorded_at, *(p.account + p.instrument for p in postings)])
    return "\x1e" in text or "\x1f" in text


def _unbalanced(postings: list[Posting] | tuple[Posting, ...]) -> bool:
    totals: dict[str, int] = {}
    for p in postings:
        totals[p.instrument] = totals.get(p.instrument, 0) + p.amount
    return any(totals.values())


def _verify_references(connection: Connection) -> str | None:
    """Every posting belongs to a journal entry and names an existing account."""
    orphan = connection.exec_driver_sql(
        "SELECT p.seq FROM postings p LEFT JOIN journal j ON j.seq = p.seq "
        "WHERE j.seq IS NULL ORDER BY p.seq LIMIT 1"
    ).first()
    if orphan is not None:
        return f"postings of entry {orphan[0]} have no journal entry"
    unknown = connection.exec_driver_sql(
        "SELECT p.seq, p.account_id FROM postings p LEFT JOIN accounts a ON a.id = p.account_id "
        "WHERE a.id IS NULL ORDER BY p.seq LIMIT 1"
    ).first()
    if unknown is not None:
        return f"entry {unknown[0]} posts to account {unknown[1]!r}, which does not exist"
    return None


def _verify_positions(connection: Connection) -> str | None:
    stored = {
        (a, i): (int(q), int(f))
        for a, i, q, f in connection.exec_driver_sql(
            "SELECT account_id, instrument, quantity, frozen FROM positions"
        )
    }
    derived = {
        (a, i): (int(q), int(f))
        for a, i, q, f in connection.exec_driver_sql(
            "SELECT account_id, instrument, SUM(amount), SUM(frozen) FROM postings "
            "GROUP BY account_id, instrument"
        )
    }
    for key in sorted(stored.keys() | derived.keys()):
        have, want = stored.get(key, (0, 0)), derived.get(key, (0, 0))
        if have != want:
            return (
                f"balance of {key[1]} in account {key[0]!r} is {have[0]} t ({have[1]} frozen) "
                f"but the journal sums to {want[0]} t ({want[1]} frozen)"
            )
        if key[0] != ISSUANCE_ACCOUNT and (have[0] < 0 or have[1] < 0 or have[1] > have[0]):
            return f"balance of {key[1]} in account {key[0]!r} is out of range: {have}"
    return None


def _verify_blocks(connection: Connection) -> str | None:
    held: dict[str, list[tuple[int, int, str]]] = {}
    for account, instrument, quantity, packed in connection.exec_driver_sql(
        "SELECT account_id, instrument, quantity, serial_blocks FROM positions"
    ):
        blocks = unpack_blocks(packed)
        if account == ISSUANCE_ACCOUNT:
            continue
        if sum(end - start + 1 for start, end in blocks) != quantity:
            return (
                f"account {account!r} holds {quantity} t of {instrument} but serial blocks "
                f"for {sum(end - start + 1 for start, end in blocks)} t"
            )
        held.setdefault(instrument, []).extend((start, end, account) for start, end in blocks)
    for instrument, placed in held.items():
        placed.sort()
        last_end = 0
        for start, end, account in placed:
            if end < start:
                return f"serial block {start}-{end} of {instrument} in {account!r} is empty"
            if start <= last_end:
                return f"serial {start} of {instrument} is held in two places"
            last_end = end
    return None
