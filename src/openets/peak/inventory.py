"""Regions and their yearly emission inventories by sector.

A region is a province, a city, a park (an industrial or high-tech zone) or a country; pilots
are the national carbon-peak pilots (25 cities and 10 parks). An inventory is one region's
emissions of one year, one line per sector in whole tonnes CO2 (removals negative), each line
recording its source: built from activity data with the MRV factor library
(:func:`inventory_from_activity`, source ``activity: <factor versions>``) or imported as a
total (source as given, e.g. the statistical yearbook or a national data set).

Each region also keeps yearly statistics (population, GDP, energy) for the Kaya
decomposition and projections, in units the region names (``gdp_unit``, ``energy_unit``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from openets.errors import InvalidInput
from openets.mrv.calc import calculate
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityLine, SourceKind, Unit

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "Inventory",
    "InventoryLine",
    "Region",
    "RegionKind",
    "RegionYear",
    "Sector",
    "activity_line",
    "inventory_from_activity",
    "parse_region_code",
    "parse_sector",
    "parse_year",
]

FIRST_YEAR, LAST_YEAR = 1950, 2100
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class RegionKind(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    PARK = "park"
    COUNTRY = "country"


class Sector(StrEnum):
    """Inventory sectors, in report order; ``total`` is a total imported without a split."""

    ENERGY_SUPPLY = "energy_supply"
    INDUSTRY = "industry"
    BUILDINGS = "buildings"
    TRANSPORT = "transport"
    WASTE = "waste"
    AGRICULTURE_LAND_USE = "agriculture_land_use"
    REMOVALS = "removals"
    TOTAL = "total"


def parse_region_code(text: str) -> str:
    code = (text or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(
            f"region code {text!r}: 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return code


def parse_sector(text: str) -> Sector:
    try:
        return Sector((text or "").strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in Sector)
        raise InvalidInput(f"unknown sector {text!r}; known: {known}") from None


def parse_year(year: int | str) -> int:
    text = str(year).strip()
    if isinstance(year, bool) or not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise InvalidInput(f"year must be {FIRST_YEAR}-{LAST_YEAR}, got {year!r}")
    return int(text)


@dataclass(frozen=True, slots=True)
class Region:
    """A region that keeps an inventory. ``note`` says where its figures come from (e.g.
    "illustrative demo figures, not official statistics")."""

    code: str
    name: str
    kind: RegionKind
    pilot: bool = False
    name_zh: str = ""
    parent: str | None = None
    gdp_unit: str = ""
    energy_unit: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        parse_region_code(self.code)
        if not self.name.strip():
            raise InvalidInput(f"region {self.code!r} needs a name")


@dataclass(frozen=True, slots=True)
class InventoryLine:
    """One sector's emissions in a year: whole tonnes CO2 (removals ≤ 0, others ≥ 0)."""

    sector: Sector
    tco2: int
    source: str

    def __post_init__(self) -> None:
        if isinstance(self.tco2, bool) or not isinstance(self.tco2, int):
            raise InvalidInput(f"{self.sector.value}: emissions are whole tonnes")
        if self.sector is Sector.REMOVALS and self.tco2 > 0:
            raise InvalidInput("removals are recorded as negative tonnes (or 0)")
        if self.sector is not Sector.REMOVALS and self.tco2 < 0:
            raise InvalidInput(f"{self.sector.value}: emissions must not be negative")
        if not self.source.strip():
            raise InvalidInput(f"{self.sector.value}: an inventory line records its source")


@dataclass(frozen=True, slots=True)
class Inventory:
    """A region's inventory of one year."""

    region: str
    year: int
    lines: tuple[InventoryLine, ...]

    def __post_init__(self) -> None:
        sectors = [line.sector for line in self.lines]
        if not sectors:
            raise InvalidInput(f"the {self.year} inventory of {self.region!r} has no lines")
        if len(set(sectors)) != len(sectors):
            raise InvalidInput(f"the {self.year} inventory lists a sector twice")
        if Sector.TOTAL in sectors and len(sectors) > 1:
            raise InvalidInput("an imported total cannot be mixed with sector lines")

    @property
    def total(self) -> int:
        """Net emissions in tonnes (removals subtracted)."""
        return sum(line.tco2 for line in self.lines)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({line.source for line in self.lines}))

    def by_sector(self) -> dict[Sector, int]:
        return {line.sector: line.tco2 for line in self.lines}


@dataclass(frozen=True, slots=True)
class RegionYear:
    """A region's statistics of a year (for Kaya): persons, GDP and energy in the region's
    units; ``None`` where not known."""

    region: str
    year: int
    population: int | None
    gdp: Decimal | None
    energy: Decimal | None
    source: str


def inventory_from_activity(
    region: str,
    year: int,
    activity: Mapping[Sector, Sequence[ActivityLine]],
    library: FactorLibrary | None = None,
    imported: Iterable[InventoryLine] = (),
) -> Inventory:
    """An inventory from activity data by sector, with the MRV factor library (tonnes rounded
    half-up per sector), plus any lines imported as totals (removals, for instance)."""
    library = library or FactorLibrary.default()
    lines = []
    for sector, rows in activity.items():
        if sector in (Sector.REMOVALS, Sector.TOTAL):
            raise InvalidInput(f"{sector.value} cannot be computed from activity data")
        if not rows:
            continue
        stamped = [
            ActivityLine(
                r.row,
                sector.value,
                year,
                r.source,
                r.item,
                r.quantity,
                r.unit,
                r.ncv,
                r.cc,
                r.of,
                r.ef,
            )
            for r in rows
        ]
        results = calculate(stamped, library)
        exact = sum((result.total_tco2 for result in results), Decimal(0))
        versions = sorted({line.factor_version for res in results for line in res.lines})
        lines.append(
            InventoryLine(
                sector,
                int(exact.quantize(Decimal(1), ROUND_HALF_UP)),
                "activity: " + ", ".join(versions),
            )
        )
    return Inventory(region, year, (*lines, *imported))


def activity_line(
    row: int,
    sector: str,
    year: int,
    source: str,
    item: str,
    quantity: str,
    unit: str,
    measured: Mapping[str, str] | None = None,
) -> tuple[Sector, ActivityLine]:
    """One activity row of a sector (text fields as in a CSV file), checked."""
    where = f"row {row}"
    kind = parse_sector(sector)
    try:
        source_kind = SourceKind(source.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in SourceKind)
        raise InvalidInput(f"{where}: unknown source {source!r}; known: {known}") from None
    try:
        unit_kind = Unit(unit.strip())
    except ValueError:
        known = ", ".join(u.value for u in Unit)
        raise InvalidInput(f"{where}: unknown unit {unit!r}; known: {known}") from None
    numbers: dict[str, Decimal | None] = {}
    for name, raw in {"quantity": quantity, **(measured or {})}.items():
        text = (raw or "").strip()
        if not text:
            numbers[name] = None
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f"{where}: {name} {text!r} is not a number") from None
        if not value.is_finite() or value < 0:
            raise InvalidInput(f"{where}: {name} must be a number ≥ 0, got {text!r}")
        numbers[name] = value
    amount = numbers.pop("quantity")
    if amount is None:
        raise InvalidInput(f"{where}: quantity is required")
    line = ActivityLine(
        row, kind.value, year, source_kind, item.strip(), amount, unit_kind,
        numbers.get("ncv"), numbers.get("cc"), numbers.get("of"), numbers.get("ef"),
    )  # fmt: skip
    return kind, line
