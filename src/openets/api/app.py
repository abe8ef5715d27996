"""The FastAPI application: :func:`create_api` wires the routers to an :class:`App`."""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from openets import __version__
from openets.api import (
    allocation_routes,
    auction_routes,
    auth_routes,
    compliance_routes,
    exchange_routes,
    finance_routes,
    label_routes,
    mrv_export_routes,
    mrv_routes,
    offsets_routes,
    peak_routes,
    registry_routes,
    sim_routes,
)
from openets.api.problems import PROBLEM_JSON, install_problem_handlers
from openets.bootstrap import App

API_PREFIX = "/api/v1"
#: The module of the web dashboard; it exposes ``install_web(api)``.
WEB_MODULE = "openets.web.routes"

_DESCRIPTION = """\
The OpenETS registry: accounts, issuance, transfers, retirement, cancellation, freezing,
corrections, supply, serial histories and the hash-chained journal.

Authenticate with `Authorization: Bearer <api key>` (or `X-API-Key`); get a key from
`POST /api/v1/auth/token`. Each operation states who may call it (`x-openets-roles`).
Errors are `application/problem+json`; state-changing calls take an `Idempotency-Key`.
"""


def create_api(app: App) -> FastAPI:
    """The REST API (under ``/api/v1``) and, when installed, the web dashboard, for ``app``."""
    api = FastAPI(title="OpenETS", version=__version__, description=_DESCRIPTION)
    api.state.openets = app
    install_problem_handlers(api)
    api.include_router(auth_routes.router, prefix=API_PREFIX)
    api.include_router(registry_routes.router, prefix=API_PREFIX)
    api.include_router(mrv_routes.router, prefix=API_PREFIX)
    api.include_router(mrv_export_routes.router, prefix=API_PREFIX)
    api.include_router(offsets_routes.router, prefix=API_PREFIX)
    api.include_router(allocation_routes.router, prefix=API_PREFIX)
    api.include_router(compliance_routes.router, prefix=API_PREFIX)
    api.include_router(exchange_routes.router, prefix=API_PREFIX)
    api.include_router(auction_routes.router, prefix=API_PREFIX)
    api.include_router(peak_routes.router, prefix=API_PREFIX)
    api.include_router(sim_routes.router, prefix=API_PREFIX)
    api.include_router(label_routes.router, prefix=API_PREFIX)
    api.include_router(finance_routes.router, prefix=API_PREFIX)
    _install_openapi(api)
    _install_web(api)
    return api


def _install_web(api: FastAPI) -> None:
    """Mount the web dashboard if its module exists; the API works without it."""
    try:
        module = importlib.import_module(WEB_MODULE)
    except ModuleNotFoundError as exc:
        # only the dashboard's own absence is tolerated, not a missing import inside it
        if exc.name not in {WEB_MODULE, WEB_MODULE.rpartition(".")[0]}:
            raise
        return
    module.install_web(api)


def _install_openapi(api: FastAPI) -> None:
    """Serve error responses in the OpenAPI document as ``application/problem+json``."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
            )
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for status, answer in operation.get("responses", {}).items():
                        content = answer.get("content", {})
                        if status[:1] in {"4", "5"} and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
