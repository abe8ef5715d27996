"""``/api/v1/health`` and ``/api/v1/auth/*``: liveness, login, logout, who am I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from openets import __version__
from openets.api.access import ANYONE, AUTHENTICATED, roles
from openets.api.deps import AppDep, CurrentUser, presented_key
from openets.api.problems import problem_responses
from openets.api.schemas import Health, TokenOut, TokenRequest, UserOut
from openets.auth import key_id_of, login_key, revoke_api_key
from openets.errors import InvalidInput

router = APIRouter(tags=["auth"])

_FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}
_TOKEN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": TokenRequest.model_json_schema()},
        "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()},
    },
}


@router.get("/health", openapi_extra=roles(ANYONE), responses=problem_responses(500))
def health(app: AppDep) -> Health:
    """Liveness: the service answers and its database is reachable.

    **Who may call:** anyone, without credentials.
    """
    with app.reading() as connection:
        connection.exec_driver_sql("SELECT 1")
    return Health(status="ok", version=__version__, database=app.dialect)


async def _token_request(request: Request) -> TokenRequest:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if media == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise InvalidInput("the request body is not valid JSON") from None
    elif media in _FORMS:
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        raise InvalidInput(
            "send name and password as JSON or as a form (application/x-www-form-urlencoded)"
        )
    try:
        return TokenRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


@router.post(
    "/auth/token",
    openapi_extra={**roles(ANYONE), "requestBody": _TOKEN_BODY},
    responses=problem_responses(400, 401, 422),
)
async def token(request: Request, app: AppDep) -> TokenOut:
    """Log in with name and password; get an API key valid for ``OPENETS_TOKEN_HOURS`` hours.

    The body is JSON or a form with ``name`` (or ``username``) and ``password``. A wrong name
    or password answers 401 with the same message either way.

    **Who may call:** anyone, without credentials.
    """
    body = await _token_request(request)
    issued = await run_in_threadpool(login_key, app, body.name, body.password)
    return TokenOut(token=issued.key, expires_at=issued.expires_at)


@router.delete(
    "/auth/token",
    status_code=204,
    openapi_extra=roles(AUTHENTICATED),
    responses=problem_responses(401),
)
def logout(
    app: AppDep,
    user: CurrentUser,
    key: Annotated[str | None, Depends(presented_key)],
) -> Response:
    """Log out: revoke the API key this request was made with.

    **Who may call:** any authenticated user (for their own key).
    """
    del user  # authenticated above; the key is theirs
    assert key is not None
    revoke_api_key(app, key_id_of(key))
    return Response(status_code=204)


@router.get("/auth/me", openapi_extra=roles(AUTHENTICATED), responses=problem_responses(401))
def me(user: CurrentUser) -> UserOut:
    """The caller: name, role and the account owner they act for.

    **Who may call:** any authenticated user.
    """
    return UserOut(name=user.name, role=user.role.value, owner=user.owner)
