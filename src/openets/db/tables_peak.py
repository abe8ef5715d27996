"""Tables of carbon-peak analytics (on the shared :data:`openets.db.schema.metadata`).

Emissions are BIGINT tonnes CO2; GDP and energy are exact decimal text in the region's units.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table, Text

from openets.db.schema import metadata

__all__ = [
    "metadata",
    "peak_indicators",
    "peak_inventory_lines",
    "peak_region_years",
    "peak_regions",
]

peak_regions = Table(
    "peak_regions",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("pilot", Boolean, nullable=False),
    Column("parent", String(64), nullable=True),
    Column("gdp_unit", String(64), nullable=False),
    Column("energy_unit", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

peak_inventory_lines = Table(
    "peak_inventory_lines",
    metadata,
    Column("region", String(64), ForeignKey("peak_regions.code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("sector", String(32), primary_key=True),
    Column("tco2", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

peak_region_years = Table(
    "peak_region_years",
    metadata,
    Column("region", String(64), ForeignKey("peak_regions.code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("population", BigInteger, nullable=True),
    Column("gdp", Text, nullable=True),
    Column("energy", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

peak_indicators = Table(
    "peak_indicators",
    metadata,
    Column("region", String(64), ForeignKey("peak_regions.code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("indicator", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)
