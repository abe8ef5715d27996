"""The demo market: a few months of simulated trading on the exchange, so the market charts
have history.

What it adds (all synthetic, labelled "Demo"; every state change keyed or a repeat the
services answer without a change, so a second run adds nothing):

1. the twelve demo trading members (``MEMBER-01`` ..) become exchange members, each with
   ¥20,000,000 of funds deposited and 300,000 t of GDEA-2025 bought over the counter from
   one of the twelve companies with the largest 2025 pre-allocations (registry transfers);
2. GDEA-2025 is listed at a reference price of ¥35.00 — the level of the real Guangdong
   market in the simulated months (the Guangzhou Emissions Exchange closed GDEA at ¥34.79 on
   25 Aug 2025 and ¥33.13 on 22 Sep 2025, Xinhua);
3. every trading day from 2 July to 30 September 2025: a seeded random walk of limit orders
   around the previous close, inside the ±10% band (some of them crossing), placed by the
   members in the morning session, then the close of the day (expiring what is left);
4. one single-direction auction of 200,000 t from ``GDEA-AUCTION`` on 9 October 2025 (its
   reserve price the listing VWAP of July-September) with six members' bids, cleared;
5. one block trade of 120,000 t between two members on 10 October 2025, confirmed;
(The member user ``trader``, acting for ``MEMBER-01`` on the trading page, is one of the
demo's users: :func:`openets.demo._demo_users`.)

The simulated days each draw from their own seeded generator, and every order and close
reads the previous close from the database, so a run interrupted half way resumes where it
stopped and produces the same market.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, time, timedelta

from openets.bootstrap import App
from openets.clock import CST, FixedClock
from openets.errors import RuleViolation
from openets.exchange import market
from openets.exchange import services as exchange
from openets.exchange.block import BlockState
from openets.exchange.calendar import trading_days
from openets.exchange.engine import TimeInForce
from openets.exchange.model import Side, listing_band
from openets.mrv.permissions import OPERATOR
from openets.registry import services as registry
from openets.registry.model import TransferUnits

__all__ = [
    "AUCTION_DAY",
    "BLOCK_DAY",
    "FIRST_DAY",
    "INSTRUMENT",
    "LAST_DAY",
    "REF_PRICE",
    "TRADER",
    "build",
]

INSTRUMENT = "GDEA-2025"
#: fen per tonne: ¥35.00, near the real GDEA closes of Aug-Sep 2025 (see the module doc)
REF_PRICE = 3_500
FIRST_DAY, LAST_DAY = date(2025, 7, 2), date(2025, 9, 30)
AUCTION_DAY, BLOCK_DAY = date(2025, 10, 9), date(2025, 10, 10)
MEMBERS = tuple(f"MEMBER-{n:02d}" for n in range(1, 13))
DEPOSIT = 2_000_000_000  # fen: ¥20,000,000 per member
UNITS = 300_000  # t of GDEA-2025 per member
ORDERS_PER_DAY = 5
AUCTION_LOT = 200_000
BLOCK_QTY = 120_000
#: the member user of the trading page, acting for MEMBER-01
TRADER = "trader"


def _at(app: App, day: date, moment: time) -> App:
    return dataclasses.replace(app, clock=FixedClock(datetime.combine(day, moment, CST)))


def build(app: App, seed: int) -> None:
    """Add this part of the demo to ``app``'s database (idempotent)."""
    key = f"demo-{seed}-exchange"
    if _block_done(app):
        return  # a complete earlier run
    _members(_at(app, FIRST_DAY, time(9, 0)), key)
    closed = {bar.day for bar in market.bars(app, INSTRUMENT)}
    for day in trading_days(FIRST_DAY, LAST_DAY):
        if day.isoformat() not in closed:
            _trading_day(app, day, seed, key)
    _auction(app, key)
    _block(app, key)


