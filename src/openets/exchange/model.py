"""Value types and pure rules of the exchange's listing market: orders, trades, daily bars,
prices in fen, reservations and the closing price.

Prices are whole fen per tonne (tick ¥0.01), quantities whole tonnes (lot 1 t), values whole
fen. The rules and their sources are in ``docs/exchange.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from openets.errors import InvalidInput
from openets.exchange.engine import MAX_LISTING_QTY, PriceBand, Side, TimeInForce, yuan

__all__ = [
    "LISTING_BAND_PERCENT",
    "MAX_LISTING_QTY",
    "Bar",
    "Listing",
    "Member",
    "Order",
    "OrderResult",
    "OrderStatus",
    "Side",
    "TimeInForce",
    "Trade",
    "close_of_day",
    "listing_band",
    "parse_price",
    "parse_side",
    "parse_tif",
    "reservation",
    "round_half_up",
    "yuan",
]

#: Listing trades: at most ±10% from the previous close (Guangdong and Shenzhen exchange
#: trading rules; DESIGN.md §3 Exchange).
LISTING_BAND_PERCENT = Decimal(10)

_PRICE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


class OrderStatus(StrEnum):
    OPEN = "open"  # resting in the book
    FILLED = "filled"
    CANCELLED = "cancelled"  # by its member, or the unfilled rest of an IOC order
    EXPIRED = "expired"  # still open at the day's close
    REJECTED = "rejected"  # refused at entry (never stored: a refusal changes nothing)


def parse_price(text: str | int, what: str = "price") -> int:
    """A price or amount in yuan (``"45.20"``, at most two decimals) as whole fen."""
    value = str(text).strip()
    if not _PRICE.match(value):
        raise InvalidInput(
            f"{what} {text!r} is not an amount in yuan with at most two decimals (tick ¥0.01)"
        )
    whole, _, cents = value.partition(".")
    fen = int(whole) * 100 + int((cents + "00")[:2])
    if fen <= 0:
        raise InvalidInput(f"{what} must be above zero, got {text!r}")
    return fen


def parse_side(text: str) -> Side:
    try:
        return Side(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"side {text!r} is neither buy nor sell") from None


def parse_tif(text: str) -> TimeInForce:
    try:
        return TimeInForce(text.strip().upper())
    except ValueError:
        raise InvalidInput(f"time in force {text!r} is not one of GTC, IOC, FOK") from None


def reservation(side: Side, price: int, qty: int) -> int:
    """What an order must hold reserved: ``price × qty`` fen of funds for a buy, ``qty``
    tonnes of the instrument for a sell."""
    return price * qty if side is Side.BUY else qty


def listing_band(previous_close: int) -> PriceBand:
    """The listing-trade price band around the previous close (inclusive, whole fen)."""
    return PriceBand.around(previous_close, LISTING_BAND_PERCENT)


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest whole, halves up (both positive)."""
    return (2 * numerator + denominator) // (2 * denominator)


def close_of_day(value: int, volume: int, previous_close: int) -> int:
    """The closing price: the VWAP of the day's listing trades (value fen / volume t, rounded
    half up to the fen), or the previous close when nothing traded."""
    return round_half_up(value, volume) if volume else previous_close


@dataclass(frozen=True, slots=True)
class Member:
    """An exchange member's trading account (a registry account: units and CNY funds)."""

    account: str
    name: str
    joined_at: str


@dataclass(frozen=True, slots=True)
class Listing:
    """An instrument listed for trading, with its listing reference price (fen)."""

    code: str
    ref_price: int
    listed_at: str


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    account: str
    instrument: str
    side: Side
    price: int
    qty: int
    remaining: int
    tif: TimeInForce
    status: OrderStatus
    priority: int
    #: held reserved for it now: fen of funds (buy) or tonnes (sell)
    reserved: int
    placed_at: str
    business_date: str
    updated_at: str

    @property
    def filled(self) -> int:
        return self.qty - self.remaining


@dataclass(frozen=True, slots=True)
class Trade:
    id: int
    instrument: str
    buy_order: int
    sell_order: int
    buyer: str
    seller: str
    price: int
    qty: int
    maker_order: int
    at: str
    business_date: str
    entry_seq: int

    @property
    def value(self) -> int:
        return self.price * self.qty


@dataclass(frozen=True, slots=True)
class OrderResult:
    """An order after a command (place, amend, lift), the trades it made, and whether an
    idempotency key replayed an earlier placement."""

    order: Order
    trades: tuple[Trade, ...]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Bar:
    """One instrument's closed trading day. ``open``/``high``/``low`` are None when nothing
    traded (the close is then the previous close)."""

    instrument: str
    day: str
    open: int | None
    high: int | None
    low: int | None
    close: int
    volume: int
    value: int
    trades: int
