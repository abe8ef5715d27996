"""The hash of a journal entry commits to every field and every posting."""

from __future__ import annotations

import re
from typing import Any

import pytest

from openets.registry.chain import GENESIS_HASH, entry_hash
from openets.registry.model import Posting

POSTINGS = (
    Posting("A", "GDEA-2024", -30, 0, 1, 30),
    Posting("B", "GDEA-2024", 30, 0, 1, 30),
)
BASE: dict[str, Any] = {
    "prev_hash": GENESIS_HASH,
    "seq": 2,
    "kind": "transfer",
    "recorded_at": "2025-07-01T02:00:00.000000Z",
    "memo": "{}",
    "key": "order-17",
    "postings": POSTINGS,
}


def digest(**changes: Any) -> str:
    return entry_hash(**{**BASE, **changes})


def changed(posting: Posting, **changes: Any) -> Posting:
    fields = {
        "account": posting.account,
        "instrument": posting.instrument,
        "amount": posting.amount,
        "frozen": posting.frozen,
        "serial_start": posting.serial_start,
        "serial_end": posting.serial_end,
    }
    return Posting(**{**fields, **changes})


def test_the_hash_is_hex_sha256_and_deterministic() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", digest())
    assert digest() == digest(postings=list(POSTINGS))
    assert GENESIS_HASH == "0" * 64


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prev_hash", "1" + "0" * 63),
        ("seq", 3),
        ("kind", "retire"),
        ("recorded_at", "2025-07-01T02:00:00.000001Z"),
        ("memo", '{"reason":"x"}'),
        ("key", "order-18"),
        ("key", None),
    ],
)
def test_changing_any_field_changes_the_hash(field: str, value: Any) -> None:
    assert digest(**{field: value}) != digest()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("account", "C"),
        ("instrument", "GDEA-2025"),
        ("amount", -31),
        ("frozen", 1),
        ("serial_start", 2),
        ("serial_end", 29),
        ("serial_start", None),
        ("serial_end", None),
    ],
)
@pytest.mark.parametrize("index", [0, 1])
def test_changing_any_posting_changes_the_hash(index: int, field: str, value: Any) -> None:
    postings = list(POSTINGS)
    postings[index] = changed(postings[index], **{field: value})
    assert digest(postings=tuple(postings)) != digest()


def test_adding_removing_or_reordering_postings_changes_the_hash() -> None:
    extra = Posting("C", "GDEA-2024", 0, 5)
    assert digest(postings=(*POSTINGS, extra)) != digest()
    assert digest(postings=POSTINGS[:1]) != digest()
    assert digest(postings=POSTINGS[::-1]) != digest()
    assert digest(postings=()) != digest()


def test_text_moved_across_field_and_posting_boundaries_changes_the_hash() -> None:
    # Whoever edits stored rows can put any character into memo and key; the hash must still
    # tell the original rows from the same characters split differently. Below, two postings
    # are folded into the key, and the key into the memo: different rows, different hashes.
    four = (
        Posting("B", "GDEA-2024", -30, 0, 1, 30),
        Posting("C", "GDEA-2024", 30, 0, 1, 30),
        Posting("B", "GDEA-2024", -10, 0, 101, 110),
        Posting("C", "GDEA-2024", 10, 0, 101, 110),
    )
    folded_key = (
        "order-17\x1eB\x1fGDEA-2024\x1f-30\x1f0\x1f1\x1f30\x1eC\x1fGDEA-2024\x1f30\x1f0\x1f1\x1f30"
    )
    assert digest(key=folded_key, postings=four[2:]) != digest(key="order-17", postings=four)
    assert digest(memo="{}\x1forder-17", key=None) != digest(memo="{}", key="order-17")
    assert digest(memo="{}\x1f", key="") != digest(memo="{}", key="\x1f")
    assert digest(key="") != digest(key=None)
