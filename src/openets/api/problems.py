"""Errors as ``application/problem+json`` (RFC 9457), mapped once for the whole API.

Every :class:`~openets.errors.OpenETSError` answers with its class's ``http_status`` and
``title``, its message as ``detail``, and a ``type`` naming the error class
(``urn:openets:problem:rule-violation``). Validation errors answer 422 with the field errors
in ``errors``; unknown routes and methods keep their 404/405, in the same shape.

The web dashboard may render errors of its own pages (paths outside ``/api/``) itself by
setting ``api.state.web_error_handler`` to ``handler(request, exc) -> Response``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openets.errors import NotAuthenticated, OpenETSError

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:openets:problem:"
API_PREFIX = "/api/"

logger = logging.getLogger("openets.api")

WebErrorHandler = Callable[[Request, Exception], Response]


def problem_type(name: str) -> str:
    """``RuleViolation`` -> ``urn:openets:problem:rule-violation``."""
    return TYPE_PREFIX + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _web_handler(request: Request) -> WebErrorHandler | None:
    if request.url.path.startswith(API_PREFIX):
        return None
    handler: WebErrorHandler | None = getattr(request.app.state, "web_error_handler", None)
    return handler


async def _openets_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OpenETSError)
    web = _web_handler(request)
    if web is not None:
        return web(request, exc)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    return problem(
        exc.http_status,
        exc.title,
        exc.message,
        type_=problem_type(type(exc).__name__),
        instance=request.url.path,
        headers=headers,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    web = _web_handler(request)
    if web is not None:
        return web(request, exc)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return problem(
        422,
        "Invalid request",
        detail,
        type_=problem_type("ValidationError"),
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    web = _web_handler(request)
    if web is not None:
        return web(request, exc)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    return problem(
        exc.status_code,
        title,
        str(exc.detail),
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        "Internal Server Error",
        "the server failed to answer; the error has been logged",
        instance=request.url.path,
    )


def install_problem_handlers(api: FastAPI) -> None:
    """Answer every error of ``api`` with problem+json."""
    api.add_exception_handler(OpenETSError, _openets_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route may answer with."""
    from openets.api.schemas import Problem

    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }
