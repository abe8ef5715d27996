"""Properties of the matching engine on random command streams.

- the book is never crossed (best bid < best ask) after any command;
- quantity is conserved: for every order id, the quantity it brought into the book (placed,
  plus what amends re-entered) = traded + cancelled or expired (cancels, amends down, IOC
  remainders, quantity taken out by an amend that re-enters) + resting;
- every fill is at the maker's resting price, within the taker's limit, buyer on the buy side;
- the Numba engine prints exactly what the reference OrderBook prints (the replay output),
  also with an event buffer so small that it refills after nearly every command.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from openets.exchange.engine import (
    Fill,
    OrderBook,
    OrderRejected,
    PriceBand,
    Resting,
    Side,
    TimeInForce,
)
from openets.exchange.replay import read_commands, replay

IDS = [f"o{n}" for n in range(6)]
BAND = PriceBand.around(4500, Decimal(10))  # 40.50 .. 49.50


def _price_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


centre_prices = st.integers(4496, 4504)
few_prices = st.integers(4499, 4501)  # crowded levels: queues, priority and equal amends
low_edge = st.integers(4045, 4055)  # around the band's low edge, 40.50
any_price = st.one_of(
    few_prices, few_prices, centre_prices, low_edge, st.sampled_from([4949, 4950, 4951])
)
quantities = st.one_of(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 20), st.sampled_from([99_999, 100_000])
)

new_commands = st.fixed_dictionaries(
    {
        "op": st.just("new"),
        "id": st.sampled_from(IDS),
        "side": st.sampled_from(["buy", "sell"]),
        "price": any_price.map(_price_text),
        "qty": quantities,
    },
    optional={"tif": st.sampled_from(["GTC", "IOC", "FOK"])},
)
cancel_commands = st.fixed_dictionaries({"op": st.just("cancel"), "id": st.sampled_from(IDS)})
amend_commands = st.fixed_dictionaries(
    {"op": st.just("amend"), "id": st.sampled_from(IDS)},
    optional={"qty": quantities, "price": any_price.map(_price_text)},
)
#: well-formed lines that break a trading rule before the engine (off tick, bad quantity)
REFUSED: list[dict[str, Any]] = [
    {"op": "new", "id": "o1", "side": "buy", "price": "45.001", "qty": 5},
    {"op": "new", "id": "o2", "side": "sell", "price": "45.00", "qty": 0},
    {"op": "amend", "id": "o3", "qty": 2.5},
    {"op": "new", "id": "o4", "side": "hold", "price": "45.00", "qty": 1},
]
refused_commands = st.sampled_from(REFUSED)
#: streams as Hypothesis builds them (they shrink to a minimal failing stream) ...
drawn_streams = st.lists(
    st.one_of(new_commands, amend_commands, cancel_commands, refused_commands), max_size=60
)


def _random_stream(seed: int, length: int) -> list[dict[str, Any]]:
    """... and longer, busier streams from a seeded generator: crowded levels, many trades,
    amends that hit an order's exact remaining quantity or price."""
    rng = random.Random(seed)

    def price() -> str:
        if rng.random() < 0.9:
            return _price_text(rng.randint(4497, 4503))
        return _price_text(rng.choice([4049, 4050, 4051, 4949, 4950, 4951]))

    def qty() -> int:
        roll = rng.random()
        return rng.randint(1, 6) if roll < 0.8 else rng.choice([25, 60, 99_999, 100_000])

    stream: list[dict[str, Any]] = []
    for _ in range(length):
        order_id, roll = f"o{rng.randrange(10)}", rng.random()
        if roll < 0.45:
            command = {"op": "new", "id": order_id, "side": rng.choice(["buy", "sell"]),
                       "price": price(), "qty": qty(),
                       "tif": rng.choice(["GTC"] * 6 + ["IOC", "IOC", "FOK", "FOK"])}  # fmt: skip
        elif roll < 0.8:
            command = {"op": "amend", "id": order_id}
            shape = rng.random()
            if shape < 0.6:
                command["qty"] = qty()
            if shape > 0.4 and shape < 0.98:
                command["price"] = price()
        elif roll < 0.97:
            command = {"op": "cancel", "id": order_id}
        else:
            command = rng.choice(REFUSED)
        stream.append(command)
    return stream


