"""Exports of an emission report: an XLSX workbook and a PDF document.

The workbook's first sheet, ``activity``, holds the report's activity lines (as verified:
adjustments included) in the layout of an activity file, header
``facility_id,year,source,item,quantity,unit,ncv,cc,of,ef``, each line on the sheet row of its
original row number when it can be, so :func:`openets.mrv.activity_file.read_activity_file`
reads back the very same lines. The second sheet, ``report``, holds the header, the totals,
each line's calculation, the verifier's adjustments, the transitions, the quality flags and the
factor versions used with their source documents, labelled in English and Chinese.

The PDF (fpdf2) shows the same report for people. It is rendered with the PDF core font
(Helvetica, Latin-1): English labels, and any character outside Latin-1 (Chinese names or
reasons) printed as ``?``. Give :func:`report_pdf` a TrueType/OpenType font that covers Chinese
(``font=``) and the labels are bilingual and every character is kept.

Exact decimals are written as text (they can have more digits than a spreadsheet number
holds); activity quantities and measured factors are numbers when a spreadsheet number holds
them exactly, so a person can sum them.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openets import __version__
from openets.clock import CST
from openets.errors import InvalidInput
from openets.mrv.calc import decimal_text
from openets.mrv.entities import Entity
from openets.mrv.factors import FactorLibrary, factor_units
from openets.mrv.model import SourceKind
from openets.mrv.reports import Report, ReportLine

__all__ = [
    "ACTIVITY_HEADER",
    "MEASURED_VERSION",
    "FactorSource",
    "calculation_text",
    "factor_sources",
    "grouped",
    "item_name",
    "report_pdf",
    "report_xlsx",
]

#: The header of the workbook's first sheet: an activity file's columns.
ACTIVITY_HEADER = (
    "facility_id",
    "year",
    "source",
    "item",
    "quantity",
    "unit",
    "ncv",
    "cc",
    "of",
    "ef",
)
#: The largest row number of a worksheet.
_MAX_SHEET_ROW = 1_048_576
#: The factor version of lines whose factors were all measured (biomass, or a measured ef).
MEASURED_VERSION = "measured"

_SOURCE_EN = {
    SourceKind.COMBUSTION: "fuel combustion",
    SourceKind.ELECTRICITY: "purchased electricity",
    SourceKind.HEAT: "purchased heat",
    SourceKind.PROCESS: "industrial process",
    SourceKind.BIOMASS: "biomass (not counted)",
}
_SOURCE_ZH = {
    SourceKind.COMBUSTION: "燃料燃烧",
    SourceKind.ELECTRICITY: "外购电力",
    SourceKind.HEAT: "外购热力",
    SourceKind.PROCESS: "工业过程",
    SourceKind.BIOMASS: "生物质（不计入）",
}


# --- shared with the web pages --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactorSource:
    """Where a factor version comes from: its title and source document (``None`` when the
    version is not in the library, e.g. a set since withdrawn or values all measured)."""

    version: str
    title: str | None
    document: str | None


def factor_sources(report: Report, library: FactorLibrary | None = None) -> list[FactorSource]:
    """The factor versions the report's lines used, each with its source document."""
    library = library if library is not None else FactorLibrary.default()
    found = []
    for version in report.factor_versions:
        try:
            factor_set = library.factor_set(version)
        except InvalidInput:
            found.append(FactorSource(version, None, None))
        else:
            found.append(FactorSource(version, factor_set.title, factor_set.source))
    return found


def item_name(line: ReportLine, library: FactorLibrary | None = None) -> str | None:
    """The library's name of a line's fuel or process (``原煤 raw coal``), if it has one."""
    library = library if library is not None else FactorLibrary.default()
    try:
        factor_set = library.factor_set(line.factor_version)
    except InvalidInput:
        return None
    item = factor_set.items.get(line.item)
    return item.name if item is not None else None


