"""MRV: covered entities, facilities, monitoring plans, emission reports and their history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _report_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["report_id"], ["mrv_reports.id"], name=f"fk_{table}_report_id_mrv_reports"
    )


def _partial_unique(table: str, column: str) -> None:
    op.create_index(
        f"uq_{table}_{column}",
        table,
        [column],
        unique=True,
        sqlite_where=sa.text(f"{column} IS NOT NULL"),
        postgresql_where=sa.text(f"{column} IS NOT NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "mrv_entities",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mrv_entities"),
    )
    op.create_index("ix_mrv_entities_name", "mrv_entities", ["name"])
    op.create_table(
        "mrv_facilities",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["mrv_entities.id"], name="fk_mrv_facilities_entity_id_mrv_entities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mrv_facilities"),
    )
    op.create_index("ix_mrv_facilities_entity_id", "mrv_facilities", ["entity_id"])
    op.create_table(
        "mrv_plan_streams",
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["mrv_facilities.id"],
            name="fk_mrv_plan_streams_facility_id_mrv_facilities",
        ),
        sa.PrimaryKeyConstraint("facility_id", "source", "item", name="pk_mrv_plan_streams"),
    )
    op.create_table(
        "mrv_reports",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_tco2", sa.Text, nullable=False),
        sa.Column("compliance_tco2", sa.BigInteger, nullable=False),
        sa.Column("biomass_tco2", sa.Text, nullable=False),
        sa.Column("by_source", sa.Text, nullable=False),
        sa.Column("by_facility", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("supersedes", sa.String(100), nullable=True),
        sa.Column("verifier", sa.String(64), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["mrv_entities.id"], name="fk_mrv_reports_entity_id_mrv_entities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mrv_reports"),
        sa.UniqueConstraint(
            "entity_id", "year", "version", name="uq_mrv_reports_entity_id_year_version"
        ),
    )
    op.create_index("ix_mrv_reports_status", "mrv_reports", ["status"])
    op.create_index("ix_mrv_reports_verifier", "mrv_reports", ["verifier"])
    _partial_unique("mrv_reports", "idem_key")
    op.create_table(
        "mrv_report_lines",
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Text, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("ncv", sa.Text, nullable=True),
        sa.Column("cc", sa.Text, nullable=True),
        sa.Column("of", sa.Text, nullable=True),
        sa.Column("ef", sa.Text, nullable=True),
        sa.Column("tco2", sa.Text, nullable=False),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("factors", sa.Text, nullable=False),
        sa.Column("measured", sa.Text, nullable=False),
        sa.Column("factor_version", sa.String(100), nullable=False),
        _report_fk("mrv_report_lines"),
        sa.PrimaryKeyConstraint("report_id", "row", name="pk_mrv_report_lines"),
    )
    op.create_table(
        "mrv_adjustments",
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("original", sa.Text, nullable=True),
        sa.Column("adjusted", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        _report_fk("mrv_adjustments"),
        sa.PrimaryKeyConstraint("report_id", "n", name="pk_mrv_adjustments"),
    )
    op.create_table(
        "mrv_transitions",
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        _report_fk("mrv_transitions"),
        sa.PrimaryKeyConstraint("report_id", "n", name="pk_mrv_transitions"),
    )
    _partial_unique("mrv_transitions", "idem_key")
    op.create_table(
        "mrv_quality_flags",
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        _report_fk("mrv_quality_flags"),
        sa.PrimaryKeyConstraint("report_id", "n", name="pk_mrv_quality_flags"),
    )


def downgrade() -> None:
    for table in (
        "mrv_quality_flags",
        "mrv_transitions",
        "mrv_adjustments",
        "mrv_report_lines",
        "mrv_reports",
        "mrv_plan_streams",
        "mrv_facilities",
        "mrv_entities",
    ):
        op.drop_table(table)
