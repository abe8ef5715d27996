"""Web pages of the exchange: the public market page and the members' trading page, updated
live by server-sent events.

- ``/exchange`` (public): per listed instrument, the daily candlestick (open, high, low,
  close) over a volume bar chart, the last close and its change, the cumulative volume and
  value since launch of listing trades, block trades and auctions, and the latest days;
- ``/exchange/trade`` redirects to the trading page of the first listed instrument;
- ``/exchange/trade/{instrument}``: the trading page of a member user (order entry, its open
  orders with cancel buttons, the depth ladder whose prices lift the displayed order, the
  recent trades); the regulator sees it read-only (book, trades, every open order); anyone
  else logged in gets the 403 page, an anonymous visitor the login form;
- ``POST /exchange/trade/{instrument}/orders``, ``.../orders/{id}/cancel``, ``.../lift``:
  the HTMX targets of the order form, the cancel buttons and the ladder's prices. Each calls
  one exchange service as the logged-in user (:func:`~openets.exchange.services.place_order`,
  :func:`~openets.exchange.services.cancel_order`, :func:`~openets.exchange.services.lift`)
  for the member's trading account, and answers with the order panel (the service's one-line
  message when it refused) plus the ladder and the open orders swapped out of band;
- ``/exchange/trade/{instrument}/events``: ``text/event-stream``. Every
  :data:`POLL_SECONDS` it reads the newest outbox event id (every order, trade and close
  writes one); when it moved it sends the events ``book``, ``trades`` and ``orders``, each
  carrying the HTML fragment the page swaps in (HTMX's SSE extension: ``sse-connect`` and
  ``sse-swap``). The stream ends when the client goes away; ``?once=1`` ends it after the
  first round (a test seam, and harmless for anyone else).

Money shows in yuan with two decimals, prices are entered in yuan (tick ¥0.01) and quantities
in whole tonnes, as the exchange's services take them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from openets.auth import User
from openets.auth.model import Role
from openets.bootstrap import App
from openets.clock import business_date
from openets.db.tables_exchange import outbox
from openets.errors import InvalidInput, NotAuthorised, NotFound, OpenETSError, RuleViolation
from openets.exchange import market
from openets.exchange import services as exchange
from openets.exchange.calendar import in_session
from openets.exchange.market import Depth, InstrumentStatistics
from openets.exchange.model import Bar, Order, Side, Trade, listing_band, parse_price, yuan
from openets.exchange.store import ExchangeStore
from openets.money import yuan_grouped
from openets.registry import services as registry
from openets.registry.instruments import parse_instrument
from openets.web.i18n import translator
from openets.web.routes import (
    _decorate,
    _error,
    _is_htmx,
    _language,
    _login_redirect,
    _openets,
    _render,
    _viewer,
)

__all__ = ["POLL_SECONDS", "SECTION", "candle_chart", "router"]

SECTION = "/exchange"
#: Price levels shown on each side of the depth ladder.
LEVELS = 10
#: Trades in the recent-trades table; days in the market page's table.
RECENT_TRADES = 20
RECENT_DAYS = 10
#: How often the event stream looks for changes (seconds).
POLL_SECONDS = 1.0
#: Candle colours as the Chinese markets use them: red up, green down.
_UP, _DOWN, _VOLUME = "#c23531", "#2f8f4e", "#7f9bb3"

router = APIRouter(include_in_schema=False)


# --- the market page --------------------------------------------------------------------------


def _price(fen: int | None) -> float | str:
    """A price for the chart in yuan; ``"-"`` is ECharts' mark of a missing value."""
    return "-" if fen is None else fen / 100


