"""Data-quality checks: they flag, with a message that says why; they never refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.mrv.entities import Sector, SourceStream
from openets.mrv.model import SourceKind, Unit
from openets.mrv.quality import (
    SECTOR_INTENSITY,
    IntensityRange,
    QualityRules,
    check_report,
    completeness,
    intensity,
    year_on_year,
)
from openets.mrv.reports import QualityFlag, ReportLine

TWENTY = Decimal("0.20")


def report_line(row: int, facility: str, source: SourceKind, item: str) -> ReportLine:
    return ReportLine(
        row=row,
        facility_id=facility,
        source=source,
        item=item,
        quantity=Decimal(1),
        unit=Unit.TONNE,
        ncv=None,
        cc=None,
        of=None,
        ef=None,
        tco2=Decimal(1),
        counted=True,
        factors={},
        measured=(),
        factor_version="v",
    )


def stream(facility: str, source: SourceKind, item: str, method: str = "metered") -> SourceStream:
    return SourceStream(facility, source, item, method)


# --- year on year -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "flagged"),
    [("1200", False), ("800", False), ("1200.1", True), ("799.9", True), ("1000", False)],
)
def test_year_on_year_flags_a_change_above_the_threshold(total: str, flagged: bool) -> None:
    # last year 1,000 t: ±20% (200 t) is the edge, still not flagged
    flags = year_on_year(2024, Decimal(total), Decimal(1000), TWENTY)
    assert bool(flags) is flagged


def test_year_on_year_message() -> None:
    assert year_on_year(2024, Decimal(1500), Decimal(1000), TWENTY) == [
        QualityFlag(
            "yoy_change",
            "total 1500 tCO2 is 50.0% above 2023's verified 1000 tCO2 (flagged above 20.0%)",
        )
    ]
    assert year_on_year(2024, Decimal(700), Decimal(1000), TWENTY)[0].message == (
        "total 700 tCO2 is 30.0% below 2023's verified 1000 tCO2 (flagged above 20.0%)"
    )


def test_year_on_year_without_or_with_a_zero_previous_year() -> None:
    assert year_on_year(2024, Decimal(5), None, TWENTY) == []
    assert year_on_year(2024, Decimal(0), Decimal(0), TWENTY) == []
    assert year_on_year(2024, Decimal(5), Decimal(0), TWENTY) == [
        QualityFlag("yoy_change", "total 5 tCO2, while 2023's verified emissions were 0")
    ]


def test_the_threshold_is_a_parameter() -> None:
    assert year_on_year(2024, Decimal(1100), Decimal(1000), Decimal("0.05"))
    assert not year_on_year(2024, Decimal(1100), Decimal(1000), Decimal("0.10"))


# --- intensity --------------------------------------------------------------------------------


def test_intensity_outside_the_sector_range_is_flagged() -> None:
    # cement: 0.70-1.00 tCO2 per t clinker (illustrative, check)
    usual = SECTOR_INTENSITY[Sector.CEMENT]
    assert (usual.unit, usual.low, usual.high) == ("t clinker", Decimal("0.70"), Decimal("1.00"))
    assert "(check)" in usual.note
    assert intensity(Sector.CEMENT, Decimal(850), Decimal(1000), SECTOR_INTENSITY) == []
    assert intensity(Sector.CEMENT, Decimal(700), Decimal(1000), SECTOR_INTENSITY) == []
    assert intensity(Sector.CEMENT, Decimal(1000), Decimal(1000), SECTOR_INTENSITY) == []
    [flag] = intensity(Sector.CEMENT, Decimal(1250), Decimal(1000), SECTOR_INTENSITY)
    assert flag.code == "intensity"
    assert flag.message == (
        "intensity 1.25 tCO2 per t clinker is outside the cement range 0.7-1, "
        "an illustrative default (check), not an official benchmark"
    )
    assert intensity(Sector.CEMENT, Decimal(600), Decimal(1000), SECTOR_INTENSITY)


def test_intensity_needs_an_output() -> None:
    assert intensity(Sector.CEMENT, Decimal(5000), None, SECTOR_INTENSITY) == []


def test_ranges_are_a_parameter() -> None:
    mine = {Sector.CEMENT: IntensityRange("t clinker", Decimal("0.8"), Decimal("0.9"), "local")}
    assert intensity(Sector.CEMENT, Decimal(850), Decimal(1000), mine) == []
    assert intensity(Sector.CEMENT, Decimal(950), Decimal(1000), mine)
    assert intensity(Sector.STEEL, Decimal(9000), Decimal(1000), mine) == []  # no range: no flag


def test_every_covered_sector_has_a_range() -> None:
    assert set(SECTOR_INTENSITY) == set(Sector)
    assert all(r.low < r.high for r in SECTOR_INTENSITY.values())


# --- completeness -----------------------------------------------------------------------------


def test_missing_facilities_and_streams_and_unplanned_streams() -> None:
    lines = [
        report_line(2, "F1", SourceKind.ELECTRICITY, "grid"),
        report_line(3, "F1", SourceKind.COMBUSTION, "diesel"),
        report_line(4, "F3", SourceKind.COMBUSTION, "diesel"),  # F3 has no plan: not checked
    ]
    plan = [
        stream("F1", SourceKind.ELECTRICITY, "grid"),
        stream("F1", SourceKind.COMBUSTION, "raw_coal", "weighbridge"),
        stream("F2", SourceKind.ELECTRICITY, "grid"),
    ]
    assert completeness(lines, ["F1", "F2", "F3"], plan) == [
        QualityFlag("missing_facility", "facility F2 has no activity line in this report", "F2"),
        QualityFlag(
            "missing_stream",
            "facility F1: the monitoring plan lists combustion/raw_coal (weighbridge) "
            "but no line reports it",
            "F1",
        ),
        QualityFlag(
            "unplanned_stream",
            "row 3: combustion/diesel is not in the monitoring plan of facility F1",
            "F1",
        ),
    ]


def test_a_complete_report_has_no_flags() -> None:
    lines = [report_line(2, "F1", SourceKind.ELECTRICITY, "grid")]
    plan = [stream("F1", SourceKind.ELECTRICITY, "grid")]
    assert (
        check_report(
            sector=Sector.STEEL,
            year=2024,
            lines=lines,
            total=Decimal(1000),
            output=Decimal(1000),
            previous=Decimal(1000),
            facilities=["F1"],
            plan=plan,
        )
        == ()
    )


def test_check_report_gathers_every_flag_in_order() -> None:
    lines = [report_line(2, "F1", SourceKind.ELECTRICITY, "grid")]
    flags = check_report(
        sector=Sector.STEEL,
        year=2024,
        lines=lines,
        total=Decimal(3000),
        output=Decimal(1000),
        previous=Decimal(1000),
        facilities=["F1", "F2"],
        plan=[],
        rules=QualityRules(yoy_threshold=Decimal("0.5")),
    )
    assert [f.code for f in flags] == ["yoy_change", "intensity", "missing_facility"]
