"""Web pages of MRV: emission reports, one report with its calculations, an entity's emissions.

Every page calls the MRV services (:mod:`openets.mrv.services`) with the logged-in user as the
actor, so it shows exactly what the services let that user read: the regulator every report,
a verifier the reports assigned to it, an entity user its own entity's. A refusal is a 403
page, a missing report or entity a 404 page, an anonymous visitor is sent to the login form.

- ``/mrv/reports``: reports with their status, counts per status, filter by status, paged;
- ``/mrv/reports/{id}``: header, totals, each line's calculation (quantity × factors = tCO2)
  with its factor version and source document, adjustments, transitions, quality flags;
- ``/mrv/reports/{id}.xlsx`` and ``.pdf``: the exports of :mod:`openets.mrv.export`;
- ``/mrv/entities/{id}``: verified emissions by year with a stacked chart by source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openets.auth import User
from openets.auth.model import Role
from openets.errors import OpenETSError
from openets.mrv import services
from openets.mrv.calc import decimal_text
from openets.mrv.entities import Entity
from openets.mrv.export import factor_sources, grouped, item_name, report_pdf, report_xlsx
from openets.mrv.factors import FactorLibrary, factor_units
from openets.mrv.model import SourceKind
from openets.mrv.reports import Report, ReportLine, ReportStatus, ReportSummary
from openets.pdf_fonts import cjk_font
from openets.web.i18n import translator
from openets.web.routes import (
    PAGE_SIZE,
    _decorate,
    _error,
    _is_htmx,
    _language,
    _login_redirect,
    _openets,
    _render,
    _viewer,
)

__all__ = ["SECTION", "router"]

#: The navigation entry the MRV pages highlight.
SECTION = "/mrv/reports"
#: Summaries read per query while counting reports by status.
_COUNT_BATCH = 1000
#: Colours of the chart's stacked sources (combustion, electricity, heat, process).
_SOURCE_COLOURS = {
    SourceKind.COMBUSTION.value: "#c0703a",
    SourceKind.ELECTRICITY.value: "#2f6f9f",
    SourceKind.HEAT.value: "#d4a72c",
    SourceKind.PROCESS.value: "#7b5ea7",
}
#: Counted sources in report order (biomass CO2 is reported, never counted).
_COUNTED = [s.value for s in SourceKind if s is not SourceKind.BIOMASS]

router = APIRouter(include_in_schema=False)


# --- formatting -----------------------------------------------------------------------------


def tco2(value: Decimal) -> str:
    """tCO2 for a table: thousands separators, three decimals (the exact figure is in the
    ``title`` of the cell and in the exports)."""
    return grouped(value, 3)


def exact(value: Decimal) -> str:
    """An exact decimal with thousands separators and every digit."""
    return grouped(value)


def _may_read_emissions(user: User, entity_id: str, entity_name: str) -> bool:
    """Whether the entity page would open for ``user`` (the rule of
    :func:`openets.mrv.permissions.require_read_emissions`), to link to it or not."""
    if user.role is Role.REGULATOR:
        return True
    return user.role is Role.ENTITY and user.owner is not None and user.owner == entity_name


@dataclass(frozen=True, slots=True)
class _Term:
    """One factor of a line's calculation, for display."""

    name: str  # ncv, cc, of, ef
    value: str
    unit: str
    measured: bool


def calculation_terms(line: ReportLine) -> list[_Term]:
    """The factors of ``quantity × factors = tCO2``, in formula order."""
    units = factor_units(line.unit)
    return [
        _Term(name, decimal_text(value), "" if name == "of" else units[name], name in line.measured)
        for name in ("ncv", "cc", "of", "ef")
        if (value := line.factors.get(name)) is not None
    ]


# --- charts ---------------------------------------------------------------------------------


def emissions_chart(
    years: list[int], by_year: dict[int, dict[str, Decimal]], t: Callable[[str], str]
) -> dict[str, Any]:
    """ECharts options: verified emissions by year, stacked by source (tCO2).

    The values are the approved reports' exact figures rounded to 3 decimals for drawing.
    """
    present = [s for s in _COUNTED if any(s in by_year[y] for y in years)]
    return {
        "color": [_SOURCE_COLOURS[s] for s in present],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": t("mrv.unit.tco2")},
        "series": [
            {
                "name": t(f"mrv.source.{source}"),
                "type": "bar",
                "stack": "emissions",
                "barMaxWidth": 48,
                "data": [float(round(by_year[y].get(source, Decimal(0)), 3)) for y in years],
            }
            for source in present
        ],
    }


# --- pages ----------------------------------------------------------------------------------


def _context_helpers() -> dict[str, Any]:
    return {"tco2": tco2, "exact": exact, "quote": lambda text: quote(str(text), safe="")}


def _status_counts(request: Request, user: User) -> Counter[str]:
    """How many reports the user may see, by status (reads them all, a batch at a time)."""
    application = _openets(request)
    counts: Counter[str] = Counter()
    after: str | None = None
    while True:
        page = services.list_reports(application, by=user, after=after, limit=_COUNT_BATCH)
        counts.update(summary.status.value for summary in page.items)
        if page.next_cursor is None:
            return counts
        after = page.next_cursor


