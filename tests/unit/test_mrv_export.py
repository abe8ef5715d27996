"""Report exports (pure): the XLSX reads back as the same activity lines, the PDF renders.

Hand-worked line figures (default factors, ``cn-guidelines-2013`` and
``grid-2023-national-average``): raw coal 1,000 t → 1000 × 20.908 × 0.02637 × 0.94 × 44/12 =
1,900.2988488 tCO2; electricity 250.5 MWh × 0.5306 = 132.9153 tCO2.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from openets.mrv.activity_file import read_activity_file
from openets.mrv.calc import calculate
from openets.mrv.entities import Entity, Jurisdiction, Sector
from openets.mrv.export import (
    ACTIVITY_HEADER,
    calculation_text,
    grouped,
    report_pdf,
    report_xlsx,
)
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.reports import (
    AdjustmentRecord,
    QualityFlag,
    Report,
    ReportAction,
    ReportStatus,
    Transition,
    assemble,
)

YEAR = 2023
AT = "2025-07-01T02:00:00.000000Z"
ENTITY = Entity("GD-STEEL-001", "广州示范钢铁 Demo Steel", Sector.STEEL, Jurisdiction.GUANGDONG, AT)


def activity(
    row: int, source: str, item: str, quantity: str, unit: Unit, **kw: str
) -> ActivityLine:
    measured = {name: Decimal(value) for name, value in kw.items()}
    return ActivityLine(
        row, "GD-STEEL-001-F1", YEAR, SourceKind(source), item, Decimal(quantity), unit, **measured
    )


LINES = [
    activity(2, "combustion", "raw_coal", "1000", Unit.TONNE),
    activity(3, "electricity", "grid", "250.5", Unit.MWH),
    activity(4, "combustion", "natural_gas", "12.25", Unit.TEN_THOUSAND_NM3, ncv="390.5"),
    activity(5, "process", "clinker", "800", Unit.TONNE, ef="0.5271"),
    activity(6, "combustion", "coke", "3.3", Unit.TONNE, cc="0.0295", of="0.97"),
    activity(7, "biomass", "wood_chips", "40", Unit.TONNE, ncv="15", cc="0.03"),
]


def make_report(lines: list[ActivityLine], report_id: str = "GD-STEEL-001-2023-v1") -> Report:
    """A report value as the services build it: the lines' emissions and the exact totals."""
    library = FactorLibrary.default()
    whole = calculate(lines, library)
    computed = assemble(lines, whole, whole[0])
    return Report(
        id=report_id,
        entity_id="GD-STEEL-001",
        year=YEAR,
        version=1,
        status=ReportStatus.APPROVED,
        total_tco2=computed.total_tco2,
        compliance_tco2=computed.compliance_tco2,
        biomass_tco2=computed.biomass_tco2,
        output=None,
        supersedes=None,
        verifier="ver",
        created_at=AT,
        by_source=computed.by_source,
        facilities=computed.facilities,
        lines=computed.lines,
        adjustments=(
            AdjustmentRecord(
                3,
                "quantity",
                Decimal("240"),
                Decimal("250.5"),
                "电表读数更正 meter",
                "ver",
                "verifier",
                "2025-07-01T03:00:00.000000Z",
            ),
        ),
        transitions=(
            Transition(ReportAction.CREATE, None, ReportStatus.DRAFT, "acme", "entity", AT),
            Transition(
                ReportAction.APPROVE,
                ReportStatus.VERIFIED,
                ReportStatus.APPROVED,
                "reg",
                "regulator",
                "2025-07-01T04:00:00.000000Z",
            ),
        ),
        flags=(QualityFlag("yoy_change", "total up 25.0% on 2022", None),),
    )


def read_back(content: bytes, tmp_path: Path) -> list[ActivityLine]:
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    return read_activity_file(path)


def test_xlsx_first_sheet_is_an_activity_file_of_the_same_lines(tmp_path: Path) -> None:
    report = make_report(LINES)
    content = report_xlsx(report, ENTITY)
    assert read_back(content, tmp_path) == LINES
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["activity", "report"]
    header = [cell.value for cell in workbook["activity"][1]]
    assert tuple(header) == ACTIVITY_HEADER
    assert ",".join(ACTIVITY_HEADER) == "facility_id,year,source,item,quantity,unit,ncv,cc,of,ef"
    # quantities a spreadsheet number holds exactly are numbers people can sum
    assert workbook["activity"]["E2"].value == 1000
    assert workbook["activity"]["E3"].value == 250.5


