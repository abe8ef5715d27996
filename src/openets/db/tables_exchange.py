"""Tables of the exchange (on the shared :data:`openets.db.schema.metadata`), created by
migration 0005.

Prices are BIGINT fen per tonne, quantities BIGINT tonnes, values BIGINT fen. Instants are UTC
text, business dates ISO text (CST).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, text

from openets.db.schema import SEQ, metadata

__all__ = [
    "exchange_bars",
    "exchange_instruments",
    "exchange_members",
    "exchange_orders",
    "exchange_trades",
    "metadata",
    "outbox",
]

#: Trading accounts of the exchange's members: each is a registry account that holds the
#: member's units and, as the instrument ``CNY``, its funds in fen.
exchange_members = Table(
    "exchange_members",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id"), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("joined_at", String(32), nullable=False),
)

#: Instruments listed for trading, with the listing reference price the operator set: the
#: "previous close" of the first trading day.
exchange_instruments = Table(
    "exchange_instruments",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("ref_price", BigInteger, nullable=False),
    Column("listed_at", String(32), nullable=False),
)

exchange_orders = Table(
    "exchange_orders",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("side", String(4), nullable=False),  # buy | sell
    Column("price", BigInteger, nullable=False),  # the limit, fen per tonne
    Column("qty", BigInteger, nullable=False),  # as placed (or as last amended)
    Column("remaining", BigInteger, nullable=False),
    Column("tif", String(3), nullable=False),  # GTC | IOC | FOK
    Column("status", String(10), nullable=False),  # open | filled | cancelled | expired
    #: time priority in the book: a new order or one that lost priority gets the next one
    Column("priority", BigInteger, nullable=False),
    #: what the order holds reserved now: fen of CNY (buy) or tonnes (sell)
    Column("reserved", BigInteger, nullable=False),
    Column("placed_at", String(32), nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("idem_key", String(200), nullable=True),
    Column("fingerprint", Text, nullable=True),
    Index(None, "instrument", "status"),
    Index(None, "account_id", "id"),
    Index(
        "uq_exchange_orders_idem_key",
        "idem_key",
        unique=True,
        sqlite_where=text("idem_key IS NOT NULL"),
        postgresql_where=text("idem_key IS NOT NULL"),
    ),
)

exchange_trades = Table(
    "exchange_trades",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("instrument", String(16), nullable=False),
    Column("buy_order", BigInteger, nullable=False),
    Column("sell_order", BigInteger, nullable=False),
    Column("buyer", String(64), nullable=False),
    Column("seller", String(64), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("maker_order", BigInteger, nullable=False),
    Column("at", String(32), nullable=False),
    Column("business_date", String(10), nullable=False),
    #: the registry entry that settled it (delivery versus payment)
    Column("entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False),
    Index(None, "instrument", "business_date"),
    Index(None, "buyer", "id"),
    Index(None, "seller", "id"),
)

#: One row per instrument and closed trading day: the day's listing-trade figures and its
#: close (the VWAP of the day's trades, or the previous close when nothing traded).
exchange_bars = Table(
    "exchange_bars",
    metadata,
    Column("instrument", String(16), primary_key=True),
    Column("business_date", String(10), primary_key=True),
    Column("open", BigInteger, nullable=True),
    Column("high", BigInteger, nullable=True),
    Column("low", BigInteger, nullable=True),
    Column("close", BigInteger, nullable=False),
    Column("volume", BigInteger, nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("trades", Integer, nullable=False),
    Column("closed_at", String(32), nullable=False),
)

#: Events written in the same transaction as the change they report; a publisher sends the
#: unpublished ones on and stamps ``published_at``.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("topic", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("published_at", String(32), nullable=True),
    Index(None, "published_at", "id"),
)
