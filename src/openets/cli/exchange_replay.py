"""``openets exchange replay``: the matching engine alone over a file of commands (no registry,
no calendar, no database)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import typer
from rich.table import Table

from openets.cli.context import console
from openets.errors import InvalidInput

__all__ = ["register"]

_ENGINES = ("fast", "python")
#: people get a table of up to this many trades and rejections; --json has them all
_TABLE_ROWS = 200
#: book levels shown per side in the table
_BOOK_LEVELS = 10


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the ``exchange`` group."""
    app.command("replay")(replay)


def replay(
    file: Path = typer.Argument(
        ...,
        help='JSONL of commands: {"op": "new", "id", "side", "price", "qty", "tif"}, '
        '{"op": "cancel", "id"}, {"op": "amend", "id", "qty" and/or "price"}.',
        show_default=False,
    ),
    ref_price: str | None = typer.Option(
        None,
        "--ref-price",
        help="Previous close in yuan: orders outside ±10% of it are rejected.",
        show_default=False,
    ),
    engine: str = typer.Option(
        "fast", "--engine", help="fast (Numba) or python (the reference OrderBook); same output."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per line."),
) -> None:
    """Run the matching engine over a file of order commands and print trades, rejections and
    the final book."""
    from openets.exchange.engine import PriceBand
    from openets.exchange.replay import Engine, read_commands
    from openets.exchange.replay import replay as run

    if engine not in _ENGINES:
        raise InvalidInput(f"--engine must be fast or python, got {engine!r}")
    band = None if ref_price is None else PriceBand.around(_fen(ref_price), Decimal(10))
    try:
        with file.open(encoding="utf-8") as lines:
            commands = read_commands(lines)
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text") from None
    records = run(commands, band, cast(Engine, engine))
    if as_json:
        write = sys.stdout.write
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in records:
            write(dumps(record) + "\n")
        sys.stdout.flush()
        return
    _print_table(records, len(commands), band)


def _fen(text: str) -> int:
    try:
        amount = Decimal(text.strip()) * 100
    except ArithmeticError:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount != amount.to_integral_value() or amount <= 0:
        raise InvalidInput(f"--ref-price must be a positive price in yuan like 45.20, got {text!r}")
    return int(amount)


def _print_table(records: Any, commands: int, band: Any) -> None:
    from openets.exchange.engine import yuan

    table = Table(title="Trades and rejections", show_lines=False)
    for name, justify in (("#", "right"), ("buy", "left"), ("sell", "left"),
                          ("price", "right"), ("qty (t)", "right")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    trades = volume = rejected = shown = 0
    book: dict[str, list[list[Any]]] = {"bids": [], "asks": []}
    for record in records:
        if "book" in record:
            book = record["book"]
            continue
        if "trade" in record:
            trades += 1
            volume += record["qty"]
            row = (str(record["trade"]), record["buy"], record["sell"], record["price"],
                   f"{record['qty']:,}")  # fmt: skip
        else:
            rejected += 1
            row = ("", f"[red]rejected {record['rejected']}[/red]", record["reason"], "", "")
        if shown < _TABLE_ROWS:
            table.add_row(*row)
        shown += 1
    if shown:
        console.print(table)
    if shown > _TABLE_ROWS:
        console.print(f"... and {shown - _TABLE_ROWS:,} more rows (--json prints them all)")
    band_text = "none" if band is None else f"{yuan(band.low)}-{yuan(band.high)}"
    console.print(
        f"{commands:,} commands, {trades:,} trades, {volume:,} t traded, {rejected:,} rejected; "
        f"price band {band_text}"
    )
    depth = Table(title="Book")
    for name in ("bid qty (t)", "bid", "ask", "ask qty (t)"):
        depth.add_column(name, justify="right")
    bids, asks = book["bids"], book["asks"]
    for n in range(min(_BOOK_LEVELS, max(len(bids), len(asks)))):
        bid = bids[n] if n < len(bids) else ["", ""]
        ask = asks[n] if n < len(asks) else ["", ""]
        depth.add_row(_qty(bid[1]), bid[0], ask[0], _qty(ask[1]))
    console.print(depth)
    if max(len(bids), len(asks)) > _BOOK_LEVELS:
        console.print(f"(best {_BOOK_LEVELS} levels per side shown; --json prints them all)")


def _qty(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ""
