"""A pledge valued end to end at the exchange's own closes, on SQLite and PostgreSQL: members
trade GDEA-2025 on the order book, the regulator closes each day, the pledge is valued at
that close; the pledge's freeze and the exchange's order reservations share the registry's
frozen quantity without taking from each other.

Figures worked by hand. The pledge: 10,000 t of member A's GDEA-2025 for a loan of
37,500,000 fen (¥375,000) with an LTV limit of 0.75 (margin 1.3, call 1.1): at the first
close of ¥50.00 the units are worth 50,000,000 fen, and 0.75 × 50,000,000 = 37,500,000 is
exactly the loan. Warning below 1.3 × 37,500,000 = 48,750,000 fen (a close under ¥48.75);
call below 1.1 × 37,500,000 = 41,250,000 fen (a close under ¥41.25). Day 2 trades at ¥45.00
(within ±10% of ¥50.00): 45,000,000 fen, coverage 1.2000, LTV 0.8333 -> warning. Day 3 at
¥40.50 (within ±10% of ¥45.00): 40,500,000 fen, coverage 1.0800, LTV 0.9259 -> call.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from openets import App
from openets.clock import FixedClock
from openets.exchange import services as exchange
from openets.exchange.market import closing_price
from openets.finance import services
from openets.finance.rules import Level, PledgeStatus
from openets.mrv.permissions import OPERATOR
from openets.registry import audit
from openets.registry.model import IssueUnits
from openets.registry.services import balance, execute, open_account

CODE = "GDEA-2025"
SELLER, BUYER, LENDER = "MEMBER-A", "MEMBER-B", "BANK-GZ-01"
DAY1, DAY2, DAY3 = date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 3)


def units(app: App, account: str) -> tuple[int, int]:
    """(held, frozen) tonnes of GDEA-2025."""
    for p in balance(app, account).balances:
        if p.instrument == CODE:
            return p.quantity, p.frozen
    return 0, 0


def trade(app: App, price_fen: int, qty: int = 1_000) -> None:
    """Member A sells ``qty`` t to member B at ``price_fen``."""
    exchange.place_order(app, SELLER, CODE, "sell", qty, price_fen)
    result = exchange.place_order(app, BUYER, CODE, "buy", qty, price_fen)
    assert [(t.qty, t.price) for t in result.trades] == [(qty, price_fen)]


def next_day(app: App, clock: FixedClock, closing: date) -> None:
    """Move to the next morning (10:00 CST) and close the day before."""
    clock.advance(timedelta(days=1))
    exchange.close_day(app, closing)


def test_a_pledge_valued_at_the_exchange_closes(app: App, clock: FixedClock) -> None:
    exchange.add_member(app, SELLER, "Guangzhou Steel Trading")
    exchange.add_member(app, BUYER, "Pearl River Carbon")
    open_account(app, LENDER, "holding", "Bank of Guangzhou")
    exchange.list_instrument(app, CODE, 5_000)
    exchange.deposit(app, BUYER, 1_000_000_000)
    execute(app, IssueUnits(CODE, 30_000, SELLER))

    trade(app, 5_000)  # day 1 at ¥50.00
    # A's resting sell reserves 2,000 t: the registry's frozen quantity is shared
    exchange.place_order(app, SELLER, CODE, "sell", 2_000, 5_500)
    assert units(app, SELLER) == (29_000, 2_000)
    assert services.closing_price_of(app, CODE, DAY1) is None  # the day is not closed yet
    next_day(app, clock, DAY1)
    assert closing_price(app, CODE, DAY1) == 5_000
    assert units(app, SELLER) == (29_000, 0)  # the day's close expired the order
    exchange.place_order(app, SELLER, CODE, "sell", 2_000, 5_500)  # again, on day 2

    pledge = services.create_pledge(
        app, SELLER, LENDER, CODE, 10_000, 37_500_000, DAY2, date(2026, 6, 30),
        ltv="0.75", by=OPERATOR,
    ).pledge  # fmt: skip
    assert (pledge.close_fen, pledge.value_fen) == (5_000, 50_000_000)  # day 1's close
    assert units(app, SELLER) == (29_000, 12_000)

    trade(app, 4_500)  # day 2 at ¥45.00
    next_day(app, clock, DAY2)  # expires the resting sell: only the pledge stays frozen
    assert units(app, SELLER) == (28_000, 10_000)
    run = services.value_pledges(app, DAY2, by=OPERATOR)
    (valued,) = run.valued
    v = valued.valuation
    assert (v.close_fen, v.value_fen, v.ltv, v.coverage, v.level) == (
        4_500, 45_000_000, Decimal("0.8333"), Decimal("1.2000"), Level.WARNING
    )  # fmt: skip
    assert valued.pledge.status is PledgeStatus.WARNING

    trade(app, 4_050)  # day 3 at ¥40.50
    next_day(app, clock, DAY3)
    (valued,) = services.value_pledges(app, DAY3, by=OPERATOR).valued
    v = valued.valuation
    assert (v.close_fen, v.value_fen, v.ltv, v.coverage, v.level) == (
        4_050, 40_500_000, Decimal("0.9259"), Decimal("1.0800"), Level.CALL
    )  # fmt: skip

    defaulted = services.declare_default(app, pledge.id, by=OPERATOR).pledge
    assert defaulted.status is PledgeStatus.DEFAULTED
    assert units(app, SELLER) == (17_000, 0)
    assert units(app, LENDER) == (10_000, 0)
    assert units(app, BUYER) == (3_000, 0)
    assert audit.verify(app).ok


def test_a_weekend_is_valued_at_the_last_trading_days_close(app: App, clock: FixedClock) -> None:
    exchange.add_member(app, SELLER, "Guangzhou Steel Trading")
    exchange.add_member(app, BUYER, "Pearl River Carbon")
    open_account(app, LENDER, "holding", "Bank of Guangzhou")
    exchange.list_instrument(app, CODE, 5_000)
    exchange.deposit(app, BUYER, 1_000_000_000)
    execute(app, IssueUnits(CODE, 30_000, SELLER))
    trade(app, 5_200)
    next_day(app, clock, DAY1)
    pledge = services.create_pledge(
        app, SELLER, LENDER, CODE, 1_000, 2_600_000, DAY2, date(2026, 6, 30), by=OPERATOR
    ).pledge  # 0.5 x 1,000 x 5,200 = 2,600,000: exactly the limit
    (valued,) = services.value_pledges(app, date(2025, 7, 5), by=OPERATOR).valued  # Saturday
    assert (valued.pledge.id, valued.valuation.close_fen) == (pledge.id, 5_200)
