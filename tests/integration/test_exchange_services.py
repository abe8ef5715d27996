"""Exchange services on SQLite and PostgreSQL: funds, reservation, matching with DvP
settlement, hours and holidays, the price band, the close, lifts, the outbox, idempotency.

The ``app`` fixture's clock is 2025-07-01 10:00 CST (a Tuesday, a trading day). GDEA-2025 is
listed at ¥45.00, so the first day's band is 40.50-49.50 (±10%, rounded inwards).
Member S holds 1,000 t; member B holds ¥100,000.00 (10,000,000 fen).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from openets import App
from openets.clock import FixedClock
from openets.errors import Conflict, NotAuthorised, RuleViolation
from openets.exchange import market, outbox, services
from openets.exchange.model import OrderStatus
from openets.registry import audit
from openets.registry.model import IssueUnits
from openets.registry.services import balance, execute

CODE = "GDEA-2025"


def cst(text: str) -> datetime:
    """A CST wall time as the UTC instant the clock holds."""
    local = datetime.fromisoformat(text)
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)


def position(app: App, account: str, instrument: str) -> tuple[int, int]:
    """(held, frozen) of an account in an instrument (CNY: fen)."""
    for line in balance(app, account).balances:
        if line.instrument == instrument:
            return line.quantity, line.frozen
    return 0, 0


@pytest.fixture
def market_app(app: App) -> App:
    services.add_member(app, "S", "Seller Co")
    services.add_member(app, "B", "Buyer Co")
    services.add_member(app, "C", "Third Co")
    services.list_instrument(app, CODE, 4500)
    execute(app, IssueUnits(CODE, 1_000, "S"))
    services.deposit(app, "B", 10_000_000)
    return app


# --- funds ----------------------------------------------------------------------------------


def test_deposit_and_withdraw(market_app: App) -> None:
    services.withdraw(market_app, "B", 2_500_000)
    assert services.funds(market_app, "B").held == 7_500_000
    with pytest.raises(RuleViolation) as refused:
        services.withdraw(market_app, "B", 7_500_001)
    assert refused.value.message == (
        "insufficient funds: account 'B' has ¥75000.00 available (¥75000.00 held, "
        "¥0.00 reserved for orders), ¥75000.01 requested"
    )


def test_reserved_funds_cannot_be_withdrawn(market_app: App) -> None:
    services.place_order(market_app, "B", CODE, "buy", 1_000, 4500)  # reserves 4,500,000 fen
    funds = services.funds(market_app, "B")
    assert (funds.held, funds.reserved, funds.available) == (10_000_000, 4_500_000, 5_500_000)
    with pytest.raises(RuleViolation, match=r"has ¥55000.00 available \(¥100000.00 held"):
        services.withdraw(market_app, "B", 5_500_001)
    services.withdraw(market_app, "B", 5_500_000)
    assert position(market_app, "B", "CNY") == (4_500_000, 4_500_000)


# --- reservation ----------------------------------------------------------------------------


def test_a_buy_reserves_price_times_quantity(market_app: App) -> None:
    result = services.place_order(market_app, "B", CODE, "buy", 100, 4520)
    assert result.order.status is OrderStatus.OPEN
    assert result.order.reserved == 452_000
    assert position(market_app, "B", "CNY") == (10_000_000, 452_000)


def test_a_sell_reserves_the_units(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 300, 4520)
    assert position(market_app, "S", CODE) == (1_000, 300)


def test_sell_without_units_and_buy_without_funds_are_refused(market_app: App) -> None:
    with pytest.raises(RuleViolation) as no_units:
        services.place_order(market_app, "S", CODE, "sell", 1_001, 4500)
    assert no_units.value.message == (
        "insufficient units: account 'S' has 1000 t of GDEA-2025 available (1000 t held, "
        "0 t reserved or frozen); the order needs 1001 t"
    )
    with pytest.raises(RuleViolation) as no_funds:
        services.place_order(market_app, "B", CODE, "buy", 2_300, 4500)  # ¥103,500.00
    assert no_funds.value.message == (
        "insufficient funds: account 'B' has ¥100000.00 available (¥100000.00 held, ¥0.00 "
        "reserved for orders); the order needs ¥103500.00 reserved"
    )
    assert services.orders(market_app) == []


def test_a_fill_settles_units_and_funds_exactly(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 100, 4520)
    result = services.place_order(market_app, "B", CODE, "buy", 150, 4600)
    # 100 t trade at the resting price 45.20: 452,000 fen; 50 t rest at 46.00 (230,000 fen)
    assert [(t.price, t.qty, t.buyer, t.seller) for t in result.trades] == [(4520, 100, "B", "S")]
    assert (result.order.remaining, result.order.reserved) == (50, 230_000)
    assert position(market_app, "S", CODE) == (900, 0)
    assert position(market_app, "S", "CNY") == (452_000, 0)
    assert position(market_app, "B", CODE) == (100, 0)
    assert position(market_app, "B", "CNY") == (10_000_000 - 452_000, 230_000)
    assert audit.verify(market_app).ok


def test_price_improvement_releases_the_excess_reservation(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 100, 4520)
    result = services.place_order(market_app, "B", CODE, "buy", 100, 4600, "IOC")
    # reserved 460,000 at 46.00, paid 452,000 at 45.20: the 8,000 fen excess is released
    assert result.order.status is OrderStatus.FILLED
    assert position(market_app, "B", "CNY") == (9_548_000, 0)


def test_ioc_remainder_is_cancelled_and_released(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 40, 4520)
    result = services.place_order(market_app, "B", CODE, "buy", 100, 4520, "IOC")
    assert (result.order.status, result.order.remaining) == (OrderStatus.CANCELLED, 60)
    assert position(market_app, "B", "CNY") == (10_000_000 - 180_800, 0)


def test_fill_or_kill_that_cannot_fill_changes_nothing(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 40, 4520)
    with pytest.raises(RuleViolation, match="cannot be filled completely"):
        services.place_order(market_app, "B", CODE, "buy", 100, 4520, "FOK")
    assert position(market_app, "B", "CNY") == (10_000_000, 0)
    assert len(services.orders(market_app)) == 1


def test_cancel_releases_and_a_second_cancel_conflicts(market_app: App) -> None:
    order = services.place_order(market_app, "B", CODE, "buy", 100, 4520).order
    cancelled = services.cancel_order(market_app, order.id)
    assert (cancelled.status, cancelled.reserved) == (OrderStatus.CANCELLED, 0)
    assert position(market_app, "B", "CNY") == (10_000_000, 0)
    with pytest.raises(Conflict, match=f"order {order.id} is cancelled, not open"):
        services.cancel_order(market_app, order.id)


def test_self_trade_is_refused(market_app: App) -> None:
    services.deposit(market_app, "S", 1_000_000)
    services.place_order(market_app, "S", CODE, "sell", 10, 4520)
    with pytest.raises(RuleViolation) as refused:
        services.place_order(market_app, "S", CODE, "buy", 10, 4520)
    # the refused order is not stored: its message names no order number of its own
    assert str(refused.value) == "order would trade with own resting order 1"
    assert len(services.orders(market_app)) == 1


# --- amend ------------------------------------------------------------------------------------


def test_amend_down_keeps_priority_and_a_price_change_loses_it(
    market_app: App, clock: FixedClock
) -> None:
    execute(market_app, IssueUnits(CODE, 1_000, "C"))
    first = services.place_order(market_app, "S", CODE, "sell", 100, 4520).order
    second = services.place_order(market_app, "C", CODE, "sell", 100, 4520).order
    services.amend_order(market_app, first.id, qty=60)
    assert position(market_app, "S", CODE) == (1_000, 60)
    hit = services.place_order(market_app, "B", CODE, "buy", 10, 4520, "IOC")
    assert [t.sell_order for t in hit.trades] == [first.id]  # still first in the queue
    services.amend_order(market_app, first.id, price=4530)
    services.amend_order(market_app, first.id, price=4520)  # back, but behind the second
    hit = services.place_order(market_app, "B", CODE, "buy", 10, 4520, "IOC")
    assert [t.sell_order for t in hit.trades] == [second.id]


def test_amend_up_reserves_more(market_app: App) -> None:
    order = services.place_order(market_app, "B", CODE, "buy", 100, 4500).order
    amended = services.amend_order(market_app, order.id, qty=200, price=4600).order
    assert (amended.qty, amended.remaining, amended.reserved) == (200, 200, 920_000)
    assert position(market_app, "B", "CNY") == (10_000_000, 920_000)


# --- hours, calendar and band -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        ("2025-07-01T09:29:59", False),
        ("2025-07-01T09:30:00", True),
        ("2025-07-01T11:29:59", True),
        ("2025-07-01T11:30:00", False),
        ("2025-07-01T12:59:59", False),
        ("2025-07-01T13:00:00", True),
        ("2025-07-01T14:59:59", True),
        ("2025-07-01T15:00:00", False),
    ],
)
def test_orders_only_during_the_sessions(
    market_app: App, clock: FixedClock, at: str, open_: bool
) -> None:
    clock.instant = cst(at)
    if open_:
        services.place_order(market_app, "B", CODE, "buy", 1, 4500)
    else:
        with pytest.raises(RuleViolation, match="the market is closed at"):
            services.place_order(market_app, "B", CODE, "buy", 1, 4500)


@pytest.mark.parametrize(
    ("at", "why"),
    [
        ("2025-10-01T10:00:00", "2025-10-01 is a public holiday"),
        ("2025-07-05T10:00:00", "2025-07-05 is a weekend"),
        ("2025-09-28T10:00:00", "2025-09-28 is a weekend"),  # a make-up working Sunday
    ],
)
def test_no_trading_on_holidays_and_weekends(
    market_app: App, clock: FixedClock, at: str, why: str
) -> None:
    clock.instant = cst(at)
    with pytest.raises(RuleViolation, match=why):
        services.place_order(market_app, "B", CODE, "buy", 1, 4500)


def test_price_band_on_the_first_day_uses_the_reference_price(market_app: App) -> None:
    with pytest.raises(RuleViolation) as refused:
        services.place_order(market_app, "B", CODE, "buy", 1, 4951)
    assert refused.value.message == (
        "price 49.51 is outside the price band 40.50-49.50 (±10% of the previous close 45.00)"
    )
    with pytest.raises(RuleViolation, match=r"outside the price band 40\.50-49\.50"):
        services.place_order(market_app, "B", CODE, "buy", 1, 4049)
    services.place_order(market_app, "B", CODE, "buy", 1, 4950)
    services.place_order(market_app, "B", CODE, "buy", 1, 4050)


def test_listing_orders_are_under_100000_t(market_app: App) -> None:
    with pytest.raises(RuleViolation, match="listing orders are under 100,000 t"):
        services.place_order(market_app, "B", CODE, "buy", 100_000, 4500)


# --- the close ---------------------------------------------------------------------------------


def test_close_is_the_vwap_half_up_then_the_previous_close(
    market_app: App, clock: FixedClock
) -> None:
    execute(market_app, IssueUnits(CODE, 10, "C"))
    services.place_order(market_app, "S", CODE, "sell", 1, 4520)
    services.place_order(market_app, "C", CODE, "sell", 1, 4521)
    services.place_order(market_app, "B", CODE, "buy", 2, 4521)
    with pytest.raises(RuleViolation, match="before 15:00 CST"):
        services.close_day(market_app)
    clock.instant = cst("2025-07-01T15:00:00")
    closed = services.close_day(market_app)
    # value 4,520 + 4,521 = 9,041 fen over 2 t: 4,520.5 -> 4,521 (half up)
    (bar,) = closed.bars
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume, bar.value, bar.trades) == (
        4520, 4521, 4520, 4521, 2, 9041, 2,
    )  # fmt: skip
    assert market.closing_price(market_app, CODE, date(2025, 7, 1)) == 4521
    assert market.previous_close(market_app, CODE, date(2025, 7, 2)) == 4521
    assert market.vwap(market_app, CODE, date(2025, 7, 1), date(2025, 7, 1)) == 4521
    assert services.close_day(market_app).bars == closed.bars  # closing again changes nothing
    # next day: band around 45.21 is 40.69-49.73 (ceil 4068.9, floor 4973.1)
    clock.instant = cst("2025-07-02T10:00:00")
    with pytest.raises(RuleViolation, match=r"40\.69-49\.73"):
        services.place_order(market_app, "B", CODE, "buy", 1, 4974)
    clock.instant = cst("2025-07-02T15:30:00")
    (quiet,) = services.close_day(market_app).bars
    assert (quiet.open, quiet.close, quiet.volume) == (None, 4521, 0)


def test_expiry_at_the_close_releases_reservations(market_app: App, clock: FixedClock) -> None:
    services.place_order(market_app, "B", CODE, "buy", 100, 4500)
    services.place_order(market_app, "S", CODE, "sell", 100, 4600)
    clock.instant = cst("2025-07-01T15:00:00")
    assert services.close_day(market_app).expired == 2
    assert position(market_app, "B", "CNY") == (10_000_000, 0)
    assert position(market_app, "S", CODE) == (1_000, 0)
    assert {o.status for o in services.orders(market_app)} == {OrderStatus.EXPIRED}
    assert market.depth(market_app, CODE).bids == ()
    assert audit.verify(market_app).ok


def test_an_unclosed_trading_day_blocks_the_next(market_app: App, clock: FixedClock) -> None:
    services.place_order(market_app, "S", CODE, "sell", 1, 4520)
    services.place_order(market_app, "B", CODE, "buy", 1, 4520)
    clock.instant = cst("2025-07-02T10:00:00")
    with pytest.raises(RuleViolation, match="trading day 2025-07-01 of GDEA-2025 has not been"):
        services.place_order(market_app, "B", CODE, "buy", 1, 4520)
    services.close_day(market_app, date(2025, 7, 1))
    services.place_order(market_app, "B", CODE, "buy", 1, 4520)


# --- lift, outbox, idempotency, permissions --------------------------------------------------


def test_lift_takes_a_displayed_order_at_its_price(market_app: App) -> None:
    ask = services.place_order(market_app, "S", CODE, "sell", 100, 4520).order
    result = services.lift(market_app, "B", ask.id, 40, price=4520)
    assert [(t.sell_order, t.price, t.qty) for t in result.trades] == [(ask.id, 4520, 40)]
    assert result.order.tif.value == "IOC"
    assert market.depth(market_app, CODE).asks == ((4520, 60),)
    with pytest.raises(RuleViolation, match=f"order {ask.id} has moved: it is now at 45.20"):
        services.lift(market_app, "B", ask.id, 10, price=4510)
    with pytest.raises(RuleViolation, match="has only 60 t left, 61 t asked"):
        services.lift(market_app, "B", ask.id, 61)
    services.cancel_order(market_app, ask.id)
    with pytest.raises(RuleViolation, match="no longer in the book"):
        services.lift(market_app, "B", ask.id, 10)


def test_one_outbox_event_per_trade(market_app: App) -> None:
    services.place_order(market_app, "S", CODE, "sell", 30, 4520)
    services.place_order(market_app, "S", CODE, "sell", 30, 4530)
    services.place_order(market_app, "B", CODE, "buy", 50, 4530)
    events = outbox.pending(market_app, topic="exchange.trade")
    assert [(e.payload["trade"], e.payload["price"], e.payload["qty"]) for e in events] == [
        (1, 4520, 30),
        (2, 4530, 20),
    ]
    assert events[1].payload["value"] == 90_600

    sent: list[str] = []

    class Collect:
        def publish(self, event: outbox.Event) -> None:
            sent.append(event.topic)

    count = outbox.publish_pending(market_app, Collect())
    assert count == len(sent) == 5  # three orders placed, two trades
    assert outbox.pending(market_app) == []


def test_place_with_a_key_is_idempotent(market_app: App) -> None:
    first = services.place_order(market_app, "B", CODE, "buy", 10, 4500, key="k-1")
    again = services.place_order(market_app, "B", CODE, "buy", 10, 4500, key="k-1")
    assert (again.replayed, again.order.id) == (True, first.order.id)
    assert position(market_app, "B", "CNY") == (10_000_000, 45_000)
    with pytest.raises(Conflict, match="'k-1' was already used for another order"):
        services.place_order(market_app, "B", CODE, "buy", 11, 4500, key="k-1")


def test_a_member_user_trades_only_for_its_own_account(market_app: App) -> None:
    from openets.auth.model import Role, User

    buyer = User("bob", Role.MEMBER, "Buyer Co", "")
    services.place_order(market_app, "B", CODE, "buy", 1, 4500, by=buyer)
    with pytest.raises(NotAuthorised, match="may not trade for account 'S'"):
        services.place_order(market_app, "S", CODE, "sell", 1, 4500, by=buyer)
    assert [o.account for o in services.orders(market_app, by=buyer)] == ["B"]


def test_an_order_left_open_from_an_earlier_day_blocks_trading(
    market_app: App, clock: FixedClock
) -> None:
    services.place_order(market_app, "B", CODE, "buy", 1, 4500)
    clock.instant = cst("2025-07-02T10:00:00")
    with pytest.raises(RuleViolation, match="trading day 2025-07-01 of GDEA-2025 has not been"):
        services.place_order(market_app, "B", CODE, "buy", 1, 4500)
    assert services.close_day(market_app, date(2025, 7, 1)).expired == 1
    services.place_order(market_app, "B", CODE, "buy", 1, 4500)
