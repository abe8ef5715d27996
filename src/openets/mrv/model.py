"""Value types of MRV: activity lines, factors, calculation results, reports.

Quantities of activity data and factors are ``Decimal``; emissions are ``Decimal`` tCO2
for official reports and whole tonnes (rounded half-up) for compliance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from openets.errors import InvalidInput


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


@dataclass(frozen=True, slots=True)
class ActivityStream:
    """Everything about an activity row but its quantity: the rows of a file that share a
    facility, year, source, item, unit and measured overrides form one stream, and share one
    set of factors.
    """

    facility_id: str
    year: int
    source: SourceKind
    item: str
    unit: Unit
    ncv: Decimal | None = None
    cc: Decimal | None = None
    of: Decimal | None = None
    ef: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ActivityColumns:
    """A whole activity file, validated, column-wise: the bulk form of ``list[ActivityLine]``.

    Row ``i`` has line number ``rows[i]``, belongs to stream ``streams[stream_of_row[i]]`` and
    has quantity ``quantity[i]`` (a plain decimal numeral, non-negative, in the stream's unit).
    Streams are in order of first appearance; ``first_rows[s]`` is the line where stream ``s``
    first appears.
    """

    streams: tuple[ActivityStream, ...]
    stream_of_row: Sequence[int]
    quantity: Sequence[str]
    rows: Sequence[int]
    first_rows: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.quantity)

    def lines(self) -> list[ActivityLine]:
        """The same data as one :class:`ActivityLine` per row."""
        streams = self.streams
        result: list[ActivityLine] = []
        for row, index, quantity in zip(self.rows, self.stream_of_row, self.quantity, strict=True):
            s = streams[index]
            result.append(
                ActivityLine(
                    row,
                    s.facility_id,
                    s.year,
                    s.source,
                    s.item,
                    Decimal(quantity),
                    s.unit,
                    s.ncv,
                    s.cc,
                    s.of,
                    s.ef,
                )
            )
        return result

    @classmethod
    def from_lines(cls, lines: Sequence[ActivityLine]) -> ActivityColumns:
        """The column form of activity lines (for the bulk and vectorised paths)."""
        index: dict[ActivityStream, int] = {}
        first_rows: list[int] = []
        stream_of_row: list[int] = []
        for line in lines:
            if not line.quantity.is_finite() or line.quantity < 0:
                raise InvalidInput(
                    f"row {line.row}: quantity must not be negative, got {line.quantity}"
                )
            stream = ActivityStream(
                line.facility_id, line.year, line.source, line.item, line.unit,
                line.ncv, line.cc, line.of, line.ef,
            )  # fmt: skip
            position = index.get(stream)
            if position is None:
                position = index[stream] = len(index)
                first_rows.append(line.row)
            stream_of_row.append(position)
        return cls(
            streams=tuple(index),
            stream_of_row=stream_of_row,
            quantity=[str(line.quantity) for line in lines],
            rows=[line.row for line in lines],
            first_rows=tuple(first_rows),
        )
