"""Exchange use cases: members and funds, listing, continuous trading with reservation,
point-and-click lifts, the end of the trading day. One function each; every state change is
one transaction.

How an order command runs (:func:`place_order`, :func:`amend_order`, :func:`lift`):

1. checks that need no lock: the trading session (09:30-11:30, 13:00-15:00 CST on trading
   days), the inputs;
2. in one write transaction, under the registry's journal head lock (one writer at a time,
   so the book read below is current): the idempotency key, the member, the price band
   (±10% of the previous close), the funds or units the order must reserve (refused with the
   figures when not available);
3. the instrument's book is rebuilt from its open orders (in priority order) and the
   :mod:`matching engine <openets.exchange.engine>` places the order;
4. the fills settle at once, delivery versus payment, as ONE registry entry (with the
   order's reservation: a buy reserves ``price × qty`` fen, a sell its tonnes; a fill at a
   better price than a buy's limit releases the excess); orders, trades and one outbox event
   per trade are written in the same transaction.

Who may: a member user trades, reads orders, trades and statements for the accounts of its
member (its ``owner`` is the member's name); the regulator and the command-line operator
admit members, list instruments, record deposits and withdrawals, close the day and read
everything (the operator may also trade for any member, e.g. from the CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Connection

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.exchange import outbox
from openets.exchange.calendar import after_close, is_trading_day, require_in_session
from openets.exchange.engine import MAX_LISTING_QTY, Fill, OrderBook, OrderRejected, Resting
from openets.exchange.market import previous_close
from openets.exchange.model import (
    LISTING_BAND_PERCENT,
    Bar,
    Listing,
    Member,
    Order,
    OrderResult,
    OrderStatus,
    Side,
    TimeInForce,
    Trade,
    close_of_day,
    listing_band,
    parse_side,
    parse_tif,
    reservation,
    yuan,
)
from openets.exchange.settlement import settle_in
from openets.exchange.store import ExchangeStore
from openets.mrv.permissions import OPERATOR, Actor, Operator, is_regulator, require_regulator, who
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    FUNDS,
    SYSTEM_KINDS,
    AccountKind,
    DepositFunds,
    EntryKind,
    Receipt,
    ReservationLine,
    TradeLine,
    WithdrawFunds,
    check_account_id,
    optional_key,
)
from openets.registry.services import execute, journal_page
from openets.registry.store import LedgerStore

__all__ = [
    "CloseResult",
    "Funds",
    "StatementLine",
    "account_trades",
    "add_member",
    "amend_order",
    "cancel_order",
    "close_day",
    "deposit",
    "funds",
    "get_order",
    "lift",
    "list_instrument",
    "listings",
    "members",
    "orders",
    "place_order",
    "require_closed_before",
    "statement",
    "withdraw",
]

TRADE_TOPIC = "exchange.trade"
ORDER_TOPIC = "exchange.order"
CLOSE_TOPIC = "exchange.close"


# --- who may -----------------------------------------------------------------------------


def require_acts_for(actor: Actor, member: Member, action: str = "trade") -> None:
    """The operator, or a member user of this member (orders, block trades)."""
    if isinstance(actor, Operator):
        return
    if actor.role is Role.MEMBER and actor.owner is not None and actor.owner == member.name:
        return
    raise NotAuthorised(f"{who(actor)} may not {action} for account {member.account!r}")


def _may_read(actor: Actor, member: Member) -> bool:
    return is_regulator(actor) or (
        isinstance(actor, User) and actor.role is Role.MEMBER and actor.owner == member.name
    )


def member_of(store: ExchangeStore, account: str) -> Member:
    """The member whose trading account this is; NotFound for any other account."""
    member = store.member(account)
    if member is None:
        raise NotFound(f"account {account!r} is not an exchange member's trading account")
    return member


def _listing(store: ExchangeStore, code: str, lock: bool = False) -> Listing:
    listing = store.listing(code, lock=lock)
    if listing is None:
        raise RuleViolation(
            f"instrument {code} is not listed on the exchange "
            f"(`openets exchange list-instrument {code} --ref-price P`)"
        )
    return listing


# --- members, listings and funds ---------------------------------------------------------


def add_member(app: App, account: str, name: str, by: Actor = OPERATOR) -> Member:
    """Admit a member: open its trading account (kind ``exchange``, owned by ``name``) if it
    does not exist, and register it. The account holds the member's units and its funds (the
    instrument ``CNY``, in fen). Admitting the same account for the same name again is a
    no-op."""
    require_regulator(by, "admit exchange members")
    check_account_id(account)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a member needs a name of 1-200 characters")

    def work(connection: Connection) -> Member:
        store = ExchangeStore(connection)
        known = LedgerStore(connection).load_accounts([account]).get(account)
        now = utc_text(app.clock.now())
        if known is None:
            connection.execute(
                schema.accounts.insert().values(
                    id=account, kind=AccountKind.EXCHANGE.value, owner=name, opened_at=now
                )
            )
        elif known.kind in SYSTEM_KINDS or known.owner != name:
            raise Conflict(
                f"account {account!r} exists as a {known.kind} account of {known.owner!r}"
            )
        existing = store.member(account)
        if existing is not None:
            if existing.name == name:
                return existing
            raise Conflict(f"account {account!r} is already the member {existing.name!r}")
        member = Member(account, name, now)
        store.add_member(member)
        return member

    return app.write_unique(work)


def members(app: App) -> list[Member]:
    with app.reading() as connection:
        return ExchangeStore(connection).members()


def list_instrument(app: App, instrument: str, ref_price: int, by: Actor = OPERATOR) -> Listing:
    """List an instrument for trading with its listing reference price (fen per tonne): the
    previous close of its first trading day, until a day has closed. Listing it again at the
    same price is a no-op; at another price, a conflict."""
    require_regulator(by, "list instruments")
    code = parse_instrument(instrument).code
    if isinstance(ref_price, bool) or not isinstance(ref_price, int) or ref_price <= 0:
        raise InvalidInput(f"a reference price must be a positive number of fen, got {ref_price!r}")

    def work(connection: Connection) -> Listing:
        store = ExchangeStore(connection)
        existing = store.listing(code)
        if existing is not None:
            if existing.ref_price == ref_price:
                return existing
            raise Conflict(
                f"{code} is already listed with the reference price {yuan(existing.ref_price)}"
            )
        listing = Listing(code, ref_price, utc_text(app.clock.now()))
        store.add_listing(listing)
        return listing

    return app.write_unique(work)


def listings(app: App) -> list[Listing]:
    with app.reading() as connection:
        return ExchangeStore(connection).listings()


def _known_member(app: App, account: str) -> Member:
    with app.reading() as connection:
        return member_of(ExchangeStore(connection), account)


def deposit(
    app: App, account: str, amount: int, key: str | None = None, by: Actor = OPERATOR
) -> Receipt:
    """Record funds a member paid in: ``amount`` fen enter its trading account."""
    require_regulator(by, "record deposits")
    _known_member(app, account)
    return execute(app, DepositFunds(account, amount, optional_key(key)))


def withdraw(
    app: App, account: str, amount: int, key: str | None = None, by: Actor = OPERATOR
) -> Receipt:
    """Pay funds out: ``amount`` fen leave the trading account; only available funds (not
    those reserved for open orders) may be withdrawn."""
    require_regulator(by, "record withdrawals")
    _known_member(app, account)
    return execute(app, WithdrawFunds(account, amount, optional_key(key)))


@dataclass(frozen=True, slots=True)
class Funds:
    """A member's funds in fen: held, of which reserved for open buy orders."""

    account: str
    held: int
    reserved: int

    @property
    def available(self) -> int:
        return self.held - self.reserved


