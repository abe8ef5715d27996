"""Allowance auctions (lots, bids, results) and negotiated block trades.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str, key: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=f"fk_{table}_{column}_{target}"
    )


def _idempotency(table: str) -> list[Any]:
    return [
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.Text, nullable=True),
        sa.UniqueConstraint("key", name=f"uq_{table}_key"),
    ]


def upgrade() -> None:
    op.create_table(
        "auctions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("source_account", sa.String(64), nullable=False),
        sa.Column("lot", sa.BigInteger, nullable=False),
        sa.Column("reserve", sa.BigInteger, nullable=False),
        sa.Column("reserve_basis", sa.String(8), nullable=False),
        sa.Column("reserve_from", sa.String(10), nullable=True),
        sa.Column("reserve_to", sa.String(10), nullable=True),
        sa.Column("opens_at", sa.String(32), nullable=False),
        sa.Column("closes_at", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lot_entry_seq", _SEQ, nullable=False),
        sa.Column("announced_by", sa.String(64), nullable=False),
        sa.Column("announced_at", sa.String(32), nullable=False),
        sa.Column("clearing_price", sa.BigInteger, nullable=True),
        sa.Column("sold", sa.BigInteger, nullable=True),
        sa.Column("unsold", sa.BigInteger, nullable=True),
        sa.Column("settle_entry_seq", _SEQ, nullable=True),
        sa.Column("cleared_by", sa.String(64), nullable=True),
        sa.Column("cleared_at", sa.String(32), nullable=True),
        *_idempotency("auctions"),
        _fk("auctions", "lot_entry_seq", "journal", "seq"),
        _fk("auctions", "settle_entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_auctions"),
    )
    op.create_table(
        "auction_bids",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("auction_id", sa.Integer, nullable=False),
        sa.Column("bidder", sa.String(200), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("placed_at", sa.String(32), nullable=False),
        sa.Column("freeze_entry_seq", _SEQ, nullable=False),
        sa.Column("filled", sa.BigInteger, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        *_idempotency("auction_bids"),
        _fk("auction_bids", "auction_id", "auctions", "id"),
        _fk("auction_bids", "freeze_entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_auction_bids"),
    )
    op.create_index("ix_auction_bids_auction_id", "auction_bids", ["auction_id"])
    op.create_table(
        "block_trades",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("seller", sa.String(64), nullable=False),
        sa.Column("buyer", sa.String(64), nullable=False),
        sa.Column("proposer", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("trade_date", sa.String(10), nullable=False),
        sa.Column("previous_close", sa.BigInteger, nullable=False),
        sa.Column("proposed_at", sa.String(32), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("reserve_entry_seq", _SEQ, nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("settle_entry_seq", _SEQ, nullable=True),
        sa.Column("release_entry_seq", _SEQ, nullable=True),
        *_idempotency("block_trades"),
        _fk("block_trades", "reserve_entry_seq", "journal", "seq"),
        _fk("block_trades", "settle_entry_seq", "journal", "seq"),
        _fk("block_trades", "release_entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_block_trades"),
    )
    op.create_index("ix_block_trades_trade_date", "block_trades", ["trade_date"])


def downgrade() -> None:
    op.drop_index("ix_block_trades_trade_date", table_name="block_trades")
    op.drop_table("block_trades")
    op.drop_index("ix_auction_bids_auction_id", table_name="auction_bids")
    op.drop_table("auction_bids")
    op.drop_table("auctions")
