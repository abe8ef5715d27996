"""``openets exchange``: orders, the book, trades, the trading day, funds, block trades and
auctions.

Who acts: the exchange's operator (every step allowed); ``--as USER`` acts as that user with
their role checked, as in the REST API. Order commands run at the clock's instant; ``--at
"2025-07-01T10:00"`` (CST) sets it for one command (to replay a session or test the hours).
Prices and amounts are yuan with at most two decimals (``45.20``); quantities whole tonnes.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import typer
from rich.table import Table

from openets.bootstrap import App
from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, actor
from openets.clock import CST, FixedClock, business_date
from openets.errors import InvalidInput
from openets.exchange import market, services
from openets.exchange.model import OrderResult, parse_price, yuan
from openets.exchange.views import (
    bars_view,
    book_view,
    close_view,
    funds_receipt_view,
    funds_view,
    listing_view,
    member_view,
    order_result_view,
    order_view,
    statement_view,
    statistics_view,
    trades_view,
)
from openets.money import money

__all__ = ["app"]

app = typer.Typer(
    help="The exchange: orders, the book, trades, the trading day, funds, block trades, auctions.",
    no_args_is_help=True,
)
order_app = typer.Typer(
    help="Listing orders: place, cancel, amend, lift, list.", no_args_is_help=True
)
member_app = typer.Typer(help="Exchange members and their trading accounts.", no_args_is_help=True)
funds_app = typer.Typer(help="Members' funds (CNY, in the registry).", no_args_is_help=True)
app.add_typer(order_app, name="order")
app.add_typer(member_app, name="member")
app.add_typer(funds_app, name="funds")

JSON = typer.Option(False, "--json", help="Print one JSON document.")
KEY = typer.Option(None, "--key", help="Idempotency key: a retry with it has no second effect.")
AT = typer.Option(
    None, "--at", help='Instant of the command, CST ("2025-07-01T10:00"); default: the clock.'
)
INSTRUMENT = typer.Argument(..., help="Instrument code: GDEA-2025, CEA-2024, CCER...")


def _at(ctx: typer.Context, at: str | None) -> App:
    """The application, with its clock fixed at ``--at`` (CST) when given."""
    app_ = get_app(ctx)
    if at is None or not at.strip():
        return app_
    try:
        local = datetime.fromisoformat(at.strip())
    except ValueError:
        raise InvalidInput(f"--at {at!r} is not a date and time (2025-07-01T10:00)") from None
    instant = local.replace(tzinfo=CST) if local.tzinfo is None else local
    return dataclasses.replace(app_, clock=FixedClock(instant))


def _date(text: str | None, flag: str = "--date") -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{flag} {text!r} is not a date (YYYY-MM-DD)") from None


def _show(result: OrderResult, as_json: bool) -> None:
    if as_json:
        print_json(order_result_view(result))
        return
    order = result.order
    note = " (repeat: nothing changed)" if result.replayed else ""
    console.print(
        f"order {order.id} {order.side} {order.qty} t {order.instrument} at {yuan(order.price)} "
        f"{order.tif}: [bold]{order.status}[/bold], {order.remaining} t remaining{note}",
        highlight=False,
    )
    for trade in result.trades:
        console.print(f"  trade {trade.id}: {trade.qty} t at {yuan(trade.price)}", highlight=False)


# --- orders ------------------------------------------------------------------------------


@order_app.command("place")
def order_place(
    ctx: typer.Context,
    account: str = typer.Option(..., "--account", help="The member's trading account."),
    side: str = typer.Option(..., "--side", help="buy or sell"),
    instrument: str = typer.Option(..., "--instrument", help="Instrument code."),
    qty: int = typer.Option(..., "--qty", help="Whole tonnes (1 to 99,999)."),
    price: str = typer.Option(..., "--price", help="Limit price, yuan per tonne (45.20)."),
    tif: str = typer.Option("GTC", "--tif", help="GTC (good for the day), IOC or FOK."),
    key: str | None = KEY,
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Place a listing order (reserves the funds or units it needs)."""
    app_ = _at(ctx, at)
    result = services.place_order(
        app_,
        account,
        instrument,
        side,
        qty,
        parse_price(price),
        tif,
        key=key,
        by=actor(ctx, as_user),
    )
    _show(result, as_json)


