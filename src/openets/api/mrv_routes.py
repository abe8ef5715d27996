"""``/api/v1`` MRV routes: covered entities, facilities, monitoring plans, emission reports.

Every route calls one service of :mod:`openets.mrv.services` with the caller as the actor;
the services apply the rules of :mod:`openets.mrv.permissions` (an entity user acts for the
entity whose *name* is its ``owner``). Answers are the documents of :mod:`openets.mrv.views`,
the same the CLI prints with ``--json``. Decimal figures travel as strings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from openets.api.access import OVERSIGHT, REGULATOR, roles
from openets.api.deps import AppDep, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import Cursor, IdempotencyKey, Limit
from openets.api.schemas import PageOut
from openets.auth.model import Role
from openets.errors import InvalidInput, NotAuthorised, NotFound
from openets.mrv import services
from openets.mrv.entities import check_item, parse_source
from openets.mrv.model import ActivityLine, Unit
from openets.mrv.reports import Adjustment, parse_decimal
from openets.mrv.views import (
    emissions_view,
    entity_view,
    facility_view,
    plan_view,
    receipt_view,
    report_view,
    stream_view,
    summary_view,
)

router = APIRouter(tags=["mrv"])

ENTITY = (Role.ENTITY.value,)
VERIFIER = (Role.VERIFIER.value,)
REGULATOR_OR_ENTITY = (Role.REGULATOR.value, Role.ENTITY.value)
READERS = (*OVERSIGHT, Role.ENTITY.value)
#: Most activity lines one report may carry through the API (larger files: the CLI).
MAX_LINES = 10_000

_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)

EntityPath = Annotated[str, Path(min_length=1, max_length=64)]
FacilityPath = Annotated[str, Path(min_length=1, max_length=64)]
ReportPath = Annotated[str, Path(min_length=1, max_length=100, examples=["GD-STEEL-001-2024-v1"])]
YearPath = Annotated[int, Path(ge=2005, le=2100)]
#: A decimal number as a string ("1000.5") or an integer: never a float.
DecimalIn = Annotated[
    StrictStr | StrictInt,
    Field(description="A decimal number, as a string or an integer.", examples=["1000.5"]),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests -------------------------------------------------------------------------------


class EntityBody(_Body):
    id: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    name: str = Field(min_length=1, max_length=200, examples=["Guangzhou Steel Co."])
    sector: str = Field(
        description="power, steel, petrochemicals, cement, paper, aviation, ceramics, ports or "
        "datacentres",
        examples=["steel"],
    )
    jurisdiction: str = Field(default="guangdong", description="guangdong, shenzhen or national")


class FacilityBody(_Body):
    id: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001-BF1"])
    entity: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    name: str = Field(min_length=1, max_length=200, examples=["Blast furnace 1"])
    city: str = Field(default="", max_length=100, examples=["Shaoguan"])


class StreamBody(_Body):
    source: str = Field(description="combustion, electricity, heat, process or biomass")
    item: str = Field(min_length=1, max_length=64, examples=["raw_coal"])
    method: str = Field(min_length=1, max_length=200, examples=["weighbridge"])


class LineBody(_Body):
    row: int | None = Field(
        default=None, strict=True, ge=1, description="Line number (default: position, from 1)."
    )
    facility_id: str = Field(min_length=1, max_length=64)
    year: int | None = Field(default=None, strict=True, description="Default: the report's.")
    source: str = Field(description="combustion, electricity, heat, process or biomass")
    item: str = Field(min_length=1, max_length=64, examples=["grid"])
    quantity: DecimalIn
    unit: str = Field(description="t, 10^4 Nm3, MWh or GJ", examples=["MWh"])
    ncv: DecimalIn | None = None
    cc: DecimalIn | None = None
    of: DecimalIn | None = None
    ef: DecimalIn | None = None


class ReportBody(_Body):
    entity: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    year: int = Field(strict=True, ge=2005, le=2100, examples=[2024])
    output: DecimalIn | None = Field(
        default=None, description="Production in the sector's unit, for the intensity check."
    )
    lines: list[LineBody] = Field(min_length=1, max_length=MAX_LINES)


class AdjustmentBody(_Body):
    row: int = Field(strict=True, ge=1)
    field: str = Field(default="quantity", description="quantity, ncv, cc, of or ef")
    value: DecimalIn
    reason: str = Field(min_length=1, max_length=500)


class VerifyBody(_Body):
    adjustments: list[AdjustmentBody] = Field(default_factory=list, max_length=MAX_LINES)


class AssignBody(_Body):
    verifier: str = Field(min_length=1, max_length=64, description="The verifier's user name.")


# --- responses ------------------------------------------------------------------------------


class EntityOut(BaseModel):
    id: str
    name: str
    sector: str
    jurisdiction: str
    account: str = Field(description="The entity's compliance account in the registry.")
    created_at: str


class FacilityOut(BaseModel):
    id: str
    entity: str
    name: str
    city: str
    created_at: str


class StreamOut(BaseModel):
    facility_id: str
    source: str
    item: str
    method: str


class PlanOut(FacilityOut):
    streams: list[StreamOut]


class LineOut(BaseModel):
    row: int
    facility_id: str
    source: str
    item: str
    quantity: str
    unit: str
    ncv: str | None
    cc: str | None
    of: str | None
    ef: str | None
    tco2: str
    counted: bool
    factors: dict[str, str]
    measured: list[str]
    factor_version: str


class AdjustmentOut(BaseModel):
    row: int
    field: str
    original: str | None
    adjusted: str
    reason: str
    by: str
    role: str
    at: str


class TransitionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    action: str
    from_status: str | None = Field(alias="from")
    to: str
    by: str
    role: str
    at: str
    note: str


class FlagOut(BaseModel):
    code: str
    message: str
    facility_id: str | None


class FacilityTotalOut(BaseModel):
    facility_id: str
    total_tco2: str
    compliance_tco2: int
    biomass_tco2: str


class ReportOut(BaseModel):
    id: str
    entity: str
    year: int
    version: int
    status: str
    total_tco2: str = Field(description="Counted emissions, exact (biomass excluded).")
    compliance_tco2: int = Field(description="The total rounded half-up to whole tonnes.")
    biomass_tco2: str
    by_source: dict[str, str]
    output: str | None
    supersedes: str | None
    verifier: str | None
    created_at: str
    factor_versions: list[str]
    facilities: list[FacilityTotalOut]
    lines: list[LineOut]
    adjustments: list[AdjustmentOut]
    transitions: list[TransitionOut]
    flags: list[FlagOut]


class ReportReceiptOut(ReportOut):
    replayed: bool


class ReportSummaryOut(BaseModel):
    id: str
    entity: str
    entity_name: str
    year: int
    version: int
    status: str
    total_tco2: str
    compliance_tco2: int
    biomass_tco2: str
    supersedes: str | None
    verifier: str | None
    created_at: str
    flags: int


class EmissionsOut(BaseModel):
    entity: str
    year: int
    verified_tco2: int = Field(description="The approved report's compliance total (whole t).")
    report: str
    version: int
    total_tco2: str = Field(description="The exact total it rounds.")
    by_source: dict[str, str]


def _report(document: dict[str, Any]) -> ReportOut:
    return ReportOut.model_validate(document)


# --- helpers --------------------------------------------------------------------------------


def _unit(text: str, where: str) -> Unit:
    try:
        return Unit(text.strip())
    except ValueError:
        units = ", ".join(u.value for u in Unit)
        raise InvalidInput(f"{where}: unknown unit {text!r}: expected one of {units}") from None


def _activity(body: ReportBody) -> list[ActivityLine]:
    lines = []
    for n, line in enumerate(body.lines, start=1):
        row = line.row if line.row is not None else n
        where = f"row {row}"

        def number(name: str, value: str | int | None, where: str = where) -> Any:
            return None if value is None else parse_decimal(f"{where}: {name}", value)

        try:
            source, item = parse_source(line.source), check_item(line.item)
        except InvalidInput as error:
            raise InvalidInput(f"{where}: {error.message}") from None
        lines.append(
            ActivityLine(
                row=row,
                facility_id=line.facility_id,
                year=line.year if line.year is not None else body.year,
                source=source,
                item=item,
                quantity=parse_decimal(f"{where}: quantity", line.quantity),
                unit=_unit(line.unit, where),
                ncv=number("ncv", line.ncv),
                cc=number("cc", line.cc),
                of=number("of", line.of),
                ef=number("ef", line.ef),
            )
        )
    return lines


# --- entities, facilities, monitoring plans -------------------------------------------------


@router.post(
    "/entities",
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses={**_WRITE, 200: {"model": EntityOut, "description": "The entity existed."}},
)
def add_entity(body: EntityBody, app: AppDep, user: CurrentUser, response: Response) -> EntityOut:
    """Add a covered entity and open its compliance account (same id; owner: its name).

    Entity users whose ``owner`` is the entity's name act for it. Repeating the same call
    answers 200 with the entity; the same id with another name, sector or jurisdiction is a 409.

    **Who may call:** regulator.
    """
    try:
        services.get_entity(app, body.id, by=user)
        response.status_code = 200
    except NotFound:
        pass
    entity = services.add_entity(app, body.id, body.name, body.sector, body.jurisdiction, by=user)
    return EntityOut.model_validate(entity_view(entity))


@router.get(
    "/entities",
    openapi_extra=roles(READERS, "entity: its own only"),
    responses=_READ,
)
def list_entities(
    app: AppDep,
    user: CurrentUser,
    sector: Annotated[str | None, Query(max_length=32)] = None,
) -> list[EntityOut]:
    """Covered entities by id.

    **Who may call:** regulator and verifier (all); entity (its own).
    """
    entities = services.list_entities(app, by=user, sector=sector)
    return [EntityOut.model_validate(entity_view(e)) for e in entities]


@router.get(
    "/entities/{entity_id}",
    openapi_extra=roles(READERS, "entity: its own only"),
    responses=_READ,
)
def get_entity(entity_id: EntityPath, app: AppDep, user: CurrentUser) -> EntityOut:
    """One covered entity.

    **Who may call:** regulator and verifier (any); entity (its own).
    """
    return EntityOut.model_validate(entity_view(services.get_entity(app, entity_id, by=user)))


@router.get(
    "/entities/{entity_id}/facilities",
    openapi_extra=roles(READERS, "entity: its own only"),
    responses=_READ,
)
def list_facilities(entity_id: EntityPath, app: AppDep, user: CurrentUser) -> list[PlanOut]:
    """An entity's facilities, each with its monitoring plan.

    **Who may call:** regulator and verifier (any entity); entity (its own).
    """
    plans = services.list_facilities(app, entity_id, by=user)
    return [PlanOut.model_validate(plan_view(p)) for p in plans]


@router.post(
    "/facilities",
    status_code=201,
    openapi_extra=roles(REGULATOR_OR_ENTITY, "entity: its own facilities only"),
    responses={**_WRITE, 200: {"model": FacilityOut, "description": "The facility existed."}},
)
def add_facility(
    body: FacilityBody, app: AppDep, user: CurrentUser, response: Response
) -> FacilityOut:
    """Add a facility to an entity (repeating the same call answers 200).

    **Who may call:** regulator; entity (to itself).
    """
    try:
        services.monitoring_plan(app, body.id, by=user)
        response.status_code = 200
    except (NotFound, NotAuthorised):
        pass  # a new facility; or one the caller may not change, which the service refuses
    facility = services.add_facility(app, body.id, body.entity, body.name, body.city, by=user)
    return FacilityOut.model_validate(facility_view(facility))


@router.get(
    "/facilities/{facility_id}",
    openapi_extra=roles(READERS, "entity: its own only"),
    responses=_READ,
)
def get_facility(facility_id: FacilityPath, app: AppDep, user: CurrentUser) -> PlanOut:
    """A facility with its monitoring plan.

    **Who may call:** regulator and verifier (any); entity (its own).
    """
    return PlanOut.model_validate(plan_view(services.monitoring_plan(app, facility_id, by=user)))


@router.post(
    "/facilities/{facility_id}/streams",
    status_code=201,
    openapi_extra=roles(REGULATOR_OR_ENTITY, "entity: its own facilities only"),
    responses={**_WRITE, 200: {"model": StreamOut, "description": "The stream existed."}},
)
def add_stream(
    facility_id: FacilityPath,
    body: StreamBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
) -> StreamOut:
    """Add a source stream to a facility's monitoring plan, with how it is measured.

    The same stream again with the same method answers 200; with another method, a 409.

    **Who may call:** regulator; entity (its own facilities).
    """
    try:
        before = services.monitoring_plan(app, facility_id, by=user).streams
    except NotAuthorised:
        before = ()  # the service refuses the change, with the reason
    stream = services.add_stream(app, facility_id, body.source, body.item, body.method, by=user)
    if stream in before:
        response.status_code = 200
    return StreamOut.model_validate(stream_view(stream))


# --- emission reports -----------------------------------------------------------------------


@router.post(
    "/emission-reports",
    status_code=201,
    openapi_extra=roles(ENTITY, "its own entity only"),
    responses={
        **_WRITE,
        200: {
            "model": ReportReceiptOut,
            "description": "An idempotent repeat: the first call's report, with replayed: true.",
        },
    },
)
def create_report(
    body: ReportBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReportReceiptOut:
    """Create a draft emission report from activity lines; emissions are computed per line
    with the factor library, and the factor version of each line is recorded.

    A bad line is refused naming its row, and nothing is stored. The first report of an entity
    and year is version 1; a new version may follow an approved one and supersedes it once
    approved.

    **Who may call:** entity (for itself).
    """
    output = parse_decimal("output", body.output) if body.output is not None else None
    receipt = services.create_report(
        app, body.entity, body.year, _activity(body), by=user, output=output, key=key
    )
    response.status_code = 200 if receipt.replayed else 201
    response.headers["Location"] = f"/api/v1/emission-reports/{receipt.report.id}"
    return ReportReceiptOut.model_validate(receipt_view(receipt))


@router.get(
    "/emission-reports",
    openapi_extra=roles(
        (Role.REGULATOR.value, Role.ENTITY.value, Role.VERIFIER.value),
        "regulator: all; entity: its own; verifier: those assigned to it",
    ),
    responses=_READ,
)
def list_reports(
    app: AppDep,
    user: CurrentUser,
    status: Annotated[str | None, Query(max_length=16, description="draft, submitted...")] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2005, le=2100)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PageOut[ReportSummaryOut]:
    """Emission reports by id, a page at a time, optionally by status, entity and year.

    **Who may call:** regulator (all); entity (its own); verifier (those assigned to it).
    """
    page = services.list_reports(
        app, by=user, status=status, entity_id=entity, year=year, after=cursor, limit=limit
    )
    items = [ReportSummaryOut.model_validate(summary_view(s)) for s in page.items]
    return PageOut[ReportSummaryOut](items=items, next_cursor=page.next_cursor)


@router.get(
    "/emission-reports/{report_id}",
    openapi_extra=roles(
        (Role.REGULATOR.value, Role.ENTITY.value, Role.VERIFIER.value),
        "regulator: any; entity: its own; verifier: assigned to it",
    ),
    responses=_READ,
)
def get_report(report_id: ReportPath, app: AppDep, user: CurrentUser) -> ReportOut:
    """A report with its lines (and their factors), adjustments, history and quality flags.

    **Who may call:** regulator (any); entity (its own); verifier (those assigned to it).
    """
    return _report(report_view(services.get_report(app, report_id, by=user)))


@router.post(
    "/emission-reports/{report_id}/submit",
    openapi_extra=roles(ENTITY, "its own reports only"),
    responses=_WRITE,
)
def submit_report(
    report_id: ReportPath, app: AppDep, user: CurrentUser, key: IdempotencyKey
) -> ReportOut:
    """Submit a draft report for verification.

    **Who may call:** entity (its own reports).
    """
    return _report(report_view(services.submit_report(app, report_id, by=user, key=key)))


@router.post(
    "/emission-reports/{report_id}/assign",
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def assign_verifier(
    report_id: ReportPath, body: AssignBody, app: AppDep, user: CurrentUser
) -> ReportOut:
    """Assign a verifier (a user with the verifier role) to a draft or submitted report; only
    that verifier then sees and verifies it.

    **Who may call:** regulator.
    """
    report = services.assign_verifier(app, report_id, body.verifier, by=user)
    return _report(report_view(report))


@router.post(
    "/emission-reports/{report_id}/verify",
    openapi_extra=roles(VERIFIER, "reports assigned to it only"),
    responses=_WRITE,
)
def verify_report(
    report_id: ReportPath,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    body: Annotated[VerifyBody | None, Body()] = None,
) -> ReportOut:
    """Verify a submitted report, optionally adjusting lines: each adjustment sets one field
    (``quantity``, ``ncv``, ``cc``, ``of`` or ``ef``) of one row, with a reason; the original
    value is kept. Totals and quality flags are recomputed.

    **Who may call:** verifier (reports assigned to it).
    """
    adjustments = [
        Adjustment(a.row, parse_decimal(f"row {a.row}: value", a.value), a.reason, a.field)
        for a in (body.adjustments if body is not None else [])
    ]
    report = services.verify_report(app, report_id, adjustments, by=user, key=key)
    return _report(report_view(report))


@router.post(
    "/emission-reports/{report_id}/approve",
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def approve_report(
    report_id: ReportPath, app: AppDep, user: CurrentUser, key: IdempotencyKey
) -> ReportOut:
    """Approve a verified report: its compliance total becomes the entity's verified emissions
    for the year; the version it supersedes, if any, turns ``superseded``.

    **Who may call:** regulator.
    """
    return _report(report_view(services.approve_report(app, report_id, by=user, key=key)))


@router.get(
    "/entities/{entity_id}/emissions",
    openapi_extra=roles(REGULATOR_OR_ENTITY, "entity: its own only"),
    responses=_READ,
)
def emissions_history(entity_id: EntityPath, app: AppDep, user: CurrentUser) -> list[EmissionsOut]:
    """Verified emissions of every year with an approved report, by year.

    **Who may call:** regulator; entity (its own).
    """
    history = services.emissions_history(app, entity_id, by=user)
    return [EmissionsOut.model_validate(emissions_view(v)) for v in history]


@router.get(
    "/entities/{entity_id}/emissions/{year}",
    openapi_extra=roles(REGULATOR_OR_ENTITY, "entity: its own only"),
    responses=_READ,
)
def verified_emissions(
    entity_id: EntityPath, year: YearPath, app: AppDep, user: CurrentUser
) -> EmissionsOut:
    """Verified emissions (whole tCO2) of an entity for a year: 404 until a report is approved.

    **Who may call:** regulator; entity (its own).
    """
    verified = services.verified_emissions(app, entity_id, year, by=user)
    return EmissionsOut.model_validate(emissions_view(verified))
