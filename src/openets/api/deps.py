"""FastAPI dependencies shared by the REST API and the web dashboard.

A caller proves who they are with an API key, sent in one of three places (first found wins):

1. ``Authorization: Bearer <key>``
2. ``X-API-Key: <key>``
3. the cookie ``openets_session`` (set by the web dashboard after its login form)

:func:`current_user` requires a valid key (401 otherwise); :func:`optional_user` returns
``None`` for a caller without one, or with one that is no longer valid (an expired session
cookie simply means "logged out").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from openets.auth import ANONYMOUS, User, authenticate
from openets.bootstrap import App
from openets.errors import NotAuthenticated

#: Name of the cookie holding a session's API key.
SESSION_COOKIE = "openets_session"

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer oets_<id>_<secret>`.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The web dashboard's session key."
)


def app_of(request: Request) -> App:
    """The wired :class:`App` that :func:`~openets.api.app.create_api` stored on the app."""
    app: App = request.app.state.openets
    return app


def get_app(request: Request) -> App:
    """Dependency form of :func:`app_of`."""
    return app_of(request)


def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str | None:
    """The API key the caller sent, if any (bearer header, then X-API-Key, then cookie)."""
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return header or cookie or None


async def current_user(
    app: Annotated[App, Depends(get_app)],
    key: Annotated[str | None, Depends(presented_key)],
) -> User:
    """The authenticated caller; 401 (problem+json) without a valid API key."""
    if key is None:
        raise NotAuthenticated(
            "this endpoint needs an API key: send `Authorization: Bearer <key>` or "
            "`X-API-Key: <key>` (get one from POST /api/v1/auth/token)"
        )
    # Argon2 verification is CPU work: keep it off the event loop.
    return await run_in_threadpool(authenticate, app, key)


async def optional_user(
    app: Annotated[App, Depends(get_app)],
    key: Annotated[str | None, Depends(presented_key)],
) -> User | None:
    """The caller if they sent a valid API key, else ``None``."""
    if key is None:
        return None
    try:
        return await run_in_threadpool(authenticate, app, key)
    except NotAuthenticated:
        return None


async def caller(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The caller of a public endpoint: the authenticated user or :data:`ANONYMOUS`."""
    return user if user is not None else ANONYMOUS


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
Caller = Annotated[User, Depends(caller)]
AppDep = Annotated[App, Depends(get_app)]
