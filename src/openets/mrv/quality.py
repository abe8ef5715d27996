"""Data-quality checks of an emission report: they flag, they never refuse.

A flag is stored with the report and shown wherever the report is; the verifier and the
regulator decide what it means. The checks:

- ``yoy_change``: the total moved more than a threshold (default 20%) from the entity's
  verified emissions of the year before;
- ``intensity``: emissions per unit of output fall outside the sector's usual range (only
  when the report gives the output);
- ``missing_facility``: a facility of the entity has no activity line;
- ``missing_stream``: a source stream of a facility's monitoring plan has no activity line;
- ``unplanned_stream``: a line's source stream is not in its facility's monitoring plan
  (checked only for facilities that have a plan).

Reports carry yearly activity data, not monthly, so "missing months" is checked as missing
facilities and source streams of the monitoring plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openets.mrv.calc import decimal_text
from openets.mrv.entities import Sector, SourceStream
from openets.mrv.reports import QualityFlag, ReportLine

DEFAULT_YOY_THRESHOLD = Decimal("0.20")


@dataclass(frozen=True, slots=True)
class IntensityRange:
    """The usual emission intensity of a sector: tCO2 per unit of output."""

    unit: str  # the unit of output, e.g. "t clinker"
    low: Decimal
    high: Decimal
    note: str


_ILLUSTRATIVE = "an illustrative default (check), not an official benchmark"

#: Usual intensities by sector. These are ILLUSTRATIVE ranges (check), set wide around typical
#: published figures of each technology (e.g. coal vs gas power, blast furnace vs electric arc
#: steel); they only decide when to flag a report for a closer look, never a number that is
#: charged. Replace them through :class:`QualityRules` with the jurisdiction's own.
SECTOR_INTENSITY: Mapping[Sector, IntensityRange] = {
    Sector.POWER: IntensityRange("MWh supplied", Decimal("0.30"), Decimal("1.10"), _ILLUSTRATIVE),
    Sector.STEEL: IntensityRange("t crude steel", Decimal("0.30"), Decimal("2.50"), _ILLUSTRATIVE),
    Sector.PETROCHEMICALS: IntensityRange(
        "t crude oil processed", Decimal("0.10"), Decimal("0.50"), _ILLUSTRATIVE
    ),
    Sector.CEMENT: IntensityRange("t clinker", Decimal("0.70"), Decimal("1.00"), _ILLUSTRATIVE),
    Sector.PAPER: IntensityRange("t paper", Decimal("0.30"), Decimal("1.50"), _ILLUSTRATIVE),
    Sector.AVIATION: IntensityRange(
        "10^4 revenue tonne-km", Decimal("6"), Decimal("14"), _ILLUSTRATIVE
    ),
    Sector.CERAMICS: IntensityRange("t product", Decimal("0.10"), Decimal("1.00"), _ILLUSTRATIVE),
    Sector.PORTS: IntensityRange("10^4 t throughput", Decimal("2"), Decimal("30"), _ILLUSTRATIVE),
    Sector.DATACENTRES: IntensityRange(
        "MWh IT electricity", Decimal("0.50"), Decimal("1.20"), _ILLUSTRATIVE
    ),
}


@dataclass(frozen=True, slots=True)
class QualityRules:
    """The parameters of the checks (a jurisdiction may set its own)."""

    #: flag a year-on-year change of the total above this fraction (0.20 = 20%)
    yoy_threshold: Decimal = DEFAULT_YOY_THRESHOLD
    intensity: Mapping[Sector, IntensityRange] = field(default_factory=lambda: SECTOR_INTENSITY)


DEFAULT_RULES = QualityRules()


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.1'))}%"


def year_on_year(
    year: int, total: Decimal, previous: Decimal | None, threshold: Decimal
) -> list[QualityFlag]:
    """Flag a change of the total above ``threshold`` against last year's verified total."""
    if previous is None:
        return []
    last = year - 1
    if previous == 0:
        if total == 0:
            return []
        message = f"total {decimal_text(total)} tCO2, while {last}'s verified emissions were 0"
        return [QualityFlag("yoy_change", message)]
    change = (total - previous) / previous
    if abs(change) <= threshold:
        return []
    direction = "above" if change > 0 else "below"
    return [
        QualityFlag(
            "yoy_change",
            f"total {decimal_text(total)} tCO2 is {_percent(abs(change))} {direction} {last}'s "
            f"verified {decimal_text(previous)} tCO2 (flagged above {_percent(threshold)})",
        )
    ]


def intensity(
    sector: Sector,
    total: Decimal,
    output: Decimal | None,
    ranges: Mapping[Sector, IntensityRange],
) -> list[QualityFlag]:
    """Flag emissions per unit of output outside the sector's range."""
    usual = ranges.get(sector)
    if output is None or output <= 0 or usual is None:
        return []
    value = total / output
    if usual.low <= value <= usual.high:
        return []
    shown = value.quantize(Decimal("0.0001"))
    return [
        QualityFlag(
            "intensity",
            f"intensity {decimal_text(shown)} tCO2 per {usual.unit} is outside the {sector} "
            f"range {decimal_text(usual.low)}-{decimal_text(usual.high)}, {usual.note}",
        )
    ]


def completeness(
    lines: Sequence[ReportLine], facilities: Sequence[str], plan: Sequence[SourceStream]
) -> list[QualityFlag]:
    """Flag facilities and planned source streams without lines, and unplanned streams."""
    flags: list[QualityFlag] = []
    reported = {line.facility_id for line in lines}
    streams = {(line.facility_id, line.source.value, line.item) for line in lines}
    for facility_id in sorted(set(facilities) - reported):
        flags.append(
            QualityFlag(
                "missing_facility",
                f"facility {facility_id} has no activity line in this report",
                facility_id,
            )
        )
    planned = {(s.facility_id, s.source.value, s.item) for s in plan}
    for stream in sorted(plan, key=lambda s: (s.facility_id, s.source.value, s.item)):
        if stream.facility_id in reported and (
            (stream.facility_id, stream.source.value, stream.item) not in streams
        ):
            flags.append(
                QualityFlag(
                    "missing_stream",
                    f"facility {stream.facility_id}: the monitoring plan lists "
                    f"{stream.source}/{stream.item} ({stream.method}) but no line reports it",
                    stream.facility_id,
                )
            )
    with_plan = {s.facility_id for s in plan}
    for line in lines:
        key = (line.facility_id, line.source.value, line.item)
        if line.facility_id in with_plan and key not in planned:
            flags.append(
                QualityFlag(
                    "unplanned_stream",
                    f"row {line.row}: {line.source}/{line.item} is not in the monitoring plan "
                    f"of facility {line.facility_id}",
                    line.facility_id,
                )
            )
    return flags


def check_report(
    *,
    sector: Sector,
    year: int,
    lines: Sequence[ReportLine],
    total: Decimal,
    output: Decimal | None,
    previous: Decimal | None,
    facilities: Sequence[str],
    plan: Sequence[SourceStream],
    rules: QualityRules = DEFAULT_RULES,
) -> tuple[QualityFlag, ...]:
    """Every flag of a report, in a stable order.

    ``total`` is the exact counted total (tCO2), ``previous`` the entity's verified exact
    total of ``year - 1`` (``None`` when there is none), ``output`` the production in the
    sector's unit of :data:`SECTOR_INTENSITY`, ``facilities`` the entity's facility ids and
    ``plan`` their monitoring plans' source streams.
    """
    return (
        *year_on_year(year, total, previous, rules.yoy_threshold),
        *intensity(sector, total, output, rules.intensity),
        *completeness(lines, facilities, plan),
    )
