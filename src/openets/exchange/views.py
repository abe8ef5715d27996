"""JSON documents of the exchange, shared by the CLI (``--json``) and the REST API.

Prices and money are yuan text with two decimals (``"45.20"``); ``*_fen`` fields give the
same as whole fen where a program needs integers. Quantities are whole tonnes.
"""

from __future__ import annotations

from typing import Any

from openets.exchange.market import Depth, Statistics, Totals
from openets.exchange.model import Bar, Listing, Member, Order, OrderResult, Trade, yuan
from openets.exchange.services import CloseResult, Funds, StatementLine
from openets.registry.model import Receipt

__all__ = [
    "bar_view",
    "bars_view",
    "book_view",
    "close_view",
    "funds_receipt_view",
    "funds_view",
    "listing_view",
    "member_view",
    "order_result_view",
    "order_view",
    "statement_view",
    "statistics_view",
    "trade_view",
    "trades_view",
]

Document = dict[str, Any]


def _maybe(fen: int | None) -> str | None:
    return None if fen is None else yuan(fen)


def order_view(order: Order) -> Document:
    return {
        "id": order.id,
        "account": order.account,
        "instrument": order.instrument,
        "side": order.side.value,
        "price": yuan(order.price),
        "qty": order.qty,
        "remaining": order.remaining,
        "tif": order.tif.value,
        "status": order.status.value,
        "placed_at": order.placed_at,
        "reserved": order.reserved,
        "date": order.business_date,
    }


def trade_view(trade: Trade) -> Document:
    return {
        "trade": trade.id,
        "buy": trade.buy_order,
        "sell": trade.sell_order,
        "price": yuan(trade.price),
        "qty": trade.qty,
        "at": trade.at,
    }


def order_result_view(result: OrderResult) -> Document:
    """An order after a command, with the trades it made (``replayed``: an idempotent repeat)."""
    return {
        "order": order_view(result.order),
        "trades": [trade_view(t) for t in result.trades],
        "replayed": result.replayed,
    }


def book_view(book: Depth) -> Document:
    return {
        "instrument": book.instrument,
        "bids": [[yuan(price), qty] for price, qty in book.bids],
        "asks": [[yuan(price), qty] for price, qty in book.asks],
    }


def trades_view(instrument: str, day: str, trades: list[Trade]) -> Document:
    return {"instrument": instrument, "date": day, "trades": [trade_view(t) for t in trades]}


def bar_view(bar: Bar) -> Document:
    return {
        "date": bar.day,
        "open": _maybe(bar.open),
        "high": _maybe(bar.high),
        "low": _maybe(bar.low),
        "close": yuan(bar.close),
        "volume": bar.volume,
        "value": yuan(bar.value),
        "trades": bar.trades,
    }


def bars_view(instrument: str, bars: list[Bar]) -> Document:
    return {"instrument": instrument, "bars": [bar_view(b) for b in bars]}


def close_view(result: CloseResult) -> Document:
    return {
        "date": result.day,
        "closes": [{"instrument": b.instrument, **bar_view(b)} for b in result.bars],
        "expired": result.expired,
        "expired_blocks": result.expired_blocks,
    }


def statistics_view(stats: Statistics) -> Document:
    return {
        "volume": stats.volume,
        "value": yuan(stats.value),
        "trades": stats.trades,
        "instruments": [
            {
                "instrument": line.instrument,
                "last_close": _maybe(line.last_close),
                "last_close_date": line.last_close_day,
                "volume": line.volume,
                "value": yuan(line.value),
                "trades": line.trades,
            }
            for line in stats.instruments
        ],
        "block": _totals_view(stats.block),
        "auction": _totals_view(stats.auction),
    }


def _totals_view(totals: Totals) -> Document:
    return {"volume": totals.volume, "value": yuan(totals.value), "count": totals.count}


def member_view(member: Member) -> Document:
    return {"account": member.account, "name": member.name, "joined_at": member.joined_at}


def listing_view(listing: Listing) -> Document:
    return {
        "instrument": listing.code,
        "ref_price": yuan(listing.ref_price),
        "listed_at": listing.listed_at,
    }


def funds_view(funds: Funds) -> Document:
    return {
        "account": funds.account,
        "held": yuan(funds.held),
        "reserved": yuan(funds.reserved),
        "available": yuan(funds.available),
    }


def funds_receipt_view(receipt: Receipt, funds: Funds) -> Document:
    return {"entry": receipt.entry.seq, "replayed": receipt.replayed, **funds_view(funds)}


def statement_view(account: str, lines: list[StatementLine]) -> Document:
    """Movements: ``amount``/``reserved`` in yuan for CNY, in tonnes for units."""

    def figure(instrument: str, value: int) -> str | int:
        return yuan(value) if instrument == "CNY" else value

    return {
        "account": account,
        "lines": [
            {
                "entry": line.seq,
                "kind": line.kind.value,
                "at": line.recorded_at,
                "instrument": line.instrument,
                "amount": figure(line.instrument, line.amount),
                "reserved": figure(line.instrument, line.reserved),
            }
            for line in lines
        ],
    }