def grouped(value: Decimal, places: int | None = None) -> str:
    """A decimal with thousands separators: ``1234567.5`` -> ``1,234,567.5``.

    With ``places`` it is first rounded half-up to that many decimal places (and keeps them).
    """
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = format(value, "f")
    else:
        text = decimal_text(value)
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def calculation_text(line: ReportLine) -> str:
    """A line's calculation in ASCII: ``1000 t x 20.908 GJ/t x 0.02637 tC/GJ x 0.94 x 44/12``.

    Measured values (overrides of the defaults) carry a ``*``. Emissions are the product.
    """
    units = factor_units(line.unit)
    terms = [f"{decimal_text(line.quantity)} {line.unit.value}"]
    for name in ("ncv", "cc", "of", "ef"):
        value = line.factors.get(name)
        if value is None:
            continue
        star = "*" if name in line.measured else ""
        unit = "" if name == "of" else f" {units[name]}"
        terms.append(f"{name.upper()} {decimal_text(value)}{star}{unit}")
    if "ef" not in line.factors:
        terms.append("44/12")
    return " x ".join(terms)


def _cst(utc: str) -> str:
    try:
        instant = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return utc
    return instant.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


# --- the report as sections (shared by the XLSX and the PDF) ------------------------------------

#: a table cell: text, a whole number, or a label in (English, Chinese)
Cell = str | int | tuple[str, str]


@dataclass(frozen=True, slots=True)
class _Section:
    """A titled table: bilingual title and column labels, rows of text or whole numbers, and
    the columns' widths on the PDF page (mm)."""

    title: tuple[str, str]
    columns: tuple[tuple[str, str], ...]
    rows: list[list[Cell]]
    widths: tuple[float, ...]


def _header_fields(report: Report, entity: Entity | None) -> list[tuple[str, str, Cell]]:
    """(English label, Chinese label, value) of the report's header."""
    fields: list[tuple[str, str, Cell]] = [
        ("report", "报告编号", report.id),
        ("entity", "控排企业", report.entity_id),
    ]
    if entity is not None:
        fields += [
            ("entity name", "企业名称", entity.name),
            ("sector", "行业", entity.sector.value),
        ]
    fields += [
        ("year", "年度", report.year),
        ("version", "版本", report.version),
        ("status", "状态", report.status.value),
        ("verifier", "核查机构", report.verifier or ""),
        ("supersedes", "替代版本", report.supersedes or ""),
        ("created (CST)", "创建时间（北京时间）", _cst(report.created_at)),
        ("factor versions", "排放因子版本", ", ".join(report.factor_versions)),
    ]
    if report.output is not None:
        fields.append(("output", "产量", decimal_text(report.output)))
    return fields


