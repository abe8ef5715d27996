"""Benchmark: the matching engine alone, on a workload like exchange-core's.

Target (issue 7, "Exchange"): at least 1,000,000 commands per second on one core, and at
least twice the rate of a plain sorted-dictionary book measured in the same run.

Workload (seeded): about 1,000 resting orders over about 300 price levels (¥43.50-46.50
around ¥45.00), fed mostly amends and cancels: ~50% amends (quantity down, quantity up,
price moves of a few ticks), ~22% cancels and ~22% new passive GTC orders keeping the book
at ~1,000 orders, ~6% aggressive orders that trade (IOC, crossing GTC limits, a few FOK).
The generator runs the reference book as it goes, so cancels and amends name live orders.

Three books run the same commands, each from its natural input:
(a) ``FastBook`` (Numba), over the int64 command array, after a warm-up (JIT excluded);
(b) ``OrderBook`` (pure Python, the reference);
(c) a baseline: the simplest correct book, ``sortedcontainers.SortedDict`` of price -> list
    of orders, written below.
All three must agree on the number of trades, the volume and the rejections.

Run: ``.venv/bin/python benchmarks/bench_matching.py [--commands N] [--quick] [--seed S]``
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from sortedcontainers import SortedDict

from openets.exchange import fastbook as fast
from openets.exchange.engine import OrderBook, OrderRejected, PriceBand, Side, TimeInForce

MID = 4500  # ¥45.00
HALF_SPREAD_LEVELS = 150  # passive orders rest up to 150 ticks from the middle
TARGET_RESTING = 1000
BAND = PriceBand.around(MID, Decimal(10))

#: a command as the Python books take it: (op, id, side, price, qty, tif); None = unchanged
Command = tuple[int, str, int, int, int, int]
NONE = -1
SIDES = (Side.BUY, Side.SELL)
TIFS = (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)


# --- Workload -----------------------------------------------------------------------------


class _Live:
    """Ids of live orders, with O(1) random choice and removal."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.where: dict[str, int] = {}

    def add(self, order_id: str) -> None:
        if order_id not in self.where:
            self.where[order_id] = len(self.ids)
            self.ids.append(order_id)

    def discard(self, order_id: str) -> None:
        at = self.where.pop(order_id, None)
        if at is None:
            return
        last = self.ids.pop()
        if last != order_id:
            self.ids[at] = last
            self.where[last] = at

    def __len__(self) -> int:
        return len(self.ids)


class _Generator:
    """Makes commands and runs them on the reference book, so it knows the live orders."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.book = OrderBook(BAND)
        self.live = _Live()
        self.commands: list[Command] = []
        self.next_id = 0

    def run(self, command: Command) -> None:
        op, order_id, side, price, qty, tif = command
        self.commands.append(command)
        book = self.book
        try:
            if op == fast.OP_NEW:
                fills = book.place(order_id, SIDES[side], price, qty, TIFS[tif])
            elif op == fast.OP_CANCEL:
                book.cancel(order_id)
                fills = []
            else:
                fills = book.amend(order_id, None if qty == NONE else qty,
                                   None if price == NONE else price)  # fmt: skip
        except OrderRejected:
            return
        for fill in fills:
            if book.get(fill.maker) is None:
                self.live.discard(fill.maker)
        if book.get(order_id) is None:
            self.live.discard(order_id)
        else:
            self.live.add(order_id)

    def new_id(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}{self.next_id}"

    def aggressive(self) -> None:
        """An order through the touch: IOC mostly, some crossing GTC limits and FOK."""
        rng, book = self.rng, self.book
        side = rng.randrange(2)
        touch = book.best_ask() if side == fast.BUY else book.best_bid()
        if touch is not None:
            through = rng.randrange(0, 4)
            price = touch + through if side == fast.BUY else touch - through
            tif = rng.choice((fast.IOC, fast.IOC, fast.IOC, fast.GTC, fast.FOK))
            self.run((fast.OP_NEW, self.new_id("x"), side, price, rng.randint(1, 120), tif))

    def amend(self) -> None:
        rng = self.rng
        order_id = rng.choice(self.live.ids)
        order = self.book.get(order_id)
        assert order is not None
        shape = rng.random()
        if shape < 0.35:  # quantity down: keeps priority
            if order.qty > 1:
                self.run((fast.OP_AMEND, order_id, 0, NONE, rng.randint(1, order.qty - 1), 0))
        elif shape < 0.5:  # quantity up: loses priority
            self.run((fast.OP_AMEND, order_id, 0, NONE, order.qty + rng.randint(1, 50), 0))
        else:  # price move of a few ticks, kept passive
            step = rng.choice((-3, -2, -1, 1, 2, 3))
            price = _passive(self.book, order.side is Side.BUY, order.price + step)
            self.run((fast.OP_AMEND, order_id, 0, price, NONE, 0))

    def cancel(self) -> None:
        self.run((fast.OP_CANCEL, self.rng.choice(self.live.ids), 0, NONE, 0, 0))

    def passive(self) -> None:
        rng = self.rng
        side = rng.randrange(2)
        offset = rng.randint(1, HALF_SPREAD_LEVELS)
        buying = side == fast.BUY
        price = _passive(self.book, buying, MID - offset if buying else MID + offset)
        self.run((fast.OP_NEW, self.new_id("o"), side, price, rng.randint(1, 200), fast.GTC))


def workload(count: int, seed: int) -> tuple[list[Command], float]:
    """``count`` commands, checked against the reference book as they are made, and the
    average number of resting orders."""
    make = _Generator(seed)
    resting = 0
    while len(make.commands) < count:
        roll = make.rng.random()
        live = len(make.live)
        if roll < 0.06:
            make.aggressive()
        elif roll < 0.56 and live:
            make.amend()
        elif live > 1.1 * TARGET_RESTING or (roll < 0.78 and live > 0.9 * TARGET_RESTING):
            make.cancel()
        else:
            make.passive()
        resting += live
    return make.commands, resting / len(make.commands)


def _passive(book: OrderBook, buying: bool, price: int) -> int:
    """Keep a price on its own side of the book, inside the ±150-tick window."""
    price = max(MID - HALF_SPREAD_LEVELS, min(MID + HALF_SPREAD_LEVELS, price))
    if buying:
        ask = book.best_ask()
        return price if ask is None or price < ask else ask - 1
    bid = book.best_bid()
    return price if bid is None or price > bid else bid + 1


def encode(commands: list[Command]) -> tuple[fast.Int64Array, fast.Int64Array, int]:
    """The fast engine's command array, level prices and number of ids."""
    ids: dict[str, int] = {}
    rows = np.empty((len(commands), len(fast.COMMAND_COLUMNS)), dtype=np.int64)
    for k, (op, order_id, side, price, qty, tif) in enumerate(commands):
        rows[k] = (op, ids.setdefault(order_id, len(ids)), side, price, qty, tif)
    priced = rows[:, 3] != NONE
    level_price = np.unique(rows[priced, 3])
    rows[priced, 3] = np.searchsorted(level_price, rows[priced, 3])
    return rows, level_price, len(ids)