def candle_chart(bars: Sequence[Bar], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: the daily candles (open, close, low, high in yuan) above the daily
    volume (t), on one date axis. A day without trades has no candle and a zero volume."""
    days = [bar.day for bar in bars]
    candles = [
        [_price(b.open), _price(b.close), _price(b.low), _price(b.high)]
        if b.open is not None
        else ["-", "-", "-", "-"]
        for b in bars
    ]
    volumes = [
        {
            "value": b.volume,
            "itemStyle": {"color": _UP if b.open is not None and b.close >= b.open else _DOWN},
        }
        for b in bars
    ]
    return {
        "animation": False,
        # a list, not one object: app.js adds its whole-number tooltip formatter to a single
        # tooltip object, which would round the prices to the yuan
        "tooltip": [{"trigger": "axis", "axisPointer": {"type": "cross"}}],
        "axisPointer": {"link": [{"xAxisIndex": "all"}]},
        "legend": {"top": 0, "data": [t("exchange.col.price"), t("exchange.col.volume")]},
        "grid": [
            {"left": 60, "right": 16, "top": 36, "height": "55%"},
            {"left": 60, "right": 16, "top": "74%", "height": "18%"},
        ],
        "xAxis": [
            {"type": "category", "data": days, "boundaryGap": True, "axisLabel": {"show": False}},
            {"type": "category", "gridIndex": 1, "data": days, "boundaryGap": True},
        ],
        "yAxis": [
            # "{value}" keeps the yuan decimals (app.js would round a value axis to whole yuan)
            {
                "scale": True,
                "name": t("exchange.unit.yuan_t"),
                "axisLabel": {"formatter": "{value}"},
            },
            {"type": "value", "gridIndex": 1, "name": t("exchange.unit.t"), "splitNumber": 2},
        ],
        "dataZoom": [{"type": "inside", "xAxisIndex": [0, 1]}],
        "series": [
            {
                "name": t("exchange.col.price"),
                "type": "candlestick",
                "data": candles,
                "itemStyle": {
                    "color": _UP,
                    "color0": _DOWN,
                    "borderColor": _UP,
                    "borderColor0": _DOWN,
                },
            },
            {
                "name": t("exchange.col.volume"),
                "type": "bar",
                "xAxisIndex": 1,
                "yAxisIndex": 1,
                "data": volumes,
                "color": _VOLUME,
            },
        ],
    }


@dataclass(frozen=True, slots=True)
class _Totals:
    """Cumulative tonnes and fen since launch of one kind of trade."""

    volume: int = 0
    value: int = 0


@dataclass(frozen=True, slots=True)
class _Summary:
    instrument: str
    last: Bar | None
    previous: int | None  # the close before the last day (or the listing price), fen
    listing: _Totals
    block: _Totals
    auction: _Totals
    days: list[Bar]  # newest first
    chart: dict[str, Any] | None

    @property
    def change(self) -> int | None:
        if self.last is None or self.previous is None:
            return None
        return self.last.close - self.previous

    @property
    def change_percent(self) -> str | None:
        """The change against the previous close, percent with two decimals and a sign."""
        if self.change is None or not self.previous:
            return None
        share = (Decimal(self.change) * 100 / self.previous).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        return f"{share:+}%"


def _block_totals(app: App, day: date) -> dict[str, _Totals]:
    from openets.exchange import block_services

    return {
        s.instrument: _Totals(s.cumulative_volume, s.cumulative_value)
        for s in block_services.block_statistics(app, day)
    }


def _auction_totals(app: App) -> dict[str, _Totals]:
    from openets.exchange import auction_services

    totals: dict[str, _Totals] = {}
    for auction in auction_services.auction_list(app):
        if auction.sold:
            known = totals.get(auction.instrument, _Totals())
            totals[auction.instrument] = _Totals(
                known.volume + auction.sold, known.value + auction.value
            )
    return totals


def _summaries(app: App, t: Callable[[str], str]) -> list[_Summary]:
    today = business_date(app.clock.now())
    stats: dict[str, InstrumentStatistics] = {
        line.instrument: line for line in market.statistics(app).instruments
    }
    blocks = _block_totals(app, today)
    auctions = _auction_totals(app)
    result = []
    for listing in exchange.listings(app):
        code = listing.code
        bars = market.bars(app, code)
        last = bars[-1] if bars else None
        previous = market.previous_close(app, code, last.day) if last is not None else None
        line = stats.get(code)
        result.append(
            _Summary(
                instrument=code,
                last=last,
                previous=previous,
                listing=_Totals(line.volume, line.value) if line else _Totals(),
                block=blocks.get(code, _Totals()),
                auction=auctions.get(code, _Totals()),
                days=list(reversed(bars[-RECENT_DAYS:])),
                chart=candle_chart(bars, t) if bars else None,
            )
        )
    return result


def _formatting() -> dict[str, Any]:
    def money(fen: int | None) -> str:
        """Fen as yuan with thousands separators and two decimals; "—" for none."""
        return "—" if fen is None else yuan_grouped(fen)

    def signed(fen: int | None) -> str:
        if fen is None:
            return "—"
        return ("+" if fen > 0 else "") + money(fen)

    return {"money": money, "signed": signed, "yuan": yuan, "quote": quote}


@router.get("/exchange", response_class=HTMLResponse)
def market_page(request: Request) -> Response:
    """The market page (public): charts, closes and cumulative statistics per instrument."""
    application = _openets(request)
    t = translator(_language(request))
    try:
        summaries = _summaries(application, t)
    except OpenETSError as error:
        return _error(request, error)
    totals = _Totals(
        sum(s.listing.volume + s.block.volume + s.auction.volume for s in summaries),
        sum(s.listing.value + s.block.value + s.auction.value for s in summaries),
    )
    user = _viewer(request)
    context = {
        **_formatting(),
        "summaries": summaries,
        "totals": totals,
        "may_trade": user.role in (Role.MEMBER, Role.REGULATOR),
    }
    return _render(request, "exchange_market.html", context, section=SECTION)


# --- the trading page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Desk:
    """Who is at the trading page: the user, and the member's trading account (None for the
    regulator, who watches read-only)."""

    user: User
    account: str | None
    instrument: str


def _desk(request: Request, instrument: str) -> _Desk | Response:
    """The viewer's desk for ``instrument``, or the login redirect / error page."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    t = translator(_language(request))
    application = _openets(request)
    try:
        code = parse_instrument(instrument).code
        if not any(listing.code == code for listing in exchange.listings(application)):
            raise NotFound(t("exchange.not_listed").replace("{instrument}", code))
        if user.role is Role.REGULATOR:
            return _Desk(user, None, code)
        if user.role is not Role.MEMBER:
            raise NotAuthorised(t("exchange.restricted"))
        for member in exchange.members(application):
            if member.name == user.owner:
                return _Desk(user, member.account, code)
        raise NotAuthorised(t("exchange.no_member"))
    except OpenETSError as error:
        return _error(request, error)


