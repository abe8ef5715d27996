"""``/api/v1/labels`` routes: product footprints, label certificates (issue, look up, verify,
revoke), the registry's public key, Hong Kong export and import, enterprise evaluation.

Every route calls one service of :mod:`openets.labels.services` or
:mod:`openets.evaluation.services`; answers are the documents the CLI prints with ``--json``.
JSON numbers in bodies are read by their shortest decimal form (``0.5703`` is exactly 0.5703);
send strings to be sure.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.evaluation.indicators import evaluation_view
from openets.evaluation.services import evaluate_enterprise
from openets.labels import services
from openets.labels.footprint import footprint_view
from openets.labels.views import label_view, verification_view

router = APIRouter(prefix="/labels", tags=["labels"])

Document = dict[str, Any]
LabelPath = Annotated[str, Path(min_length=1, max_length=64, examples=["GDCL-2025-000001"])]
_READ = problem_responses(400, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
ISSUERS = (Role.REGULATOR.value, Role.VERIFIER.value)


class IssueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    footprint: dict[str, Any] = Field(description="The footprint document (as for /footprint).")
    company: str = Field(min_length=1, max_length=200)
    valid_until: date
    valid_from: date | None = None
    verifier: str | None = Field(
        default=None, max_length=200, description="Regulator only: the verification body."
    )


class RevokeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


@router.post("/footprint", openapi_extra=roles(ANYONE), responses=_READ)
def footprint(body: Annotated[Document, Body()]) -> Document:
    """A product carbon footprint: kgCO2e per declared unit (4 dp half-up), by stage and by
    line, with the factor sources.

    **Who may call:** anyone.
    """
    return footprint_view(services.compute(body))


@router.post(
    "",
    status_code=201,
    openapi_extra=roles(ISSUERS, "a verifier is the certificate's verifier"),
    responses={**_WRITE, 200: {"description": "An idempotent repeat: the first certificate."}},
)
def issue(
    body: IssueBody,
    request: Request,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Compute the footprint and issue a signed label certificate (the signed document).

    **Who may call:** verifier; regulator (naming the verifier).
    """
    issued = services.issue(
        app,
        body.footprint,
        body.company,
        body.valid_until,
        valid_from=body.valid_from,
        verifier=body.verifier,
        base_url=str(request.base_url),
        by=user,
        key=key,
    )
    if issued.replayed:
        response.status_code = 200
    return issued.label.document


@router.get("", openapi_extra=roles(ANYONE), responses=_READ)
def list_labels(app: AppDep, company: str | None = None) -> Document:
    """Every label, newest first, with its status.

    **Who may call:** anyone.
    """
    on = app.today()
    return {"labels": [label_view(label, on) for label in services.list_labels(app, company)]}


@router.get(
    "/public-key",
    openapi_extra=roles(ANYONE),
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-pem-file": {}}}},
)
def public_key(app: AppDep) -> PlainTextResponse:
    """The registry's Ed25519 public key (PEM), to verify certificates offline.

    **Who may call:** anyone.
    """
    return PlainTextResponse(services.public_key_pem(app), media_type="application/x-pem-file")


@router.post("/verify", openapi_extra=roles(ANYONE), responses=_READ)
def verify(body: Annotated[Document, Body()], app: AppDep) -> Document:
    """Check a certificate document against the registry: signature, every field against the
    record, validity dates, revocation (``valid`` false with the problems otherwise).

    **Who may call:** anyone.
    """
    return verification_view(services.verify(app, body))


@router.post("/import", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE)
def import_foreign(body: Annotated[Document, Body()], app: AppDep, user: CurrentUser) -> Document:
    """Record a certificate of a recognised foreign scheme (Hong Kong).

    **Who may call:** regulator.
    """
    return label_view(services.import_foreign(app, body, by=user), app.today())


@router.post("/evaluate", openapi_extra=roles(ANYONE), responses=_READ)
def evaluate(body: Annotated[Document, Body()], app: AppDep, user: Caller) -> Document:
    """Near-zero (low) carbon enterprise evaluation: grade, score, indicators and reasons
    (an ``entity`` is fed from its verified MRV reports if the caller may read them).

    **Who may call:** anyone; MRV feeding: the regulator and the entity itself.
    """
    return evaluation_view(evaluate_enterprise(app, body, by=user))


@router.get("/{label_id}", openapi_extra=roles(ANYONE), responses=_READ)
def get_label(label_id: LabelPath, app: AppDep) -> Document:
    """A certificate with its status (valid, revoked, expired, recognised).

    **Who may call:** anyone.
    """
    return label_view(services.get_label(app, label_id), app.today())


@router.post("/{label_id}/revoke", openapi_extra=roles(ISSUERS), responses=_WRITE)
def revoke(label_id: LabelPath, body: RevokeBody, app: AppDep, user: CurrentUser) -> Document:
    """Revoke a label issued here.

    **Who may call:** regulator; the verifier who issued it.
    """
    return label_view(services.revoke(app, label_id, body.reason, by=user), app.today())


@router.get("/{label_id}/export-hk", openapi_extra=roles(ANYONE), responses=_READ)
def export_hk(label_id: LabelPath, app: AppDep) -> Document:
    """The label in the fields a Hong Kong carbon-label scheme reads.

    **Who may call:** anyone.
    """
    return services.export_hk(app, label_id)
