"""The batch fast path of a transfer must do exactly what the general rules do.

``Book.transfer_quickly`` and ``chain.transfer_hash`` exist only for speed; these tests hold
them to ``Book.apply`` and ``chain.entry_hash`` on random inputs, including refused
transfers (where the fast path must step aside and change nothing).
"""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from openets.errors import OpenETSError
from openets.registry.book import Book, Position
from openets.registry.chain import entry_hash, transfer_hash
from openets.registry.model import (
    ISSUANCE_ACCOUNT,
    Account,
    AccountKind,
    IssueUnits,
    Posting,
    TransferUnits,
)

GD = "GDEA-2024"
HOLDERS = ("A", "B", "C", "D")


def new_book() -> Book:
    accounts = {a: Account(a, AccountKind.HOLDING, f"owner {a}", "") for a in HOLDERS}
    accounts[ISSUANCE_ACCOUNT] = Account(ISSUANCE_ACCOUNT, AccountKind.ISSUANCE, "registry", "")
    positions = {(a, GD): Position() for a in HOLDERS[:3]}  # D has no position yet
    positions[(ISSUANCE_ACCOUNT, GD)] = Position()
    return Book(accounts, positions, {})


def state(book: Book) -> dict[tuple[str, str], tuple[int, int, list[tuple[int, int]]]]:
    return {key: (p.quantity, p.frozen, p.blocks) for key, p in book.positions.items()}


transfers = st.lists(
    st.tuples(
        st.sampled_from([*HOLDERS, ISSUANCE_ACCOUNT, "GHOST"]),
        st.sampled_from([*HOLDERS, ISSUANCE_ACCOUNT, "GHOST"]),
        st.integers(min_value=-2, max_value=60),
        st.sampled_from([GD, GD, GD, "CCER", "gdea-2024"]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    issues=st.lists(
        st.tuples(st.sampled_from(HOLDERS), st.integers(1, 50)), min_size=1, max_size=6
    ),
    moves=transfers,
)
def test_fast_path_matches_the_general_rules(
    issues: list[tuple[str, int]], moves: list[tuple[str, str, int, str]]
) -> None:
    fast, general = new_book(), new_book()
    for holder, quantity in issues:
        fast.apply(IssueUnits(GD, quantity, holder))
        general.apply(IssueUnits(GD, quantity, holder))
    for source, to, quantity, instrument in moves:
        command = TransferUnits(instrument, quantity, source, to)
        before = copy.deepcopy(state(fast))
        blocks = fast.transfer_quickly(command)
        try:
            expected = general.apply(command).postings
        except OpenETSError:
            assert blocks is None, "the fast path moved units the rules refuse"
            assert state(fast) == before
            continue
        if blocks is None:  # stepped aside (e.g. the recipient had no position yet)
            assert state(fast) == before
            assert fast.apply(command).postings == expected
        else:
            assert Book.transfer_postings(command, blocks) == expected
        assert state(fast) == state(general)
        assert fast.dirty == general.dirty


@settings(max_examples=300)
@given(
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    seq=st.integers(1, 10**12),
    key=st.none() | st.text(max_size=30),
    source=st.sampled_from(["A", "GD-STEEL-001", "x.y:z"]),
    to=st.sampled_from(["B", "MEMBER-01"]),
    quantity=st.integers(1, 10**9),
    start=st.integers(1, 10**12),
)
def test_transfer_hash_is_entry_hash(
    prev: str, seq: int, key: str | None, source: str, to: str, quantity: int, start: int
) -> None:
    end = start + quantity - 1
    recorded_at = "2025-07-01T02:00:00.000000Z"
    postings = (
        Posting(source, GD, -quantity, 0, start, end),
        Posting(to, GD, quantity, 0, start, end),
    )
    assert transfer_hash(prev, seq, recorded_at, key, (source, to, GD, quantity, start, end)) == (
        entry_hash(prev, seq, "transfer", recorded_at, "{}", key, postings)
    )