@dataclass(frozen=True, slots=True)
class _Rung:
    """One price level of the ladder: the side a click takes (the opposite of the orders
    resting there)."""

    side: Side
    price: int
    qty: int

    @property
    def take(self) -> str:
        return self.side.opposite.value


def _ladder(book: Depth) -> tuple[list[_Rung], list[_Rung]]:
    """Asks highest first (the best ask just above the bids), bids best first."""
    asks = [_Rung(Side.SELL, p, q) for p, q in reversed(book.asks)]
    bids = [_Rung(Side.BUY, p, q) for p, q in book.bids]
    return asks, bids


def _recent_trades(app: App, code: str) -> tuple[str | None, list[Trade]]:
    """The trades of the last day that traded (today, once anything traded today), newest
    first, and that day."""
    with app.reading() as connection:
        day = ExchangeStore(connection).last_trade_day(code)
    if day is None:
        return None, []
    return day, list(reversed(market.trades(app, code, day)))[:RECENT_TRADES]


def _open_orders(app: App, desk: _Desk) -> list[Order]:
    """The member's open orders of the instrument (every member's for the regulator),
    newest first."""
    open_ = exchange.orders(app, account=desk.account, status="open", by=desk.user)
    return [o for o in open_ if o.instrument == desk.instrument]


@dataclass
class _Form:
    """The order form's values and the outcome of the last command."""

    side: str = "buy"
    price: str = ""
    qty: str = ""
    tif: str = "GTC"
    message: str | None = None
    ok: bool = True
    key: str = field(default_factory=lambda: secrets.token_hex(12))


def _market_context(app: App, desk: _Desk) -> dict[str, Any]:
    """What the ladder, the trades and the orders fragments show."""
    asks, bids = _ladder(market.depth(app, desk.instrument, levels=LEVELS))
    trades_day, trades = _recent_trades(app, desk.instrument)
    return {
        **_formatting(),
        "instrument": desk.instrument,
        "base": f"/exchange/trade/{quote(desk.instrument, safe='')}",
        "asks": asks,
        "bids": bids,
        "trades": trades,
        "trades_day": trades_day,
        "orders": _open_orders(app, desk),
        "trader": desk.account is not None,
    }


