"""The REST API as the integration tests call it: a TestClient and an API key per user.

A test module subclasses :class:`RestClient` with its route prefix and whatever its fixture
keeps next to the client (the clock, the app)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from fastapi.testclient import TestClient

from openets import App
from openets.auth import add_user, issue_api_key
from openets.settings import Settings

#: cheap Argon2 for test users and keys
CHEAP = Settings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PROBLEM = "application/problem+json"


@dataclass
class RestClient:
    client: TestClient
    keys: dict[str, str]
    #: the routes' prefix, e.g. ``/api/v1/exchange``
    prefix: ClassVar[str] = ""

    def call(
        self,
        method: str,
        path: str,
        who: str | None = None,
        body: Any = None,
        status: int = 200,
        **headers: str,
    ) -> Any:
        """Call ``prefix + path`` as user ``who`` (an API key) and check the status; a refusal
        must be a problem document."""
        if who:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        response = self.client.request(method, self.prefix + path, json=body, headers=headers)
        assert response.status_code == status, response.text
        if status >= 400:
            assert response.headers["content-type"].startswith(PROBLEM)
        return response.json()


def user_keys(app: App, users: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """Add the users (name, role, owner) and issue each an API key."""
    keys = {}
    for name, role, owner in users:
        add_user(app, name, role, owner=owner)
        keys[name] = issue_api_key(app, name, "test")
    return keys