streams = st.one_of(
    drawn_streams, st.builds(_random_stream, st.integers(0, 2**32), st.integers(1, 200))
)


def _fen(text: str) -> int:
    return int(Decimal(text) * 100)


class Ledger:
    """Per order id: quantity brought in, traded, taken out; checked against the book."""

    def __init__(self) -> None:
        self.brought: dict[str, int] = defaultdict(int)
        self.traded: dict[str, int] = defaultdict(int)
        self.taken_out: dict[str, int] = defaultdict(int)

    def fills(self, fills: list[Fill], before: dict[str, Resting], taker: Side, limit: int) -> None:
        for fill in fills:
            maker = before[fill.maker]
            assert fill.price == maker.price  # the resting order's price
            assert maker.side is taker.opposite
            assert (fill.buy, fill.sell) == (
                (fill.taker, fill.maker) if taker is Side.BUY else (fill.maker, fill.taker)
            )
            assert fill.price <= limit if taker is Side.BUY else fill.price >= limit
            assert fill.qty > 0
            self.traded[fill.buy] += fill.qty
            self.traded[fill.sell] += fill.qty

    def check(self, book: OrderBook) -> None:
        resting = {order.id: order.qty for order in book.resting()}
        for order_id in set(self.brought) | set(resting):
            assert self.brought[order_id] == (
                self.traded[order_id] + self.taken_out[order_id] + resting.get(order_id, 0)
            ), order_id


def _step(book: OrderBook, ledger: Ledger, command: dict[str, Any]) -> None:
    """Run one command on the reference book, keeping the ledger; refusals change nothing."""
    before = {order.id: order for order in book.resting()}
    order_id = command["id"]
    try:
        if command["op"] == "new":
            side, price, qty = Side(command["side"]), _fen(command["price"]), command["qty"]
            tif = TimeInForce(command.get("tif", "GTC"))
            fills = book.place(order_id, side, price, qty, tif)
            ledger.brought[order_id] += qty
            ledger.fills(fills, before, side, price)
            traded = sum(fill.qty for fill in fills)
            if book.get(order_id) is None:  # IOC remainder expired (or fully traded)
                ledger.taken_out[order_id] += qty - traded
        elif command["op"] == "cancel":
            cancelled = book.cancel(order_id)
            assert cancelled == before[order_id]
            ledger.taken_out[order_id] += cancelled.qty
        else:
            old = before.get(order_id)
            price = _fen(command["price"]) if "price" in command else None
            fills = book.amend(order_id, qty=command.get("qty"), price=price)
            assert old is not None
            new_qty = command.get("qty", old.qty)
            new_price = old.price if price is None else price
            ledger.taken_out[order_id] += old.qty  # leaves ...
            ledger.brought[order_id] += new_qty  # ... and comes back with the new quantity
            ledger.fills(fills, before, old.side, new_price)
            now = book.get(order_id)
            keeps_priority = new_price == old.price and new_qty <= old.qty
            assert (now is not None and now.seq == old.seq) == keeps_priority
    except OrderRejected:
        assert {order.id: order for order in book.resting()} == before


@settings(max_examples=300, deadline=None)
@given(streams, st.booleans())
def test_book_never_crosses_and_quantity_is_conserved(
    stream: list[dict[str, Any]], banded: bool
) -> None:
    book = OrderBook(BAND if banded else None)
    ledger = Ledger()
    for command in stream:
        if command in REFUSED:  # refused by the replay's reader, never reach the book
            continue
        _step(book, ledger, command)
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask
        ledger.check(book)
        bids, asks = book.depth()
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)


@settings(max_examples=300, deadline=None)
@given(streams, st.booleans(), st.sampled_from([1 << 16, 1, 3]))
def test_fast_engine_prints_exactly_what_the_reference_book_prints(
    stream: list[dict[str, Any]], banded: bool, event_rows: int
) -> None:
    commands = read_commands(json.dumps(command) for command in stream)
    band = BAND if banded else None
    reference = list(replay(commands, band, engine="python"))
    fast = list(replay(commands, band, engine="fast", event_rows=event_rows))
    assert fast == reference
    assert "book" in reference[-1]
    trades = [record for record in reference if "trade" in record]
    assert [record["trade"] for record in trades] == list(range(1, len(trades) + 1))
