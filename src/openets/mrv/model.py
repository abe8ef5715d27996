"""Value types of MRV: activity lines, factors, calculation results, reports.

Quantities of activity data and factors are ``Decimal``; emissions are ``Decimal`` tCO2
for official reports and whole tonnes (rounded half-up) for compliance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class SourceKind(StrEnum):
    """A source stream of a monitoring plan (the ``source`` column of an activity file)."""

    COMBUSTION = "combustion"  # fuel burnt: AD × NCV × CC × OF × 44/12
    ELECTRICITY = "electricity"  # purchased electricity: MWh × grid factor
    HEAT = "heat"  # purchased heat: GJ × heat factor
    PROCESS = "process"  # process emissions: quantity × process factor
    BIOMASS = "biomass"  # biomass CO2: reported, not counted


class Unit(StrEnum):
    """Units of activity data (the ``unit`` column)."""

    TONNE = "t"
    TEN_THOUSAND_NM3 = "10^4 Nm3"
    MWH = "MWh"
    GJ = "GJ"


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """One row of activity data; ``row`` is its line number in the file it came from.

    ``ncv`` (GJ per unit), ``cc`` (tC/GJ), ``of`` (fraction) and ``ef`` (tCO2 per unit) are
    measured values that override the defaults for this row when given.
    """

    row: int
    facility_id: str
    year: int
    source: SourceKind
    item: str
    quantity: Decimal
    unit: Unit
    ncv: Decimal | None = None
    cc: Decimal | None = None
    of: Decimal | None = None
    ef: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineResult:
    """Emissions of one activity line and the factors that produced them."""

    row: int
    source: SourceKind
    item: str
    tco2: Decimal
    #: the factors used, by name (ncv, cc, of, ef), and which were measured overrides
    factors: dict[str, Decimal]
    measured: tuple[str, ...]
    factor_version: str
    counted: bool = True  # False for biomass CO2


@dataclass(frozen=True, slots=True)
class FacilityResult:
    """A facility's emissions for one year."""

    facility_id: str
    year: int
    total_tco2: Decimal  # counted emissions, exact
    compliance_tco2: int  # total rounded half-up to whole tonnes
    by_source: dict[str, Decimal]
    biomass_tco2: Decimal
    lines: tuple[LineResult, ...] = field(default_factory=tuple)