def funds(app: App, account: str, by: Actor = OPERATOR) -> Funds:
    with app.reading() as connection:
        member = member_of(ExchangeStore(connection), account)
        if not _may_read(by, member):
            raise NotAuthorised(f"{who(by)} may not read the funds of {account!r}")
        position = LedgerStore(connection).load_positions([(account, FUNDS)]).get((account, FUNDS))
    if position is None:
        return Funds(account, 0, 0)
    return Funds(account, position.quantity, position.frozen)


# --- continuous trading ------------------------------------------------------------------


@dataclass
class _Work:
    """One order command's transaction: its connection, stores, instant and business date."""

    app: App
    connection: Connection
    store: ExchangeStore
    now: str
    day: str


def _begin(app: App, connection: Connection, instant: datetime) -> _Work:
    LedgerStore(connection).lock_head()  # one exchange writer at a time (see module doc)
    return _Work(
        app,
        connection,
        ExchangeStore(connection),
        utc_text(instant),
        business_date(instant).isoformat(),
    )


def require_closed_before(store: ExchangeStore, instrument: str, day: str) -> None:
    """Refuse to trade ``day`` (listing orders, block trades: their bands are around the
    previous close) while an earlier day with trades is not closed, or orders of an earlier
    day are still open."""
    stale = store.first_open_day_before(instrument, day)
    pending = [] if stale is None else [stale]
    last = store.last_trade_day(instrument)
    if last is not None and last < day and store.bar(instrument, last) is None:
        pending.append(last)
    if pending:
        first = min(pending)
        raise RuleViolation(
            f"trading day {first} of {instrument} has not been closed: "
            f"run `openets exchange close-day --date {first}` first"
        )


