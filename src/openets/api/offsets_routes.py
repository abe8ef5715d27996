"""``/api/v1/offsets`` routes: projects, monitoring reports, issuance, sales, statistics,
credit origins and neutrality retirements with their public certificates.

Every route calls one service of :mod:`openets.offsets.services` with the caller as the actor
(the rules of :mod:`openets.offsets.permissions`); answers are the documents of
:mod:`openets.offsets.views`, the same the CLI prints with ``--json``. Quantities are whole
tCO2e, money integer fen. Projects, statistics, origins and certificates are public.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, HOLDERS, OVERSIGHT, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.errors import InvalidInput
from openets.offsets import services
from openets.offsets.projects import parse_period
from openets.offsets.views import (
    certificate_view,
    detail_view,
    issuance_view,
    origin_view,
    project_view,
    report_view,
    sale_view,
)

router = APIRouter(prefix="/offsets", tags=["offsets"])

PROJECT_OWNER = (Role.PROJECT_OWNER.value,)
VERIFIER = (Role.VERIFIER.value,)
OWNER_OR_REGULATOR = (Role.REGULATOR.value, Role.PROJECT_OWNER.value)
REPORT_READERS = (*OVERSIGHT, Role.PROJECT_OWNER.value)

_READ = problem_responses(400, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)

ProjectPath = Annotated[str, Path(min_length=1, max_length=64, examples=["PV-MEIZHOU-001"])]
ReportPath = Annotated[str, Path(min_length=1, max_length=100, examples=["PV-MEIZHOU-001-MR1"])]
Document = dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectBody(_Body):
    id: str = Field(min_length=1, max_length=64, examples=["PV-MEIZHOU-001"])
    scheme: str = Field(description="CCER, PHCER or SINK", examples=["PHCER"])
    type: str = Field(examples=["distributed_solar"])
    methodology: str = Field(max_length=32, examples=["PHCER-PV"])
    owner_account: str = Field(min_length=1, max_length=64)
    province: str = Field(min_length=1, max_length=100, examples=["Guangdong"])
    city: str = Field(min_length=1, max_length=100, examples=["Meizhou"])
    county: str = Field(default="", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=3)
    crediting_start: int | None = Field(default=None, strict=True, ge=2005, le=2100)
    crediting_end: int | None = Field(default=None, strict=True, ge=2005, le=2100)


class StatusBody(_Body):
    status: str = Field(description="validated, active or closed")


class IssueBody(_Body):
    year: int = Field(strict=True, ge=2005, le=2100)
    quantity: int = Field(strict=True, ge=1, le=10**12)


class SaleBody(_Body):
    quantity: int = Field(strict=True, ge=1, le=10**12)
    price_fen: int = Field(strict=True, ge=0, le=10**12, description="Price per tonne, fen.")
    buyer: str = Field(min_length=1, max_length=200)
    date: str = Field(examples=["2025-06-30"], max_length=10)


class ReportBody(_Body):
    project: str = Field(min_length=1, max_length=64)
    year: int | None = Field(default=None, strict=True, description="A whole calendar year.")
    period_start: str | None = Field(default=None, max_length=10, examples=["2024-01-01"])
    period_end: str | None = Field(default=None, max_length=10, examples=["2024-06-30"])
    inputs: dict[str, int | str] = Field(description="Methodology inputs (numbers as strings).")
    claimed: int = Field(strict=True, ge=1, le=10**12, description="Claimed reductions, t.")


class RetireBody(_Body):
    account: str = Field(min_length=1, max_length=64)
    instrument: str = Field(examples=["PHCER"], max_length=16)
    quantity: int = Field(strict=True, ge=1, le=10**12)
    beneficiary: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=500)


@router.get("/projects", openapi_extra=roles(ANYONE), responses=_READ)
def list_projects(
    app: AppDep,
    user: Caller,
    scheme: Annotated[str | None, Query(max_length=8)] = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=32)] = None,
) -> list[Document]:
    """Projects by id, filtered by scheme, type, city and area tag.

    **Who may call:** anyone, without login.
    """
    del user
    found = services.list_projects(app, scheme=scheme, project_type=type, city=city, tag=tag)
    return [project_view(p) for p in found]


@router.post("/projects", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE)
def register_project(body: ProjectBody, app: AppDep, user: CurrentUser) -> Document:
    """Register a project (status ``registered``); the same call again returns it.

    **Who may call:** regulator.
    """
    crediting = None
    if body.crediting_start is not None or body.crediting_end is not None:
        if body.crediting_start is None or body.crediting_end is None:
            raise InvalidInput("give both crediting_start and crediting_end, or neither")
        crediting = (body.crediting_start, body.crediting_end)
    project = services.register_project(
        app,
        body.id,
        scheme=body.scheme,
        project_type=body.type,
        methodology=body.methodology,
        owner_account=body.owner_account,
        province=body.province,
        city=body.city,
        county=body.county,
        tags=body.tags,
        crediting=crediting,
        by=user,
    )
    return project_view(project)


@router.get("/projects/{project_id}", openapi_extra=roles(ANYONE), responses=_READ)
def get_project(project_id: ProjectPath, app: AppDep, user: Caller) -> Document:
    """A project with its issuances, sales, issued and outstanding credits.

    **Who may call:** anyone, without login.
    """
    del user
    return detail_view(services.project_detail(app, project_id))


@router.post("/projects/{project_id}/status", openapi_extra=roles(REGULATOR), responses=_WRITE)
def advance_project(
    project_id: ProjectPath, body: StatusBody, app: AppDep, user: CurrentUser
) -> Document:
    """Move a project one step: registered → validated → active → closed.

    **Who may call:** regulator.
    """
    return project_view(services.advance_project(app, project_id, body.status, by=user))


@router.post(
    "/projects/{project_id}/issuances",
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def issue(
    project_id: ProjectPath, body: IssueBody, app: AppDep, user: CurrentUser, key: IdempotencyKey
) -> Document:
    """Issue credits of vintage ``year`` into the owner's account (once per project and year;
    a 422 for a second issuance, an inactive project or a year outside the crediting period).

    **Who may call:** regulator.
    """
    issuance = services.issue(app, project_id, body.year, body.quantity, by=user, key=key)
    return issuance_view(issuance)


@router.post(
    "/projects/{project_id}/sales",
    status_code=201,
    openapi_extra=roles(OWNER_OR_REGULATOR, "the project's owner"),
    responses=_WRITE,
)
def record_sale(
    project_id: ProjectPath, body: SaleBody, app: AppDep, user: CurrentUser
) -> Document:
    """Record a sale of the project's credits (sold in all ≤ issued).

    **Who may call:** regulator; project_owner of the project.
    """
    sale = services.record_sale(
        app, project_id, body.quantity, body.price_fen, body.buyer, body.date, by=user
    )
    return sale_view(sale)


@router.post(
    "/reports",
    status_code=201,
    openapi_extra=roles(PROJECT_OWNER, "the project's owner"),
    responses=_WRITE,
)
def submit_report(body: ReportBody, app: AppDep, user: CurrentUser) -> Document:
    """Submit a monitoring report; the project's methodology computes the reductions and a
    claim above them is refused (422).

    **Who may call:** project_owner of the project.
    """
    period = parse_period(body.period_start, body.period_end, body.year)
    report = services.submit_report(app, body.project, period, body.inputs, body.claimed, by=user)
    return report_view(report)


@router.get(
    "/reports/{report_id}",
    openapi_extra=roles(REPORT_READERS, "project_owner: own projects"),
    responses=problem_responses(400, 401, 403, 404),
)
def get_report(report_id: ReportPath, app: AppDep, user: CurrentUser) -> Document:
    """A monitoring report.

    **Who may call:** regulator, verifier; project_owner of the project.
    """
    return report_view(services.get_report(app, report_id, by=user))


@router.post("/reports/{report_id}/verify", openapi_extra=roles(VERIFIER), responses=_WRITE)
def verify_report(report_id: ReportPath, app: AppDep, user: CurrentUser) -> Document:
    """submitted → verified.

    **Who may call:** verifier.
    """
    return report_view(services.verify_report(app, report_id, by=user))


@router.post("/reports/{report_id}/approve", openapi_extra=roles(REGULATOR), responses=_WRITE)
def approve_report(report_id: ReportPath, app: AppDep, user: CurrentUser) -> Document:
    """verified → approved; issuance for its year then draws on it.

    **Who may call:** regulator.
    """
    return report_view(services.approve_report(app, report_id, by=user))


@router.get("/stats", openapi_extra=roles(ANYONE), responses=_READ)
def stats(app: AppDep, user: Caller) -> Document:
    """Credits issued and sold (t) and income (fen) by scheme, area tag and city.

    **Who may call:** anyone, without login.
    """
    del user
    return services.stats(app)


@router.get("/credits/{instrument}/{serial}", openapi_extra=roles(ANYONE), responses=_READ)
def credit_origin(
    instrument: Annotated[str, Path(max_length=16)],
    serial: Annotated[int, Path(ge=1, le=10**15)],
    app: AppDep,
    user: Caller,
) -> Document:
    """The project and vintage a credit comes from.

    **Who may call:** anyone, without login.
    """
    del user
    return origin_view(services.credit_origin(app, instrument, serial))


@router.post(
    "/retirements",
    status_code=201,
    openapi_extra=roles(HOLDERS, "owner roles: their own accounts"),
    responses=_WRITE,
)
def retire(body: RetireBody, app: AppDep, user: CurrentUser, key: IdempotencyKey) -> Document:
    """Retire offset credits for voluntary carbon neutrality; answers the public certificate.

    **Who may call:** entity, member or project_owner users for their own accounts.
    """
    cert = services.retire_for_neutrality(
        app,
        body.account,
        body.instrument,
        body.quantity,
        body.beneficiary,
        body.purpose,
        by=user,
        key=key,
    )
    return certificate_view(cert)


@router.get("/certificates/{certificate_id}", openapi_extra=roles(ANYONE), responses=_READ)
def get_certificate(
    certificate_id: Annotated[str, Path(max_length=32)], app: AppDep, user: Caller
) -> Document:
    """A retirement certificate: who retired what, for whom, and the projects of its serials.

    **Who may call:** anyone, without login.
    """
    del user
    return certificate_view(services.certificate(app, certificate_id))
