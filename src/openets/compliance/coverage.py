"""Coverage: which entities must take part in a compliance year.

An entity is covered in year N when its sector is covered by its jurisdiction's configuration
of year N and, in year N-1 or in year N, its verified emissions reach the tCO2 threshold or its
energy use reaches the tce threshold (either suffices), or the regulator has allocated to it
for year N (a new entrant). Verified figures are the approved MRV reports (calculated or
imported). Coverage is decided from data, never stored, so a late report or import changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from openets.compliance.jurisdiction import Coverage, load_jurisdiction
from openets.db import schema
from openets.mrv.entities import Sector
from openets.mrv.reports import ReportStatus

__all__ = ["CoverageLine", "YearFigures", "coverage", "decide"]


@dataclass(frozen=True, slots=True)
class YearFigures:
    """An entity's verified figures of one year (None: not known)."""

    year: int
    verified_tco2: int | None
    energy_tce: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CoverageLine:
    """The coverage decision for one entity and year, with the reason in words."""

    entity_id: str
    name: str
    sector: str
    jurisdiction: str
    year: int
    covered: bool
    reason: str
    verified_prior: int | None  # verified emissions of year N-1
    verified_year: int | None  # verified emissions of year N


def decide(
    sector: Sector,
    rules: Coverage,
    figures: Sequence[YearFigures],
    *,
    allocated: bool = False,
) -> tuple[bool, str]:
    """``(covered, reason)`` from the sector, the thresholds and the figures of N-1 and N."""
    if sector not in rules.sectors:
        return False, f"sector {sector.value} is not covered"
    for item in figures:
        if item.verified_tco2 is not None and item.verified_tco2 >= rules.threshold_tco2:
            return True, (
                f"{item.year} verified {item.verified_tco2:,} tCO2 ≥ {rules.threshold_tco2:,}"
            )
        if (
            rules.threshold_tce is not None
            and item.energy_tce is not None
            and item.energy_tce >= rules.threshold_tce
        ):
            return True, f"{item.year} energy use {item.energy_tce:,} tce ≥ {rules.threshold_tce:,}"
    if allocated:
        return True, "allocated to by the regulator (new entrant)"
    known = [f"{f.year} {f.verified_tco2:,} tCO2" for f in figures if f.verified_tco2 is not None]
    if not known:
        return False, "no verified emissions for the year or the year before"
    return False, f"below the threshold of {rules.threshold_tco2:,} tCO2 ({', '.join(known)})"


def coverage(
    connection: Connection,
    year: int,
    jurisdiction: str | None = None,
    entity_id: str | None = None,
) -> list[CoverageLine]:
    """Every entity (of ``jurisdiction`` / only ``entity_id`` if given), by id, with its
    coverage decision for ``year``."""
    entities = schema.mrv_entities
    query = select(entities).order_by(entities.c.id)
    if jurisdiction is not None:
        query = query.where(entities.c.jurisdiction == jurisdiction)
    if entity_id is not None:
        query = query.where(entities.c.id == entity_id)
    rows = connection.execute(query).all()
    reports, lines = schema.mrv_reports, schema.allocation_lines
    approved = select(
        reports.c.entity_id, reports.c.year, reports.c.compliance_tco2, reports.c.energy_tce
    ).where(reports.c.status == ReportStatus.APPROVED.value, reports.c.year.in_((year - 1, year)))
    allocations = select(lines.c.entity_id).where(lines.c.year == year)
    if entity_id is not None:  # one entity (a surrender, a position): its own rows only
        approved = approved.where(reports.c.entity_id == entity_id)
        allocations = allocations.where(lines.c.entity_id == entity_id)
    figures: dict[tuple[str, int], YearFigures] = {}
    for row in connection.execute(approved):
        energy = Decimal(row.energy_tce) if row.energy_tce is not None else None
        figures[(row.entity_id, int(row.year))] = YearFigures(
            int(row.year), int(row.compliance_tco2), energy
        )
    allocated = {r.entity_id for r in connection.execute(allocations)}
    result = []
    for row in rows:
        config = load_jurisdiction(row.jurisdiction, year)
        prior = figures.get((row.id, year - 1))
        current = figures.get((row.id, year))
        covered, reason = decide(
            Sector(row.sector),
            config.coverage,
            [f for f in (prior, current) if f is not None],
            allocated=row.id in allocated,
        )
        result.append(
            CoverageLine(
                entity_id=row.id,
                name=row.name,
                sector=row.sector,
                jurisdiction=row.jurisdiction,
                year=year,
                covered=covered,
                reason=reason,
                verified_prior=prior.verified_tco2 if prior else None,
                verified_year=current.verified_tco2 if current else None,
            )
        )
    return result
