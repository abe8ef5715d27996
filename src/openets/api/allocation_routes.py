"""``/api/v1/allocation`` routes: preview, issue and true up a year's free allocation, and read
the stored lines.

Every route calls one service of :mod:`openets.allocation.services` with the caller as the
actor; answers are the documents of :mod:`openets.allocation.views`, the same the CLI prints
with ``--json``. Tonnes are integers, the method's inputs decimal strings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from openets.allocation import services
from openets.allocation.views import outcome_view, plan_view, table_view
from openets.api.access import REGULATOR, roles
from openets.api.deps import AppDep, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role

router = APIRouter(prefix="/allocation", tags=["allocation"])

READERS = (Role.REGULATOR.value, Role.ENTITY.value)

_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
_ROUND: dict[int | str, dict[str, Any]] = {
    **_WRITE,
    200: {"description": "Issued before: the stored round, with replayed: true."},
    201: {"description": "The round, issued now."},
}

Year = Annotated[int, Path(ge=2005, le=2100, examples=[2024])]
Jurisdiction = Annotated[
    str | None,
    Query(
        max_length=16,
        description="guangdong, shenzhen or national; default: every one with a covered entity.",
    ),
]
Document = dict[str, Any]


@router.get("/{year}", openapi_extra=roles(REGULATOR), responses=_READ)
def preview(
    year: Year, app: AppDep, user: CurrentUser, jurisdiction: Jurisdiction = None
) -> Document:
    """Preview the pre-allocation of ``year`` from the verified output of ``year − 1``: each
    covered entity's method, inputs, entitlement, free part and auction reserve, the totals
    against the cap, and the entities missing figures. Nothing is stored.

    **Who may call:** regulator.
    """
    return plan_view(services.compute(app, year, jurisdiction, by=user))


@router.post("/{year}/issue", status_code=201, openapi_extra=roles(REGULATOR), responses=_ROUND)
def issue(
    year: Year,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
    jurisdiction: Jurisdiction = None,
) -> Document:
    """Issue the pre-allocation of ``year`` (free allowances less deductions owed; the auction
    reserve to the auction account). The call is idempotent by itself: a round issued before
    is answered as stored, with 200 and ``replayed: true``; an ``Idempotency-Key`` is accepted.

    **Who may call:** regulator.
    """
    del key  # a round is issued once per jurisdiction and year, whatever the key
    run = services.issue(app, year, jurisdiction, by=user)
    response.status_code = 200 if run.replayed else 201
    return outcome_view(run)


@router.post("/{year}/true-up", status_code=201, openapi_extra=roles(REGULATOR), responses=_ROUND)
def true_up(
    year: Year,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
    jurisdiction: Jurisdiction = None,
) -> Document:
    """True up ``year`` from its verified output: the difference of free allocation is issued
    or taken back (what cannot be taken back is owed). Idempotent like the issue.

    **Who may call:** regulator.
    """
    del key
    run = services.true_up(app, year, jurisdiction, by=user)
    response.status_code = 200 if run.replayed else 201
    return outcome_view(run)


@router.get(
    "/{year}/lines",
    openapi_extra=roles(READERS, "entity: its own lines only"),
    responses=_READ,
)
def lines(
    year: Year,
    app: AppDep,
    user: CurrentUser,
    jurisdiction: Jurisdiction = None,
    sector: Annotated[str | None, Query(max_length=32)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
) -> Document:
    """The stored rounds and lines of ``year`` with each line's method and inputs.

    **Who may call:** regulator; entity users see their own lines (and no rounds).
    """
    return table_view(
        services.allocation_table(app, year, jurisdiction, sector, entity_id=entity, by=user)
    )
