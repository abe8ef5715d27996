"""The hash chain of the journal.

Each entry's hash commits to the previous entry's hash and to the entry's own canonical
content (sequence number, kind, time, memo, idempotency key and every posting), so editing,
deleting or reordering any stored row breaks the chain from that row on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from openets.registry.model import Posting

GENESIS_HASH = "0" * 64
_FIELD = "\x1f"  # ASCII unit separator: cannot occur in ids, codes or numbers
_RECORD = "\x1e"  # ASCII record separator


def canonical_postings(postings: Iterable[Posting]) -> str:
    return _RECORD.join(
        f"{p.account}{_FIELD}{p.instrument}{_FIELD}{p.amount}{_FIELD}{p.frozen}"
        f"{_FIELD}{'' if p.serial_start is None else p.serial_start}"
        f"{_FIELD}{'' if p.serial_end is None else p.serial_end}"
        for p in postings
    )


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
    content = _FIELD.join((prev_hash, str(seq), kind, recorded_at, memo, key or ""))
    body = content + _RECORD + canonical_postings(postings)
    return hashlib.sha256(body.encode()).hexdigest()
