"""``openets exchange``: orders, the book, trades, the trading day, funds, block trades and
auctions."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="The exchange: orders, the book, trades, the trading day, funds, block trades, auctions.",
    no_args_is_help=True,
)
