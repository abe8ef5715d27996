"""The matching engine: a continuous limit order book with price-time priority.

This is the reference engine, in pure Python: every rule of the listing market lives here and
is read here first. :mod:`openets.exchange.fastbook` is the same book compiled with Numba over
integer arrays, for replays and benchmarks; the replay tests check that both agree.

Rules (docs/exchange-engine.md has the full story):

- Units: prices are integer fen (tick = 1 fen = ¥0.01), quantities integer tonnes (lot = 1 t).
  A listing order is for 1 to :data:`MAX_LISTING_QTY` tonnes (orders of 100,000 t and more
  are block trades, negotiated off the book).
- Price-time priority: the best price trades first; at one price, the oldest order (lowest
  ``seq``) first. The trade price is always the resting order's price (a taker lifts a
  displayed order at its price, no improvement).
- Time in force: GTC rests its remainder (good for the trading day: the venue expires GTC
  orders at the close); IOC trades what it can at once and its remainder is cancelled; FOK
  trades its whole quantity at once or is rejected with nothing traded.
- Price band: with ``band`` set, an order (or an amended price) outside ``[low, high]`` is
  rejected.
- Amend: reducing the quantity keeps the order's place in the queue; any other change (more
  quantity, a new price) loses it: the order leaves and re-enters at the back of its (new)
  price level with a new ``seq``, and trades as a taker if the new price crosses.
- Self-trade prevention: an incoming (or re-entering) order with a non-empty owner that would
  trade with a resting order of the same owner is rejected as a whole before anything trades.
  Orders with owner ``""`` are not checked.
- A rejected command changes nothing: every check runs before the book is touched.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from openets.errors import RuleViolation
from openets.money import yuan

__all__ = [
    "MAX_LISTING_QTY",
    "Fill",
    "OrderBook",
    "OrderRejected",
    "PriceBand",
    "Resting",
    "Side",
    "TimeInForce",
    "yuan",
]

#: listing orders are under 100,000 t; larger quantities go to block (negotiated) trading
MAX_LISTING_QTY = 99_999


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class TimeInForce(StrEnum):
    #: good for the day: the remainder rests (the venue expires GTC orders at the close)
    GTC = "GTC"
    #: immediate or cancel: trade what crosses now, cancel the remainder
    IOC = "IOC"
    #: fill or kill: trade the whole quantity now, or nothing at all (the order is rejected)
    FOK = "FOK"


class OrderRejected(RuleViolation):
    """A command the book refuses; the message says why and the book is unchanged."""


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade: ``qty`` tonnes at ``price`` fen (the resting order's price)."""

    buy: str
    sell: str
    price: int
    qty: int
    #: the resting order's id
    maker: str
    #: the incoming (or re-entering amended) order's id
    taker: str


