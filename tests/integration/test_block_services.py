"""Block trades on SQLite and PostgreSQL: the proposer's side reserved, confirmation settling
delivery versus payment in one entry, rejection, withdrawal and expiry releasing the
reservation, who may act, and the block statistics kept apart from the listing close.

The ``app`` fixture's clock is 2025-07-01 10:00 CST (a trading day). GDEA-2025 is listed at
¥25.00 and no day has closed, so the previous close is 25.00 and the block band 17.50-32.50.
Seller S holds 300,000 t; buyer B holds ¥4,000,000.00 (400,000,000 fen); C is a third member.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from openets import App
from openets.auth.model import Role, User
from openets.clock import FixedClock
from openets.errors import NotAuthorised, RuleViolation
from openets.exchange import block_services as blocks
from openets.exchange import market, outbox, services
from openets.exchange.block import BlockState
from openets.registry import audit
from openets.registry.model import EntryKind, IssueUnits
from openets.registry.services import balance, execute, get_entry

CODE = "GDEA-2025"


def cst(text: str) -> datetime:
    return (datetime.fromisoformat(text) - timedelta(hours=8)).replace(tzinfo=UTC)


def position(app: App, account: str, instrument: str) -> tuple[int, int]:
    """(held, frozen) of an account in an instrument (CNY: fen)."""
    for line in balance(app, account).balances:
        if line.instrument == instrument:
            return line.quantity, line.frozen
    return 0, 0


@pytest.fixture
def block_app(app: App) -> App:
    services.add_member(app, "S", "Seller Co")
    services.add_member(app, "B", "Buyer Co")
    services.add_member(app, "C", "Third Co")
    services.list_instrument(app, CODE, 2_500)
    execute(app, IssueUnits(CODE, 300_000, "S"))
    services.deposit(app, "B", 400_000_000)
    return app


def propose(app: App, qty: int = 100_000, price: int = 3_250, **kw: object) -> blocks.BlockTrade:
    return blocks.propose_block(
        app,
        seller="S",
        buyer="B",
        instrument=CODE,
        qty=qty,
        price=price,
        **kw,  # type: ignore[arg-type]
    )


def test_confirm_settles_delivery_versus_payment(block_app: App) -> None:
    block = propose(block_app)  # at the band's top edge: 32.50 = 25.00 x 1.3
    assert block.state is BlockState.PROPOSED
    assert position(block_app, "S", CODE) == (300_000, 100_000)  # the seller's side reserved
    confirmed = blocks.confirm_block(block_app, block.id, "B")
    assert confirmed.state is BlockState.CONFIRMED
    # 100,000 t x 32.50 = 325,000,000 fen, in one settlement entry
    assert position(block_app, "S", CODE) == (200_000, 0)
    assert position(block_app, "S", "CNY") == (325_000_000, 0)
    assert position(block_app, "B", CODE) == (100_000, 0)
    assert position(block_app, "B", "CNY") == (75_000_000, 0)
    entry = get_entry(block_app, confirmed.settle_entry_seq or 0)
    assert entry.kind is EntryKind.SETTLEMENT
    assert audit.verify(block_app).ok
    events = [e.payload for e in outbox.pending(block_app, blocks.BLOCK_TOPIC)]
    assert events[0]["value"] == 325_000_000
    # reported apart: no listing trade, so no listing VWAP and the close stays 25.00
    assert market.vwap(block_app, CODE, "2025-07-01", "2025-07-01") is None
    [line] = blocks.block_statistics(block_app, date(2025, 7, 1))
    assert (line.trades, line.volume, line.value) == (1, 100_000, 325_000_000)
    assert (line.cumulative_volume, line.cumulative_value) == (100_000, 325_000_000)


def test_a_buyer_proposes_and_the_seller_confirms(block_app: App) -> None:
    block = propose(block_app, price=1_750, proposer="B")  # the band's bottom edge: 17.50
    assert position(block_app, "B", "CNY") == (400_000_000, 175_000_000)
    blocks.confirm_block(block_app, block.id, "S")
    assert position(block_app, "B", "CNY") == (225_000_000, 0)
    assert position(block_app, "S", "CNY") == (175_000_000, 0)
    assert position(block_app, "B", CODE) == (100_000, 0)


def test_refusals_name_the_rule_and_change_nothing(block_app: App) -> None:
    with pytest.raises(RuleViolation, match="at least 100,000 t, this one is 99,999 t"):
        propose(block_app, qty=99_999)
    with pytest.raises(
        RuleViolation, match=r"32\.51 yuan/t is outside the block band 17\.50–32\.50"
    ):
        propose(block_app, price=3_251)
    with pytest.raises(
        RuleViolation, match=r"17\.49 yuan/t is outside the block band 17\.50–32\.50"
    ):
        propose(block_app, price=1_749)
    with pytest.raises(RuleViolation, match="insufficient units"):
        propose(block_app, qty=300_001)
    assert position(block_app, "S", CODE) == (300_000, 0)
    with pytest.raises(RuleViolation, match="insufficient funds"):
        propose(block_app, qty=200_000, price=2_500, proposer="B")  # 500,000,000 > 400,000,000
    assert position(block_app, "B", "CNY") == (400_000_000, 0)
    # the counterparty's side must be available too: 150,000 t x 30.00 = 450,000,000 fen
    block = propose(block_app, qty=150_000, price=3_000)
    with pytest.raises(RuleViolation, match="insufficient funds"):
        blocks.confirm_block(block_app, block.id, "B")
    assert position(block_app, "S", CODE) == (300_000, 150_000)  # still proposed, reserved
    assert position(block_app, "B", "CNY") == (400_000_000, 0)


def test_only_the_counterparty_confirms(block_app: App) -> None:
    block = propose(block_app)
    with pytest.raises(NotAuthorised, match="only its counterparty 'B' may"):
        blocks.confirm_block(block_app, block.id, "C")
    with pytest.raises(NotAuthorised, match="only its counterparty 'B' may"):
        blocks.confirm_block(block_app, block.id, "S")
    buyer_user = User("bob", Role.MEMBER, "Buyer Co", "")
    third_user = User("carol", Role.MEMBER, "Third Co", "")
    with pytest.raises(NotAuthorised, match="may not confirm a block trade for account 'B'"):
        blocks.confirm_block(block_app, block.id, "B", by=third_user)
    first = blocks.confirm_block(block_app, block.id, "B", by=buyer_user)
    again = blocks.confirm_block(block_app, block.id, "B")  # a retry changes nothing
    assert again.replayed
    assert again.settle_entry_seq == first.settle_entry_seq
    assert position(block_app, "B", CODE) == (100_000, 0)
    with pytest.raises(RuleViolation, match="is confirmed, no longer open"):
        blocks.reject_block(block_app, block.id, "B")


def test_reject_and_withdraw_release_the_reservation(block_app: App) -> None:
    first = propose(block_app)
    rejected = blocks.reject_block(block_app, first.id, "B")
    assert rejected.state is BlockState.REJECTED
    assert position(block_app, "S", CODE) == (300_000, 0)
    second = propose(block_app, proposer="B")
    with pytest.raises(NotAuthorised, match="only its proposer 'B' may"):
        blocks.withdraw_block(block_app, second.id, "S")
    withdrawn = blocks.withdraw_block(block_app, second.id, "B")
    assert withdrawn.state is BlockState.WITHDRAWN
    assert position(block_app, "B", "CNY") == (400_000_000, 0)
    assert get_entry(block_app, withdrawn.release_entry_seq or 0).kind is EntryKind.RESERVATION
    with pytest.raises(RuleViolation, match="is withdrawn, no longer open"):
        blocks.confirm_block(block_app, second.id, "S")


def test_trading_hours_and_expiry_at_the_close(block_app: App, clock: FixedClock) -> None:
    clock.instant = cst("2025-07-01T12:00:00")  # the lunch break
    with pytest.raises(RuleViolation, match="the market is closed at 2025-07-01 12:00:00 CST"):
        propose(block_app)
    clock.instant = cst("2025-07-01T14:59:00")
    block = propose(block_app)
    clock.instant = cst("2025-07-01T15:00:00")  # the close: the proposal has expired
    with pytest.raises(RuleViolation, match="expired at the close of 2025-07-01"):
        blocks.confirm_block(block_app, block.id, "B")
    assert position(block_app, "S", CODE) == (300_000, 0)
    [listed] = blocks.block_list(block_app, date(2025, 7, 1))
    assert listed[0].state is BlockState.EXPIRED
    # a proposal left open is expired by the regulator's sweep
    clock.instant = cst("2025-07-02T10:00:00")
    other = propose(block_app)
    assert blocks.expire_blocks(block_app) == []
    clock.instant = cst("2025-07-02T15:30:00")
    [expired] = blocks.expire_blocks(block_app)
    assert (expired.id, expired.state) == (other.id, BlockState.EXPIRED)
    assert position(block_app, "S", CODE) == (300_000, 0)


def test_the_public_sees_confirmed_trades_without_parties(block_app: App) -> None:
    done = propose(block_app)
    blocks.confirm_block(block_app, done.id, "B")
    pending = propose(block_app, qty=150_000)
    public = User("", Role.PUBLIC, None, "")
    seller = User("sam", Role.MEMBER, "Seller Co", "")
    assert [(b.id, parties) for b, parties in blocks.block_list(block_app, by=public)] == [
        (done.id, False)
    ]
    assert [(b.id, parties) for b, parties in blocks.block_list(block_app, by=seller)] == [
        (done.id, True),
        (pending.id, True),
    ]
    document = blocks.block_document(done, parties=False)
    assert "seller" not in document
    assert document["value_fen"] == 325_000_000


def test_idempotent_proposal(block_app: App) -> None:
    first = propose(block_app, key="p1")
    again = propose(block_app, key="p1")
    assert again.replayed
    assert again.id == first.id
    assert position(block_app, "S", CODE) == (300_000, 100_000)


def test_the_band_waits_for_the_previous_day_to_close(block_app: App, clock: FixedClock) -> None:
    # 2025-07-01: one listing trade of 100 t at 26.00, and the day is left open
    services.place_order(block_app, "S", CODE, "sell", 100, 2_600)
    services.place_order(block_app, "B", CODE, "buy", 100, 2_600)
    clock.instant = cst("2025-07-02T10:00:00")
    # the previous close is 26.00 once 2025-07-01 closes, not the listing price 25.00: a band
    # around 25.00 (17.50-32.50) would be stale, so the proposal is refused until the close
    with pytest.raises(RuleViolation, match="trading day 2025-07-01 of GDEA-2025 has not been"):
        propose(block_app, price=3_250)
    assert position(block_app, "S", CODE) == (299_900, 0)
    clock.instant = cst("2025-07-02T09:00:00")
    services.close_day(block_app, date(2025, 7, 1))
    clock.instant = cst("2025-07-02T10:00:00")
    block = propose(block_app, price=3_380)  # 26.00 x 1.3 = 33.80, the new band's top
    assert (block.previous_close, block.state) == (2_600, BlockState.PROPOSED)
    band = r"33\.81 yuan/t is outside the block band 18\.20–33\.80"
    with pytest.raises(RuleViolation, match=band):
        propose(block_app, price=3_381)
