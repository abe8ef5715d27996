"""Carbon finance: allowance pledges, their daily valuations and margin warnings.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str, key: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("borrower", sa.String(64), nullable=False),
        sa.Column("lender", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("loan_fen", sa.BigInteger, nullable=False),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("maturity", sa.String(10), nullable=False),
        sa.Column("ltv_limit", sa.Text, nullable=False),
        sa.Column("margin", sa.Text, nullable=False),
        sa.Column("call_level", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("close_fen", sa.BigInteger, nullable=False),
        sa.Column("value_fen", sa.BigInteger, nullable=False),
        sa.Column("freeze_seq", _SEQ, nullable=True),
        sa.Column("unfreeze_seq", _SEQ, nullable=True),
        sa.Column("transfer_seq", _SEQ, nullable=True),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("ended_by", sa.String(64), nullable=True),
        sa.Column("ended_at", sa.String(32), nullable=True),
        _fk("pledges", "borrower", "accounts", "id"),
        _fk("pledges", "lender", "accounts", "id"),
        _fk("pledges", "freeze_seq", "journal", "seq"),
        _fk("pledges", "unfreeze_seq", "journal", "seq"),
        _fk("pledges", "transfer_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_pledges"),
        sa.UniqueConstraint("freeze_seq", name="uq_pledges_freeze_seq"),
        sa.UniqueConstraint("idem_key", name="uq_pledges_idem_key"),
    )
    op.create_index("ix_pledges_borrower", "pledges", ["borrower"])
    op.create_index("ix_pledges_lender", "pledges", ["lender"])
    op.create_index("ix_pledges_status", "pledges", ["status"])
    op.create_table(
        "pledge_valuations",
        sa.Column("pledge_id", sa.Integer, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("close_fen", sa.BigInteger, nullable=False),
        sa.Column("value_fen", sa.BigInteger, nullable=False),
        sa.Column("ltv", sa.Text, nullable=True),
        sa.Column("coverage", sa.Text, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        _fk("pledge_valuations", "pledge_id", "pledges", "id"),
        sa.PrimaryKeyConstraint("pledge_id", "day", name="pk_pledge_valuations"),
    )


def downgrade() -> None:
    op.drop_table("pledge_valuations")
    op.drop_index("ix_pledges_status", table_name="pledges")
    op.drop_index("ix_pledges_lender", table_name="pledges")
    op.drop_index("ix_pledges_borrower", table_name="pledges")
    op.drop_table("pledges")