def _sections(report: Report, library: FactorLibrary | None) -> list[_Section]:
    """Totals, lines, facilities, adjustments, transitions, flags and factor sources."""
    totals: list[list[Cell]] = []
    for source, amount in report.by_source.items():
        kind = SourceKind(source)
        totals.append([(_SOURCE_EN[kind], _SOURCE_ZH[kind]), decimal_text(amount)])
    totals += [
        [("total (counted)", "排放总量"), decimal_text(report.total_tco2)],
        [("compliance total, whole tonnes (half-up)", "履约排放量（吨）"), report.compliance_tco2],
        [
            ("biomass CO2 (not counted)", "生物质二氧化碳（不计入）"),
            decimal_text(report.biomass_tco2),
        ],
    ]
    lines: list[list[Cell]] = [
        [
            line.row,
            line.facility_id,
            (_SOURCE_EN[line.source], _SOURCE_ZH[line.source]),
            line.item,
            calculation_text(line),
            decimal_text(line.tco2),
            "yes" if line.counted else "no",
            line.factor_version,
        ]
        for line in sorted(report.lines, key=lambda line: line.row)
    ]
    facilities: list[list[Cell]] = [
        [f.facility_id, decimal_text(f.total_tco2), f.compliance_tco2, decimal_text(f.biomass_tco2)]
        for f in report.facilities
    ]
    adjustments: list[list[Cell]] = [
        [
            a.row,
            a.field,
            decimal_text(a.original) if a.original is not None else "",
            decimal_text(a.adjusted),
            a.reason,
            f"{a.by} ({a.role})",
            _cst(a.at),
        ]
        for a in report.adjustments
    ]
    transitions: list[list[Cell]] = [
        [
            step.action.value,
            step.from_status.value if step.from_status else "",
            step.to_status.value,
            f"{step.by} ({step.role})",
            _cst(step.at),
            step.note,
        ]
        for step in report.transitions
    ]
    flags: list[list[Cell]] = [
        [flag.code, flag.facility_id or "", flag.message] for flag in report.flags
    ]
    sources: list[list[Cell]] = []
    for found in factor_sources(report, library):
        if found.title is None:
            described = (
                "measured values (no default factor)"
                if found.version == MEASURED_VERSION
                else "not in the factor library"
            )
        else:
            described = f"{found.title}. {found.document}"
        sources.append([found.version, described])
    return [
        _Section(
            ("Totals (tCO2)", "排放量合计（吨二氧化碳）"),
            (("source", "排放源"), ("tCO2", "吨二氧化碳")),
            totals,
            (110, 70),
        ),
        _Section(
            ("Lines: quantity x factors = tCO2 (* measured)", "活动数据与计算（*为实测值）"),
            (
                ("row", "行"),
                ("facility", "设施"),
                ("source", "排放源"),
                ("item", "品种"),
                ("calculation", "计算"),
                ("tCO2", "排放量"),
                ("counted", "计入"),
                ("factor version", "因子版本"),
            ),
            lines,
            (10, 26, 30, 20, 102, 36, 13, 36),
        ),
        _Section(
            ("Facilities", "设施"),
            (
                ("facility", "设施"),
                ("tCO2", "排放量"),
                ("compliance t", "履约排放量（吨）"),
                ("biomass tCO2", "生物质"),
            ),
            facilities,
            (50, 60, 40, 50),
        ),
        _Section(
            ("Verifier adjustments", "核查调整"),
            (
                ("row", "行"),
                ("field", "字段"),
                ("original", "原值"),
                ("adjusted", "调整后"),
                ("reason", "原因"),
                ("by", "操作人"),
                ("at (CST)", "时间"),
            ),
            adjustments,
            (10, 16, 30, 30, 102, 45, 40),
        ),
        _Section(
            ("Transitions", "状态变更"),
            (
                ("action", "操作"),
                ("from", "原状态"),
                ("to", "新状态"),
                ("by", "操作人"),
                ("at (CST)", "时间"),
                ("note", "备注"),
            ),
            transitions,
            (22, 24, 24, 52, 38, 113),
        ),
        _Section(
            ("Quality flags", "数据质量提示"),
            (("code", "类型"), ("facility", "设施"), ("message", "说明")),
            flags,
            (35, 35, 203),
        ),
        _Section(
            ("Factor versions and source documents", "排放因子版本与来源文件"),
            (("version", "版本"), ("title and source document", "名称与来源文件")),
            sources,
            (55, 218),
        ),
    ]


def _last_change(report: Report) -> datetime:
    """The instant of the report's latest transition (its creation if it has none), in UTC:
    exports carry it as their date, so the same report always exports to the same bytes."""
    text = report.transitions[-1].at if report.transitions else report.created_at
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        instant = datetime(2000, 1, 1, tzinfo=UTC)
    return instant.astimezone(UTC)


# --- XLSX -----------------------------------------------------------------------------------


