"""Replay a file of order commands through the matching engine, alone (no registry, no
calendar, no database): the engine's contract made visible.

Input, one JSON object per line (blank lines are skipped)::

    {"op": "new", "id": "o1", "side": "buy", "price": "45.20", "qty": 100, "tif": "GTC"}
    {"op": "cancel", "id": "o1"}
    {"op": "amend", "id": "o1", "qty": 50}          (or "price": "45.30", or both)

``tif`` is optional (GTC). Output records, in execution order::

    {"trade": 1, "buy": "o1", "sell": "o2", "price": "45.20", "qty": 100}
    {"rejected": "o3", "reason": "..."}
    {"book": {"bids": [["45.20", 100], ...], "asks": [...]}}     (last)

A line that is not a command at all (not JSON, not an object, no ``op`` or ``id``, an unknown
``op``) stops the replay before anything runs (:class:`~openets.errors.InvalidInput`, naming
the line). A command that breaks a trading rule (a price off the tick, a bad quantity, a price
outside the band, an unknown order, ...) is rejected and the replay goes on.

Both engines run the same encoded commands: the Numba :class:`~openets.exchange.fastbook.
FastBook` (default) and the reference :class:`~openets.exchange.engine.OrderBook`; their
output is identical (tests/unit/test_matching_properties.py checks it).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np

from openets.errors import InvalidInput
from openets.exchange import engine as rules
from openets.exchange import fastbook as fast
from openets.exchange.engine import (
    MAX_LISTING_QTY,
    OrderBook,
    OrderRejected,
    PriceBand,
    Side,
    TimeInForce,
    yuan,
)

__all__ = ["Commands", "Engine", "read_commands", "replay"]

Engine = Literal["fast", "python"]
Record = dict[str, Any]

#: prices above this (fen, ¥10 bn per tonne) are refused as "too large": keeps int64 safe
_MAX_PRICE = 10**12
_SIDES = {"buy": fast.BUY, "sell": fast.SELL}
_TIFS = {"GTC": fast.GTC, "IOC": fast.IOC, "FOK": fast.FOK}
_OPS = {"new": fast.OP_NEW, "cancel": fast.OP_CANCEL, "amend": fast.OP_AMEND}
_NO_VALUE = -1  # an amend's qty or level that does not change


@dataclass
class Commands:
    """A command file, encoded for the engines (see :mod:`openets.exchange.fastbook`)."""

    #: one row per command: op, id index, side, level, qty, tif
    rows: fast.Int64Array
    #: id index -> order id
    ids: list[str]
    #: level -> price in fen, ascending
    level_price: fast.Int64Array
    #: command index -> reason, for commands refused while reading (op OP_INVALID)
    invalid: dict[int, str]

    def __len__(self) -> int:
        return len(self.rows)


class _Refused(Exception):
    """A well-formed command that breaks a trading rule (reported, not fatal)."""


def read_commands(lines: Iterable[str], max_qty: int = MAX_LISTING_QTY) -> Commands:
    """Parse and encode command lines; raise InvalidInput at the first line that is not a
    command."""
    flat = array("q")  # rows, flattened; prices in fen until they become levels
    id_index: dict[str, int] = {}
    invalid: dict[int, str] = {}
    k = 0  # commands so far
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        op, order_id, fields = _command(number, line)
        slot = id_index.setdefault(order_id, len(id_index))
        try:
            row = _encode(op, fields, max_qty)
        except _Refused as refused:
            invalid[k] = str(refused)
            row = (fast.OP_INVALID, 0, 0, _NO_VALUE, 0, 0)
        flat.extend((row[0], slot, *row[2:]))
        k += 1
    rows = np.frombuffer(flat, dtype=np.int64).reshape(-1, len(fast.COMMAND_COLUMNS)).copy()
    priced = rows[:, 3] != _NO_VALUE
    level_price = np.unique(rows[priced, 3])
    rows[priced, 3] = np.searchsorted(level_price, rows[priced, 3])
    return Commands(rows, list(id_index), level_price, invalid)


def _command(number: int, line: str) -> tuple[str, str, dict[str, Any]]:
    """``(op, id, fields)`` of a line, or InvalidInput if it is not a command at all."""
    try:
        fields = json.loads(line, parse_float=Decimal)
    except ValueError as error:
        raise InvalidInput(f"line {number}: not JSON ({error})") from None
    if not isinstance(fields, dict):
        raise InvalidInput(f"line {number}: not a JSON object")
    op, order_id = fields.get("op"), fields.get("id")
    if not isinstance(op, str):
        raise InvalidInput(f'line {number}: no "op" (new, cancel or amend)')
    if op not in _OPS:
        raise InvalidInput(f"line {number}: unknown op {op!r} (new, cancel or amend)")
    if not isinstance(order_id, str) or not order_id:
        raise InvalidInput(f'line {number}: no "id" (a non-empty string)')
    return op, order_id, fields


def _encode(op: str, fields: dict[str, Any], max_qty: int) -> tuple[int, ...]:
    """The row of a command (id column left 0); prices in fen in the level column."""
    if op == "cancel":
        return (fast.OP_CANCEL, 0, 0, _NO_VALUE, 0, 0)
    if op == "amend":
        qty = fields.get("qty")
        price = fields.get("price")
        return (
            fast.OP_AMEND,
            0,
            0,
            _NO_VALUE if price is None else _price(price),
            _NO_VALUE if qty is None else _qty(qty, max_qty),
            0,
        )
    side = fields.get("side")
    if side not in _SIDES:
        raise _Refused(f"side {_shown(side)} is not buy or sell")
    tif = fields.get("tif", "GTC")
    if tif not in _TIFS:
        raise _Refused(f"time in force {_shown(tif)} is not GTC, IOC or FOK")
    if "price" not in fields:
        raise _Refused("no price")
    if "qty" not in fields:
        raise _Refused("no quantity")
    price, qty = _price(fields["price"]), _qty(fields["qty"], max_qty)
    return (fast.OP_NEW, 0, _SIDES[side], price, qty, _TIFS[tif])


def _price(value: object) -> int:
    """Yuan (a string like "45.20" or a JSON number) to fen; at most 2 decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _Refused(f"price {_shown(value)} is not a number")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _Refused(f"price {_shown(value)} is not a number") from None
    if not amount.is_finite():
        raise _Refused(f"price {_shown(value)} is not a number")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise _Refused(f"price {_shown(value)} is not a multiple of the tick 0.01")
    if fen <= 0:
        raise _Refused(f"price {_shown(value)} is not positive")
    if fen > _MAX_PRICE:
        raise _Refused(f"price {_shown(value)} is too large")
    return int(fen)


