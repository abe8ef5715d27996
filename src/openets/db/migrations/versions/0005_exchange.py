"""The exchange: members' trading accounts, listed instruments, orders, trades, daily bars
and the event outbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str, key: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "exchange_members",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("joined_at", sa.String(32), nullable=False),
        _fk("exchange_members", "account_id", "accounts", "id"),
        sa.PrimaryKeyConstraint("account_id", name="pk_exchange_members"),
    )
    op.create_table(
        "exchange_instruments",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("ref_price", sa.BigInteger, nullable=False),
        sa.Column("listed_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_exchange_instruments"),
    )
    op.create_table(
        "exchange_orders",
        sa.Column("id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("remaining", sa.BigInteger, nullable=False),
        sa.Column("tif", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("priority", sa.BigInteger, nullable=False),
        sa.Column("reserved", sa.BigInteger, nullable=False),
        sa.Column("placed_at", sa.String(32), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.Text, nullable=True),
        _fk("exchange_orders", "account_id", "accounts", "id"),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_orders"),
    )
    op.create_index(
        "ix_exchange_orders_instrument_status", "exchange_orders", ["instrument", "status"]
    )
    op.create_index("ix_exchange_orders_account_id_id", "exchange_orders", ["account_id", "id"])
    op.create_index(
        "uq_exchange_orders_idem_key",
        "exchange_orders",
        ["idem_key"],
        unique=True,
        sqlite_where=sa.text("idem_key IS NOT NULL"),
        postgresql_where=sa.text("idem_key IS NOT NULL"),
    )
    op.create_table(
        "exchange_trades",
        sa.Column("id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("buy_order", sa.BigInteger, nullable=False),
        sa.Column("sell_order", sa.BigInteger, nullable=False),
        sa.Column("buyer", sa.String(64), nullable=False),
        sa.Column("seller", sa.String(64), nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("maker_order", sa.BigInteger, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("entry_seq", _SEQ, nullable=False),
        _fk("exchange_trades", "entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_trades"),
    )
    op.create_index(
        "ix_exchange_trades_instrument_business_date",
        "exchange_trades",
        ["instrument", "business_date"],
    )
    op.create_index("ix_exchange_trades_buyer_id", "exchange_trades", ["buyer", "id"])
    op.create_index("ix_exchange_trades_seller_id", "exchange_trades", ["seller", "id"])
    op.create_table(
        "exchange_bars",
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("open", sa.BigInteger, nullable=True),
        sa.Column("high", sa.BigInteger, nullable=True),
        sa.Column("low", sa.BigInteger, nullable=True),
        sa.Column("close", sa.BigInteger, nullable=False),
        sa.Column("volume", sa.BigInteger, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("trades", sa.Integer, nullable=False),
        sa.Column("closed_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("instrument", "business_date", name="pk_exchange_bars"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _SEQ, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("published_at", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_published_at_id", "outbox", ["published_at", "id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("exchange_bars")
    op.drop_table("exchange_trades")
    op.drop_table("exchange_orders")
    op.drop_table("exchange_instruments")
    op.drop_table("exchange_members")
