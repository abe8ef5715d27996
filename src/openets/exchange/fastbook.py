"""The matching engine compiled with Numba: the same book as :class:`~openets.exchange.engine.
OrderBook`, over integer arrays, for replays and benchmarks.

:class:`openets.exchange.engine.OrderBook` is the reference: it reads like the rules and has
every feature (owners and self-trade prevention, ``restore``, ``Fill``/``Resting`` values).
This module runs a whole batch of commands in one compiled call, with the same semantics for
new orders (GTC, IOC, FOK), cancels, amends and the price band; it has no owners.

Encoding (everything is ``int64``):

- Order ids are small integers (``0 .. n_ids - 1``) assigned by the caller; an id is one
  order *slot*, reused when the id comes back after its order left the book.
- Prices are *levels*: indices into ``level_price``, the ascending array of every distinct
  price (fen) the command stream uses. Comparing levels compares prices, and the book is a set
  of arrays over the levels (for a contiguous price range this is the plain tick window).
- A command is one row of :data:`COMMAND_COLUMNS`: ``op, id, side, level, qty, tif``. For an
  amend, ``qty`` or ``level`` is ``-1`` when it does not change. ``OP_INVALID`` is a command the
  caller already refused (a malformed field); the engine reports it as rejected, in order.
- The engine writes *events*, one row of :data:`EVENT_COLUMNS` each:
  ``kind, command, a, b, c, d``; a trade is ``EV_TRADE, k, buy id, sell id, price fen, qty``,
  a rejection ``EV_REJECT, k, reason code, detail, 0, 0`` (detail: the quantity or price the
  reason names, or the quantity available to a FOK order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from openets.exchange.engine import MAX_LISTING_QTY, PriceBand

__all__ = ["COMMAND_COLUMNS", "EVENT_COLUMNS", "FastBook"]

Int64Array = npt.NDArray[np.int64]

#: columns of a command row
COMMAND_COLUMNS = ("op", "id", "side", "level", "qty", "tif")
OP_NEW, OP_CANCEL, OP_AMEND, OP_INVALID = 0, 1, 2, 3
BUY, SELL = 0, 1
GTC, IOC, FOK = 0, 1, 2

#: columns of an event row
EVENT_COLUMNS = ("kind", "command", "a", "b", "c", "d")
EV_TRADE, EV_REJECT = 0, 1

#: reason codes of a rejection (the words are :mod:`openets.exchange.engine`'s ``reason_*``)
R_DUPLICATE = 1  # a live order has this id
R_UNKNOWN = 2  # cancel/amend of an id that is not resting
R_QTY_ABOVE = 3  # quantity above the maximum of a listing order (detail: the quantity)
R_BAND = 4  # price outside the band (detail: the price in fen)
R_FILL_OR_KILL = 5  # FOK order cannot fill completely (detail: quantity available)
R_EMPTY_AMEND = 6  # amend with neither quantity nor price
R_INVALID = 7  # refused by the caller before the engine (OP_INVALID)

NONE = -1  # "no order" / "no level" in every link and index

#: columns of ``orders``, one row per order slot (= order id)
O_SIDE = 0  # BUY or SELL
O_LEVEL = 1  # the level it rests at
O_QTY = 2  # remaining quantity; 0 = not resting
O_PREV = 3  # the next older order in its level's FIFO queue (NONE at the head)
O_NEXT = 4  # the next newer order in its level's FIFO queue (NONE at the tail)
ORDER_FIELDS = 5

#: fields of ``levels[side, level]``
L_HEAD = 0  # oldest order slot of the level's queue (NONE if the level is empty)
L_TAIL = 1  # newest order slot
L_QTY = 2  # total remaining quantity of the level
LEVEL_FIELDS = 3

#: entries of ``tops``
T_BEST = 0  # tops[T_BEST + side]: best level (bids highest, asks lowest); NONE = side empty
T_NONEMPTY = 2  # tops[T_NONEMPTY + side]: non-empty levels (an emptied side needs no scan)
T_RESTING = 4  # resting orders (bounds the trades one command can make)
T_BAND_LOW = 5  # the price band in fen (0 .. int64 max without a band)
T_BAND_HIGH = 6
T_MAX_QTY = 7  # the largest quantity of a listing order
TOPS = 8


@dataclass
class FastBook:
    """The book's state in three arrays (Numba passes plain arrays at no cost); :meth:`run`
    feeds it commands.

    ``level_price``  level -> price in fen, ascending
    ``orders``       ``[slot, O_*]``: per order slot, its side, level, remaining quantity and
                     its neighbours in its level's queue (an intrusive doubly-linked list)
    ``levels``       ``[side, level, L_*]``: per side and level, the queue's head and tail
                     and the level's total quantity
    ``tops``         ``[T_*]``: best level per side, non-empty levels per side, resting
                     orders, the band and the maximum quantity
    """

    level_price: Int64Array
    orders: Int64Array
    levels: Int64Array
    tops: Int64Array

    @classmethod
    def empty(
        cls,
        level_price: Int64Array,
        n_ids: int,
        band: PriceBand | None = None,
        max_qty: int = MAX_LISTING_QTY,
    ) -> FastBook:
        orders = np.full((n_ids, ORDER_FIELDS), NONE, dtype=np.int64)
        orders[:, O_QTY] = 0
        levels = np.full((2, len(level_price), LEVEL_FIELDS), NONE, dtype=np.int64)
        levels[:, :, L_QTY] = 0
        tops = np.zeros(TOPS, dtype=np.int64)
        tops[T_BEST + BUY] = tops[T_BEST + SELL] = NONE
        tops[T_BAND_LOW] = band.low if band is not None else 0
        tops[T_BAND_HIGH] = band.high if band is not None else np.iinfo(np.int64).max
        tops[T_MAX_QTY] = max_qty
        prices = np.ascontiguousarray(level_price, dtype=np.int64)
        return cls(prices, orders, levels, tops)

    def run(self, commands: Int64Array, start: int, events: Int64Array) -> tuple[int, int]:
        """Run commands from ``start`` until the end or until ``events`` might overflow.

        Returns ``(next command, events written)``. Before each command the engine checks that
        ``events`` has room for the worst case (one trade per resting order, or a rejection);
        if not, it stops so the caller can drain ``events`` (and grow it, see
        :meth:`room_needed`) and call again.
        """
        done, written = _run(commands, start, events, self.level_price, self.orders,
                             self.levels, self.tops)  # fmt: skip
        return int(done), int(written)

    def room_needed(self) -> int:
        """Event rows one command may need at most now."""
        return int(self.tops[T_RESTING]) + 1

    def depth(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """``(bids, asks)``: ``(price fen, total qty)`` per level, best first."""
        totals = self.levels[:, :, L_QTY]
        bids = [(int(self.level_price[i]), int(totals[BUY, i]))
                for i in np.flatnonzero(totals[BUY])[::-1]]  # fmt: skip
        asks = [(int(self.level_price[i]), int(totals[SELL, i]))
                for i in np.flatnonzero(totals[SELL])]  # fmt: skip
        return bids, asks

    def resting_qty(self) -> Int64Array:
        """Remaining quantity per order slot (0 = not resting)."""
        return self.orders[:, O_QTY].copy()


# --- The compiled kernel ------------------------------------------------------------------

_compiled = njit(cache=True)


@_compiled
def _next_best(side: int, level: int, levels: Int64Array, tops: Int64Array) -> int:
    """The best non-empty level of ``side`` after ``level`` (worse prices), or NONE."""
    if tops[T_NONEMPTY + side] == 0:
        return NONE
    step = -1 if side == BUY else 1
    i = level + step
    while 0 <= i < levels.shape[1]:
        if levels[side, i, L_HEAD] != NONE:
            return i
        i += step
    return NONE


@_compiled
def _append(slot: int, side: int, level: int, qty: int, orders: Int64Array,
            levels: Int64Array, tops: Int64Array) -> None:  # fmt: skip
    """Rest order ``slot`` at the back of ``level``'s queue."""
    last = levels[side, level, L_TAIL]
    orders[slot, O_SIDE] = side
    orders[slot, O_LEVEL] = level
    orders[slot, O_QTY] = qty
    orders[slot, O_PREV] = last
    orders[slot, O_NEXT] = NONE
    if last == NONE:  # the level was empty
        levels[side, level, L_HEAD] = slot
        tops[T_NONEMPTY + side] += 1
        best = tops[T_BEST + side]
        if best == NONE or (level > best if side == BUY else level < best):
            tops[T_BEST + side] = level
    else:
        orders[last, O_NEXT] = slot
    levels[side, level, L_TAIL] = slot
    levels[side, level, L_QTY] += qty
    tops[T_RESTING] += 1


