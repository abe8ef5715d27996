"""Declaring who may call a route, in its OpenAPI operation.

Each route's docstring carries a ``**Who may call:**`` line for people; :func:`roles` adds the
same as the machine-readable extension ``x-openets-roles`` (``anonymous`` marks a route that
needs no credentials at all).
"""

from __future__ import annotations

from typing import Any

from openets.auth.model import Role

ANYONE = ("anonymous", *(r.value for r in Role))
AUTHENTICATED = tuple(r.value for r in Role)
OVERSIGHT = (Role.REGULATOR.value, Role.VERIFIER.value)
ACCOUNT_READERS = (*OVERSIGHT, Role.ENTITY.value, Role.MEMBER.value, Role.PROJECT_OWNER.value)
HOLDERS = (Role.REGULATOR.value, Role.ENTITY.value, Role.MEMBER.value, Role.PROJECT_OWNER.value)
REGULATOR = (Role.REGULATOR.value,)
OWNER_ROLES = (Role.ENTITY.value, Role.MEMBER.value, Role.PROJECT_OWNER.value)


def roles(allowed: tuple[str, ...], scope: str = "") -> dict[str, Any]:
    """``openapi_extra`` naming the roles that may call a route and for which accounts."""
    extra: dict[str, Any] = {"x-openets-roles": list(allowed)}
    if scope:
        extra["x-openets-scope"] = scope
    return extra