def _band_check(work: _Work, instrument: str, price: int) -> OrderBook:
    """An empty book with today's band; refuses a price outside the band, naming it."""
    close = previous_close(work.connection, instrument, work.day)
    assert close is not None, "a listed instrument has a reference price"
    band = listing_band(close)
    if price not in band:
        raise RuleViolation(
            f"price {yuan(price)} is outside the price band {yuan(band.low)}-{yuan(band.high)} "
            f"(±{LISTING_BAND_PERCENT}% of the previous close {yuan(close)})"
        )
    return OrderBook(band=band)


def _check_quantity(qty: int) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise InvalidInput(f"quantity must be a positive whole number of tonnes, got {qty!r}")
    if qty > MAX_LISTING_QTY:
        raise RuleViolation(
            f"quantity {qty} t is too large for a listing order: listing orders are under "
            f"{MAX_LISTING_QTY + 1:,} t (larger quantities are block trades)"
        )
    return qty


def _check_price(price: int) -> int:
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise InvalidInput(f"price must be a positive whole number of fen, got {price!r}")
    return price


def _require_available(work: _Work, account: str, side: Side, instrument: str, need: int) -> None:
    """Refuse an order whose reservation is not available, with the figures."""
    if need <= 0:
        return
    code = FUNDS if side is Side.BUY else instrument
    position = LedgerStore(work.connection).load_positions([(account, code)]).get((account, code))
    held = 0 if position is None else position.quantity
    frozen = 0 if position is None else position.frozen
    available = held - frozen
    if available >= need:
        return
    if side is Side.BUY:
        raise RuleViolation(
            f"insufficient funds: account {account!r} has ¥{yuan(available)} available "
            f"(¥{yuan(held)} held, ¥{yuan(frozen)} reserved for orders); the order needs "
            f"¥{yuan(need)} reserved"
        )
    raise RuleViolation(
        f"insufficient units: account {account!r} has {available} t of {instrument} available "
        f"({held} t held, {frozen} t reserved or frozen); the order needs {need} t"
    )


def _load_book(work: _Work, book: OrderBook, instrument: str) -> dict[int, Order]:
    """Restore the instrument's open orders into ``book``; return them by id."""
    resting = work.store.open_orders(instrument)
    book.restore(
        Resting(str(o.id), o.side, o.price, o.remaining, o.account, o.priority) for o in resting
    )
    return {o.id: o for o in resting}


