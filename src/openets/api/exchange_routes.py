"""``/api/v1/exchange`` routes: members' orders (place, amend, cancel, lift), their orders,
trades, funds and statements; the operator's members, listings, deposits, withdrawals and the
end of the day; public market data (book, trades, bars, statistics, calendar).

Every route calls one service of :mod:`openets.exchange.services` or
:mod:`openets.exchange.market` with the caller as the actor; answers are the documents of
:mod:`openets.exchange.views`, the same the CLI prints with ``--json``. Prices and amounts are
yuan text with two decimals (``"45.20"``); quantities whole tonnes. Orders run at the
server's clock (no client-supplied time).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.clock import business_date
from openets.errors import InvalidInput
from openets.exchange import market, services
from openets.exchange.calendar import SESSIONS, trading_days
from openets.exchange.model import parse_price
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
    trade_view,
    trades_view,
)

router = APIRouter(prefix="/exchange", tags=["exchange"])

MEMBER = (Role.MEMBER.value,)
MEMBER_OR_REGULATOR = (Role.REGULATOR.value, Role.MEMBER.value)
_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
_PUBLIC = problem_responses(400, 404, 422)

Document = dict[str, Any]
OrderPath = Annotated[int, Path(ge=1, examples=[17])]
AccountPath = Annotated[str, Path(min_length=1, max_length=64, examples=["M-GZ-001"])]
CodePath = Annotated[str, Path(min_length=1, max_length=16, examples=["GDEA-2025"])]
Price = Annotated[str, Field(max_length=16, pattern=r"^\d+(\.\d{1,2})?$", examples=["45.20"])]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderBody(_Body):
    account: str = Field(min_length=1, max_length=64)
    side: str = Field(pattern="^(buy|sell)$")
    instrument: str = Field(min_length=1, max_length=16, examples=["GDEA-2025"])
    qty: int = Field(strict=True, ge=1, le=10**9, description="Whole tonnes.")
    price: Price
    tif: str = Field(default="GTC", pattern="^(GTC|IOC|FOK)$")


class AmendBody(_Body):
    qty: int | None = Field(default=None, strict=True, ge=1, le=10**9)
    price: Price | None = None


class LiftBody(_Body):
    account: str = Field(min_length=1, max_length=64)
    qty: int = Field(strict=True, ge=1, le=10**9)
    price: Price | None = Field(default=None, description="The price seen: refused if moved.")


class MemberBody(_Body):
    account: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class ListingBody(_Body):
    instrument: str = Field(min_length=1, max_length=16)
    ref_price: Price


class AmountBody(_Body):
    amount: Price = Field(description="Yuan, at most two decimals.")


class CloseBody(_Body):
    date: str | None = Field(default=None, max_length=10, examples=["2025-07-01"])


def _replayed(result: Any, response: Response) -> None:
    if getattr(result, "replayed", False):
        response.status_code = 200


# --- members' orders -------------------------------------------------------------------------


@router.post(
    "/orders",
    status_code=201,
    openapi_extra=roles(MEMBER, "member: its own trading accounts"),
    responses={**_WRITE, 200: {"description": "An idempotent repeat: the first placement."}},
)
def place(
    body: OrderBody, app: AppDep, user: CurrentUser, key: IdempotencyKey, response: Response
) -> Document:
    """Place a listing order; it reserves the funds (buy: price × qty) or units (sell) it
    needs, trades by price-time priority and settles each trade at once (DvP, T+0). 422 with
    the rule when refused (hours, band, funds, units, self-trade, FOK).

    **Who may call:** member users, for their member's trading accounts.
    """
    result = services.place_order(
        app,
        body.account,
        body.instrument,
        body.side,
        body.qty,
        parse_price(body.price),
        body.tif,
        key=key,
        by=user,
    )
    _replayed(result, response)
    return order_result_view(result)


@router.patch(
    "/orders/{order_id}", openapi_extra=roles(MEMBER, "member: its own orders"), responses=_WRITE
)
def amend(order_id: OrderPath, body: AmendBody, app: AppDep, user: CurrentUser) -> Document:
    """Amend an open order (a smaller quantity keeps priority; anything else loses it).

    **Who may call:** member users, for their own orders.
    """
    price = None if body.price is None else parse_price(body.price)
    return order_result_view(services.amend_order(app, order_id, body.qty, price, by=user))


@router.post(
    "/orders/{order_id}/cancel",
    openapi_extra=roles(MEMBER, "member: its own orders"),
    responses=_WRITE,
)
def cancel(order_id: OrderPath, app: AppDep, user: CurrentUser) -> Document:
    """Cancel an open order and release its reservation (409 if it is no longer open).

    **Who may call:** member users, for their own orders.
    """
    return order_view(services.cancel_order(app, order_id, by=user))


@router.post(
    "/orders/{order_id}/lift",
    status_code=201,
    openapi_extra=roles(MEMBER, "member: its own trading accounts"),
    responses={**_WRITE, 200: {"description": "An idempotent repeat."}},
)
def lift(
    order_id: OrderPath,
    body: LiftBody,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Point-and-click: take a displayed order at its price (immediate or cancel).

    **Who may call:** member users, for their member's trading accounts.
    """
    seen = None if body.price is None else parse_price(body.price)
    result = services.lift(app, body.account, order_id, body.qty, seen, key=key, by=user)
    _replayed(result, response)
    return order_result_view(result)


