"""Allocation and the compliance cycle: allocation rounds and lines, deductions, surrenders,
penalties, closed years and deadline extensions; imported emissions on MRV reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str, key: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    with op.batch_alter_table("mrv_reports") as batch:
        batch.add_column(
            sa.Column(
                "provenance",
                sa.String(16),
                nullable=False,
                server_default=sa.text("'calculated'"),
            )
        )
        batch.add_column(sa.Column("energy_tce", sa.Text, nullable=True))
    op.create_table(
        "allocation_rounds",
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("cap", sa.BigInteger, nullable=False),
        sa.Column("free_total", sa.BigInteger, nullable=False),
        sa.Column("reserve_total", sa.BigInteger, nullable=False),
        sa.Column("reserve_entry_seq", _SEQ, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        _fk("allocation_rounds", "reserve_entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("jurisdiction", "year", "phase", name="pk_allocation_rounds"),
    )
    op.create_table(
        "allocation_lines",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("sector", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("exact", sa.Text, nullable=False),
        sa.Column("entitlement", sa.BigInteger, nullable=False),
        sa.Column("allocated", sa.BigInteger, nullable=False),
        sa.Column("free", sa.BigInteger, nullable=False),
        sa.Column("reserve", sa.BigInteger, nullable=False),
        sa.Column("deducted", sa.BigInteger, nullable=False),
        sa.Column("issued", sa.BigInteger, nullable=False),
        sa.Column("owed", sa.BigInteger, nullable=False),
        sa.Column("entry_seq", _SEQ, nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
        _fk("allocation_lines", "entity_id", "mrv_entities", "id"),
        _fk("allocation_lines", "entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("year", "entity_id", "phase", name="pk_allocation_lines"),
    )
    op.create_index(
        "ix_allocation_lines_jurisdiction_year", "allocation_lines", ["jurisdiction", "year"]
    )
    op.create_table(
        "deductions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("origin_year", sa.Integer, nullable=False),
        sa.Column("tonnes", sa.BigInteger, nullable=False),
        sa.Column("deducted", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _fk("deductions", "entity_id", "mrv_entities", "id"),
        sa.PrimaryKeyConstraint("id", name="pk_deductions"),
    )
    op.create_index("ix_deductions_entity_id", "deductions", ["entity_id"])
    op.create_table(
        "surrenders",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("entry_seq", _SEQ, nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        _fk("surrenders", "entity_id", "mrv_entities", "id"),
        _fk("surrenders", "entry_seq", "journal", "seq"),
        sa.PrimaryKeyConstraint("id", name="pk_surrenders"),
        sa.UniqueConstraint("entry_seq", name="uq_surrenders_entry_seq"),
        sa.UniqueConstraint("idem_key", name="uq_surrenders_idem_key"),
    )
    op.create_index("ix_surrenders_year_entity_id", "surrenders", ["year", "entity_id"])
    op.create_table(
        "surrender_lines",
        sa.Column("surrender_id", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("is_offset", sa.Boolean, nullable=False),
        sa.Column("project_id", sa.String(64), nullable=True),
        sa.Column("project_type", sa.String(32), nullable=True),
        sa.Column("province", sa.String(100), nullable=True),
        _fk("surrender_lines", "surrender_id", "surrenders", "id"),
        sa.PrimaryKeyConstraint("surrender_id", "n", name="pk_surrender_lines"),
    )
    op.create_table(
        "penalties",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("verified", sa.BigInteger, nullable=False),
        sa.Column("surrendered", sa.BigInteger, nullable=False),
        sa.Column("shortfall", sa.BigInteger, nullable=False),
        sa.Column("deduction_next_year", sa.BigInteger, nullable=False),
        sa.Column("fine_fen", sa.BigInteger, nullable=False),
        sa.Column("price_fen", sa.Text, nullable=True),
        sa.Column("multiple", sa.Text, nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
        _fk("penalties", "entity_id", "mrv_entities", "id"),
        sa.PrimaryKeyConstraint("year", "entity_id", name="pk_penalties"),
    )
    op.create_table(
        "closed_years",
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("jurisdiction", "year", name="pk_closed_years"),
    )
    op.create_table(
        "deadline_extensions",
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("deadline", sa.String(16), nullable=False),
        sa.Column("until", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("jurisdiction", "year", "deadline", name="pk_deadline_extensions"),
    )


def downgrade() -> None:
    for table in (
        "deadline_extensions",
        "closed_years",
        "penalties",
        "surrender_lines",
        "surrenders",
        "deductions",
        "allocation_lines",
        "allocation_rounds",
    ):
        op.drop_table(table)
    with op.batch_alter_table("mrv_reports") as batch:
        batch.drop_column("energy_tce")
        batch.drop_column("provenance")