def _execute(
    work: _Work,
    taker: Order,
    held_before: int,
    fills: Sequence[Fill],
    book: OrderBook,
    makers: dict[int, Order],
    reason: str,
) -> tuple[Order, list[Trade], list[Order]]:
    """Settle an order command's fills and reservation change as one registry entry.

    ``taker`` is the order as it entered the book (its limit price and the quantity that
    entered); ``held_before`` what it held reserved before this command. Returns the taker
    after the command, its trades and the makers it traded with (updated).
    """
    instrument = taker.instrument
    lines: list[TradeLine] = []
    touched: dict[int, Order] = {}
    for fill in fills:
        maker_id = int(fill.maker)
        maker = touched.get(maker_id) or makers[maker_id]
        left = maker.remaining - fill.qty
        touched[maker_id] = replace(
            maker,
            remaining=left,
            reserved=maker.reserved - reservation(maker.side, fill.price, fill.qty),
            status=OrderStatus.OPEN if left else OrderStatus.FILLED,
            updated_at=work.now,
        )
        buyer, seller = (
            (taker.account, maker.account)
            if taker.side is Side.BUY
            else (maker.account, taker.account)
        )
        lines.append(TradeLine(buyer, seller, instrument, fill.qty, fill.price))
    traded = sum(fill.qty for fill in fills)
    left = taker.remaining - traded
    rests = book.get(str(taker.id))
    if rests is not None:
        after = replace(
            taker,
            remaining=left,
            status=OrderStatus.OPEN,
            priority=rests.seq,
            reserved=reservation(taker.side, taker.price, left),
            updated_at=work.now,
        )
    else:
        status = OrderStatus.FILLED if left == 0 else OrderStatus.CANCELLED
        after = replace(taker, remaining=left, status=status, reserved=0, updated_at=work.now)
    consumed = sum(reservation(taker.side, fill.price, fill.qty) for fill in fills)
    change = after.reserved - held_before + consumed
    reserved_in = FUNDS if taker.side is Side.BUY else instrument
    reservations = [ReservationLine(taker.account, reserved_in, change)] if change else []
    trades: list[Trade] = []
    if lines or reservations:
        entry = settle_in(work.app, work.connection, lines, reservations, reason)
        first_id = work.store.next_trade_id()
        for n, (fill, line) in enumerate(zip(fills, lines, strict=True)):
            trades.append(
                Trade(
                    id=first_id + n,
                    instrument=instrument,
                    buy_order=int(fill.buy),
                    sell_order=int(fill.sell),
                    buyer=line.buyer,
                    seller=line.seller,
                    price=fill.price,
                    qty=fill.qty,
                    maker_order=int(fill.maker),
                    at=work.now,
                    business_date=work.day,
                    entry_seq=entry.seq,
                )
            )
        work.store.insert_trades(trades)
    work.store.save_orders(list(touched.values()))
    outbox.record(work.connection, TRADE_TOPIC, [trade_event(t) for t in trades], work.now)
    return after, trades, list(touched.values())


def trade_event(trade: Trade) -> dict[str, object]:
    """The payload of an ``exchange.trade`` event (prices and values in fen)."""
    return {
        "trade": trade.id,
        "instrument": trade.instrument,
        "buy": trade.buy_order,
        "sell": trade.sell_order,
        "buyer": trade.buyer,
        "seller": trade.seller,
        "price": trade.price,
        "qty": trade.qty,
        "value": trade.value,
        "at": trade.at,
        "date": trade.business_date,
        "entry": trade.entry_seq,
    }


def _order_event(order: Order, what: str) -> dict[str, object]:
    return {
        "order": order.id,
        "event": what,
        "account": order.account,
        "instrument": order.instrument,
        "side": order.side.value,
        "price": order.price,
        "remaining": order.remaining,
        "status": order.status.value,
    }


def _fingerprint(
    account: str, code: str, side: Side, qty: int, price: int, tif: TimeInForce
) -> str:
    return f"place|{account}|{code}|{side}|{qty}|{price}|{tif}"


