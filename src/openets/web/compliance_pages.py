"""Web pages of allocation and the compliance cycle: coverage, the allocation table, the
compliance status board and an entity's position.

Every page calls the compliance and allocation services (:mod:`openets.compliance.services`,
:mod:`openets.allocation.services`) with the logged-in user as the actor, so it shows what the
CLI and the REST API would. The coverage list, the allocation table and the status board are
the regulator's: any other user gets the 403 page, an anonymous visitor the login form. An
entity's position is open to the regulator (any entity) and to the entity's own users; an
unknown entity is a 404 page, a year that is not a number in 2005-2100 a 400 page.

- ``/compliance``: redirects the regulator to the board of the default year (:func:`default_year`)
  and an entity user to its own position;
- ``/compliance/{year}``: deadlines with the days left, counts by status, the entities with
  verified and surrendered tonnes, shortfall and status (filtered by status and jurisdiction;
  the filter form swaps the table in with HTMX and pushes the URL), and a bar chart of
  surrendered versus verified tonnes by sector;
- ``/compliance/{year}/coverage``: every entity with its coverage decision and the verified
  emissions of N-1 and N;
- ``/compliance/{year}/entities/{id}``: holdings by vintage, obligation, surrendered, offset
  headroom, the days to each deadline, the year's allocation and surrenders, the status;
- ``/allocation`` and ``/allocation/{year}``: the stored allocation lines of a year, a section
  per jurisdiction and sector (method, free share, each line's inputs, exact result,
  entitlement, free, reserve, deducted, issued, with totals per phase), the cap and rounds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from openets.allocation import services as allocation
from openets.allocation.store import PHASES, AllocationLine, AllocationRound
from openets.auth import User
from openets.auth.model import Role
from openets.bootstrap import App
from openets.compliance import services as compliance
from openets.compliance.calendar import Deadline
from openets.compliance.jurisdiction import SectorAllocation, load_jurisdiction
from openets.compliance.rules import ComplianceStatus
from openets.compliance.services import EntityStatus, Holding
from openets.db import schema
from openets.errors import InvalidInput, NotAuthorised, NotFound, OpenETSError
from openets.mrv import services as mrv
from openets.mrv.entities import Sector
from openets.mrv.export import grouped
from openets.mrv.reports import ReportStatus
from openets.web.i18n import translator
from openets.web.routes import (
    _decorate,
    _error,
    _is_htmx,
    _language,
    _login_redirect,
    _openets,
    _render,
    _require_role,
    _viewer,
)

__all__ = [
    "ALLOCATION_SECTION",
    "SECTION",
    "default_year",
    "parse_year",
    "router",
    "sector_chart",
]

#: The navigation entries the pages highlight.
SECTION = "/compliance"
ALLOCATION_SECTION = "/allocation"
FIRST_YEAR, LAST_YEAR = 2005, 2100
#: Bar colours: verified, surrendered allowances, surrendered offsets.
_COLOURS = ["#7b5ea7", "#2f6f9f", "#4c9a6a"]
_RANK = {phase: n for n, phase in enumerate(PHASES)}
#: Statuses in board order; "" (the default filter) is every covered entity.
_STATUSES = [s.value for s in ComplianceStatus]

router = APIRouter(include_in_schema=False)


# --- helpers --------------------------------------------------------------------------------


def parse_year(text: str) -> int:
    """A compliance year from a URL: whole number in 2005-2100, else InvalidInput (400)."""
    value = text.strip()
    if not value.isdigit() or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise InvalidInput(f"compliance year must be {FIRST_YEAR}-{LAST_YEAR}, got {text!r}")
    return int(value)


def default_year(app: App, *, allocation: bool = False) -> int:
    """The year a navigation link opens: for the compliance pages the latest year with
    approved (verified) emission reports, for the allocation table the latest year with
    allocation lines (each falling back on the other), else the year before the business
    date's. A year allocated in advance has no obligation yet, so the board skips it."""
    lines, reports = schema.allocation_lines, schema.mrv_reports
    with app.reading() as connection:
        allocated = connection.execute(select(func.max(lines.c.year))).scalar()
        verified = connection.execute(
            select(func.max(reports.c.year)).where(reports.c.status == ReportStatus.APPROVED.value)
        ).scalar()
    order = (allocated, verified) if allocation else (verified, allocated)
    known = [int(y) for y in order if y is not None]
    return known[0] if known else app.today().year - 1