# --- The three books ----------------------------------------------------------------------

Result = tuple[int, int, int]  # trades, volume, rejections


def run_fast(rows: fast.Int64Array, level_price: fast.Int64Array, n_ids: int) -> Result:
    book = fast.FastBook.empty(level_price, n_ids, BAND)
    events = np.empty((1 << 20, len(fast.EVENT_COLUMNS)), dtype=np.int64)
    trades = volume = rejected = 0
    k = 0
    while k < len(rows):
        k, written = book.run(rows, k, events)
        kinds = events[:written, 0]
        is_trade = kinds == fast.EV_TRADE
        trades += int(is_trade.sum())
        volume += int(events[:written, 5][is_trade].sum())
        rejected += written - int(is_trade.sum())
    return trades, volume, rejected


def run_python(commands: list[Command]) -> Result:
    book = OrderBook(BAND)
    place, cancel, amend = book.place, book.cancel, book.amend
    trades = volume = rejected = 0
    for op, order_id, side, price, qty, tif in commands:
        try:
            if op == fast.OP_NEW:
                fills = place(order_id, SIDES[side], price, qty, TIFS[tif])
            elif op == fast.OP_CANCEL:
                cancel(order_id)
                continue
            else:
                fills = amend(order_id, None if qty == NONE else qty,
                              None if price == NONE else price)  # fmt: skip
        except OrderRejected:
            rejected += 1
            continue
        trades += len(fills)
        volume += sum(fill.qty for fill in fills)
    return trades, volume, rejected


