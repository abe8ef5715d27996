"""Negotiated block trades: the pure rules.

A block trade (大宗协议交易) is agreed between two members off the order book: one side
proposes it to a named counterparty, the counterparty confirms (or rejects) it, and it settles
delivery versus payment at once. Its rules (national ETS: Shanghai Environment and Energy
Exchange, 《关于全国碳排放权交易相关事项的公告》, June 2021: single listing orders under
100,000 t, block trades from 100,000 t at a price within ±30% of the previous close; the
Guangdong exchange rules use the same thresholds, see ``docs/exchange-auctions.md``):

- at least :data:`MIN_BLOCK_QTY` tonnes;
- a price in whole fen within the **block band**: from ``ceil(close × 0.7)`` to
  ``floor(close × 1.3)`` fen, both included, around the previous close;
- two different parties, and only the named counterparty may confirm or reject; only the
  proposer may withdraw; a proposal not confirmed by the day's close expires.

Quantities are whole tonnes, prices fen per tonne, the band width ``Decimal``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from openets.errors import InvalidInput, NotAuthorised, RuleViolation
from openets.money import yuan_grouped

__all__ = [
    "BLOCK_BAND",
    "MIN_BLOCK_QTY",
    "BlockState",
    "PriceBand",
    "Side",
    "block_band",
    "check_block",
    "require_counterparty",
    "require_open",
    "require_proposer",
]

#: Smallest block trade, tonnes.
MIN_BLOCK_QTY = 100_000
#: How far a block trade's price may be from the previous close, as a share of it.
BLOCK_BAND = Decimal("0.30")


class Side(StrEnum):
    """Which side of a block trade a party is on."""

    SELLER = "seller"
    BUYER = "buyer"


class BlockState(StrEnum):
    """A proposal is ``proposed`` until confirmed (it settled), rejected by the counterparty,
    withdrawn by the proposer, or expired at the close of its trading day."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class PriceBand:
    """Prices a trade may have, fen per tonne, both ends included."""

    low: int
    high: int

    def __contains__(self, price: object) -> bool:
        return isinstance(price, int) and self.low <= price <= self.high


def block_band(previous_close: int, width: Decimal = BLOCK_BAND) -> PriceBand:
    """The block band around ``previous_close`` (fen per tonne): ``ceil(close × (1 − width))``
    to ``floor(close × (1 + width))``, so every price in it is within ``width`` of the close."""
    if previous_close <= 0:
        raise InvalidInput(f"a previous close is a positive price, got {previous_close!r}")
    low = math.ceil(previous_close * (1 - width))
    high = math.floor(previous_close * (1 + width))
    return PriceBand(low, high)


def check_block(
    seller: str,
    buyer: str,
    qty: int,
    price: int,
    previous_close: int | None,
    *,
    min_qty: int = MIN_BLOCK_QTY,
    width: Decimal = BLOCK_BAND,
) -> PriceBand:
    """Refuse a block trade that breaks a rule; return the band it was checked against.

    ``qty`` tonnes, ``price`` and ``previous_close`` fen per tonne (``None``: the instrument
    has never closed, so there is no reference price and no block trade).
    """
    for name, value in (("quantity", qty), ("price", price)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput(f"block trade {name} must be a positive whole number, got {value!r}")
    if seller == buyer:
        raise RuleViolation(f"a block trade needs two parties: {seller!r} is on both sides")
    if qty < min_qty:
        raise RuleViolation(f"a block trade is at least {min_qty:,} t, this one is {qty:,} t")
    if previous_close is None:
        raise RuleViolation("no previous close: a block trade needs a reference price")
    band = block_band(previous_close, width)
    if price not in band:
        raise RuleViolation(
            f"price {yuan_grouped(price)} yuan/t is outside the block band "
            f"{yuan_grouped(band.low)}–{yuan_grouped(band.high)} yuan/t "
            f"(±{width:.0%} of the previous close "
            f"{yuan_grouped(previous_close)})"
        )
    return band


def require_open(state: BlockState, block_id: int) -> None:
    """Refuse to act on a proposal that is no longer open."""
    if state is not BlockState.PROPOSED:
        raise RuleViolation(f"block trade {block_id} is {state}, no longer open")


def require_counterparty(party: str, counterparty: str, block_id: int, action: str) -> None:
    """Only the named counterparty confirms or rejects a proposal."""
    if party != counterparty:
        raise NotAuthorised(
            f"{party!r} may not {action} block trade {block_id}: "
            f"only its counterparty {counterparty!r} may"
        )


def require_proposer(party: str, proposer: str, block_id: int) -> None:
    """Only the proposer withdraws a proposal."""
    if party != proposer:
        raise NotAuthorised(
            f"{party!r} may not withdraw block trade {block_id}: only its proposer {proposer!r} may"
        )
