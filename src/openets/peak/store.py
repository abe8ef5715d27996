"""SQL of carbon-peak analytics: regions, inventory lines, yearly statistics, indicators.

Every method runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from openets.db.tables_peak import (
    peak_indicators,
    peak_inventory_lines,
    peak_region_years,
    peak_regions,
)
from openets.peak.inventory import (
    Inventory,
    InventoryLine,
    Region,
    RegionKind,
    RegionYear,
    Sector,
)

__all__ = ["IndicatorValue", "PeakStore"]

_R, _L, _Y, _I = peak_regions, peak_inventory_lines, peak_region_years, peak_indicators
_ORDER = {s: n for n, s in enumerate(Sector)}


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    region: str
    year: int
    indicator: str
    value: Decimal
    source: str


def _region(row: Row[Any]) -> Region:
    return Region(
        row.code, row.name, RegionKind(row.kind), bool(row.pilot), row.name_zh, row.parent,
        row.gdp_unit, row.energy_unit, row.note,
    )  # fmt: skip


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class PeakStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- regions ----------------------------------------------------------------------------

    def region(self, code: str) -> Region | None:
        row = self.connection.execute(select(_R).where(_R.c.code == code)).first()
        return None if row is None else _region(row)

    def regions(self) -> list[Region]:
        rows = self.connection.execute(select(_R).order_by(_R.c.code)).all()
        return [_region(row) for row in rows]

    def add_region(self, region: Region, actor: str, at: str) -> None:
        self.connection.execute(
            _R.insert().values(
                code=region.code,
                name=region.name,
                name_zh=region.name_zh,
                kind=region.kind.value,
                pilot=region.pilot,
                parent=region.parent,
                gdp_unit=region.gdp_unit,
                energy_unit=region.energy_unit,
                note=region.note,
                actor=actor,
                at=at,
            )
        )

    # --- inventories ------------------------------------------------------------------------

    def inventories(self, region: str, year: int | None = None) -> list[Inventory]:
        query = select(_L).where(_L.c.region == region)
        if year is not None:
            query = query.where(_L.c.year == year)
        by_year: dict[int, list[InventoryLine]] = {}
        for row in self.connection.execute(query.order_by(_L.c.year)):
            by_year.setdefault(row.year, []).append(
                InventoryLine(Sector(row.sector), int(row.tco2), row.source)
            )
        return [
            Inventory(region, y, tuple(sorted(lines, key=lambda x: _ORDER[x.sector])))
            for y, lines in by_year.items()
        ]

    def totals(self, regions: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(region, year, net tonnes) of every stored inventory, by region and year."""
        from sqlalchemy import func

        query = select(_L.c.region, _L.c.year, func.sum(_L.c.tco2)).group_by(_L.c.region, _L.c.year)
        if regions is not None:
            query = query.where(_L.c.region.in_(list(regions)))
        rows = self.connection.execute(query.order_by(_L.c.region, _L.c.year)).all()
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    def replace_inventory(self, inventory: Inventory, actor: str, at: str) -> None:
        self.connection.execute(
            delete(_L).where((_L.c.region == inventory.region) & (_L.c.year == inventory.year))
        )
        self.connection.execute(
            _L.insert(),
            [
                {
                    "region": inventory.region,
                    "year": inventory.year,
                    "sector": line.sector.value,
                    "tco2": line.tco2,
                    "source": line.source,
                    "actor": actor,
                    "at": at,
                }
                for line in inventory.lines
            ],
        )

    # --- yearly statistics ------------------------------------------------------------------

    def region_years(self, region: str) -> list[RegionYear]:
        rows = self.connection.execute(
            select(_Y).where(_Y.c.region == region).order_by(_Y.c.year)
        ).all()
        return [
            RegionYear(
                r.region, r.year, r.population, _decimal(r.gdp), _decimal(r.energy), r.source
            )
            for r in rows
        ]

    def replace_region_years(self, rows: Iterable[RegionYear], actor: str, at: str) -> None:
        for item in rows:
            self.connection.execute(
                delete(_Y).where((_Y.c.region == item.region) & (_Y.c.year == item.year))
            )
            self.connection.execute(
                _Y.insert().values(
                    region=item.region,
                    year=item.year,
                    population=item.population,
                    gdp=None if item.gdp is None else str(item.gdp),
                    energy=None if item.energy is None else str(item.energy),
                    source=item.source,
                    actor=actor,
                    at=at,
                )
            )

    # --- indicators -------------------------------------------------------------------------

    def indicators(self, year: int | None = None) -> list[IndicatorValue]:
        query = select(_I)
        if year is not None:
            query = query.where(_I.c.year == year)
        rows = self.connection.execute(query.order_by(_I.c.region, _I.c.indicator)).all()
        return [
            IndicatorValue(r.region, r.year, r.indicator, Decimal(r.value), r.source) for r in rows
        ]

    def replace_indicators(self, values: Iterable[IndicatorValue], actor: str, at: str) -> None:
        for item in values:
            self.connection.execute(
                delete(_I).where(
                    (_I.c.region == item.region)
                    & (_I.c.year == item.year)
                    & (_I.c.indicator == item.indicator)
                )
            )
            self.connection.execute(
                _I.insert().values(
                    region=item.region,
                    year=item.year,
                    indicator=item.indicator,
                    value=str(item.value),
                    source=item.source,
                    actor=actor,
                    at=at,
                )
            )
