"""``/api/v1/compliance`` routes: surrender, status, deadlines and their extensions, closing a
year, an entity's position, coverage.

Every route calls one service of :mod:`openets.compliance.services` with the caller as the
actor; answers are the documents of :mod:`openets.compliance.views`, the same the CLI prints
with ``--json``. Quantities are whole tonnes, money integer fen. The business date is always
the server's (the API accepts no as-of date).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.compliance import services
from openets.compliance.calendar import extend_deadlines, parse_deadline
from openets.compliance.views import (
    calendars_view,
    close_view,
    coverage_view,
    extensions_view,
    position_view,
    status_view,
    surrender_view,
)
from openets.errors import InvalidInput

router = APIRouter(prefix="/compliance", tags=["compliance"])

ENTITY_OR_REGULATOR = (Role.REGULATOR.value, Role.ENTITY.value)

_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)

YearPath = Annotated[int, Path(ge=2005, le=2100, examples=[2024])]
EntityPath = Annotated[str, Path(min_length=1, max_length=64, examples=["GD-STEEL-001"])]
Document = dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitsLine(_Body):
    instrument: str = Field(min_length=1, max_length=16, examples=["GDEA-2024"])
    quantity: int = Field(strict=True, ge=1, le=10**12, description="Whole tonnes.")


class SurrenderBody(_Body):
    entity: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    units: list[UnitsLine] = Field(min_length=1, max_length=50)


class CloseBody(_Body):
    jurisdiction: str | None = Field(
        default=None, max_length=16, description="Default: every one with covered entities."
    )
    price_fen: int | None = Field(
        default=None,
        strict=True,
        ge=0,
        le=10**12,
        description="Price per tonne in fen, for price-based fines (Shenzhen, national).",
    )
    multiple: str | None = Field(
        default=None,
        max_length=16,
        pattern=r"^\d+(\.\d+)?$",
        description="Fine multiple where the regulation gives a range (national 5-10).",
    )


class ExtensionBody(_Body):
    deadline: str = Field(
        max_length=16,
        description="report, verification, offset_request, surrender or allocation",
        examples=["surrender"],
    )
    until: str = Field(max_length=10, examples=["2025-07-15"])
    reason: str = Field(min_length=1, max_length=500)
    jurisdiction: str | None = Field(
        default=None, max_length=16, description="Default: every jurisdiction with entities."
    )


@router.post(
    "/{year}/surrenders",
    status_code=201,
    openapi_extra=roles(ENTITY_OR_REGULATOR, "entity: its own compliance account"),
    responses={**_WRITE, 200: {"description": "An idempotent repeat: the first surrender."}},
)
def surrender(
    year: YearPath,
    body: SurrenderBody,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Surrender allowances and offsets for compliance year ``year`` (422 naming the rule when
    refused; nothing changes then).

    **Who may call:** regulator; entity users for their own entity.
    """
    units = [(line.instrument, line.quantity) for line in body.units]
    receipt = services.surrender(app, body.entity, year, units, by=user, key=key)
    if receipt.replayed:
        response.status_code = 200
    return surrender_view(receipt)


@router.get(
    "/{year}/status",
    openapi_extra=roles(ENTITY_OR_REGULATOR, "entity: its own entity only"),
    responses=_READ,
)
def status(
    year: YearPath,
    app: AppDep,
    user: CurrentUser,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    jurisdiction: Annotated[str | None, Query(max_length=16)] = None,
    include_all: Annotated[
        bool, Query(alias="all", description="Every entity, also those not covered.")
    ] = False,
) -> Document:
    """Compliance status of each covered entity: compliant, shortfall or pending.

    **Who may call:** regulator (every entity); entity users (their own).
    """
    statuses = services.compliance_status(
        app,
        year,
        entity_id=entity,
        jurisdiction=jurisdiction,
        include_not_required=include_all,
        by=user,
    )
    return status_view(year, statuses)


@router.post("/{year}/close", openapi_extra=roles(REGULATOR), responses=_WRITE)
def close(year: YearPath, body: CloseBody, app: AppDep, user: CurrentUser) -> Document:
    """Close the year after its surrender deadline: penalties and next-year deductions for
    each shortfall; closing again returns the recorded outcome.

    **Who may call:** regulator.
    """
    outcome = services.close_year(
        app,
        year,
        jurisdiction=body.jurisdiction,
        price_fen=body.price_fen,
        multiple=body.multiple,
        by=user,
    )
    return close_view(outcome)


@router.post(
    "/{year}/extensions", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE
)
def extend(year: YearPath, body: ExtensionBody, app: AppDep, user: CurrentUser) -> Document:
    """Extend a deadline of the year (replaces an earlier extension of it).

    **Who may call:** regulator.
    """
    name = parse_deadline(body.deadline)
    names = [body.jurisdiction] if body.jurisdiction else services.jurisdictions_present(app)
    if not names:
        raise InvalidInput("there are no entities yet: name the jurisdiction")
    moved = extend_deadlines(app, names, year, name, body.until, body.reason, by=user)
    return extensions_view(year, name, moved)


@router.get("/{year}/deadlines", openapi_extra=roles(ANYONE), responses=_READ)
def deadlines(
    year: YearPath,
    app: AppDep,
    user: Caller,
    jurisdiction: Annotated[str | None, Query(max_length=16)] = None,
) -> Document:
    """The deadlines of the year, extensions applied, with the days left.

    **Who may call:** anyone, without login.
    """
    del user
    return calendars_view(year, services.calendars(app, year, jurisdiction), app.today())


@router.get(
    "/{year}/entities/{entity_id}/position",
    openapi_extra=roles(ENTITY_OR_REGULATOR, "entity: its own entity only"),
    responses=_READ,
)
def position(year: YearPath, entity_id: EntityPath, app: AppDep, user: CurrentUser) -> Document:
    """An entity's holdings, obligation, surrenders, offset headroom and deadlines.

    **Who may call:** regulator; entity users for their own entity.
    """
    return position_view(services.entity_position(app, entity_id, year, by=user))


@router.get("/{year}/coverage", openapi_extra=roles(REGULATOR), responses=_READ)
def coverage(
    year: YearPath,
    app: AppDep,
    user: CurrentUser,
    jurisdiction: Annotated[str | None, Query(max_length=16)] = None,
) -> Document:
    """Which entities are covered in the year, and why.

    **Who may call:** regulator.
    """
    return coverage_view(
        year, services.coverage_lines(app, year, jurisdiction=jurisdiction, by=user)
    )