@router.get("/orders", openapi_extra=roles(MEMBER_OR_REGULATOR, "member: its own"), responses=_READ)
def orders(
    app: AppDep,
    user: CurrentUser,
    account: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Document:
    """Orders, newest first.

    **Who may call:** regulator (all); member users (their member's).
    """
    return {"orders": [order_view(o) for o in services.orders(app, account, status, by=user)]}


@router.get(
    "/orders/{order_id}",
    openapi_extra=roles(MEMBER_OR_REGULATOR, "member: its own"),
    responses=_READ,
)
def order(order_id: OrderPath, app: AppDep, user: CurrentUser) -> Document:
    """An order with its trades.

    **Who may call:** regulator; member users for their own orders.
    """
    return order_result_view(services.get_order(app, order_id, by=user))


@router.get(
    "/accounts/{account}/trades",
    openapi_extra=roles(MEMBER_OR_REGULATOR, "member: its own accounts"),
    responses=_READ,
)
def account_trades(account: AccountPath, app: AppDep, user: CurrentUser) -> Document:
    """A trading account's trades, newest first.

    **Who may call:** regulator; member users for their own accounts.
    """
    found = services.account_trades(app, account, by=user)
    return {"account": account, "trades": [trade_view(t) for t in found]}


@router.get(
    "/accounts/{account}/funds",
    openapi_extra=roles(MEMBER_OR_REGULATOR, "member: its own accounts"),
    responses=_READ,
)
def funds(account: AccountPath, app: AppDep, user: CurrentUser) -> Document:
    """Funds held, reserved for open buy orders, available.

    **Who may call:** regulator; member users for their own accounts.
    """
    return funds_view(services.funds(app, account, by=user))


@router.get(
    "/accounts/{account}/statement",
    openapi_extra=roles(MEMBER_OR_REGULATOR, "member: its own accounts"),
    responses=_READ,
)
def statement(
    account: AccountPath,
    app: AppDep,
    user: CurrentUser,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Document:
    """Funds and units movements (registry entries), newest first.

    **Who may call:** regulator; member users for their own accounts.
    """
    lines = services.statement(app, account, by=user, limit=limit, before=before)
    return statement_view(account, lines)


# --- the operator --------------------------------------------------------------------------------


@router.post("/members", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE)
def add_member(body: MemberBody, app: AppDep, user: CurrentUser) -> Document:
    """Admit a member and open its trading account (a repeat is a no-op).

    **Who may call:** regulator (the exchange's operator).
    """
    return member_view(services.add_member(app, body.account, body.name, by=user))


@router.post("/instruments", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE)
def list_instrument(body: ListingBody, app: AppDep, user: CurrentUser) -> Document:
    """List an instrument with its listing reference price.

    **Who may call:** regulator (the exchange's operator).
    """
    listing = services.list_instrument(app, body.instrument, parse_price(body.ref_price), by=user)
    return listing_view(listing)


@router.post(
    "/accounts/{account}/deposits",
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def deposit(
    account: AccountPath,
    body: AmountBody,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Record funds a member paid in.

    **Who may call:** regulator (the exchange's operator).
    """
    receipt = services.deposit(app, account, parse_price(body.amount, "amount"), key=key, by=user)
    _replayed(receipt, response)
    return funds_receipt_view(receipt, services.funds(app, account, by=user))


@router.post(
    "/accounts/{account}/withdrawals",
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def withdraw(
    account: AccountPath,
    body: AmountBody,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Pay funds out (not those reserved for open orders).

    **Who may call:** regulator (the exchange's operator).
    """
    receipt = services.withdraw(app, account, parse_price(body.amount, "amount"), key=key, by=user)
    _replayed(receipt, response)
    return funds_receipt_view(receipt, services.funds(app, account, by=user))


@router.post("/close-day", openapi_extra=roles(REGULATOR), responses=_WRITE)
def close_day(body: CloseBody, app: AppDep, user: CurrentUser) -> Document:
    """Close a trading day: closes (VWAP), expiry of open orders. Repeating is a no-op.

    **Who may call:** regulator (the exchange's operator).
    """
    day = _date(body.date)
    return close_view(services.close_day(app, day, by=user))


# --- public market data ------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"date {text!r} is not YYYY-MM-DD") from None


@router.get("/book/{code}", openapi_extra=roles(ANYONE), responses=_PUBLIC)
def book(code: CodePath, app: AppDep, user: Caller) -> Document:
    """The order book by price level, best first.

    **Who may call:** anyone, without login.
    """
    del user
    return book_view(market.depth(app, code))


@router.get("/trades/{code}", openapi_extra=roles(ANYONE), responses=_PUBLIC)
def trades(
    code: CodePath,
    app: AppDep,
    user: Caller,
    on: Annotated[str | None, Query(alias="date", max_length=10)] = None,
) -> Document:
    """The listing trades of one business date (default: today).

    **Who may call:** anyone, without login.
    """
    del user
    day = _date(on) or business_date(app.clock.now())
    return trades_view(code, day.isoformat(), market.trades(app, code, day))


@router.get("/bars/{code}", openapi_extra=roles(ANYONE), responses=_PUBLIC)
def bars(code: CodePath, app: AppDep, user: Caller) -> Document:
    """Daily open, high, low, close, volume and value of every closed day.

    **Who may call:** anyone, without login.
    """
    del user
    return bars_view(code, market.bars(app, code))


@router.get("/stats", openapi_extra=roles(ANYONE), responses=_PUBLIC)
def stats(app: AppDep, user: Caller) -> Document:
    """Cumulative listing-trade volume and value since launch.

    **Who may call:** anyone, without login.
    """
    del user
    return statistics_view(market.statistics(app))


@router.get("/calendar", openapi_extra=roles(ANYONE), responses=_PUBLIC)
def calendar(
    app: AppDep,
    user: Caller,
    start: Annotated[str | None, Query(max_length=10)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 31,
) -> Document:
    """The trading days from ``start`` (default: today) for ``days`` days, and the sessions.

    **Who may call:** anyone, without login.
    """
    del user
    first = _date(start) or business_date(app.clock.now())
    listed = trading_days(first, first + timedelta(days=days - 1))
    return {
        "sessions": [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in SESSIONS],
        "timezone": "CST (UTC+8)",
        "trading_days": [d.isoformat() for d in listed],
    }