@_compiled
def _unlink(slot: int, orders: Int64Array, levels: Int64Array, tops: Int64Array) -> None:
    """Take resting order ``slot`` out of its queue (cancel, or an amend that loses priority)."""
    side, level = orders[slot, O_SIDE], orders[slot, O_LEVEL]
    prev, nxt = orders[slot, O_PREV], orders[slot, O_NEXT]
    if prev == NONE:
        levels[side, level, L_HEAD] = nxt
    else:
        orders[prev, O_NEXT] = nxt
    if nxt == NONE:
        levels[side, level, L_TAIL] = prev
    else:
        orders[nxt, O_PREV] = prev
    levels[side, level, L_QTY] -= orders[slot, O_QTY]
    orders[slot, O_QTY] = 0
    tops[T_RESTING] -= 1
    if levels[side, level, L_HEAD] == NONE:
        tops[T_NONEMPTY + side] -= 1
        if tops[T_BEST + side] == level:
            tops[T_BEST + side] = _next_best(side, level, levels, tops)


@_compiled
def _crosses(side: int, level: int, other_level: int) -> bool:
    """Can an order of ``side`` at ``level`` trade with the opposite side's ``other_level``?"""
    if other_level == NONE:
        return False
    return other_level <= level if side == BUY else other_level >= level