def place_order(
    app: App,
    account: str,
    instrument: str,
    side: str | Side,
    qty: int,
    price: int,
    tif: str | TimeInForce = TimeInForce.GTC,
    key: str | None = None,
    by: Actor = OPERATOR,
) -> OrderResult:
    """Place a listing order: ``qty`` t at a limit of ``price`` fen per tonne.

    GTC rests its remainder until the day's close, IOC cancels it, FOK trades all or is
    refused. Refused (nothing changes) outside trading hours, outside the price band, for
    a quantity of 100,000 t or more, without the funds (buy: ``price × qty`` fen) or units
    (sell) to reserve, for a self-trade, or an unfillable FOK. A repeat with the same
    idempotency ``key`` returns the first placement (``replayed``); the same key for another
    order is a conflict.
    """
    code = parse_instrument(instrument).code
    order_side = parse_side(side) if isinstance(side, str) else side
    order_tif = parse_tif(tif) if isinstance(tif, str) else tif
    _check_quantity(qty)
    _check_price(price)
    key = optional_key(key)
    fingerprint = _fingerprint(account, code, order_side, qty, price, order_tif)
    instant = app.clock.now()

    def work(connection: Connection) -> OrderResult:
        w = _begin(app, connection, instant)
        if key is not None:
            known = w.store.order_by_key(key)
            if known is not None:
                order, earlier = known
                if earlier != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another order")
                return OrderResult(order, tuple(w.store.trades_of_order(order.id)), replayed=True)
        require_in_session(instant, "an order")
        member = member_of(w.store, account)
        require_acts_for(by, member)
        _listing(w.store, code, lock=True)
        require_closed_before(w.store, code, w.day)
        book = _band_check(w, code, price)
        _require_available(w, account, order_side, code, reservation(order_side, price, qty))
        makers = _load_book(w, book, code)
        order_id = w.store.next_order_id()
        try:
            fills = book.place(str(order_id), order_side, price, qty, order_tif, owner=account)
        except OrderRejected as rejected:
            # a refused order is not stored, so its provisional number would name nothing
            raise OrderRejected(str(rejected).replace(f"order {order_id} ", "order ")) from None
        entering = Order(
            id=order_id,
            account=account,
            instrument=code,
            side=order_side,
            price=price,
            qty=qty,
            remaining=qty,
            tif=order_tif,
            status=OrderStatus.OPEN,
            priority=0,
            reserved=0,
            placed_at=w.now,
            business_date=w.day,
            updated_at=w.now,
        )
        order, trades, _ = _execute(w, entering, 0, fills, book, makers, f"order {order_id}")
        w.store.insert_order(order, key, fingerprint if key else None)
        outbox.record(connection, ORDER_TOPIC, [_order_event(order, "placed")], w.now)
        return OrderResult(order, tuple(trades))

    return app.write(work)