class SortedDictBook:
    """The baseline: the simplest correct price-time book.

    Each side is a ``SortedDict`` of price -> list of order ids (oldest first); ``orders``
    maps id -> [side, price, qty]. Same rules as OrderBook (no owners).
    """

    def __init__(self, band: PriceBand) -> None:
        self.band = band
        self.sides: tuple[SortedDict, SortedDict] = (SortedDict(), SortedDict())
        self.orders: dict[str, list[int]] = {}
        self.trades = self.volume = 0

    def place(self, order_id: str, side: int, price: int, qty: int, tif: int) -> bool:
        if order_id in self.orders or not 1 <= qty <= 99_999:
            return False
        if not self.band.low <= price <= self.band.high:
            return False
        if tif == fast.FOK and self._available(side, price) < qty:
            return False
        left = self._match(order_id, side, price, qty)
        if left and tif == fast.GTC:
            self._rest(order_id, side, price, left)
        return True

    def cancel(self, order_id: str) -> bool:
        order = self.orders.pop(order_id, None)
        if order is None:
            return False
        side, price, _ = order
        level = self.sides[side][price]
        level.remove(order_id)
        if not level:
            del self.sides[side][price]
        return True

    def amend(self, order_id: str, qty: int, price: int) -> bool:
        order = self.orders.get(order_id)
        if order is None:
            return False
        side, old_price, old_qty = order
        new_qty = old_qty if qty == NONE else qty
        new_price = old_price if price == NONE else price
        if not 1 <= new_qty <= 99_999 or not self.band.low <= new_price <= self.band.high:
            return False
        if new_price == old_price and new_qty <= old_qty:
            order[2] = new_qty
            return True
        self.cancel(order_id)
        left = self._match(order_id, side, new_price, new_qty)
        if left:
            self._rest(order_id, side, new_price, left)
        return True

    def _available(self, side: int, price: int) -> int:
        other = self.sides[1 - side]
        prices = other.irange(maximum=price) if side == fast.BUY else other.irange(
            minimum=price, reverse=True)  # fmt: skip
        return sum(self.orders[i][2] for p in prices for i in other[p])

    def _match(self, order_id: str, side: int, price: int, qty: int) -> int:
        other = self.sides[1 - side]
        while qty and other:
            best, level = other.peekitem(0 if side == fast.BUY else -1)
            if (best > price) if side == fast.BUY else (best < price):
                break
            while qty and level:
                maker = self.orders[level[0]]
                traded = min(qty, maker[2])
                qty -= traded
                maker[2] -= traded
                self.trades += 1
                self.volume += traded
                if not maker[2]:
                    del self.orders[level.pop(0)]
            if not level:
                del other[best]
        return qty

    def _rest(self, order_id: str, side: int, price: int, qty: int) -> None:
        self.orders[order_id] = [side, price, qty]
        self.sides[side].setdefault(price, []).append(order_id)


def run_baseline(commands: list[Command]) -> Result:
    book = SortedDictBook(BAND)
    rejected = 0
    for op, order_id, side, price, qty, tif in commands:
        if op == fast.OP_NEW:
            ok = book.place(order_id, side, price, qty, tif)
        elif op == fast.OP_CANCEL:
            ok = book.cancel(order_id)
        else:
            ok = book.amend(order_id, qty, price)
        rejected += not ok
    return book.trades, book.volume, rejected


def timed(work: Callable[[], Result]) -> tuple[Result, float]:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = work()
        return result, time.perf_counter() - start
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="200,000 commands, 1 run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per book (best counts)")
    args = parser.parse_args()
    count = 200_000 if args.quick else args.commands
    if args.quick:
        args.repeat = 1

    start = time.perf_counter()
    commands, resting = workload(count, args.seed)
    rows, level_price, n_ids = encode(commands)
    ops = np.bincount(rows[:, 0], minlength=3)
    print(f"workload: {count:,} commands (seed {args.seed}), made in "
          f"{time.perf_counter() - start:.1f} s: {ops[fast.OP_NEW]:,} new, "
          f"{ops[fast.OP_AMEND]:,} amend, {ops[fast.OP_CANCEL]:,} cancel; "
          f"{len(level_price)} price levels used, "
          f"{resting:,.0f} resting orders on average")  # fmt: skip

    run_fast(rows[:20_000], level_price, n_ids)  # warm-up: compile (or load the JIT cache)
    books: dict[str, Callable[[], Result]] = {
        "fast (Numba FastBook)": lambda: run_fast(rows, level_price, n_ids),
        "python (OrderBook)": lambda: run_python(commands),
        "baseline (SortedDict)": lambda: run_baseline(commands),
    }
    results: dict[str, Result] = {}
    seconds: dict[str, float] = {name: float("inf") for name in books}
    for _ in range(args.repeat):  # interleaved, best of N: the machine is shared
        for name, work in books.items():
            results[name], took = timed(work)
            seconds[name] = min(seconds[name], took)
    rates = {name: count / seconds[name] for name in books}
    for name, (trades, volume, rejected) in results.items():
        print(f"{name:<24} {rates[name]:>12,.0f} commands/s  ({seconds[name]:.3f} s; "
              f"{trades:,} trades, {volume:,} t, {rejected:,} rejected)")  # fmt: skip
    assert len(set(results.values())) == 1, f"the books disagree: {results}"
    fast_rate, python_rate, base_rate = rates.values()
    print(f"fast / baseline   = {fast_rate / base_rate:.1f}x (target >= 2x)")
    print(f"python / baseline = {python_rate / base_rate:.2f}x")
    print(f"fast: {'meets' if fast_rate >= 1_000_000 else 'MISSES'} 1,000,000 commands/s")


if __name__ == "__main__":
    main()