@router.get("/mrv/reports", response_class=HTMLResponse)
def reports(request: Request, status: str | None = None, after: str | None = None) -> Response:
    """Emission reports the user may read, by id, with counts per status."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    status = (status or "").strip().lower() or None
    try:
        page = services.list_reports(
            application, by=user, status=status, after=after or None, limit=PAGE_SIZE
        )
        counts = None if _is_htmx(request) else _status_counts(request, user)
        entities = services.list_entities(application, by=user) if user.role is Role.ENTITY else []
    except OpenETSError as error:
        return _error(request, error)

    def more_url(cursor: str) -> str:
        query = {"after": cursor} | ({"status": status} if status else {})
        return f"/mrv/reports?{urlencode(query)}"

    def entity_link(summary: ReportSummary) -> bool:
        return _may_read_emissions(user, summary.entity_id, summary.entity_name)

    context = {
        **_context_helpers(),
        "rows": page.items,
        "next_cursor": page.next_cursor,
        "more_url": more_url,
        "entity_link": entity_link,
        "status": status,
        "statuses": [s.value for s in ReportStatus],
        "counts": counts,
        "total": sum(counts.values()) if counts is not None else 0,
        "own_entities": entities,
    }
    if _is_htmx(request):
        return _render(request, "partials/mrv_report_rows.html", context)
    return _render(request, "mrv_reports.html", context, section=SECTION)


def _report(request: Request, report_id: str) -> tuple[Report, Entity] | Response:
    """The report and its entity as the viewer may read them, or the page that says why not."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    try:
        report = services.get_report(application, report_id, by=user)
        # whoever may read a report may read its entity (regulator, its verifier, itself)
        entity = services.get_entity(application, report.entity_id, by=user)
    except OpenETSError as error:
        return _error(request, error)
    return report, entity


@router.get("/mrv/reports/{report_id}.xlsx")
def report_xlsx_file(request: Request, report_id: str) -> Response:
    """The report as an XLSX workbook (first sheet: its activity lines as an activity file)."""
    found = _report(request, report_id)
    if isinstance(found, Response):
        return found
    report, entity = found
    return _download(request, report_xlsx(report, entity), report.id, "xlsx")


@router.get("/mrv/reports/{report_id}.pdf")
def report_pdf_file(request: Request, report_id: str) -> Response:
    """The report as a PDF (bilingual with a Chinese font, see :mod:`openets.pdf_fonts`)."""
    found = _report(request, report_id)
    if isinstance(found, Response):
        return found
    report, entity = found
    font = cjk_font(_openets(request).settings.pdf_font)
    return _download(request, report_pdf(report, entity, font=font), report.id, "pdf")


_MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _download(request: Request, content: bytes, report_id: str, suffix: str) -> Response:
    response = Response(content, media_type=_MEDIA_TYPES[suffix])
    # report ids are letters, digits and . _ : - only, safe in a quoted file name
    response.headers["Content-Disposition"] = f'attachment; filename="{report_id}.{suffix}"'
    _decorate(request, response, _language(request))
    return response


@router.get("/mrv/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: str) -> Response:
    """One report: header, totals, lines with their calculation and factor sources,
    verifier adjustments, transitions and quality flags."""
    found = _report(request, report_id)
    if isinstance(found, Response):
        return found
    report, entity = found
    user = _viewer(request)
    library = FactorLibrary.default()
    lines = sorted(report.lines, key=lambda line: line.row)
    context = {
        **_context_helpers(),
        "report": report,
        "entity": entity,
        "lines": lines,
        "terms": {line.row: calculation_terms(line) for line in lines},
        "item_names": {line.row: item_name(line, library) for line in lines},
        "sources": factor_sources(report, library),
        "entity_link": _may_read_emissions(user, entity.id, entity.name),
        "quoted_id": quote(report.id, safe=""),
    }
    return _render(request, "mrv_report.html", context, section=SECTION)


@dataclass(frozen=True, slots=True)
class _YearRow:
    year: int
    report_id: str
    version: int
    verified_tco2: int
    total_tco2: Decimal
    by_source: dict[str, Decimal]


@router.get("/mrv/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, entity_id: str) -> Response:
    """An entity's verified emissions by year (its approved reports), a stacked chart of them
    by source, its facilities with their monitoring plans, and its reports."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    try:
        entity = services.get_entity(application, entity_id, by=user)
        history = services.emissions_history(application, entity_id, by=user)
        approved = [services.get_report(application, e.report_id, by=user) for e in history]
        plans = services.list_facilities(application, entity_id, by=user)
        reports = services.list_reports(application, by=user, entity_id=entity_id, limit=200)
    except OpenETSError as error:
        return _error(request, error)
    rows = [
        _YearRow(e.year, e.report_id, e.version, e.tco2, r.total_tco2, dict(r.by_source))
        for e, r in zip(history, approved, strict=True)
    ]
    years = [row.year for row in rows]
    by_year = {row.year: row.by_source for row in rows}
    sources = [s for s in _COUNTED if any(s in row.by_source for row in rows)]
    t = translator(_language(request))
    context = {
        **_context_helpers(),
        "entity": entity,
        "rows": rows,
        "sources": sources,
        "chart": emissions_chart(years, by_year, t) if rows else None,
        "plans": plans,
        "reports": reports.items,
    }
    return _render(request, "mrv_entity.html", context, section=SECTION)