def _page_context(app: App, desk: _Desk, form: _Form) -> dict[str, Any]:
    today = business_date(app.clock.now())
    close = market.previous_close(app, desk.instrument, today)
    band = listing_band(close) if close is not None else None
    funds = exchange.funds(app, desk.account, by=desk.user) if desk.account else None
    units = None
    if desk.account is not None:
        held = registry.balance(app, desk.account).balances
        units = next((p for p in held if p.instrument == desk.instrument), None)
    return {
        **_market_context(app, desk),
        "form": form,
        "account": desk.account,
        "previous_close": close,
        "band": band,
        "funds": funds,
        "units": units,
        "today": today.isoformat(),
        "session_open": _session_open(app),
        "instruments": [listing.code for listing in exchange.listings(app)],
    }


def _session_open(app: App) -> bool:
    """Whether continuous trading is open now (a year the holiday data does not cover is
    closed: the exchange refuses orders then too)."""
    try:
        return in_session(app.clock.now())
    except RuleViolation:
        return False


@router.get("/exchange/trade", response_class=HTMLResponse)
def trade_home(request: Request) -> Response:
    """The trading page of the first listed instrument."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    listed = exchange.listings(_openets(request))
    if not listed:
        t = translator(_language(request))
        return _error(request, NotFound(t("exchange.none_listed")))
    response = RedirectResponse(f"/exchange/trade/{quote(listed[0].code, safe='')}", 303)
    _decorate(request, response, _language(request))
    return response


@router.get("/exchange/trade/{instrument}", response_class=HTMLResponse)
def trade_page(request: Request, instrument: str) -> Response:
    """The trading page (a member; the regulator read-only)."""
    desk = _desk(request, instrument)
    if not isinstance(desk, _Desk):
        return desk
    try:
        context = _page_context(_openets(request), desk, _Form())
    except OpenETSError as error:
        return _error(request, error)
    return _render(request, "exchange_trade.html", context, section=SECTION)


def _whole_tonnes(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or int(value) <= 0:
        raise InvalidInput(f"quantity {text!r} is not a positive whole number of tonnes")
    return int(value)


def _answer(request: Request, desk: _Desk, form: _Form) -> Response:
    """After a command: the order panel with the ladder and the orders out of band (HTMX),
    or the whole page (a plain form post)."""
    application = _openets(request)
    if not form.ok:
        form.key = secrets.token_hex(12)  # a refused order is not stored: a fresh key anyway
    try:
        context = _page_context(application, desk, form)
    except OpenETSError as error:
        return _error(request, error)
    if _is_htmx(request):
        return _render(request, "partials/exchange_answer.html", context)
    status = 200 if form.ok else 400
    return _render(request, "exchange_trade.html", context, status_code=status, section=SECTION)


def _command(request: Request, instrument: str, run: Callable[[App, _Desk], _Form]) -> Response:
    desk = _desk(request, instrument)
    if not isinstance(desk, _Desk):
        return desk
    if desk.account is None:
        t = translator(_language(request))
        return _error(request, NotAuthorised(t("exchange.read_only")))
    return _answer(request, desk, run(_openets(request), desk))


@router.post("/exchange/trade/{instrument}/orders", response_class=HTMLResponse)
def place(
    request: Request,
    instrument: str,
    side: Annotated[str, Form()] = "",
    price: Annotated[str, Form()] = "",
    qty: Annotated[str, Form()] = "",
    tif: Annotated[str, Form()] = "GTC",
    key: Annotated[str, Form()] = "",
) -> Response:
    """Place an order for the member's trading account."""
    t = translator(_language(request))

    def run(application: App, desk: _Desk) -> _Form:
        form = _Form(side=side, price=price, qty=qty, tif=tif)
        try:
            assert desk.account is not None
            result = exchange.place_order(
                application,
                desk.account,
                desk.instrument,
                side,
                _whole_tonnes(qty),
                parse_price(price),
                tif,
                key=key or None,
                by=desk.user,
            )
        except OpenETSError as error:
            form.message, form.ok = error.message, False
            return form
        order = result.order
        form.message = (
            t("exchange.placed")
            .replace("{order}", str(order.id))
            .replace("{filled}", f"{order.filled:,}")
            .replace("{status}", t(f"exchange.status.{order.status.value}"))
        )
        return _Form(side=side, tif=tif, message=form.message)

    return _command(request, instrument, run)