@order_app.command("cancel")
def order_cancel(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order id."),
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Cancel an open order and release its reservation (a closed order: exit 4)."""
    order = services.cancel_order(_at(ctx, at), order_id, by=actor(ctx, as_user))
    if as_json:
        print_json(order_view(order))
        return
    console.print(f"order {order.id} cancelled, {order.remaining} t unfilled", highlight=False)


@order_app.command("amend")
def order_amend(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order id."),
    qty: int | None = typer.Option(None, "--qty", help="New remaining quantity, tonnes."),
    price: str | None = typer.Option(None, "--price", help="New limit price, yuan per tonne."),
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Amend an open order: a smaller quantity keeps its priority, anything else loses it."""
    new_price = None if price is None else parse_price(price)
    result = services.amend_order(
        _at(ctx, at), order_id, qty=qty, price=new_price, by=actor(ctx, as_user)
    )
    _show(result, as_json)


@order_app.command("lift")
def order_lift(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="The displayed order to trade with."),
    account: str = typer.Option(..., "--account", help="The member's trading account."),
    qty: int = typer.Option(..., "--qty", help="Whole tonnes to take."),
    price: str | None = typer.Option(
        None, "--price", help="The price you saw: refused if the order has moved."
    ),
    key: str | None = KEY,
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Point-and-click: take a displayed order at its price (immediate or cancel)."""
    seen = None if price is None else parse_price(price)
    result = services.lift(
        _at(ctx, at), account, order_id, qty, price=seen, key=key, by=actor(ctx, as_user)
    )
    _show(result, as_json)


@order_app.command("list")
def order_list(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="Only this account's orders."),
    status: str | None = typer.Option(None, "--status", help="open, filled, cancelled, expired"),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Orders, newest first."""
    found = services.orders(get_app(ctx), account, status, by=actor(ctx, as_user))
    if as_json:
        print_json({"orders": [order_view(o) for o in found]})
        return
    table = Table(
        "id", "account", "instrument", "side", "price", "qty", "remaining", "tif", "status"
    )
    for o in found:
        table.add_row(
            str(o.id), o.account, o.instrument, o.side, yuan(o.price), str(o.qty),
            str(o.remaining), o.tif, o.status,
        )  # fmt: skip
    console.print(table)


# --- market data -------------------------------------------------------------------------


@app.command("book")
def book(ctx: typer.Context, instrument: str = INSTRUMENT, as_json: bool = JSON) -> None:
    """The order book: bids and asks by price level, best first."""
    depth = market.depth(get_app(ctx), instrument)
    if as_json:
        print_json(book_view(depth))
        return
    table = Table("bid qty", "bid", "ask", "ask qty", title=depth.instrument)
    for n in range(max(len(depth.bids), len(depth.asks))):
        bid = depth.bids[n] if n < len(depth.bids) else None
        ask = depth.asks[n] if n < len(depth.asks) else None
        table.add_row(
            str(bid[1]) if bid else "", yuan(bid[0]) if bid else "",
            yuan(ask[0]) if ask else "", str(ask[1]) if ask else "",
        )  # fmt: skip
    console.print(table)


@app.command("trades")
def trades(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    day: str | None = typer.Option(None, "--date", help="Business date (default: today, CST)."),
    as_json: bool = JSON,
) -> None:
    """The listing trades of one day."""
    app_ = get_app(ctx)
    on = _date(day) or business_date(app_.clock.now())
    found = market.trades(app_, instrument, on)
    if as_json:
        print_json(trades_view(instrument, on.isoformat(), found))
        return
    table = Table("trade", "buy", "sell", "price", "qty", "at", title=f"{instrument} {on}")
    for t in found:
        table.add_row(
            str(t.id), str(t.buy_order), str(t.sell_order), yuan(t.price), str(t.qty), t.at
        )
    console.print(table)


@app.command("bars")
def bars(ctx: typer.Context, instrument: str = INSTRUMENT, as_json: bool = JSON) -> None:
    """Daily open, high, low, close, volume and value of the closed days."""
    found = market.bars(get_app(ctx), instrument)
    if as_json:
        print_json(bars_view(instrument, found))
        return
    table = Table("date", "open", "high", "low", "close", "volume t", "value ¥", title=instrument)
    for b in found:
        table.add_row(
            b.day, yuan(b.open) if b.open else "-", yuan(b.high) if b.high else "-",
            yuan(b.low) if b.low else "-", yuan(b.close), str(b.volume), yuan(b.value),
        )  # fmt: skip
    console.print(table)


@app.command("stats")
def stats(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Cumulative listing-trade volume and value since launch."""
    figures = market.statistics(get_app(ctx))
    if as_json:
        print_json(statistics_view(figures))
        return
    console.print(
        f"{figures.trades} trades, {figures.volume:,} t, {money(figures.value)} since launch",
        highlight=False,
    )


# --- the trading day, listings, members and funds ----------------------------------------


@app.command("close-day")
def close_day(
    ctx: typer.Context,
    day: str | None = typer.Option(None, "--date", help="Trading day (default: today, CST)."),
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Close a trading day: closing prices (VWAP), expiry of open orders."""
    result = services.close_day(_at(ctx, at), _date(day), by=actor(ctx, as_user))
    if as_json:
        print_json(close_view(result))
        return
    for b in result.bars:
        console.print(
            f"{b.instrument} {result.day}: close {yuan(b.close)}, {b.volume:,} t", highlight=False
        )
    console.print(f"{result.expired} orders expired", highlight=False)


@app.command("list-instrument")
def list_instrument(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    ref_price: str = typer.Option(
        ..., "--ref-price", help="Listing reference price, yuan per tonne: the first band's base."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """List an instrument for trading with its reference price."""
    listing = services.list_instrument(
        get_app(ctx), instrument, parse_price(ref_price, "--ref-price"), by=actor(ctx, as_user)
    )
    if as_json:
        print_json(listing_view(listing))
        return
    console.print(f"{listing.code} listed, reference price {yuan(listing.ref_price)}")


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Trading account id (opened if missing)."),
    name: str = typer.Option(..., "--name", help="The member's name (the account's owner)."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Admit a member: its trading account holds its units and its funds (CNY)."""
    member = services.add_member(get_app(ctx), account, name, by=actor(ctx, as_user))
    if as_json:
        print_json(member_view(member))
        return
    console.print(f"member {member.name}, trading account {member.account}", highlight=False)


@member_app.command("list")
def member_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Members by trading account."""
    found = services.members(get_app(ctx))
    if as_json:
        print_json({"members": [member_view(m) for m in found]})
        return
    for m in found:
        console.print(f"{m.account}  {m.name}", highlight=False)


def _funds_move(ctx: typer.Context, account: str, amount: str, key: str | None,
                as_user: str | None, as_json: bool, withdraw: bool) -> None:  # fmt: skip
    app_ = get_app(ctx)
    by = actor(ctx, as_user)
    fen = parse_price(amount, "amount")
    move = services.withdraw if withdraw else services.deposit
    receipt = move(app_, account, fen, key=key, by=by)
    held = services.funds(app_, account, by=by)
    if as_json:
        print_json(funds_receipt_view(receipt, held))
        return
    console.print(
        f"entry {receipt.entry.seq}: {account} holds {money(held.held)} "
        f"({money(held.available)} available)",
        highlight=False,
    )


@funds_app.command("deposit")
def funds_deposit(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Trading account."),
    amount: str = typer.Argument(..., help="Yuan (at most two decimals)."),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Record funds a member paid in."""
    _funds_move(ctx, account, amount, key, as_user, as_json, withdraw=False)


@funds_app.command("withdraw")
def funds_withdraw(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Trading account."),
    amount: str = typer.Argument(..., help="Yuan (at most two decimals)."),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Pay funds out (only what is not reserved for open orders)."""
    _funds_move(ctx, account, amount, key, as_user, as_json, withdraw=True)


@funds_app.command("show")
def funds_show(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Trading account."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """A member's funds: held, reserved for orders, available."""
    held = services.funds(get_app(ctx), account, by=actor(ctx, as_user))
    if as_json:
        print_json(funds_view(held))
        return
    console.print(
        f"{account}: {money(held.held)} held, {money(held.reserved)} reserved, "
        f"{money(held.available)} available",
        highlight=False,
    )


@app.command("statement")
def statement(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Trading account."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Funds and units movements of a trading account, newest first."""
    lines = services.statement(get_app(ctx), account, by=actor(ctx, as_user))
    if as_json:
        print_json(statement_view(account, lines))
        return
    table = Table("entry", "kind", "at", "instrument", "amount", "reserved", title=account)
    for line in lines:
        show = yuan if line.instrument == "CNY" else str
        table.add_row(
            str(line.seq), line.kind, line.recorded_at, line.instrument,
            show(line.amount), show(line.reserved),
        )  # fmt: skip
    console.print(table)
