"""Allowance auctions on SQLite and PostgreSQL: announce (the lot reserved), sealed bids (funds
reserved), clearing with the 50% cap and a uniform price, one settlement entry with exact
balances, the default reserve from the 3-month listing VWAP.

The ``app`` fixture's clock is 2025-07-01 10:00 CST. The auction account GDEA-AUCTION holds
100,000 t of GDEA-2025; members A, B, C and D hold funds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openets import App
from openets.auth.model import Role, User
from openets.clock import FixedClock
from openets.errors import Conflict, NotAuthorised, NotFound, RuleViolation
from openets.exchange import auction_services as auctions
from openets.exchange import outbox, services
from openets.registry import audit
from openets.registry.model import EntryKind, IssueUnits
from openets.registry.services import balance, execute, get_entry, open_account

CODE = "GDEA-2025"
AUCTION_ACCOUNT = "GDEA-AUCTION"
FUNDS = {"A": 20_000_000, "B": 5_000_000, "C": 10_000_000, "D": 3_000_000}


def cst(text: str) -> datetime:
    """A CST wall time as a UTC instant."""
    return (datetime.fromisoformat(text) - timedelta(hours=8)).replace(tzinfo=UTC)


def position(app: App, account: str, instrument: str) -> tuple[int, int]:
    """(held, frozen) of an account in an instrument (CNY: fen)."""
    for line in balance(app, account).balances:
        if line.instrument == instrument:
            return line.quantity, line.frozen
    return 0, 0


@pytest.fixture
def auction_app(app: App) -> App:
    open_account(app, AUCTION_ACCOUNT, "auction", "guangdong")
    execute(app, IssueUnits(CODE, 100_000, AUCTION_ACCOUNT))
    for account, amount in FUNDS.items():
        services.add_member(app, account, f"Bidder {account}")
        services.deposit(app, account, amount)
    return app


def announce(app: App, lot: int = 10_000, reserve: int | None = 2_000) -> int:
    detail = auctions.announce(
        app,
        CODE,
        lot,
        reserve=reserve,
        opens=cst("2025-07-01T09:30:00"),
        closes=cst("2025-07-01T11:30:00"),
    )
    return detail.auction.id


def test_auction_end_to_end_with_exact_balances(auction_app: App, clock: FixedClock) -> None:
    auction_id = announce(auction_app)
    assert position(auction_app, AUCTION_ACCOUNT, CODE) == (100_000, 10_000)  # lot reserved
    for account, qty, price in [
        ("A", 3_000, 2_500),
        ("A", 4_000, 2_400),  # A's cap (5,000 t) leaves 2,000 t of this bid
        ("B", 2_000, 2_400),
        ("C", 4_000, 2_300),  # marginal: 3,000 t of it fill
        ("D", 1_000, 2_300),  # same price as C's, later: nothing left
    ]:
        auctions.place_bid(auction_app, auction_id, account, qty, price)
    # reserved: A 7,500,000 + 9,600,000; B 4,800,000; C 9,200,000; D 2,300,000 fen
    assert position(auction_app, "A", "CNY") == (20_000_000, 17_100_000)
    assert position(auction_app, "D", "CNY") == (3_000_000, 2_300_000)

    with pytest.raises(
        RuleViolation, match="can be cleared once bidding closes at 2025-07-01 11:30 CST"
    ):
        auctions.clear_auction(auction_app, auction_id)
    clock.advance(timedelta(hours=2))  # 12:00 CST, the window closed at 11:30
    detail = auctions.clear_auction(auction_app, auction_id)

    result = detail.auction
    assert (result.clearing_price, result.sold, result.unsold) == (2_300, 10_000, 0)
    assert [(a.account, a.qty, a.paid) for a in detail.allocation] == [
        ("A", 5_000, 11_500_000),
        ("B", 2_000, 4_600_000),
        ("C", 3_000, 6_900_000),
    ]
    assert [b.filled for b in detail.bids] == [3_000, 2_000, 2_000, 3_000, 0]
    # units to the winners, the uniform price from each, every reservation released
    assert position(auction_app, "A", CODE) == (5_000, 0)
    assert position(auction_app, "B", CODE) == (2_000, 0)
    assert position(auction_app, "C", CODE) == (3_000, 0)
    assert position(auction_app, "D", CODE) == (0, 0)
    assert position(auction_app, "A", "CNY") == (8_500_000, 0)
    assert position(auction_app, "B", "CNY") == (400_000, 0)
    assert position(auction_app, "C", "CNY") == (3_100_000, 0)
    assert position(auction_app, "D", "CNY") == (3_000_000, 0)
    assert position(auction_app, AUCTION_ACCOUNT, CODE) == (90_000, 0)
    assert position(auction_app, AUCTION_ACCOUNT, "CNY") == (23_000_000, 0)
    entry = get_entry(auction_app, result.settle_entry_seq or 0)
    assert entry.kind is EntryKind.SETTLEMENT
    assert audit.verify(auction_app).ok
    # clearing again changes nothing
    again = auctions.clear_auction(auction_app, auction_id)
    assert again.replayed
    assert again.auction.settle_entry_seq == result.settle_entry_seq
    events = [e.payload for e in outbox.pending(auction_app, auctions.AUCTION_TOPIC)]
    assert [e["event"] for e in events] == ["announced", "cleared"]


def test_undersubscribed_auction_sells_at_the_lowest_bid(
    auction_app: App, clock: FixedClock
) -> None:
    auction_id = announce(auction_app)
    auctions.place_bid(auction_app, auction_id, "A", 3_000, 2_500)
    auctions.place_bid(auction_app, auction_id, "B", 2_000, 2_100)
    clock.advance(timedelta(hours=2))
    result = auctions.clear_auction(auction_app, auction_id).auction
    assert (result.clearing_price, result.sold, result.unsold) == (2_100, 5_000, 5_000)
    assert position(auction_app, AUCTION_ACCOUNT, CODE) == (95_000, 0)  # unsold stays
    assert position(auction_app, AUCTION_ACCOUNT, "CNY") == (10_500_000, 0)
    assert position(auction_app, "A", "CNY") == (20_000_000 - 6_300_000, 0)
    assert position(auction_app, "B", "CNY") == (5_000_000 - 4_200_000, 0)


def test_an_auction_without_bids_releases_the_lot(auction_app: App, clock: FixedClock) -> None:
    auction_id = announce(auction_app)
    clock.advance(timedelta(hours=2))
    result = auctions.clear_auction(auction_app, auction_id).auction
    assert (result.clearing_price, result.sold, result.unsold) == (None, 0, 10_000)
    assert position(auction_app, AUCTION_ACCOUNT, CODE) == (100_000, 0)
    assert get_entry(auction_app, result.settle_entry_seq or 0).kind is EntryKind.RESERVATION


def test_bids_refused_change_nothing(auction_app: App, clock: FixedClock) -> None:
    auction_id = announce(auction_app)
    with pytest.raises(RuleViolation, match="at least 1,000 t, this one is 999 t"):
        auctions.place_bid(auction_app, auction_id, "A", 999, 2_500)
    with pytest.raises(RuleViolation, match=r"19\.99 yuan/t is below the reserve price of 20\.00"):
        auctions.place_bid(auction_app, auction_id, "A", 1_000, 1_999)
    with pytest.raises(RuleViolation, match="insufficient funds"):
        auctions.place_bid(auction_app, auction_id, "D", 1_500, 2_001)  # 3,001,500 > 3,000,000
    assert position(auction_app, "A", "CNY") == (20_000_000, 0)
    assert position(auction_app, "D", "CNY") == (3_000_000, 0)
    clock.advance(timedelta(hours=2))
    with pytest.raises(RuleViolation, match="closed at 2025-07-01 11:30 CST"):
        auctions.place_bid(auction_app, auction_id, "A", 1_000, 2_500)
    assert auctions.show_auction(auction_app, auction_id).bid_count == 0


def test_who_may_announce_bid_and_see_bids(auction_app: App) -> None:
    member_a = User("alice", Role.MEMBER, "Bidder A", "")
    public = User("", Role.PUBLIC, None, "")
    with pytest.raises(NotAuthorised):
        auctions.announce(
            auction_app,
            CODE,
            1_000,
            reserve=2_000,
            opens=cst("2025-07-01T09:30:00"),
            closes=cst("2025-07-01T11:30:00"),
            by=member_a,
        )
    auction_id = announce(auction_app)
    with pytest.raises(NotAuthorised, match="may not bid for account 'B'"):
        auctions.place_bid(auction_app, auction_id, "B", 1_000, 2_500, by=member_a)
    auctions.place_bid(auction_app, auction_id, "A", 1_000, 2_500, by=member_a)
    auctions.place_bid(auction_app, auction_id, "B", 1_000, 2_600)
    assert [b.account for b in auctions.show_auction(auction_app, auction_id).bids] == ["A", "B"]
    own = auctions.show_auction(auction_app, auction_id, by=member_a)
    assert [b.account for b in own.bids] == ["A"]
    sealed = auctions.show_auction(auction_app, auction_id, by=public)
    assert (sealed.bids, sealed.bid_count) == ((), 2)


def test_announce_refusals(auction_app: App) -> None:
    with pytest.raises(RuleViolation, match="insufficient units"):
        announce(auction_app, lot=100_001)
    announce(auction_app, lot=60_000)
    with pytest.raises(RuleViolation, match="insufficient units"):
        announce(auction_app, lot=40_001)  # 40,000 t are left unreserved
    with pytest.raises(NotFound, match="auction account 'SZEA-AUCTION' does not exist"):
        auctions.announce(
            auction_app,
            "SZEA-2025",
            1_000,
            reserve=2_000,
            opens=cst("2025-07-01T09:30:00"),
            closes=cst("2025-07-01T11:30:00"),
        )
    with pytest.raises(RuleViolation, match="no listing trade in the reserve window"):
        announce(auction_app, reserve=None)


def test_idempotent_announce_and_bid(auction_app: App) -> None:
    window = {"opens": cst("2025-07-01T09:30:00"), "closes": cst("2025-07-01T11:30:00")}
    first = auctions.announce(auction_app, CODE, 1_000, reserve=2_000, key="k1", **window)
    again = auctions.announce(auction_app, CODE, 1_000, reserve=2_000, key="k1", **window)
    assert again.replayed
    assert again.auction.id == first.auction.id
    with pytest.raises(Conflict):
        auctions.announce(auction_app, CODE, 2_000, reserve=2_000, key="k1", **window)
    bid = auctions.place_bid(auction_app, first.auction.id, "A", 1_000, 2_000, key="b1")
    repeat = auctions.place_bid(auction_app, first.auction.id, "A", 1_000, 2_000, key="b1")
    assert repeat.replayed
    assert repeat.bid.id == bid.bid.id
    assert position(auction_app, "A", "CNY") == (20_000_000, 2_000_000)


def test_default_reserve_is_the_three_month_listing_vwap(app: App, clock: FixedClock) -> None:
    # listing trades: 500 t at 27.00 on 31 Mar (outside), 1,000 t at 25.00 on 6 May and
    # 3,000 t at 26.01 on 10 Jun: (2,500,000 + 7,803,000) / 4,000 = 2,575.75 -> 2,576 fen
    open_account(app, AUCTION_ACCOUNT, "auction", "guangdong")
    execute(app, IssueUnits(CODE, 100_000, AUCTION_ACCOUNT))
    services.add_member(app, "S", "Seller Co")
    services.add_member(app, "B", "Buyer Co")
    services.list_instrument(app, CODE, 2_500)
    execute(app, IssueUnits(CODE, 10_000, "S"))
    services.deposit(app, "B", 100_000_000)
    for day, qty, price in [
        ("2025-03-31", 500, 2_700),
        ("2025-05-06", 1_000, 2_500),
        ("2025-06-10", 3_000, 2_601),
    ]:
        clock.instant = cst(f"{day}T10:00:00")
        services.place_order(app, "S", CODE, "sell", qty, price)
        services.place_order(app, "B", CODE, "buy", qty, price)
        clock.instant = cst(f"{day}T15:30:00")
        services.close_day(app)
    clock.instant = cst("2025-07-01T10:00:00")
    detail = auctions.announce(
        app, CODE, 1_000, opens=cst("2025-07-01T10:00:00"), closes=cst("2025-07-01T11:00:00")
    )
    auction = detail.auction
    assert (auction.reserve, auction.reserve_basis) == (2_576, "vwap")
    assert (auction.reserve_from, auction.reserve_to) == ("2025-04-01", "2025-06-30")
