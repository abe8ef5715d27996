"""Single-direction allowance auctions: the pure clearing rule.

The regulator sells a lot of allowances from its auction reserve; bidders place sealed bids
(tonnes at a price in fen per tonne); at the close the bids are ranked and filled and every
winner pays one uniform clearing price. The rules and their sources (Guangzhou Emissions
Exchange auction notices for Guangdong allowances, see ``docs/exchange-auctions.md``):

- **reserve price** (政策保留价, the lowest valid bid price): by default the volume-weighted
  average price of listing trades over the three calendar months before the announcement
  (notice of the 2016 third auction, held 27 Mar 2017: "按照竞价公告日的前三个自然月 …
  加权平均成交价计算"); the regulator may set another;
- **minimum bid** 1,000 t per bid, a bidder may place several bids, each irrevocable
  (notice of the 2015 second auction, 21 Dec 2015);
- **one bidder wins at most 50% of the lot** across all its bids (the same notice caps a
  bidder's cumulative bids at 50% of the lot; here the cap applies at clearing, so an
  over-eager bidder's surplus bids simply do not fill);
- **ranking** by price, highest first, then by time, earliest first;
- **uniform price**: every winner pays the lowest accepted bid price; when the valid bids do
  not cover the lot all of them fill at the lowest bid price and the rest stays unsold
  (notice of the 2014 first auction, 26 Sep 2014: "当申报总量不大于发放总量时，所有的申报均按
  最低申报价成交 … 成交价统一取竞买成功者当中的最低申报价").

Quantities are whole tonnes, prices whole fen per tonne, shares ``Decimal``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from openets.errors import InvalidInput, RuleViolation
from openets.money import yuan_grouped as yuan

__all__ = [
    "MAX_SHARE",
    "MIN_BID",
    "RESERVE_MONTHS",
    "Bid",
    "Clearing",
    "Fill",
    "bidder_cap",
    "check_bid",
    "clear",
    "reserve_from_vwap",
    "reserve_window",
    "yuan",
]

#: Smallest bid, tonnes (Guangdong notices from 2015 on).
MIN_BID = 1_000
#: Largest share of a lot one bidder may win.
MAX_SHARE = Decimal("0.5")
#: The default reserve price is the listing-trade VWAP of this many calendar months.
RESERVE_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Bid:
    """A sealed bid: ``qty`` tonnes at ``price`` fen per tonne; ``seq`` orders bids in time
    (smaller is earlier)."""

    id: int
    bidder: str
    qty: int
    price: int
    seq: int

    @property
    def amount(self) -> int:
        """What the bid may cost at most, fen (the funds frozen when it is placed)."""
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class Fill:
    """How many tonnes of one bid were accepted (0 for a losing bid)."""

    bid_id: int
    bidder: str
    qty: int


@dataclass(frozen=True, slots=True)
class Clearing:
    """The outcome of an auction: the uniform ``price`` (fen per tonne; ``None`` when nothing
    sold), one fill per bid in rank order, tonnes sold and unsold."""

    price: int | None
    fills: tuple[Fill, ...]
    sold: int
    unsold: int

    @property
    def value(self) -> int:
        """What the winners pay together, fen."""
        return (self.price or 0) * self.sold

    def allocation(self) -> dict[str, int]:
        """Tonnes won by each winning bidder, in the order they first won."""
        won: dict[str, int] = {}
        for fill in self.fills:
            if fill.qty:
                won[fill.bidder] = won.get(fill.bidder, 0) + fill.qty
        return won


def bidder_cap(lot: int, max_share: Decimal = MAX_SHARE) -> int:
    """The most one bidder may win of a lot of ``lot`` tonnes: the share, floored to a tonne."""
    return math.floor(lot * max_share)


def check_bid(qty: int, price: int, reserve: int, min_bid: int = MIN_BID) -> None:
    """Refuse (:class:`RuleViolation`) a bid below the minimum quantity or the reserve price.

    ``qty`` tonnes, ``price`` and ``reserve`` fen per tonne.
    """
    for name, value in (("quantity", qty), ("price", price)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput(f"bid {name} must be a positive whole number, got {value!r}")
    if qty < min_bid:
        raise RuleViolation(f"a bid is at least {min_bid:,} t, this one is {qty:,} t")
    if price < reserve:
        raise RuleViolation(
            f"a bid of {yuan(price)} yuan/t is below the reserve price of {yuan(reserve)} yuan/t"
        )


def clear(
    lot: int,
    bids: list[Bid] | tuple[Bid, ...],
    reserve: int,
    min_bid: int = MIN_BID,
    max_share: Decimal = MAX_SHARE,
) -> Clearing:
    """Clear an auction of ``lot`` tonnes at reserve price ``reserve`` (fen per tonne).

    Bids are ranked by price (highest first), then time (``seq``, earliest first) and filled
    in that order until the lot is gone; a bidder's fills together stay within
    ``max_share`` of the lot (floored to a tonne), so its further bids fill less or nothing;
    the last bid to fill may fill in part. Every winner pays the lowest accepted bid price.
    Every bid must pass :func:`check_bid` (it was checked when placed; a bid that does not is
    a :class:`RuleViolation` here too).
    """
    if isinstance(lot, bool) or not isinstance(lot, int) or lot <= 0:
        raise InvalidInput(f"the lot must be a positive whole number of tonnes, got {lot!r}")
    for bid in bids:
        check_bid(bid.qty, bid.price, reserve, min_bid)
    cap = bidder_cap(lot, max_share)
    remaining = lot
    won: dict[str, int] = {}
    fills: list[Fill] = []
    lowest: int | None = None
    for bid in sorted(bids, key=lambda b: (-b.price, b.seq, b.id)):
        take = max(0, min(bid.qty, remaining, cap - won.get(bid.bidder, 0)))
        if take:
            remaining -= take
            won[bid.bidder] = won.get(bid.bidder, 0) + take
            lowest = bid.price  # ranked by price, so the latest fill has the lowest price
        fills.append(Fill(bid.id, bid.bidder, take))
    return Clearing(price=lowest, fills=tuple(fills), sold=lot - remaining, unsold=remaining)


# --- the default reserve price ----------------------------------------------------------------


def reserve_window(announced: date, months: int = RESERVE_MONTHS) -> tuple[date, date]:
    """The business dates (first, last, both inclusive) whose listing trades set the default
    reserve: the ``months`` whole calendar months before the month of ``announced``
    (announced 15 Mar 2017 → 1 Dec 2016 to 28 Feb 2017)."""
    last = announced.replace(day=1) - timedelta(days=1)
    year, month = last.year, last.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), last


def reserve_from_vwap(vwap: Decimal | Fraction | int | None) -> int:
    """The default reserve price, whole fen per tonne: the listing VWAP (fen per tonne,
    exact) rounded half up to a fen. Refused when nothing traded in the window."""
    if vwap is None:
        raise RuleViolation(
            "no listing trade in the reserve window: set the reserve price with --reserve"
        )
    exact = Fraction(vwap)
    if exact <= 0:
        raise InvalidInput(f"a VWAP is a positive price, got {vwap}")
    # half up, in exact integers: floor(x + 1/2)
    return math.floor(exact + Fraction(1, 2))