@dataclass(frozen=True, slots=True)
class Resting:
    """A resting order as stored: ``qty`` is what remains; lower ``seq`` has time priority."""

    id: str
    side: Side
    price: int
    qty: int
    owner: str
    seq: int


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The listing-trade price limit, inclusive, in fen."""

    low: int
    high: int

    @classmethod
    def around(cls, close: int, percent: Decimal) -> PriceBand:
        """The band ``close ± percent``, rounded inwards to whole fen.

        >>> PriceBand.around(4500, Decimal(10))
        PriceBand(low=4050, high=4950)
        """
        share = Decimal(percent) / 100
        low = (close * (1 - share)).to_integral_value(rounding=ROUND_CEILING)
        high = (close * (1 + share)).to_integral_value(rounding=ROUND_FLOOR)
        return cls(int(low), int(high))

    def __contains__(self, price: object) -> bool:
        return isinstance(price, int) and self.low <= price <= self.high


# --- Reasons for a rejection, shared with the fast engine so both word them the same ---------


def reason_duplicate(order_id: str) -> str:
    return f"order {order_id} is already in the book"


def reason_unknown(order_id: str) -> str:
    return f"no resting order {order_id}"


def reason_quantity(qty: object) -> str:
    return f"quantity {qty} is not a positive whole number of tonnes"


def reason_quantity_above(qty: int, max_qty: int) -> str:
    return f"quantity {qty} t is above the maximum {max_qty} t of a listing order"


def reason_price(price: object) -> str:
    return f"price {price} is not a positive whole number of fen"


def reason_band(price: int, band: PriceBand) -> str:
    return f"price {yuan(price)} is outside the price band {yuan(band.low)}-{yuan(band.high)}"


def reason_fill_or_kill(order_id: str, qty: int, available: int) -> str:
    return (
        f"fill-or-kill order {order_id} for {qty} t cannot be filled completely "
        f"({available} t available)"
    )


def reason_self_trade(order_id: str, resting_id: str) -> str:
    return f"order {order_id} would trade with own resting order {resting_id}"


def reason_empty_amend(order_id: str) -> str:
    return f"amend of {order_id} changes neither quantity nor price"


# --- The book ---------------------------------------------------------------------------------


class _Order:
    """A resting order inside the book (mutable: only its ``qty`` and ``live`` change).

    A cancelled or re-entered order is marked dead and left in its level's queue; the queue
    drops dead orders when they reach its head (lazy deletion keeps cancel O(1)).
    """

    __slots__ = ("id", "live", "owner", "price", "qty", "seq", "side")

    def __init__(self, id: str, side: Side, price: int, qty: int, owner: str, seq: int) -> None:
        self.id = id
        self.side = side
        self.price = price
        self.qty = qty
        self.owner = owner
        self.seq = seq
        self.live = True

    def frozen(self) -> Resting:
        return Resting(self.id, self.side, self.price, self.qty, self.owner, self.seq)


class _Level:
    """All resting orders at one price on one side, oldest first."""

    __slots__ = ("count", "queue", "total")

    def __init__(self) -> None:
        self.queue: deque[_Order] = deque()
        #: live orders in ``queue`` and their total quantity
        self.count = 0
        self.total = 0

    def live(self) -> Iterator[_Order]:
        return (order for order in self.queue if order.live)

    def append(self, order: _Order) -> None:
        self.queue.append(order)
        self.count += 1
        self.total += order.qty

    def drop(self, order: _Order) -> None:
        """Take a live order out (lazily: it stays in the queue, marked dead)."""
        order.live = False
        self.count -= 1
        self.total -= order.qty
        if len(self.queue) > 2 * self.count + 16:  # too many dead: compact
            self.queue = deque(self.live())

    def head(self) -> _Order:
        """The oldest live order (the level must have one)."""
        queue = self.queue
        while not queue[0].live:
            queue.popleft()
        return queue[0]


class _Side:
    """One side of the book: levels by price, and the prices sorted with the best last."""

    __slots__ = ("keys", "levels", "sign")

    def __init__(self, side: Side) -> None:
        self.levels: dict[int, _Level] = {}
        #: ``sign * price`` of every level, ascending, so the best price is ``keys[-1]``
        #: (bids: highest price last; asks: lowest price last)
        self.keys: list[int] = []
        self.sign = 1 if side is Side.BUY else -1

    def best(self) -> int | None:
        return self.sign * self.keys[-1] if self.keys else None

    def level_for(self, price: int) -> _Level:
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = _Level()
            bisect.insort(self.keys, self.sign * price)
        return level

    def remove_level(self, price: int) -> None:
        del self.levels[price]
        key = self.sign * price
        if self.keys[-1] == key:
            self.keys.pop()
        else:
            del self.keys[bisect.bisect_left(self.keys, key)]

    def prices_best_first(self) -> Iterator[int]:
        sign = self.sign
        return (sign * key for key in reversed(self.keys))


class OrderBook:
    """One instrument's continuous book (single writer: not thread-safe)."""

    def __init__(self, band: PriceBand | None = None, max_qty: int = MAX_LISTING_QTY) -> None:
        #: the price band in force (a new trading day sets a new one); None = no limit
        self.band = band
        self.max_qty = max_qty
        self._sides = {Side.BUY: _Side(Side.BUY), Side.SELL: _Side(Side.SELL)}
        self._orders: dict[str, _Order] = {}
        self._next_seq = 1

    # --- commands -----------------------------------------------------------------------------

    def place(
        self,
        id: str,
        side: Side,
        price: int,
        qty: int,
        tif: TimeInForce = TimeInForce.GTC,
        owner: str = "",
    ) -> list[Fill]:
        """Enter a new order; return its trades in execution order.

        Raises :class:`OrderRejected` (book unchanged) for a duplicate id, a bad quantity or
        price, a price outside the band, an unfillable FOK order, or a self-trade.
        """
        if side.__class__ is not Side:
            side = Side(side)
        if tif.__class__ is not TimeInForce:
            tif = TimeInForce(tif)
        if id in self._orders:
            raise OrderRejected(reason_duplicate(id))
        self._check_qty(qty)
        self._check_price(price)
        if tif is TimeInForce.FOK:
            available = self._available(side, price, qty)
            if available < qty:
                raise OrderRejected(reason_fill_or_kill(id, qty, available))
        if owner:
            self._check_self_trade(id, side, price, qty, owner)
        order = _Order(id, side, price, qty, owner, 0)
        fills = self._match(order)
        if order.qty and tif is TimeInForce.GTC:
            self._rest(order)
        return fills

    def cancel(self, id: str) -> Resting:
        """Take a resting order off the book; return its state just before."""
        order = self._orders.get(id)
        if order is None:
            raise OrderRejected(reason_unknown(id))
        state = order.frozen()
        self._remove(order)
        return state

    def amend(self, id: str, qty: int | None = None, price: int | None = None) -> list[Fill]:
        """Change a resting order's remaining quantity and/or price; return any trades.

        A smaller quantity at the same price keeps time priority. Anything else (a larger
        quantity, a new price) re-enters the order at the back of its level, where it trades
        as the taker if the new price crosses. Same quantity and price: nothing changes.
        """
        order = self._orders.get(id)
        if order is None:
            raise OrderRejected(reason_unknown(id))
        if qty is None and price is None:
            raise OrderRejected(reason_empty_amend(id))
        new_qty = order.qty if qty is None else qty
        new_price = order.price if price is None else price
        self._check_qty(new_qty)
        self._check_price(new_price)
        if new_price == order.price and new_qty <= order.qty:
            if new_qty < order.qty:  # reduce in place: keeps priority
                self._sides[order.side].levels[order.price].total -= order.qty - new_qty
                order.qty = new_qty
            return []
        if order.owner:
            self._check_self_trade(id, order.side, new_price, new_qty, order.owner)
        self._remove(order)
        entering = _Order(id, order.side, new_price, new_qty, order.owner, 0)
        fills = self._match(entering)
        if entering.qty:
            self._rest(entering)
        return fills

    def restore(self, orders: Iterable[Resting]) -> None:
        """Load resting orders as stored (no matching); new orders get later ``seq``s.

        Refuses (book unchanged) a duplicate id, a bad quantity or price, or a set of orders
        that would leave the book crossed.
        """
        loaded = sorted(orders, key=lambda resting: resting.seq)
        seen: set[str] = set()
        best = {Side.BUY: self.best_bid(), Side.SELL: self.best_ask()}
        for resting in loaded:
            if resting.id in self._orders or resting.id in seen:
                raise OrderRejected(reason_duplicate(resting.id))
            seen.add(resting.id)
            side = Side(resting.side)
            if not isinstance(resting.qty, int) or resting.qty < 1:
                raise OrderRejected(reason_quantity(resting.qty))
            if not isinstance(resting.price, int) or resting.price < 1:
                raise OrderRejected(reason_price(resting.price))
            known = best[side]
            better = max if side is Side.BUY else min
            best[side] = resting.price if known is None else better(known, resting.price)
        bid, ask = best[Side.BUY], best[Side.SELL]
        if bid is not None and ask is not None and bid >= ask:
            raise OrderRejected(
                f"restored orders would cross the book (bid {yuan(bid)} >= ask {yuan(ask)})"
            )
        for resting in loaded:
            order = _Order(
                resting.id,
                Side(resting.side),
                resting.price,
                resting.qty,
                resting.owner,
                resting.seq,
            )
            level = self._sides[order.side].level_for(order.price)
            level.append(order)
            if len(level.queue) > 1 and level.queue[-2].seq > order.seq:  # keep seq order
                level.queue = deque(sorted(level.live(), key=lambda o: o.seq))
            self._orders[order.id] = order
            self._next_seq = max(self._next_seq, order.seq + 1)

    # --- queries ------------------------------------------------------------------------------

    def resting(self) -> list[Resting]:
        """Every resting order: bids then asks, each best price first, then by ``seq``."""
        result: list[Resting] = []
        for side in (Side.BUY, Side.SELL):
            book = self._sides[side]
            for price in book.prices_best_first():
                result.extend(order.frozen() for order in book.levels[price].live())
        return result

    def get(self, id: str) -> Resting | None:
        order = self._orders.get(id)
        return None if order is None else order.frozen()

    def depth(
        self, levels: int | None = None
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """``(bids, asks)``: ``(price, total qty)`` per level, best first, at most ``levels``."""
        bids, asks = (self._depth(self._sides[side], levels) for side in (Side.BUY, Side.SELL))
        return bids, asks

    def best_bid(self) -> int | None:
        return self._sides[Side.BUY].best()

    def best_ask(self) -> int | None:
        return self._sides[Side.SELL].best()

    def __len__(self) -> int:
        return len(self._orders)

    # --- inside -------------------------------------------------------------------------------

    @staticmethod
    def _depth(book: _Side, levels: int | None) -> list[tuple[int, int]]:
        rows: list[tuple[int, int]] = []
        for price in book.prices_best_first():
            if levels is not None and len(rows) >= levels:
                break
            rows.append((price, book.levels[price].total))
        return rows

    def _check_qty(self, qty: int) -> None:
        if qty.__class__ is int and 0 < qty <= self.max_qty:  # the usual case, quickly
            return
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise OrderRejected(reason_quantity(qty))
        if qty > self.max_qty:
            raise OrderRejected(reason_quantity_above(qty, self.max_qty))

    def _check_price(self, price: int) -> None:
        band = self.band
        if price.__class__ is int and (band.low <= price <= band.high if band else price > 0):
            return  # the usual case, quickly
        if not isinstance(price, int) or isinstance(price, bool) or price < 1:
            raise OrderRejected(reason_price(price))
        if self.band is not None and price not in self.band:
            raise OrderRejected(reason_band(price, self.band))

    def _crossing(self, side: Side, price: int) -> Iterator[_Level]:
        """The opposite side's levels an order at ``price`` can trade with, best first."""
        book = self._sides[side.opposite]
        for level_price in book.prices_best_first():
            if level_price > price if side is Side.BUY else level_price < price:
                return
            yield book.levels[level_price]

    def _available(self, side: Side, price: int, qty: int) -> int:
        """Quantity an order could trade at once, counted up to ``qty``."""
        total = 0
        for level in self._crossing(side, price):
            total += level.total
            if total >= qty:
                break
        return total

    def _check_self_trade(self, id: str, side: Side, price: int, qty: int, owner: str) -> None:
        """Refuse the order if any resting order it would trade with has the same owner."""
        left = qty
        for level in self._crossing(side, price):
            for resting in level.live():
                if resting.owner == owner:
                    raise OrderRejected(reason_self_trade(id, resting.id))
                left -= resting.qty
                if left <= 0:
                    return

    def _match(self, taker: _Order) -> list[Fill]:
        """Trade ``taker`` against the opposite side while prices cross (mutates both)."""
        fills: list[Fill] = []
        book = self._sides[taker.side.opposite]
        keys = book.keys
        buying = taker.side is Side.BUY
        limit = book.sign * taker.price  # crosses while keys[-1] >= limit
        while taker.qty and keys and keys[-1] >= limit:
            price = book.sign * keys[-1]
            level = book.levels[price]
            while taker.qty and level.count:
                maker = level.head()
                qty = min(taker.qty, maker.qty)
                if buying:
                    fills.append(Fill(taker.id, maker.id, price, qty, maker.id, taker.id))
                else:
                    fills.append(Fill(maker.id, taker.id, price, qty, maker.id, taker.id))
                taker.qty -= qty
                maker.qty -= qty
                level.total -= qty
                if not maker.qty:
                    maker.live = False
                    level.queue.popleft()
                    level.count -= 1
                    del self._orders[maker.id]
            if not level.count:
                del book.levels[price]
                keys.pop()
        return fills

    def _rest(self, order: _Order) -> None:
        order.seq = self._next_seq
        self._next_seq += 1
        self._sides[order.side].level_for(order.price).append(order)
        self._orders[order.id] = order

    def _remove(self, order: _Order) -> None:
        book = self._sides[order.side]
        level = book.levels[order.price]
        level.drop(order)
        del self._orders[order.id]
        if not level.count:
            book.remove_level(order.price)