def _label(t: Callable[[str], str], key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text


def _helpers(t: Callable[[str], str]) -> dict[str, Any]:
    def optional(value: int | None) -> str:
        return "—" if value is None else f"{value:,}"

    def exact(value: Decimal | str) -> str:
        return grouped(Decimal(value))

    def input_name(name: str) -> str:
        return _label(t, f"alloc.input.{name}", name)

    def sector_name(sector: str) -> str:
        return _label(t, f"mrv.sector.{sector}", sector)

    def jurisdiction_name(name: str) -> str:
        return _label(t, f"mrv.jurisdiction.{name}", name)

    return {
        "quote": lambda text: quote(str(text), safe=""),
        "optional": optional,
        "exact": exact,
        "input_name": input_name,
        "sector_name": sector_name,
        "jurisdiction_name": jurisdiction_name,
        "percent": lambda share: f"{(Decimal(share) * 100).normalize():f}%",
    }


def _require_regulator(request: Request) -> Response | None:
    """A login redirect or the 403 page, unless the viewer is a regulator."""
    return _require_role(request, (Role.REGULATOR,), "compliance.restricted")


def _redirect(request: Request, location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    _decorate(request, response, _language(request))
    return response


def _years(year: int, path: str) -> dict[str, Any]:
    """The year and its neighbours for the year links; ``path`` has ``{year}`` in it."""
    return {
        "year": year,
        "prev_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "year_url": lambda other: path.replace("{year}", str(other)),
    }


@dataclass(frozen=True, slots=True)
class _DeadlineRow:
    deadline: Deadline
    days_left: int


def _deadline_rows(deadlines: Iterable[Deadline], app: App) -> list[_DeadlineRow]:
    on = app.today()
    return [_DeadlineRow(d, (d.date - on).days) for d in deadlines]


# --- charts ---------------------------------------------------------------------------------


def sector_chart(statuses: Sequence[EntityStatus], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: verified emissions next to the surrendered allowances and offsets
    (stacked) of the covered entities, by sector (t), sectors in their usual order."""
    covered = [s for s in statuses if s.covered]
    sectors = [x.value for x in Sector if any(s.sector == x.value for s in covered)]

    def total(sector: str, figure: Callable[[EntityStatus], int | None]) -> int:
        return sum(figure(s) or 0 for s in covered if s.sector == sector)

    return {
        "color": _COLOURS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [_label(t, f"mrv.sector.{s}", s) for s in sectors],
            "axisLabel": {"interval": 0},
        },
        "yAxis": {"type": "value", "name": t("compliance.unit.t")},
        "series": [
            {
                "name": t("compliance.col.verified"),
                "type": "bar",
                "barMaxWidth": 40,
                "data": [total(s, lambda x: x.verified_tco2) for s in sectors],
            },
            {
                "name": t("compliance.col.allowances"),
                "type": "bar",
                "stack": "surrendered",
                "barMaxWidth": 40,
                "data": [total(s, lambda x: x.surrendered_allowances) for s in sectors],
            },
            {
                "name": t("compliance.col.offsets"),
                "type": "bar",
                "stack": "surrendered",
                "barMaxWidth": 40,
                "data": [total(s, lambda x: x.surrendered_offsets) for s in sectors],
            },
        ],
    }


# --- compliance -----------------------------------------------------------------------------


@router.get("/compliance", response_class=HTMLResponse)
def compliance_home(request: Request) -> Response:
    """The regulator's board or an entity user's position, of the default year."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    year = default_year(application)
    if user.role is Role.REGULATOR:
        return _redirect(request, f"/compliance/{year}")
    t = translator(_language(request))
    if user.role is not Role.ENTITY:
        return _error(request, NotAuthorised(t("compliance.restricted")))
    try:
        own = mrv.list_entities(application, by=user)
    except OpenETSError as error:
        return _error(request, error)
    if not own:
        return _error(request, NotFound(t("compliance.no_entity")))
    return _redirect(request, f"/compliance/{year}/entities/{quote(own[0].id, safe='')}")


def _choice(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


@router.get("/compliance/{year}", response_class=HTMLResponse)
def board(
    request: Request, year: str, status: str | None = None, jurisdiction: str | None = None
) -> Response:
    """The compliance status board of a year (regulator)."""
    refused = _require_regulator(request)
    if refused is not None:
        return refused
    application = _openets(request)
    user = _viewer(request)
    wanted = {"status": _choice(status), "jurisdiction": _choice(jurisdiction)}
    try:
        number = parse_year(year)
        if wanted["status"] is not None and wanted["status"] not in _STATUSES:
            raise InvalidInput(f"unknown status {status!r}: expected one of {', '.join(_STATUSES)}")
        everyone = compliance.compliance_status(
            application,
            number,
            jurisdiction=wanted["jurisdiction"],
            include_not_required=True,
            by=user,
        )
        present = compliance.jurisdictions_present(application)
        calendars = (
            []
            if _is_htmx(request)
            else compliance.calendars(application, number, wanted["jurisdiction"])
        )
    except OpenETSError as error:
        return _error(request, error)
    if wanted["status"] is None:
        rows = [s for s in everyone if s.covered]
    else:
        rows = [s for s in everyone if s.status.value == wanted["status"]]
    t = translator(_language(request))
    counts = Counter(s.status.value for s in everyone)
    context = {
        **_helpers(t),
        **_years(number, "/compliance/{year}"),
        "rows": rows,
        "wanted": wanted,
        "query": urlencode({k: v for k, v in wanted.items() if v}),
        "statuses": _STATUSES,
        "counts": counts,
        "covered": sum(1 for s in everyone if s.covered),
        "jurisdictions": present,
        "calendars": [(c, _deadline_rows(c.deadlines, application)) for c in calendars],
        "today": application.today(),
        "chart": sector_chart(everyone, t) if any(s.covered for s in everyone) else None,
        "totals": {
            "verified": sum(s.verified_tco2 or 0 for s in rows),
            "allowances": sum(s.surrendered_allowances for s in rows),
            "offsets": sum(s.surrendered_offsets for s in rows),
            "shortfall": sum(s.shortfall for s in rows),
        },
    }
    if _is_htmx(request):
        return _render(request, "partials/compliance_status_rows.html", context)
    return _render(request, "compliance_board.html", context, section=SECTION)


@router.get("/compliance/{year}/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, year: str, jurisdiction: str | None = None) -> Response:
    """Every entity with its coverage decision for a year (regulator)."""
    refused = _require_regulator(request)
    if refused is not None:
        return refused
    application = _openets(request)
    wanted = _choice(jurisdiction)
    try:
        number = parse_year(year)
        lines = compliance.coverage_lines(
            application, number, jurisdiction=wanted, by=_viewer(request)
        )
        present = compliance.jurisdictions_present(application)
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    context = {
        **_helpers(t),
        **_years(number, "/compliance/{year}/coverage"),
        "lines": lines,
        "jurisdiction": wanted,
        "jurisdictions": present,
        "covered": sum(1 for line in lines if line.covered),
    }
    return _render(request, "compliance_coverage.html", context, section=SECTION)


def _vintage_order(holding: Holding) -> tuple[int, int, str]:
    """Allowances by vintage, then offset credits, each by instrument."""
    if holding.vintage is None:
        return (1, 0, holding.instrument)
    return (0, holding.vintage, holding.instrument)


@router.get("/compliance/{year}/entities/{entity_id}", response_class=HTMLResponse)
def position_page(request: Request, year: str, entity_id: str) -> Response:
    """An entity's position for a year (the regulator, or the entity's own users)."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    try:
        number = parse_year(year)
        position = compliance.entity_position(application, entity_id, number, by=user)
        surrenders = compliance.surrenders_of(application, entity_id, number, by=user)
        lines = allocation.entity_lines(application, entity_id, by=user, year=number)
        own = mrv.list_entities(application, by=user) if user.role is Role.ENTITY else []
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    state = position.status
    context = {
        **_helpers(t),
        **_years(number, f"/compliance/{{year}}/entities/{quote(state.entity_id, safe='')}"),
        "position": position,
        "state": state,
        "offsets": position.offsets,
        "holdings": sorted(position.holdings, key=_vintage_order),
        "deadlines": _deadline_rows(position.calendar.deadlines, application),
        "surrenders": surrenders,
        "lines": sorted(lines, key=lambda line: _RANK.get(line.phase, len(_RANK))),
        "others": [e for e in own if e.id != state.entity_id],
        "is_regulator": user.role is Role.REGULATOR,
        "surrendered": state.surrendered_allowances + state.surrendered_offsets,
    }
    return _render(request, "compliance_entity.html", context, section=SECTION)


# --- allocation -----------------------------------------------------------------------------


@router.get("/allocation", response_class=HTMLResponse)
def allocation_home(request: Request) -> Response:
    """The allocation table of the default year (regulator)."""
    refused = _require_regulator(request)
    if refused is not None:
        return refused
    return _redirect(request, f"/allocation/{default_year(_openets(request), allocation=True)}")


@dataclass(frozen=True, slots=True)
class _PhaseTotal:
    phase: str
    entitlement: int
    allocated: int
    free: int
    reserve: int
    deducted: int
    issued: int


def _phase_totals(lines: Sequence[AllocationLine]) -> list[_PhaseTotal]:
    phases = sorted({line.phase for line in lines}, key=lambda p: _RANK.get(p, len(_RANK)))
    result = []
    for phase in phases:
        these = [line for line in lines if line.phase == phase]
        result.append(
            _PhaseTotal(
                phase,
                sum(x.entitlement for x in these),
                sum(x.allocated for x in these),
                sum(x.free for x in these),
                sum(x.reserve for x in these),
                sum(x.deducted for x in these),
                sum(x.issued for x in these),
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class _SectorSection:
    sector: str
    method: str
    params: SectorAllocation | None
    lines: list[AllocationLine]
    totals: list[_PhaseTotal]


@dataclass(frozen=True, slots=True)
class _JurisdictionSection:
    name: str
    cap: int | None
    cap_illustrative: bool
    rounds: list[AllocationRound]
    held: allocation.Holding
    sectors: list[_SectorSection]

    @property
    def unallocated(self) -> int | None:
        return None if self.cap is None else self.cap - self.held.allocated


def _sections(
    year: int, lines: Sequence[AllocationLine], rounds: Sequence[AllocationRound]
) -> list[_JurisdictionSection]:
    result = []
    for name in sorted({line.jurisdiction for line in lines} | {r.jurisdiction for r in rounds}):
        mine = [line for line in lines if line.jurisdiction == name]
        try:
            config = load_jurisdiction(name, year)
        except OpenETSError:
            config = None
        held = allocation.holdings(mine).values()
        sectors = []
        order = {s.value: n for n, s in enumerate(Sector)}
        for sector in sorted({line.sector for line in mine}, key=lambda s: order.get(s, 99)):
            these = sorted(
                (line for line in mine if line.sector == sector),
                key=lambda line: (line.entity, _RANK.get(line.phase, len(_RANK))),
            )
            params = None
            if config is not None and sector in order:
                params = config.allocation.get(Sector(sector))
            methods = sorted({line.method for line in these})
            method = params.method.value if params is not None else ", ".join(methods)
            sectors.append(_SectorSection(sector, method, params, these, _phase_totals(these)))
        result.append(
            _JurisdictionSection(
                name,
                config.cap.tonnes if config is not None else None,
                config.cap.illustrative if config is not None else False,
                sorted(
                    (r for r in rounds if r.jurisdiction == name),
                    key=lambda r: _RANK.get(r.phase, len(_RANK)),
                ),
                allocation.Holding(
                    sum(h.allocated for h in held),
                    sum(h.free for h in held),
                    sum(h.reserve for h in held),
                ),
                sectors,
            )
        )
    return result


@router.get("/allocation/{year}", response_class=HTMLResponse)
def allocation_page(request: Request, year: str) -> Response:
    """The stored allocation of a year by jurisdiction and sector, with the cap (regulator)."""
    refused = _require_regulator(request)
    if refused is not None:
        return refused
    application = _openets(request)
    user: User = _viewer(request)
    try:
        number = parse_year(year)
        table = allocation.allocation_table(application, number, by=user)
        names = {e.id: e.name for e in mrv.list_entities(application, by=user)}
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    context = {
        **_helpers(t),
        **_years(number, "/allocation/{year}"),
        "sections": _sections(number, table.lines, table.rounds),
        "names": names,
        "count": len({line.entity for line in table.lines}),
    }
    return _render(request, "allocation_table.html", context, section=ALLOCATION_SECTION)
