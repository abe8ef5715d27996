"""SQL of the exchange: members, listings, orders, trades and daily bars.

Every method runs on the caller's connection, inside the caller's transaction. Writers hold
the registry's journal head lock (taken first by every exchange write), so the ids handed out
here (the next order and trade id) cannot collide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from openets.db.tables_exchange import (
    exchange_bars,
    exchange_instruments,
    exchange_members,
    exchange_orders,
    exchange_trades,
)
from openets.exchange.model import (
    Bar,
    Listing,
    Member,
    Order,
    OrderStatus,
    Side,
    TimeInForce,
    Trade,
)

__all__ = ["ExchangeStore", "bar_of", "order_of", "trade_of"]

_O, _T, _B = exchange_orders, exchange_trades, exchange_bars


def next_id(connection: Connection, column: Any) -> int:
    """The next id of an integer id column (its largest + 1). Callers hold the journal head
    lock, so no other writer takes the same id."""
    return int(connection.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def order_of(row: Any) -> Order:
    return Order(
        id=int(row.id),
        account=row.account_id,
        instrument=row.instrument,
        side=Side(row.side),
        price=int(row.price),
        qty=int(row.qty),
        remaining=int(row.remaining),
        tif=TimeInForce(row.tif),
        status=OrderStatus(row.status),
        priority=int(row.priority),
        reserved=int(row.reserved),
        placed_at=row.placed_at,
        business_date=row.business_date,
        updated_at=row.updated_at,
    )


def trade_of(row: Any) -> Trade:
    return Trade(
        id=int(row.id),
        instrument=row.instrument,
        buy_order=int(row.buy_order),
        sell_order=int(row.sell_order),
        buyer=row.buyer,
        seller=row.seller,
        price=int(row.price),
        qty=int(row.qty),
        maker_order=int(row.maker_order),
        at=row.at,
        business_date=row.business_date,
        entry_seq=int(row.entry_seq),
    )


def bar_of(row: Any) -> Bar:
    def maybe(value: Any) -> int | None:
        return None if value is None else int(value)

    return Bar(
        instrument=row.instrument,
        day=row.business_date,
        open=maybe(row.open),
        high=maybe(row.high),
        low=maybe(row.low),
        close=int(row.close),
        volume=int(row.volume),
        value=int(row.value),
        trades=int(row.trades),
    )


class ExchangeStore:
    """The exchange's SQL on one open connection (the caller owns the transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    # --- members and listings ------------------------------------------------------------

    def member(self, account: str) -> Member | None:
        row = self.connection.execute(
            select(exchange_members).where(exchange_members.c.account_id == account)
        ).first()
        return None if row is None else Member(row.account_id, row.name, row.joined_at)

    def members(self) -> list[Member]:
        rows = self.connection.execute(
            select(exchange_members).order_by(exchange_members.c.account_id)
        )
        return [Member(r.account_id, r.name, r.joined_at) for r in rows]

    def add_member(self, member: Member) -> None:
        self.connection.execute(
            exchange_members.insert().values(
                account_id=member.account, name=member.name, joined_at=member.joined_at
            )
        )

    def listing(self, code: str, lock: bool = False) -> Listing | None:
        query = select(exchange_instruments).where(exchange_instruments.c.code == code)
        if lock and self.postgres:
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else Listing(row.code, int(row.ref_price), row.listed_at)

    def listings(self) -> list[Listing]:
        rows = self.connection.execute(
            select(exchange_instruments).order_by(exchange_instruments.c.code)
        )
        return [Listing(r.code, int(r.ref_price), r.listed_at) for r in rows]

    def add_listing(self, listing: Listing) -> None:
        self.connection.execute(
            exchange_instruments.insert().values(
                code=listing.code, ref_price=listing.ref_price, listed_at=listing.listed_at
            )
        )

    # --- orders ---------------------------------------------------------------------------

    def order(self, order_id: int) -> Order | None:
        row = self.connection.execute(select(_O).where(_O.c.id == order_id)).first()
        return None if row is None else order_of(row)

    def order_by_key(self, key: str) -> tuple[Order, str] | None:
        row = self.connection.execute(select(_O).where(_O.c.idem_key == key)).first()
        return None if row is None else (order_of(row), row.fingerprint)

    def open_orders(self, instrument: str | None = None, before: str | None = None) -> list[Order]:
        """Open orders (of one instrument; of business dates up to ``before``), by priority."""
        query = select(_O).where(_O.c.status == OrderStatus.OPEN.value)
        if instrument is not None:
            query = query.where(_O.c.instrument == instrument)
        if before is not None:
            query = query.where(_O.c.business_date <= before)
        return [order_of(r) for r in self.connection.execute(query.order_by(_O.c.priority))]

    def first_open_day_before(self, instrument: str, day: str) -> str | None:
        """The earliest business date before ``day`` with an order of ``instrument`` still open."""
        found = self.connection.execute(
            select(func.min(_O.c.business_date)).where(
                _O.c.instrument == instrument,
                _O.c.status == OrderStatus.OPEN.value,
                _O.c.business_date < day,
            )
        ).scalar_one()
        return None if found is None else str(found)

    def orders_by_id(self, ids: Iterable[int]) -> dict[int, Order]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.connection.execute(select(_O).where(_O.c.id.in_(wanted)))
        return {int(r.id): order_of(r) for r in rows}

    def next_order_id(self) -> int:
        return next_id(self.connection, _O.c.id)

    def insert_order(self, order: Order, key: str | None, fingerprint: str | None) -> None:
        self.connection.execute(
            _O.insert().values(
                id=order.id,
                account_id=order.account,
                instrument=order.instrument,
                side=order.side.value,
                price=order.price,
                qty=order.qty,
                remaining=order.remaining,
                tif=order.tif.value,
                status=order.status.value,
                priority=order.priority,
                reserved=order.reserved,
                placed_at=order.placed_at,
                business_date=order.business_date,
                updated_at=order.updated_at,
                idem_key=key,
                fingerprint=fingerprint,
            )
        )

    def save_orders(self, orders: Sequence[Order]) -> None:
        """Write back the changeable fields of existing orders."""
        for order in orders:
            self.connection.execute(
                update(_O)
                .where(_O.c.id == order.id)
                .values(
                    price=order.price,
                    qty=order.qty,
                    remaining=order.remaining,
                    status=order.status.value,
                    priority=order.priority,
                    reserved=order.reserved,
                    updated_at=order.updated_at,
                )
            )

    def list_orders(
        self, account: str | None, status: str | None, owner: str | None, limit: int
    ) -> list[Order]:
        query = select(_O).order_by(_O.c.id.desc()).limit(limit)
        if account is not None:
            query = query.where(_O.c.account_id == account)
        if status is not None:
            query = query.where(_O.c.status == status)
        if owner is not None:
            query = query.where(
                _O.c.account_id.in_(
                    select(exchange_members.c.account_id).where(exchange_members.c.name == owner)
                )
            )
        return [order_of(r) for r in self.connection.execute(query)]

    # --- trades ---------------------------------------------------------------------------

    def next_trade_id(self) -> int:
        return next_id(self.connection, _T.c.id)

    def insert_trades(self, trades: Sequence[Trade]) -> None:
        if trades:
            self.connection.execute(
                _T.insert(),
                [
                    {
                        "id": t.id,
                        "instrument": t.instrument,
                        "buy_order": t.buy_order,
                        "sell_order": t.sell_order,
                        "buyer": t.buyer,
                        "seller": t.seller,
                        "price": t.price,
                        "qty": t.qty,
                        "maker_order": t.maker_order,
                        "at": t.at,
                        "business_date": t.business_date,
                        "entry_seq": t.entry_seq,
                    }
                    for t in trades
                ],
            )

    def trades_of_day(self, instrument: str, day: str) -> list[Trade]:
        rows = self.connection.execute(
            select(_T)
            .where(_T.c.instrument == instrument, _T.c.business_date == day)
            .order_by(_T.c.id)
        )
        return [trade_of(r) for r in rows]

    def trades_of_order(self, order_id: int) -> list[Trade]:
        rows = self.connection.execute(
            select(_T)
            .where((_T.c.buy_order == order_id) | (_T.c.sell_order == order_id))
            .order_by(_T.c.id)
        )
        return [trade_of(r) for r in rows]

    def trades_of_account(self, account: str, limit: int) -> list[Trade]:
        rows = self.connection.execute(
            select(_T)
            .where((_T.c.buyer == account) | (_T.c.seller == account))
            .order_by(_T.c.id.desc())
            .limit(limit)
        )
        return [trade_of(r) for r in rows]

    def last_trade_day(self, instrument: str) -> str | None:
        day = self.connection.execute(
            select(func.max(_T.c.business_date)).where(_T.c.instrument == instrument)
        ).scalar_one()
        return None if day is None else str(day)

    # --- bars -----------------------------------------------------------------------------

    def bar(self, instrument: str, day: str) -> Bar | None:
        row = self.connection.execute(
            select(_B).where(_B.c.instrument == instrument, _B.c.business_date == day)
        ).first()
        return None if row is None else bar_of(row)

    def last_bar(
        self, instrument: str, before: str | None = None, upto: str | None = None
    ) -> Bar | None:
        """The latest bar strictly before ``before`` (or on or before ``upto``)."""
        query = select(_B).where(_B.c.instrument == instrument)
        if before is not None:
            query = query.where(_B.c.business_date < before)
        if upto is not None:
            query = query.where(_B.c.business_date <= upto)
        row = self.connection.execute(query.order_by(_B.c.business_date.desc()).limit(1)).first()
        return None if row is None else bar_of(row)

    def bars(self, instrument: str) -> list[Bar]:
        rows = self.connection.execute(
            select(_B).where(_B.c.instrument == instrument).order_by(_B.c.business_date)
        )
        return [bar_of(r) for r in rows]

    def insert_bar(self, bar: Bar, closed_at: str) -> None:
        self.connection.execute(
            _B.insert().values(
                instrument=bar.instrument,
                business_date=bar.day,
                open=bar.open,
                high=bar.high,
                low=bar.low,
                close=bar.close,
                volume=bar.volume,
                value=bar.value,
                trades=bar.trades,
                closed_at=closed_at,
            )
        )
