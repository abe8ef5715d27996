"""Offsets: projects, monitoring reports, issuances, sales and retirement certificates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["offset_projects.id"], name=f"fk_{table}_project_id_offset_projects"
    )


def _journal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["entry_seq"], ["journal.seq"], name=f"fk_{table}_entry_seq_journal"
    )


def upgrade() -> None:
    op.create_table(
        "offset_projects",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("project_type", sa.String(32), nullable=False),
        sa.Column("methodology", sa.String(32), nullable=False),
        sa.Column("province", sa.String(100), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("county", sa.String(100), nullable=False),
        sa.Column("tags", sa.String(100), nullable=False),
        sa.Column("crediting_start", sa.Integer, nullable=True),
        sa.Column("crediting_end", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_offset_projects_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_offset_projects"),
    )
    op.create_index("ix_offset_projects_city", "offset_projects", ["city"])
    op.create_index("ix_offset_projects_account_id", "offset_projects", ["account_id"])
    op.create_table(
        "offset_reports",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("period_end", sa.String(10), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("claimed", sa.BigInteger, nullable=False),
        sa.Column("computed", sa.BigInteger, nullable=False),
        sa.Column("exact", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("verified_by", sa.String(64), nullable=True),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        _project_fk("offset_reports"),
        sa.PrimaryKeyConstraint("id", name="pk_offset_reports"),
    )
    op.create_index("ix_offset_reports_project_id", "offset_reports", ["project_id"])
    op.create_table(
        "offset_issuances",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("entry_seq", _SEQ, nullable=False),
        sa.Column("serial_start", sa.BigInteger, nullable=False),
        sa.Column("serial_end", sa.BigInteger, nullable=False),
        sa.Column("provenance", sa.Text, nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        _project_fk("offset_issuances"),
        _journal_fk("offset_issuances"),
        sa.PrimaryKeyConstraint("project_id", "year", name="pk_offset_issuances"),
    )
    op.create_index(
        "ix_offset_issuances_instrument_serial_start",
        "offset_issuances",
        ["instrument", "serial_start"],
    )
    op.create_table(
        "offset_sales",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("price_fen", sa.BigInteger, nullable=False),
        sa.Column("income_fen", sa.BigInteger, nullable=False),
        sa.Column("buyer", sa.String(200), nullable=False),
        sa.Column("sale_date", sa.String(10), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _project_fk("offset_sales"),
        sa.PrimaryKeyConstraint("id", name="pk_offset_sales"),
    )
    op.create_index("ix_offset_sales_project_id", "offset_sales", ["project_id"])
    op.create_table(
        "offset_certificates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("beneficiary", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("entry_seq", _SEQ, nullable=False),
        sa.Column("blocks", sa.Text, nullable=False),
        sa.Column("retired_at", sa.String(32), nullable=False),
        _journal_fk("offset_certificates"),
        sa.PrimaryKeyConstraint("id", name="pk_offset_certificates"),
        sa.UniqueConstraint("entry_seq", name="uq_offset_certificates_entry_seq"),
    )


def downgrade() -> None:
    for table in (
        "offset_certificates",
        "offset_sales",
        "offset_issuances",
        "offset_reports",
        "offset_projects",
    ):
        op.drop_table(table)
