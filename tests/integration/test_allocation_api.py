"""The allocation REST API (FastAPI TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App, bootstrap
from openets.api import create_api
from openets.auth import add_user, issue_api_key
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.registry.services import ensure_system_accounts
from openets.settings import Settings

CHEAP = Settings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PROBLEM = "application/problem+json"
V1 = "/api/v1/allocation"
USERS = [
    ("reg", "regulator", None),
    ("steel", "entity", "Steel One"),
    ("ver", "verifier", None),
]

Client = tuple[TestClient, dict[str, str]]


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[Client]:
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    mrv.add_entity(app, "STEEL-1", "Steel One", "steel", by=OPERATOR)
    mrv.add_entity(app, "CEM-1", "Cement One", "cement", by=OPERATOR)
    rows = [
        ImportedEmissions("STEEL-1", 2023, 190_000, Decimal(100_000)),
        ImportedEmissions("CEM-1", 2023, 30_000, Decimal(40_000)),
    ]
    mrv.import_emissions(app, rows, by=OPERATOR)
    for name, role, owner in USERS:
        add_user(app, name, role, owner=owner)
    keys = {name: issue_api_key(app, name, "test") for name, _, _ in USERS}
    yield TestClient(create_api(app)), keys
    app.dispose()


def call(
    client: Client,
    method: str,
    path: str,
    who: str | None = None,
    status: int = 200,
    **headers: str,
) -> Any:
    test, keys = client
    if who:
        headers["Authorization"] = f"Bearer {keys[who]}"
    response = test.request(method, V1 + path, headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_preview_issue_and_read(client: Client) -> None:
    call(client, "GET", "/2024", status=401)
    call(client, "GET", "/2024", "steel", status=403)
    preview = call(client, "GET", "/2024", "reg")
    # steel 100,000 × 1.8 = 180,000 (free 174,600); cement 40,000 × 0.85 = 34,000 (free 32,980)
    assert [(x["entity"], x["entitlement"], x["free"]) for x in preview["entities"]] == [
        ("CEM-1", 34_000, 32_980),
        ("STEEL-1", 180_000, 174_600),
    ]
    assert preview["jurisdictions"][0]["reserve"] == 1_020 + 5_400
    problem = call(client, "GET", "/2024?jurisdiction=national", "reg", status=400)
    assert "cap of national is not set" in problem["detail"]
    call(client, "GET", "/1999", "reg", status=422)

    call(client, "POST", "/2024/issue", "steel", status=403)
    call(client, "POST", "/2024/issue", "ver", status=403)
    issued = call(client, "POST", "/2024/issue", "reg", status=201, **{"Idempotency-Key": "a"})
    assert (issued["phase"], issued["replayed"]) == ("pre", False)
    again = call(client, "POST", "/2024/issue?jurisdiction=guangdong", "reg")
    assert again["replayed"] is True
    assert again["entities"] == issued["entities"]

    everything = call(client, "GET", "/2024/lines", "reg")
    assert [x["entity"] for x in everything["lines"]] == ["CEM-1", "STEEL-1"]
    assert [r["phase"] for r in everything["rounds"]] == ["pre"]
    own = call(client, "GET", "/2024/lines", "steel")
    assert [x["entity"] for x in own["lines"]] == ["STEEL-1"]
    assert own["rounds"] == []
    assert call(client, "GET", "/2024/lines?entity=CEM-1", "steel")["lines"] == []
    call(client, "GET", "/2024/lines", "ver", status=403)


def test_true_up(client: Client) -> None:
    call(client, "POST", "/2024/true-up", "steel", status=403)
    problem = call(client, "POST", "/2024/true-up", "reg", status=422)
    assert "has not been issued" in problem["detail"]
    call(client, "POST", "/2024/issue", "reg", status=201)
    # no 2024 output yet: everything stands, and both are listed as missing
    trued = call(client, "POST", "/2024/true-up", "reg", status=201)
    assert trued["entities"] == []
    assert [m["entity"] for m in trued["missing"]] == ["CEM-1", "STEEL-1"]
    assert call(client, "POST", "/2024/true-up", "reg")["replayed"] is True