@_compiled
def _available(side: int, level: int, qty: int, levels: Int64Array, tops: Int64Array) -> int:
    """Quantity an order could trade at once (counted up to ``qty``)."""
    other = 1 - side
    step = 1 if other == SELL else -1
    total = 0
    i = tops[T_BEST + other]
    while i != NONE and 0 <= i < levels.shape[1] and total < qty and _crosses(side, level, i):
        total += levels[other, i, L_QTY]
        i += step
    return total


@_compiled
def _match(k: int, taker: int, side: int, level: int, qty: int, events: Int64Array,
           written: int, level_price: Int64Array, orders: Int64Array, levels: Int64Array,
           tops: Int64Array) -> tuple[int, int]:  # fmt: skip
    """Trade ``qty`` of order ``taker`` (command ``k``) against the opposite side, best level
    first and oldest order first, at the resting order's price. Returns (qty left, written)."""
    other = 1 - side
    while qty > 0 and _crosses(side, level, tops[T_BEST + other]):
        at = tops[T_BEST + other]
        price = level_price[at]
        maker = levels[other, at, L_HEAD]
        while qty > 0 and maker != NONE:
            traded = min(qty, orders[maker, O_QTY])
            events[written, 0] = EV_TRADE
            events[written, 1] = k
            events[written, 2] = taker if side == BUY else maker
            events[written, 3] = maker if side == BUY else taker
            events[written, 4] = price
            events[written, 5] = traded
            written += 1
            qty -= traded
            orders[maker, O_QTY] -= traded
            levels[other, at, L_QTY] -= traded
            if orders[maker, O_QTY] == 0:  # filled: leaves the head of the queue
                maker = orders[maker, O_NEXT]
                levels[other, at, L_HEAD] = maker
                tops[T_RESTING] -= 1
                if maker == NONE:
                    levels[other, at, L_TAIL] = NONE
                else:
                    orders[maker, O_PREV] = NONE
        if levels[other, at, L_HEAD] == NONE:  # level swept
            tops[T_NONEMPTY + other] -= 1
            tops[T_BEST + other] = _next_best(other, at, levels, tops)
    return qty, written


@_compiled
def _reject(events: Int64Array, written: int, k: int, reason: int, detail: int) -> int:
    events[written, 0] = EV_REJECT
    events[written, 1] = k
    events[written, 2] = reason
    events[written, 3] = detail
    events[written, 4] = 0
    events[written, 5] = 0
    return written + 1


