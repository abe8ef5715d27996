"""Carbon-peak analytics: regions, their yearly inventories by sector, statistics and pilot
indicators.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _stamp() -> list[sa.Column[str]]:
    return [
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    ]


def _region_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["region"], ["peak_regions.code"], name=f"fk_{table}_region_peak_regions"
    )


def upgrade() -> None:
    op.create_table(
        "peak_regions",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pilot", sa.Boolean, nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("gdp_unit", sa.String(64), nullable=False),
        sa.Column("energy_unit", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        *_stamp(),
        sa.PrimaryKeyConstraint("code", name="pk_peak_regions"),
    )
    op.create_table(
        "peak_inventory_lines",
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("sector", sa.String(32), nullable=False),
        sa.Column("tco2", sa.BigInteger, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        *_stamp(),
        _region_fk("peak_inventory_lines"),
        sa.PrimaryKeyConstraint("region", "year", "sector", name="pk_peak_inventory_lines"),
    )
    op.create_table(
        "peak_region_years",
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("population", sa.BigInteger, nullable=True),
        sa.Column("gdp", sa.Text, nullable=True),
        sa.Column("energy", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        *_stamp(),
        _region_fk("peak_region_years"),
        sa.PrimaryKeyConstraint("region", "year", name="pk_peak_region_years"),
    )
    op.create_table(
        "peak_indicators",
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        *_stamp(),
        _region_fk("peak_indicators"),
        sa.PrimaryKeyConstraint("region", "year", "indicator", name="pk_peak_indicators"),
    )


def downgrade() -> None:
    for table in ("peak_indicators", "peak_region_years", "peak_inventory_lines", "peak_regions"):
        op.drop_table(table)