def _members(app: App, key: str) -> None:
    """Members with funds and units; the units come from the largest 2025 pre-allocations."""
    from openets.allocation import services as allocation

    exchange.list_instrument(app, INSTRUMENT, REF_PRICE)
    lines = [
        line
        for line in allocation.allocation_table(app, 2025, by=OPERATOR).lines
        if line.phase == "pre" and line.issued >= 2 * UNITS
    ]
    sources = [line.entity for line in sorted(lines, key=lambda x: (-x.issued, x.entity))]
    if not sources:
        raise RuleViolation("the demo's 2025 allocation has no company to sell units to members")
    transfers = []
    for n, account in enumerate(MEMBERS):
        exchange.add_member(app, account, registry.get_account(app, account).owner)
        exchange.deposit(app, account, DEPOSIT, key=f"{key}-deposit-{account}")
        source = sources[n % len(sources)]
        transfers.append(TransferUnits(INSTRUMENT, UNITS, source, account, f"{key}-units-{n}"))
    registry.execute_batch(app, transfers)


def _trading_day(app: App, day: date, seed: int, key: str) -> None:
    """A random walk of orders around the previous close, then the close of the day."""
    rng = random.Random(f"{seed}-exchange-{day.isoformat()}")
    previous = market.previous_close(app, INSTRUMENT, day)
    assert previous is not None
    band = listing_band(previous)
    # today's fair price drifts from the close by a few tenths of a per cent
    fair = min(max(round(previous * (1 + rng.gauss(0.0, 0.012))), band.low), band.high)
    members = list(MEMBERS)
    rng.shuffle(members)
    sellers, buyers = members[:6], members[6:]
    moment = datetime.combine(day, time(9, 35), CST)
    for n in range(ORDERS_PER_DAY):
        side = Side.SELL if n % 2 == 0 else Side.BUY
        account = rng.choice(sellers if side is Side.SELL else buyers)
        # asks mostly a little above the fair price, bids mostly a little below: some cross
        offset = rng.randint(-8, 10)
        price = fair + offset if side is Side.SELL else fair - offset
        price = min(max(price, band.low), band.high)
        qty = rng.randrange(100, 5_000, 10)
        at = dataclasses.replace(app, clock=FixedClock(moment + timedelta(minutes=9 * n)))
        exchange.place_order(
            at, account, INSTRUMENT, side, qty, price, TimeInForce.GTC, key=f"{key}-{day}-{n}"
        )
    exchange.close_day(_at(app, day, time(15, 5)), day)


def _auction(app: App, key: str) -> None:
    """Announce (09:00), six bids (10:00-10:25), clear (14:00) on the auction day."""
    from openets.exchange import auction_services as auctions

    announced = auctions.announce(
        _at(app, AUCTION_DAY, time(9, 0)),
        INSTRUMENT,
        AUCTION_LOT,
        opens=datetime.combine(AUCTION_DAY, time(9, 30), CST),
        closes=datetime.combine(AUCTION_DAY, time(11, 30), CST),
        key=f"{key}-auction",
    )
    auction = announced.auction
    if auction.clearing_price is not None or auction.settle_entry_seq is not None:
        return
    rng = random.Random(f"{key}-auction")
    for n, account in enumerate(MEMBERS[:6]):
        price = auction.reserve + rng.randrange(0, 120)
        qty = rng.randrange(20_000, 70_000, 1_000)
        auctions.place_bid(
            _at(app, AUCTION_DAY, time(10, 5 * n)),
            auction.id,
            account,
            qty,
            price,
            key=f"{key}-bid-{n}",
        )
    auctions.clear_auction(_at(app, AUCTION_DAY, time(14, 0)), auction.id)


def _block_done(app: App) -> bool:
    """Whether the demo's block trade (its last step) is confirmed."""
    from openets.exchange import block_services as blocks

    on = _at(app, BLOCK_DAY, time(10, 0))
    return any(block.state is BlockState.CONFIRMED for block, _ in blocks.block_list(on))


def _block(app: App, key: str) -> None:
    """MEMBER-03 sells 120,000 t to MEMBER-04 at the previous close, confirmed at once."""
    from openets.exchange import block_services as blocks

    on = _at(app, BLOCK_DAY, time(10, 30))
    price = market.previous_close(app, INSTRUMENT, BLOCK_DAY)
    assert price is not None
    proposal = blocks.propose_block(
        on,
        seller=MEMBERS[2],
        buyer=MEMBERS[3],
        instrument=INSTRUMENT,
        qty=BLOCK_QTY,
        price=price,
        key=f"{key}-block",
    )
    if proposal.state is BlockState.PROPOSED:
        blocks.confirm_block(_at(app, BLOCK_DAY, time(10, 40)), proposal.id, MEMBERS[3])