def _qty(value: object, max_qty: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Refused(rules.reason_quantity(_shown(value)))
    if value > max_qty:  # checked here too, so a huge number never reaches int64
        raise _Refused(rules.reason_quantity_above(value, max_qty))
    return value


def _shown(value: object) -> str:
    if isinstance(value, str | Decimal):
        return str(value)
    return json.dumps(value)


# --- Running ----------------------------------------------------------------------------------


def replay(
    commands: Commands,
    band: PriceBand | None = None,
    engine: Engine = "fast",
    max_qty: int = MAX_LISTING_QTY,
    event_rows: int = 1 << 16,
) -> Iterator[Record]:
    """The output records of running ``commands``, streamed: trades and rejections in
    execution order, then the book. ``event_rows``: the fast engine's event buffer (it runs
    in batches that fit it, growing it when one command might need more)."""
    if engine == "fast":
        return _replay_fast(commands, band, max_qty, event_rows)
    return _replay_python(commands, band, max_qty)


def _trade(number: int, buy: str, sell: str, price: int, qty: int) -> Record:
    return {"trade": number, "buy": buy, "sell": sell, "price": yuan(price), "qty": qty}


def _book(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> Record:
    return {
        "book": {
            "bids": [[yuan(price), qty] for price, qty in bids],
            "asks": [[yuan(price), qty] for price, qty in asks],
        }
    }


def _replay_python(commands: Commands, band: PriceBand | None, max_qty: int) -> Iterator[Record]:
    book = OrderBook(band, max_qty)
    ids, level_price, trades = commands.ids, commands.level_price.tolist(), 0
    sides = {fast.BUY: Side.BUY, fast.SELL: Side.SELL}
    tifs = {fast.GTC: TimeInForce.GTC, fast.IOC: TimeInForce.IOC, fast.FOK: TimeInForce.FOK}
    chunk = 1 << 16
    for start in range(0, len(commands.rows), chunk):
        for k, (op, slot, side, level, qty, tif) in enumerate(
            commands.rows[start : start + chunk].tolist(), start
        ):
            order_id = ids[slot]
            try:
                if op == fast.OP_NEW:
                    fills = book.place(order_id, sides[side], level_price[level], qty, tifs[tif])
                elif op == fast.OP_CANCEL:
                    book.cancel(order_id)
                    fills = []
                elif op == fast.OP_AMEND:
                    fills = book.amend(
                        order_id,
                        qty=None if qty == _NO_VALUE else qty,
                        price=None if level == _NO_VALUE else level_price[level],
                    )
                else:
                    yield {"rejected": order_id, "reason": commands.invalid[k]}
                    continue
            except OrderRejected as rejected:
                yield {"rejected": order_id, "reason": rejected.message}
                continue
            for fill in fills:
                trades += 1
                yield _trade(trades, fill.buy, fill.sell, fill.price, fill.qty)
    yield _book(*book.depth())


def _replay_fast(
    commands: Commands, band: PriceBand | None, max_qty: int, event_rows: int
) -> Iterator[Record]:
    rows, ids = commands.rows, commands.ids
    book = fast.FastBook.empty(commands.level_price, len(ids), band, max_qty)
    events = np.empty((event_rows, len(fast.EVENT_COLUMNS)), dtype=np.int64)
    k, trades = 0, 0
    while k < len(rows):
        k_next, written = book.run(rows, k, events)
        if k_next == k and written == 0:  # one command may need more room than we have
            events = np.empty((2 * book.room_needed(), events.shape[1]), dtype=np.int64)
            continue
        for kind, command, a, b, c, d in events[:written].tolist():
            if kind == fast.EV_TRADE:
                trades += 1
                yield _trade(trades, ids[a], ids[b], c, d)
            else:
                order_id = ids[int(rows[command, 1])]
                reason = _fast_reason(commands, command, order_id, a, b, band, max_qty)
                yield {"rejected": order_id, "reason": reason}
        k = k_next
    yield _book(*book.depth())


def _fast_reason(
    commands: Commands,
    k: int,
    order_id: str,
    code: int,
    detail: int,
    band: PriceBand | None,
    max_qty: int,
) -> str:
    """The words of a fast-engine rejection: the same as the OrderBook's."""
    if code == fast.R_INVALID:
        return commands.invalid[k]
    if code == fast.R_QTY_ABOVE:
        return rules.reason_quantity_above(detail, max_qty)
    if code == fast.R_BAND:
        assert band is not None  # the engine only refuses a price for a band
        return rules.reason_band(detail, band)
    if code == fast.R_FILL_OR_KILL:
        return rules.reason_fill_or_kill(order_id, int(commands.rows[k, 4]), detail)
    by_id = {
        fast.R_DUPLICATE: rules.reason_duplicate,
        fast.R_UNKNOWN: rules.reason_unknown,
        fast.R_EMPTY_AMEND: rules.reason_empty_amend,
    }
    return by_id[code](order_id)