@_compiled
def _out_of_band(price: int, tops: Int64Array) -> bool:
    return bool(price < tops[T_BAND_LOW] or price > tops[T_BAND_HIGH])


@_compiled
def _place(k: int, commands: Int64Array, events: Int64Array, written: int,
           level_price: Int64Array, orders: Int64Array, levels: Int64Array,
           tops: Int64Array) -> int:  # fmt: skip
    """Command ``k``, a new order: check it, trade it, rest a GTC remainder. Returns
    ``written``."""
    slot, side, level = commands[k, 1], commands[k, 2], commands[k, 3]
    qty, tif = commands[k, 4], commands[k, 5]
    if orders[slot, O_QTY] > 0:
        return _reject(events, written, k, R_DUPLICATE, 0)
    if qty > tops[T_MAX_QTY]:
        return _reject(events, written, k, R_QTY_ABOVE, qty)
    if _out_of_band(level_price[level], tops):
        return _reject(events, written, k, R_BAND, level_price[level])
    if tif == FOK:
        available = _available(side, level, qty, levels, tops)
        if available < qty:
            return _reject(events, written, k, R_FILL_OR_KILL, available)
    left, written = _match(k, slot, side, level, qty, events, written, level_price, orders,
                           levels, tops)  # fmt: skip
    if left > 0 and tif == GTC:
        _append(slot, side, level, left, orders, levels, tops)
    return written


@_compiled
def _amend(k: int, commands: Int64Array, events: Int64Array, written: int,
           level_price: Int64Array, orders: Int64Array, levels: Int64Array,
           tops: Int64Array) -> int:  # fmt: skip
    """Command ``k``, an amend of a resting order's quantity and/or level. Returns
    ``written``."""
    slot, new_level, new_qty = commands[k, 1], commands[k, 3], commands[k, 4]
    if orders[slot, O_QTY] == 0:
        return _reject(events, written, k, R_UNKNOWN, 0)
    if new_level == NONE and new_qty == NONE:
        return _reject(events, written, k, R_EMPTY_AMEND, 0)
    side, old_level, old_qty = orders[slot, O_SIDE], orders[slot, O_LEVEL], orders[slot, O_QTY]
    if new_level == NONE:
        new_level = old_level
    if new_qty == NONE:
        new_qty = old_qty
    if new_qty > tops[T_MAX_QTY]:
        return _reject(events, written, k, R_QTY_ABOVE, new_qty)
    if _out_of_band(level_price[new_level], tops):
        return _reject(events, written, k, R_BAND, level_price[new_level])
    if new_level == old_level and new_qty <= old_qty:
        # same price, less (or the same) quantity: keeps its place in the queue
        levels[side, old_level, L_QTY] -= old_qty - new_qty
        orders[slot, O_QTY] = new_qty
        return written
    # loses priority: leaves, re-enters at the back of its level, trades if it crosses
    _unlink(slot, orders, levels, tops)
    left, written = _match(k, slot, side, new_level, new_qty, events, written, level_price,
                           orders, levels, tops)  # fmt: skip
    if left > 0:
        _append(slot, side, new_level, left, orders, levels, tops)
    return written


@_compiled
def _run(commands: Int64Array, start: int, events: Int64Array, level_price: Int64Array,
         orders: Int64Array, levels: Int64Array, tops: Int64Array) -> tuple[int, int]:  # fmt: skip
    """Run ``commands[start:]`` until the end or until ``events`` might not have room."""
    written = 0
    k = start
    while k < commands.shape[0] and written + tops[T_RESTING] + 1 <= events.shape[0]:
        op = commands[k, 0]
        if op == OP_NEW:
            written = _place(k, commands, events, written, level_price, orders, levels, tops)
        elif op == OP_CANCEL:
            slot = commands[k, 1]
            if orders[slot, O_QTY] == 0:
                written = _reject(events, written, k, R_UNKNOWN, 0)
            else:
                _unlink(slot, orders, levels, tops)
        elif op == OP_AMEND:
            written = _amend(k, commands, events, written, level_price, orders, levels, tops)
        else:  # OP_INVALID: refused before the engine, reported in order
            written = _reject(events, written, k, R_INVALID, 0)
        k += 1
    return k, written
