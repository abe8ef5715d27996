"""Market data: closes, VWAP, depth, trades, daily bars and market statistics.

Read functions for the CLI, the API, the web pages and the auction and block-trade services.
Prices are fen per tonne, volumes tonnes, values fen. Each takes the :class:`App` (and
:func:`previous_close` also a connection, for use inside another service's transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from openets.bootstrap import App
from openets.db.tables_auction import auctions, block_trades
from openets.db.tables_exchange import exchange_orders, exchange_trades
from openets.exchange.model import Bar, OrderStatus, Side, Trade, round_half_up
from openets.exchange.store import ExchangeStore
from openets.registry.instruments import parse_instrument

__all__ = [
    "Depth",
    "InstrumentStatistics",
    "Statistics",
    "bars",
    "closing_price",
    "depth",
    "previous_close",
    "statistics",
    "trades",
    "vwap",
]


@contextmanager
def _connection(source: App | Connection) -> Iterator[Connection]:
    if isinstance(source, Connection):
        yield source
    else:
        with source.reading() as connection:
            yield connection


def _day(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def previous_close(source: App | Connection, instrument: str, day: date | str) -> int | None:
    """The close before ``day`` in fen: the latest closed day's close before it, else the
    listing reference price; None for an instrument that is not listed."""
    code = parse_instrument(instrument).code
    with _connection(source) as connection:
        store = ExchangeStore(connection)
        bar = store.last_bar(code, before=_day(day))
        if bar is not None:
            return bar.close
        listing = store.listing(code)
    return None if listing is None else listing.ref_price


def closing_price(app: App | Connection, instrument: str, day: date | str) -> int | None:
    """The close of ``day`` or, if that day is not closed, of the last closed day before it
    (fen); None when no day has closed yet."""
    code = parse_instrument(instrument).code
    with _connection(app) as connection:
        bar = ExchangeStore(connection).last_bar(code, upto=_day(day))
    return None if bar is None else bar.close


def vwap(app: App | Connection, instrument: str, start: date | str, end: date | str) -> int | None:
    """Volume-weighted average price of the listing trades from ``start`` to ``end`` (business
    dates, both included), fen rounded half up; None when nothing traded."""
    code = parse_instrument(instrument).code
    t = exchange_trades
    query = select(func.sum(t.c.price * t.c.qty), func.sum(t.c.qty)).where(
        t.c.instrument == code, t.c.business_date >= _day(start), t.c.business_date <= _day(end)
    )
    with _connection(app) as connection:
        value, volume = connection.execute(query).one()
    if not volume:
        return None
    return round_half_up(int(value), int(volume))


@dataclass(frozen=True, slots=True)
class Depth:
    """The book of one instrument: ``(price fen, total tonnes)`` per level, best first."""

    instrument: str
    bids: tuple[tuple[int, int], ...]
    asks: tuple[tuple[int, int], ...]


def depth(app: App | Connection, instrument: str, levels: int | None = None) -> Depth:
    """The open orders of an instrument by price level, best first (at most ``levels``)."""
    code = parse_instrument(instrument).code
    o = exchange_orders
    query = (
        select(o.c.side, o.c.price, func.sum(o.c.remaining))
        .where(o.c.instrument == code, o.c.status == OrderStatus.OPEN.value)
        .group_by(o.c.side, o.c.price)
    )
    with _connection(app) as connection:
        rows = connection.execute(query).all()
    bids = sorted(((int(p), int(q)) for s, p, q in rows if s == Side.BUY.value), reverse=True)
    asks = sorted((int(p), int(q)) for s, p, q in rows if s == Side.SELL.value)
    if levels is not None:
        bids, asks = bids[:levels], asks[:levels]
    return Depth(code, tuple(bids), tuple(asks))


def trades(app: App | Connection, instrument: str, day: date | str) -> list[Trade]:
    """The listing trades of one instrument on one business date, in execution order."""
    code = parse_instrument(instrument).code
    with _connection(app) as connection:
        return ExchangeStore(connection).trades_of_day(code, _day(day))


def bars(app: App | Connection, instrument: str) -> list[Bar]:
    """Every closed day of an instrument, oldest first."""
    code = parse_instrument(instrument).code
    with _connection(app) as connection:
        return ExchangeStore(connection).bars(code)


@dataclass(frozen=True, slots=True)
class InstrumentStatistics:
    instrument: str
    last_close: int | None
    last_close_day: str | None
    volume: int  # tonnes since launch
    value: int  # fen since launch
    trades: int


@dataclass(frozen=True, slots=True)
class Totals:
    """Cumulative volume (t), value (fen) and count of one way of trading since launch."""

    volume: int
    value: int
    count: int


@dataclass(frozen=True, slots=True)
class Statistics:
    """Cumulative listing-trade volume and value since launch, in total and by instrument;
    block trades and auctions reported separately (as the exchanges publish them)."""

    volume: int
    value: int
    trades: int
    instruments: tuple[InstrumentStatistics, ...]
    block: Totals = Totals(0, 0, 0)
    auction: Totals = Totals(0, 0, 0)


def statistics(app: App | Connection) -> Statistics:
    """Cumulative volume (t) and value (fen) of every listing trade since launch."""
    t = exchange_trades
    totals = select(
        t.c.instrument, func.sum(t.c.qty), func.sum(t.c.price * t.c.qty), func.count()
    ).group_by(t.c.instrument)
    lines: list[InstrumentStatistics] = []
    with _connection(app) as connection:
        figures = {
            row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in connection.execute(totals)
        }
        store = ExchangeStore(connection)
        codes = sorted(set(figures) | {listing.code for listing in store.listings()})
        for code in codes:
            bar = store.last_bar(code)
            volume, value, count = figures.get(code, (0, 0, 0))
            lines.append(
                InstrumentStatistics(
                    instrument=code,
                    last_close=None if bar is None else bar.close,
                    last_close_day=None if bar is None else bar.day,
                    volume=volume,
                    value=value,
                    trades=count,
                )
            )
        block, auction = _block_totals(connection), _auction_totals(connection)
    return Statistics(
        volume=sum(line.volume for line in lines),
        value=sum(line.value for line in lines),
        trades=sum(line.trades for line in lines),
        instruments=tuple(lines),
        block=block,
        auction=auction,
    )


def _block_totals(connection: Connection) -> Totals:
    """Confirmed block trades since launch."""
    b = block_trades
    row = connection.execute(
        select(func.sum(b.c.qty), func.sum(b.c.qty * b.c.price), func.count()).where(
            b.c.state == "confirmed"
        )
    ).one()
    return Totals(int(row[0] or 0), int(row[1] or 0), int(row[2]))


def _auction_totals(connection: Connection) -> Totals:
    """Cleared auctions since launch: tonnes sold at each auction's uniform clearing price."""
    a = auctions
    row = connection.execute(
        select(func.sum(a.c.sold), func.sum(a.c.sold * a.c.clearing_price), func.count()).where(
            a.c.state == "cleared"
        )
    ).one()
    return Totals(int(row[0] or 0), int(row[1] or 0), int(row[2]))
