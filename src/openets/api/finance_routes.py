"""``/api/v1/finance`` routes: allowance pledges (create, value, release, default, list, show).

Every route calls one service of :mod:`openets.finance.services` with the caller as the actor;
answers are the documents of :mod:`openets.finance.views`, the same the CLI prints with
``--json``. Quantities are whole tonnes, money integer fen, ratios decimal strings. The
business date is always the server's, except the day a valuation run values (a past day may
be valued).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import REGULATOR, roles
from openets.api.deps import AppDep, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.finance import services
from openets.finance.views import (
    pledge_detail_view,
    pledges_view,
    receipt_view,
    valuation_run_view,
)

router = APIRouter(prefix="/finance", tags=["finance"])

PARTIES = (Role.REGULATOR.value, Role.ENTITY.value, Role.MEMBER.value)

_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)

PledgePath = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[1])]
Document = dict[str, Any]
_RATIO = r"^\d{1,6}(\.\d{1,6})?$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PledgeBody(_Body):
    borrower: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    lender: str = Field(min_length=1, max_length=64, examples=["BANK-GZ-01"])
    instrument: str = Field(min_length=1, max_length=16, examples=["GDEA-2025"])
    quantity: int = Field(strict=True, ge=1, le=10**12, description="Whole tonnes.")
    loan_fen: int = Field(strict=True, ge=1, le=10**15, description="Loan principal in fen.")
    start: dt.date = Field(examples=["2025-07-01"])
    maturity: dt.date = Field(examples=["2026-06-30"])
    ltv: str | None = Field(
        default=None, pattern=_RATIO, description="LTV limit (default 0.5).", examples=["0.5"]
    )
    margin: str | None = Field(
        default=None, pattern=_RATIO, description="Margin level, a coverage ratio (default 1.3)."
    )
    call: str | None = Field(
        default=None, pattern=_RATIO, description="Call level, a coverage ratio (default 1.1)."
    )


class ValuationBody(_Body):
    day: dt.date | None = Field(default=None, description="Business date (default today).")


@router.post(
    "/pledges",
    status_code=201,
    openapi_extra=roles(PARTIES, "entity, member: the borrower account's owner"),
    responses={**_WRITE, 200: {"description": "An idempotent repeat: the first pledge."}},
)
def create_pledge(
    body: PledgeBody, app: AppDep, user: CurrentUser, key: IdempotencyKey, response: Response
) -> Document:
    """Pledge units of the borrower's account to the lender: freezes them (one journal entry)
    and records the pledge (422 naming the rule when refused: LTV limit exceeded at the latest
    close, no close, units not available; 404 for an unknown account).

    **Who may call:** regulator; entity and member users for their own (borrower) account.
    """
    receipt = services.create_pledge(
        app,
        body.borrower,
        body.lender,
        body.instrument,
        body.quantity,
        body.loan_fen,
        body.start,
        body.maturity,
        ltv=body.ltv,
        margin=body.margin,
        call=body.call,
        by=user,
        key=key,
    )
    if receipt.replayed:
        response.status_code = 200
    return receipt_view(receipt)


@router.get(
    "/pledges",
    openapi_extra=roles(PARTIES, "entity, member: pledges of their own accounts"),
    responses=_READ,
)
def list_pledges(
    app: AppDep,
    user: CurrentUser,
    status: Annotated[str | None, Query(max_length=16)] = None,
    account: Annotated[str | None, Query(max_length=64)] = None,
    instrument: Annotated[str | None, Query(max_length=16)] = None,
) -> Document:
    """Pledges by id with their latest valuation (filter by status, account, instrument).

    **Who may call:** regulator (every pledge); entity and member users (the pledges whose
    borrower or lender account their owner holds).
    """
    lines = services.list_pledges(
        app, by=user, status=status, account=account, instrument=instrument
    )
    return pledges_view(lines)


@router.get(
    "/pledges/{pledge_id}",
    openapi_extra=roles(PARTIES, "entity, member: as borrower or lender"),
    responses=_READ,
)
def show_pledge(pledge_id: PledgePath, app: AppDep, user: CurrentUser) -> Document:
    """A pledge with its valuation history.

    **Who may call:** regulator; entity and member users of its borrower or lender.
    """
    return pledge_detail_view(services.get_pledge(app, pledge_id, by=user))


@router.post(
    "/pledges/{pledge_id}/release",
    openapi_extra=roles(PARTIES, "entity, member: the lender account's owner"),
    responses=_WRITE,
)
def release_pledge(pledge_id: PledgePath, app: AppDep, user: CurrentUser) -> Document:
    """Release the pledge on repayment: unfreeze the pledged units (one journal entry).
    Repeat-safe: releasing a released pledge answers it unchanged (``replayed``).

    **Who may call:** regulator; entity and member users of the lender.
    """
    return receipt_view(services.release_pledge(app, pledge_id, by=user))


@router.post(
    "/pledges/{pledge_id}/default",
    openapi_extra=roles(PARTIES, "entity, member: the lender account's owner"),
    responses=_WRITE,
)
def declare_default(pledge_id: PledgePath, app: AppDep, user: CurrentUser) -> Document:
    """Declare the default: unfreeze the units and transfer them to the lender (two journal
    entries, one transaction). Refused (422) unless the loan is overdue or the latest valuation
    is below the call level. Repeat-safe.

    **Who may call:** regulator; entity and member users of the lender.
    """
    return receipt_view(services.declare_default(app, pledge_id, by=user))


@router.post("/valuations", openapi_extra=roles(REGULATOR), responses=_WRITE)
def value_pledges(body: ValuationBody, app: AppDep, user: CurrentUser) -> Document:
    """Value every open pledge at the day's closing price; record margin warnings. Valuing
    a day again records nothing new.

    **Who may call:** regulator.
    """
    return valuation_run_view(services.value_pledges(app, body.day, by=user))
