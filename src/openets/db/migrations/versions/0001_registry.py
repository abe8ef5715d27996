"""Registry: accounts, positions, serial blocks, hash-chained journal, users and API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
#: BIGINT, but INTEGER on SQLite so that the journal's sequence number is its rowid
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.create_index("ix_accounts_owner", "accounts", ["owner"])
    op.create_table(
        "instruments",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("next_serial", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_instruments"),
    )
    op.create_table(
        "positions",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("frozen", sa.BigInteger, nullable=False),
        sa.Column("serial_blocks", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_positions_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "instrument", name="pk_positions"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "journal",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("memo", sa.Text, nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.Text, nullable=True),
        sa.Column("reverses", sa.BigInteger, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_journal"),
    )
    for column in ("idem_key", "reverses"):
        op.create_index(
            f"uq_journal_{column}",
            "journal",
            [column],
            unique=True,
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_table(
        "postings",
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("frozen", sa.BigInteger, nullable=False),
        sa.Column("serial_start", sa.BigInteger, nullable=True),
        sa.Column("serial_end", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("seq", "n", name="pk_postings"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_postings_serials_in",
        "postings",
        ["instrument", "serial_start"],
        sqlite_where=sa.text("amount > 0"),
        postgresql_where=sa.text("amount > 0"),
    )
    op.create_index("ix_postings_account_id_seq", "postings", ["account_id", "seq"])
    op.create_table(
        "journal_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_journal_head"),
    )
    op.bulk_insert(
        sa.table("journal_head", sa.column("id"), sa.column("seq"), sa.column("hash")),
        [{"id": 1, "seq": 0, "hash": GENESIS_HASH}],
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"], name="fk_api_keys_user_name_users"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_index("ix_api_keys_user_name", "api_keys", ["user_name"])


def downgrade() -> None:
    for table in (
        "api_keys",
        "users",
        "journal_head",
        "postings",
        "journal",
        "positions",
        "instruments",
        "accounts",
    ):
        op.drop_table(table)