def _spreadsheet_number(value: Decimal) -> int | float | str:
    """The value as a spreadsheet number when a double holds it exactly, else exact text."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return decimal_text(value)


def _sheet_rows(lines: Sequence[ReportLine]) -> list[int]:
    """The sheet row of each line: its own row number when every line's fits (rows from 2,
    strictly increasing, within a worksheet), so a reader reports the same numbers."""
    rows = [line.row for line in lines]
    keeps = all(b > a for a, b in itertools.pairwise(rows)) and (
        not rows or (rows[0] >= 2 and rows[-1] <= _MAX_SHEET_ROW)
    )
    return rows if keeps else list(range(2, len(lines) + 2))


def _activity_values(report: Report, line: ReportLine) -> list[int | float | str | None]:
    measured = [line.ncv, line.cc, line.of, line.ef]
    return [
        line.facility_id,
        report.year,
        line.source.value,
        line.item,
        _spreadsheet_number(line.quantity),
        line.unit.value,
        *(None if value is None else _spreadsheet_number(value) for value in measured),
    ]


def report_xlsx(
    report: Report, entity: Entity | None = None, library: FactorLibrary | None = None
) -> bytes:
    """The report as an XLSX workbook: sheet ``activity`` (an activity file of the report's
    lines, adjustments applied) and sheet ``report`` (header, totals, calculations,
    adjustments, transitions, quality flags, factor sources). Labels are English and Chinese.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    activity = workbook.active
    assert activity is not None  # a new workbook has one sheet
    activity.title = "activity"
    activity.append(list(ACTIVITY_HEADER))
    for cell in activity[1]:
        cell.font = bold
    lines = sorted(report.lines, key=lambda line: line.row)
    for sheet_row, line in zip(_sheet_rows(lines), lines, strict=True):
        for column, value in enumerate(_activity_values(report, line), start=1):
            if value is not None:
                activity.cell(row=sheet_row, column=column, value=value)

    sheet = workbook.create_sheet("report")
    sheet.append([f"Emission report {report.id}", f"排放报告 {report.id}"])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for en, zh, field in _header_fields(report, entity):
        sheet.append([en, zh, _joined(field)])
    for section in _sections(report, library):
        sheet.append([])
        sheet.append([section.title[0], section.title[1]])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append([f"{en} {zh}".strip() for en, zh in section.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in section.rows:
            sheet.append([_joined(cell) for cell in row])
    for letter, width in zip("ABCDEFGH", (30, 26, 26, 16, 60, 40, 10, 30), strict=True):
        sheet.column_dimensions[letter].width = width

    stamp = _last_change(report).replace(tzinfo=None)  # openpyxl wants naive UTC
    workbook.properties.title = f"Emission report {report.id}"
    workbook.properties.creator = f"OpenETS {__version__}"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _joined(cell: Cell) -> str | int:
    return f"{cell[0]} {cell[1]}" if isinstance(cell, tuple) else cell


# --- PDF ------------------------------------------------------------------------------------


def _latin1(text: str) -> str:
    """Text the PDF core fonts can draw: characters outside Latin-1 become ``?``."""
    return text.encode("latin-1", errors="replace").decode("latin-1")


def report_pdf(
    report: Report,
    entity: Entity | None = None,
    library: FactorLibrary | None = None,
    *,
    font: Path | None = None,
) -> bytes:
    """The report as a PDF (A4 landscape): header, totals, lines with their calculation,
    adjustments, transitions, quality flags and factor sources.

    Without ``font`` the text is English in Helvetica (Latin-1 only: other characters print as
    ``?``); with a TrueType/OpenType font file (of a ``.ttc`` collection, its first face) that
    covers Chinese, the labels are bilingual and every character is drawn.
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)
    bilingual = font is not None
    if font is not None:
        pdf.add_font("report", "", str(font))
    family, strong = ("report", "") if bilingual else ("helvetica", "B")
    # a font file has one face: headings are set off by a fill rather than by bold
    headings = FontFace(fill_color=(225, 232, 240)) if bilingual else FontFace(emphasis="BOLD")

    def text(value: Cell) -> str:
        if isinstance(value, tuple):
            return label(*value)
        return str(value) if bilingual else _latin1(str(value))

    def label(en: str, zh: str) -> str:
        return f"{zh} {en}".strip() if bilingual else en

    pdf.set_title(f"Emission report {report.id}")
    pdf.set_subject(f"{report.id} {report.status.value}")
    pdf.set_author(f"OpenETS {__version__}")
    pdf.set_creator(f"OpenETS {__version__}")
    pdf.set_creation_date(_last_change(report))
    pdf.add_page()
    pdf.set_font(family, strong, 15)
    title = f"{label('Emission report', '排放报告')} {report.id}"
    pdf.cell(0, 9, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    note = f"OpenETS {__version__}. Figures exactly as stored, in tCO2; times in CST (UTC+8)."
    pdf.cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")

    def table(
        columns: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[float]
    ) -> None:
        pdf.set_font(family, "", 8)
        with pdf.table(
            col_widths=tuple(widths),
            headings_style=headings,
            line_height=4.5,
            text_align="LEFT",
            width=sum(widths),
            align="LEFT",
        ) as grid:
            for values in [columns, *rows]:
                row = grid.row()
                for value in values:
                    row.cell(text(value))

    header = [[label(en, zh), value] for en, zh, value in _header_fields(report, entity)]
    pdf.ln(2)
    table([label("field", "项目"), label("value", "内容")], header, (60, 150))
    for section in _sections(report, library):
        pdf.ln(3)
        pdf.set_font(family, strong, 11)
        pdf.cell(0, 7, text(label(*section.title)), new_x="LMARGIN", new_y="NEXT")
        if not section.rows:
            pdf.set_font(family, "", 8)
            pdf.cell(0, 5, text(label("none", "无")), new_x="LMARGIN", new_y="NEXT")
            continue
        columns = [label(en, zh) for en, zh in section.columns]
        table(columns, section.rows, section.widths)
    return bytes(pdf.output())