def _open_order(store: ExchangeStore, order_id: int) -> Order:
    order = store.order(order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    if order.status is not OrderStatus.OPEN:
        raise Conflict(f"order {order_id} is {order.status}, not open")
    return order


def cancel_order(app: App, order_id: int, by: Actor = OPERATOR) -> Order:
    """Cancel an open order and release its reservation. Cancelling an order that is no
    longer open (filled, cancelled, expired) is a :class:`Conflict` naming its status, so a
    retried cancel tells the caller it is already done. Allowed at any time until the
    day's close expires the order."""
    instant = app.clock.now()

    def work(connection: Connection) -> Order:
        w = _begin(app, connection, instant)
        order = _open_order(w.store, order_id)
        require_acts_for(by, member_of(w.store, order.account))
        if order.reserved:
            reserved_in = FUNDS if order.side is Side.BUY else order.instrument
            line = ReservationLine(order.account, reserved_in, -order.reserved)
            settle_in(app, connection, (), [line], f"cancel order {order.id}")
        cancelled = replace(order, status=OrderStatus.CANCELLED, reserved=0, updated_at=w.now)
        w.store.save_orders([cancelled])
        outbox.record(connection, ORDER_TOPIC, [_order_event(cancelled, "cancelled")], w.now)
        return cancelled

    return app.write(work)


def amend_order(
    app: App,
    order_id: int,
    qty: int | None = None,
    price: int | None = None,
    by: Actor = OPERATOR,
) -> OrderResult:
    """Change an open order's remaining quantity and/or price (during trading hours).

    Reducing the quantity keeps its time priority; any other change loses it (the order
    re-enters at the back of its price level and trades if the new price crosses). The
    reservation follows: a larger one must be available, a smaller one is released.
    """
    if qty is None and price is None:
        raise InvalidInput("an amendment needs a new quantity or a new price")
    if qty is not None:
        _check_quantity(qty)
    if price is not None:
        _check_price(price)
    instant = app.clock.now()

    def work(connection: Connection) -> OrderResult:
        w = _begin(app, connection, instant)
        order = _open_order(w.store, order_id)
        require_in_session(instant, "an amendment")
        member = member_of(w.store, order.account)
        require_acts_for(by, member)
        _listing(w.store, order.instrument, lock=True)
        require_closed_before(w.store, order.instrument, w.day)
        new_price = order.price if price is None else price
        new_qty = order.remaining if qty is None else qty
        book = _band_check(w, order.instrument, new_price)
        need = reservation(order.side, new_price, new_qty) - order.reserved
        _require_available(w, order.account, order.side, order.instrument, need)
        makers = _load_book(w, book, order.instrument)
        fills = book.amend(str(order.id), qty=new_qty, price=new_price)
        entering = replace(order, price=new_price, qty=order.filled + new_qty, remaining=new_qty)
        makers.pop(order.id, None)
        after, trades, _ = _execute(
            w, entering, order.reserved, fills, book, makers, f"amend order {order.id}"
        )
        w.store.save_orders([after])
        outbox.record(connection, ORDER_TOPIC, [_order_event(after, "amended")], w.now)
        return OrderResult(after, tuple(trades))

    return app.write(work)


def lift(
    app: App,
    account: str,
    order_id: int,
    qty: int,
    price: int | None = None,
    key: str | None = None,
    by: Actor = OPERATOR,
) -> OrderResult:
    """Point-and-click: take ``qty`` t of a displayed order at its price.

    An immediate-or-cancel order of the opposite side at the displayed order's price. Refused
    if that order is gone (filled, cancelled, expired), has moved to another price than
    ``price`` (the price the member saw, when given), or has less than ``qty`` t left. Like
    any IOC it trades by price-time priority: an earlier order at the same price fills first.
    """
    _check_quantity(qty)
    with app.reading() as connection:
        target = ExchangeStore(connection).order(order_id)
    if target is None:
        raise NotFound(f"order {order_id} does not exist")
    if target.status is not OrderStatus.OPEN:
        raise RuleViolation(f"order {order_id} is no longer in the book ({target.status})")
    if price is not None and target.price != price:
        raise RuleViolation(
            f"order {order_id} has moved: it is now at {yuan(target.price)}, not {yuan(price)}"
        )
    if target.remaining < qty:
        raise RuleViolation(f"order {order_id} has only {target.remaining} t left, {qty} t asked")
    return place_order(
        app,
        account,
        target.instrument,
        target.side.opposite,
        qty,
        target.price,
        TimeInForce.IOC,
        key=key,
        by=by,
    )


def get_order(app: App, order_id: int, by: Actor = OPERATOR) -> OrderResult:
    """An order with its trades."""
    with app.reading() as connection:
        store = ExchangeStore(connection)
        order = store.order(order_id)
        if order is None:
            raise NotFound(f"order {order_id} does not exist")
        if not _may_read(by, member_of(store, order.account)):
            raise NotAuthorised(f"{who(by)} may not read order {order_id}")
        return OrderResult(order, tuple(store.trades_of_order(order_id)))


def orders(
    app: App,
    account: str | None = None,
    status: str | None = None,
    by: Actor = OPERATOR,
    limit: int = 500,
) -> list[Order]:
    """Orders newest first: of one account, of one status. A member user sees its own."""
    if status is not None:
        try:
            status = OrderStatus(status.strip().lower()).value
        except ValueError:
            statuses = ", ".join(s.value for s in OrderStatus)
            raise InvalidInput(
                f"unknown order status {status!r}: expected one of {statuses}"
            ) from None
    owner: str | None = None
    if not is_regulator(by):
        if not (isinstance(by, User) and by.role is Role.MEMBER and by.owner):
            raise NotAuthorised(f"{who(by)} may not list orders")
        owner = by.owner
    with app.reading() as connection:
        return ExchangeStore(connection).list_orders(account, status, owner, limit)


def account_trades(app: App, account: str, by: Actor = OPERATOR, limit: int = 500) -> list[Trade]:
    """An account's trades (as buyer or seller), newest first."""
    with app.reading() as connection:
        store = ExchangeStore(connection)
        if not _may_read(by, member_of(store, account)):
            raise NotAuthorised(f"{who(by)} may not read the trades of {account!r}")
        return store.trades_of_account(account, limit)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One registry entry's effect on an account in one instrument (``CNY``: fen)."""

    seq: int
    kind: EntryKind
    recorded_at: str
    instrument: str
    amount: int
    reserved: int


def statement(
    app: App, account: str, by: Actor = OPERATOR, limit: int = 100, before: int | None = None
) -> list[StatementLine]:
    """The funds and units movements of a trading account, newest first (``limit``
    registry entries, before entry ``before``)."""
    with app.reading() as connection:
        member = member_of(ExchangeStore(connection), account)
    if not _may_read(by, member):
        raise NotAuthorised(f"{who(by)} may not read the statement of {account!r}")
    page = journal_page(app, before=before, limit=limit, account=account)
    lines: list[StatementLine] = []
    for entry in page.items:
        sums: dict[str, list[int]] = {}
        for posting in entry.postings:
            if posting.account == account:
                total = sums.setdefault(posting.instrument, [0, 0])
                total[0] += posting.amount
                total[1] += posting.frozen
        for instrument, (amount, frozen) in sorted(sums.items()):
            lines.append(
                StatementLine(entry.seq, entry.kind, entry.recorded_at, instrument, amount, frozen)
            )
    return lines


# --- the end of the trading day ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CloseResult:
    """A closed trading day: each listed instrument's bar, and how many orders (and block-trade
    proposals) expired."""

    day: str
    bars: tuple[Bar, ...]
    expired: int
    expired_blocks: int = 0  # block-trade proposals that expired with the day


def close_day(app: App, day: date | None = None, by: Actor = OPERATOR) -> CloseResult:
    """Close a trading day: each listed instrument's close is the VWAP of the day's listing
    trades (half up to the fen), or the previous close when nothing traded; orders still
    open expire and release their reservations (one registry entry).

    Today may be closed from 15:00 CST on; a past trading day at any time. Closing a day
    again returns its bars and expires nothing new.
    """
    require_regulator(by, "close the trading day")
    instant = app.clock.now()
    today = business_date(instant)
    day = day or today
    if day > today:
        raise RuleViolation(f"cannot close {day.isoformat()}: it is in the future")
    if day == today and not after_close(instant):
        raise RuleViolation(
            f"cannot close {day.isoformat()} before 15:00 CST: trading is still open"
        )
    if not is_trading_day(day):
        raise RuleViolation(f"{day.isoformat()} is not a trading day")
    text = day.isoformat()

    def work(connection: Connection) -> CloseResult:
        w = _begin(app, connection, instant)
        bars: list[Bar] = []
        events: list[dict[str, object]] = []
        for listing in w.store.listings():
            code = listing.code
            known = w.store.bar(code, text)
            if known is not None:
                bars.append(known)
                continue
            last = w.store.last_trade_day(code)
            earlier = w.store.last_bar(code, before=text)
            if last is not None and last < text and (earlier is None or earlier.day < last):
                raise RuleViolation(
                    f"trading day {last} of {code} has not been closed: "
                    f"run `openets exchange close-day --date {last}` first"
                )
            trades = w.store.trades_of_day(code, text)
            volume = sum(t.qty for t in trades)
            value = sum(t.value for t in trades)
            previous = previous_close(connection, code, text)
            assert previous is not None
            bar = Bar(
                instrument=code,
                day=text,
                open=trades[0].price if trades else None,
                high=max(t.price for t in trades) if trades else None,
                low=min(t.price for t in trades) if trades else None,
                close=close_of_day(value, volume, previous),
                volume=volume,
                value=value,
                trades=len(trades),
            )
            w.store.insert_bar(bar, w.now)
            bars.append(bar)
            events.append(
                {
                    "instrument": code,
                    "date": text,
                    "close": bar.close,
                    "volume": volume,
                    "value": value,
                }
            )
        expired = _expire_orders(w, text)
        # block-trade proposals of the day expire with it (imported here: blocks build on us)
        from openets.exchange.block_services import expire_in

        blocks = expire_in(app, connection, instant, by)
        outbox.record(connection, CLOSE_TOPIC, events, w.now)
        return CloseResult(text, tuple(bars), expired, len(blocks))

    return app.write(work)


def _expire_orders(w: _Work, day: str) -> int:
    """Expire every order still open from ``day`` or before; release their reservations in
    one registry entry. Returns how many expired."""
    stale = w.store.open_orders(before=day)
    if not stale:
        return 0
    released: dict[tuple[str, str], int] = {}
    for order in stale:
        if order.reserved:
            where = (order.account, FUNDS if order.side is Side.BUY else order.instrument)
            released[where] = released.get(where, 0) + order.reserved
    if released:
        lines = [ReservationLine(a, i, -amount) for (a, i), amount in sorted(released.items())]
        settle_in(w.app, w.connection, (), lines, f"expiry {day}")
    expired = [replace(o, status=OrderStatus.EXPIRED, reserved=0, updated_at=w.now) for o in stale]
    w.store.save_orders(expired)
    outbox.record(w.connection, ORDER_TOPIC, [_order_event(o, "expired") for o in expired], w.now)
    return len(expired)