def test_xlsx_report_sheet_has_header_lines_totals_adjustments_transitions() -> None:
    report = make_report(LINES)
    sheet = load_workbook(io.BytesIO(report_xlsx(report, ENTITY)))["report"]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    rows = [row for row in rows if row]
    assert ["report", "报告编号", "GD-STEEL-001-2023-v1"] in rows
    assert ["entity name", "企业名称", "广州示范钢铁 Demo Steel"] in rows
    coal = next(r for r in rows if r[:2] == [2, "GD-STEEL-001-F1"])
    assert coal[3:] == [
        "raw_coal",
        "1000 t x NCV 20.908 GJ/t x CC 0.02637 tC/GJ x OF 0.94 x 44/12",
        "1900.2988488",
        "yes",
        "cn-guidelines-2013",
    ]
    electricity = next(r for r in rows if r[:1] == [3])
    assert electricity[4:6] == ["250.5 MWh x EF 0.5306 tCO2/MWh", "132.9153"]
    compliance = next(r for r in rows if str(r[0]).startswith("compliance total"))
    assert compliance[1] == report.compliance_tco2
    total = next(r for r in rows if str(r[0]).startswith("total (counted)"))
    assert total[1] == format(report.total_tco2.normalize(), "f")
    assert [3, "quantity", "240", "250.5", "电表读数更正 meter", "ver (verifier)",
            "2025-07-01 11:00:00"] in rows  # fmt: skip
    assert ["approve", "verified", "approved", "reg (regulator)", "2025-07-01 12:00:00"] in rows
    assert ["yoy_change", "total up 25.0% on 2022"] in rows
    sources = next(r for r in rows if r[:1] == ["grid-2023-national-average"])
    assert "0.5306" in sources[1]


def test_xlsx_keeps_sparse_row_numbers_and_renumbers_when_it_cannot(tmp_path: Path) -> None:
    sparse = [
        activity(5, "combustion", "raw_coal", "10", Unit.TONNE),
        activity(9, "electricity", "grid", "20", Unit.MWH),
    ]
    assert read_back(report_xlsx(make_report(sparse)), tmp_path) == sparse
    # row 1 is the header's: the lines move to rows 2, 3, ... with the same data
    from_one = [
        activity(1, "combustion", "raw_coal", "10", Unit.TONNE),
        activity(2, "electricity", "grid", "20", Unit.MWH),
    ]
    lines = read_back(report_xlsx(make_report(from_one)), tmp_path)
    assert [a.row for a in lines] == [2, 3]
    assert [(a.item, a.quantity) for a in lines] == [("raw_coal", 10), ("grid", 20)]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quantities=st.lists(
        st.decimals(min_value=0, max_value=10**12, places=6, allow_nan=False), min_size=1,
        max_size=4,
    ),
    ncv=st.none() | st.decimals(min_value="0.001", max_value=1000, places=9),
)  # fmt: skip
def test_xlsx_round_trip_is_exact_for_any_decimal(
    tmp_path: Path, quantities: list[Decimal], ncv: Decimal | None
) -> None:
    """Digits a spreadsheet number cannot hold travel as text: nothing is rounded."""
    extra = {"ncv": str(ncv)} if ncv is not None else {}
    lines = [
        activity(row, "combustion", "diesel", str(q), Unit.TONNE, **extra)
        for row, q in enumerate(quantities, start=2)
    ]
    assert read_back(report_xlsx(make_report(lines)), tmp_path) == lines


def test_xlsx_bytes_are_reproducible() -> None:
    report = make_report(LINES)
    assert report_xlsx(report, ENTITY) == report_xlsx(report, ENTITY)


def test_pdf_renders_the_report() -> None:
    report = make_report(LINES)
    content = report_pdf(report, ENTITY)
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert b"GD-STEEL-001-2023-v1" in content  # the document title names the report
    assert content == report_pdf(report, ENTITY)  # dated by the report, not by the clock


def test_pdf_with_a_chinese_font_embeds_it(cjk_font_file: Path) -> None:
    report = make_report(LINES)
    content = report_pdf(report, ENTITY, font=cjk_font_file)
    assert content.startswith(b"%PDF-")
    assert b"/FontFile2" in content  # the font travels with the document (a subset)
    assert len(content) > len(report_pdf(report, ENTITY))


def test_calculation_text_and_grouping() -> None:
    report = make_report(LINES)
    by_row = {line.row: line for line in report.lines}
    assert calculation_text(by_row[4]) == (
        "12.25 10^4 Nm3 x NCV 390.5* GJ/10^4 Nm3 x CC 0.01532 tC/GJ x OF 0.99 x 44/12"
    )
    assert calculation_text(by_row[5]) == "800 t x EF 0.5271* tCO2/t"
    assert calculation_text(by_row[6]) == (
        "3.3 t x NCV 28.435 GJ/t x CC 0.0295* tC/GJ x OF 0.97* x 44/12"
    )
    assert grouped(Decimal("1234567.25")) == "1,234,567.25"
    assert grouped(Decimal("1234567.2345"), 3) == "1,234,567.235"
    assert grouped(Decimal("-0.5"), 0) == "-1"
    assert grouped(Decimal("12"), 3) == "12.000"
