"""The hash chain of the journal.

Each entry's hash commits to the previous entry's hash and to the entry's own canonical
content (sequence number, kind, time, memo, idempotency key and every posting), so editing,
deleting or reordering any stored row breaks the chain from that row on.

The canonical text separates fields with ASCII unit separators and postings with record
separators. Account ids and instrument codes are validated when created (letters, digits and
``._:-`` only) and so cannot contain a separator; every other free-text field (memo, key) is
written with its length in front, so the
encoding is one-to-one: no edit can move text across a field or posting boundary and keep the
hash. This is several times cheaper than JSON, which matters at 200,000 entries per batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from openets.registry.model import Posting

GENESIS_HASH = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    kind: str,
    recorded_at: str,
    memo: str,
    key: str | None,
    postings: Iterable[Posting],
) -> str:
    """SHA-256 (hex) of the previous hash and the entry's canonical content."""
    counted_key = "-" if key is None else f"{len(key)}:{key}"
    head = f"{prev_hash}\x1f{seq}\x1f{kind}\x1f{recorded_at}\x1f{len(memo)}:{memo}\x1f{counted_key}"
    lines = [
        f"{p.account}\x1f{p.instrument}\x1f{p.amount}\x1f{p.frozen}"
        f"\x1f{p.serial_start}\x1f{p.serial_end}"
        for p in postings
    ]
    return hashlib.sha256("\x1e".join([head, *lines]).encode()).hexdigest()


def transfer_hash(
    prev_hash: str,
    seq: int,
    recorded_at: str,
    key: str | None,
    block: tuple[str, str, str, int, int, int],
) -> str:
    """:func:`entry_hash` of a one-block transfer, spelt out for the batch fast path.

    ``block`` is (source, recipient, instrument, quantity, first serial, last serial); the
    result equals ``entry_hash`` of the entry's two postings (a test checks it).
    """
    source, to, instrument, quantity, start, end = block
    counted_key = "-" if key is None else f"{len(key)}:{key}"
    return hashlib.sha256(
        f"{prev_hash}\x1f{seq}\x1ftransfer\x1f{recorded_at}\x1f2:{{}}\x1f{counted_key}"
        f"\x1e{source}\x1f{instrument}\x1f{-quantity}\x1f0\x1f{start}\x1f{end}"
        f"\x1e{to}\x1f{instrument}\x1f{quantity}\x1f0\x1f{start}\x1f{end}".encode()
    ).hexdigest()