@router.post("/exchange/trade/{instrument}/orders/{order_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, instrument: str, order_id: int) -> Response:
    """Cancel one of the member's open orders."""
    t = translator(_language(request))

    def run(application: App, desk: _Desk) -> _Form:
        try:
            order = exchange.cancel_order(application, order_id, by=desk.user)
        except OpenETSError as error:
            return _Form(message=error.message, ok=False)
        return _Form(message=t("exchange.cancelled").replace("{order}", str(order.id)))

    return _command(request, instrument, run)


def _level_head(app: App, instrument: str, side: Side, price: int) -> Order:
    """The first order in priority of a price level (the one a click on it lifts)."""
    with app.reading() as connection:
        resting = ExchangeStore(connection).open_orders(instrument)
    for order in resting:
        if order.side is side and order.price == price:
            return order
    raise RuleViolation(f"no {side.value} order rests at {yuan(price)} any more")


@router.post("/exchange/trade/{instrument}/lift", response_class=HTMLResponse)
def lift(
    request: Request,
    instrument: str,
    side: Annotated[str, Form()] = "",
    price: Annotated[str, Form()] = "",
    qty: Annotated[str, Form()] = "",
) -> Response:
    """Point-and-click: take ``qty`` t of the first order resting at a price of the ladder
    (``side`` is the side of the resting orders)."""
    t = translator(_language(request))

    def run(application: App, desk: _Desk) -> _Form:
        form = _Form(qty=qty)
        try:
            assert desk.account is not None
            resting = Side.SELL if side == "sell" else Side.BUY
            fen = parse_price(price)
            target = _level_head(application, desk.instrument, resting, fen)
            result = exchange.lift(
                application,
                desk.account,
                target.id,
                _whole_tonnes(qty),
                price=fen,
                by=desk.user,
            )
        except OpenETSError as error:
            form.message, form.ok = error.message, False
            return form
        traded = sum(trade.qty for trade in result.trades)
        form.message = (
            t("exchange.lifted")
            .replace("{qty}", f"{traded:,}")
            .replace("{price}", yuan(target.price))
            .replace("{order}", str(target.id))
        )
        return form

    return _command(request, instrument, run)


# --- live updates -----------------------------------------------------------------------------


def _mark(app: App) -> int:
    """The newest outbox event's id: every order, trade and close writes one."""
    with app.reading() as connection:
        newest = connection.execute(select(func.max(outbox.c.id))).scalar()
    return int(newest or 0)


_FRAGMENTS = (
    ("book", "partials/exchange_book.html"),
    ("trades", "partials/exchange_trades.html"),
    ("orders", "partials/exchange_orders.html"),
)


def _fragments(request: Request, desk: _Desk) -> list[tuple[str, str]]:
    context = _market_context(_openets(request), desk)
    return [
        (name, bytes(_render(request, template, context).body).decode("utf-8"))
        for name, template in _FRAGMENTS
    ]


def sse_event(name: str, html: str) -> str:
    """One server-sent event: its name and one ``data:`` line per line of the fragment."""
    lines = html.strip().splitlines() or [""]
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


@router.get("/exchange/trade/{instrument}/events")
async def events(request: Request, instrument: str, once: str | None = None) -> Response:
    """The ladder, the trades and the open orders as server-sent events, whenever the
    exchange's outbox moves (checked every :data:`POLL_SECONDS`)."""
    desk = await run_in_threadpool(_desk, request, instrument)
    if not isinstance(desk, _Desk):
        return desk
    application = _openets(request)

    async def stream() -> AsyncIterator[str]:
        seen: int | None = None
        while not await request.is_disconnected():
            mark = await run_in_threadpool(_mark, application)
            if mark != seen:
                seen = mark
                for name, html in await run_in_threadpool(_fragments, request, desk):
                    yield sse_event(name, html)
                if once:
                    return
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
