"""The offsets REST API (FastAPI TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App, bootstrap
from openets.api import create_api
from openets.auth import add_user, issue_api_key
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.registry.services import ensure_system_accounts, open_account
from openets.settings import Settings

CHEAP = Settings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PROBLEM = "application/problem+json"
V1 = "/api/v1/offsets"
USERS = [
    ("reg", "regulator", None),
    ("ver", "verifier", None),
    ("sun", "project_owner", "Sunny Co-op"),
    ("other", "project_owner", "Other Co-op"),
    ("pub", "public", None),
]
PROJECT = {
    "id": "PV-1",
    "scheme": "PHCER",
    "type": "distributed_solar",
    "methodology": "PHCER-PV",
    "owner_account": "SUN",
    "province": "Guangdong",
    "city": "Meizhou",
    "tags": ["poverty", "old_revolutionary"],
    "crediting_start": 2020,
    "crediting_end": 2029,
}


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    open_account(app, "SUN", "holding", "Sunny Co-op")
    for name, role, owner in USERS:
        add_user(app, name, role, owner=owner)
    keys = {name: issue_api_key(app, name, "test") for name, _, _ in USERS}
    yield TestClient(create_api(app)), keys
    app.dispose()


def call(
    client: tuple[TestClient, dict[str, str]],
    method: str,
    path: str,
    who: str | None = None,
    body: Any = None,
    status: int = 200,
    **headers: str,
) -> Any:
    test, keys = client
    if who:
        headers["Authorization"] = f"Bearer {keys[who]}"
    response = test.request(method, V1 + path, json=body, headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_project_to_certificate(client: tuple[TestClient, dict[str, str]]) -> None:
    call(client, "POST", "/projects", "sun", PROJECT, status=403)
    project = call(client, "POST", "/projects", "reg", PROJECT, status=201)
    assert project["status"] == "registered"
    issue = {"year": 2024, "quantity": 500}
    problem = call(client, "POST", "/projects/PV-1/issuances", "reg", issue, status=422)
    assert "only active projects" in problem["detail"]
    for step in ("validated", "active"):
        call(client, "POST", "/projects/PV-1/status", "reg", {"status": step})

    report = {
        "project": "PV-1",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "inputs": {"generation_mwh": 1000, "grid_factor": "0.5"},
        "claimed": 501,
    }
    problem = call(client, "POST", "/reports", "sun", report, status=422)
    assert "501 t exceeds the 500 t" in problem["detail"]
    call(client, "POST", "/reports", "other", {**report, "claimed": 500}, status=403)
    submitted = call(client, "POST", "/reports", "sun", {**report, "claimed": 500}, status=201)
    assert (submitted["id"], submitted["computed"]) == ("PV-1-MR1", 500)
    call(client, "POST", "/reports/PV-1-MR1/approve", "reg", status=422)
    call(client, "POST", "/reports/PV-1-MR1/verify", "sun", status=403)
    call(client, "POST", "/reports/PV-1-MR1/verify", "ver")
    call(client, "POST", "/reports/PV-1-MR1/approve", "reg")

    call(client, "POST", "/projects/PV-1/issuances", "sun", issue, status=403)
    issued = call(client, "POST", "/projects/PV-1/issuances", "reg", issue, status=201)
    assert issued["provenance"] == "monitoring report PV-1-MR1"
    call(client, "POST", "/projects/PV-1/issuances", "reg", issue, status=422)

    sale = {"quantity": 200, "price_fen": 3_000, "buyer": "Expo", "date": "2025-06-30"}
    call(client, "POST", "/projects/PV-1/sales", "sun", sale, status=201)
    problem = call(
        client, "POST", "/projects/PV-1/sales", "sun", {**sale, "quantity": 301}, status=422
    )
    assert "500 t issued and 200 t sold" in problem["detail"]

    stats = call(client, "GET", "/stats")
    assert (stats["issued"], stats["sold"], stats["income_fen"]) == (500, 200, 600_000)
    assert stats["by_tag"]["poverty"] == stats["by_tag"]["old_revolutionary"] == 500
    assert stats["tagged_total"] == 500

    retire = {
        "account": "SUN",
        "instrument": "PHCER",
        "quantity": 100,
        "beneficiary": "Sunny Co-op",
        "purpose": "annual neutrality",
    }
    call(client, "POST", "/retirements", "other", retire, status=403)
    cert = call(
        client, "POST", "/retirements", "sun", retire, status=201, **{"Idempotency-Key": "c1"}
    )
    assert cert["id"] == "RC-2025-000001"
    again = call(
        client, "POST", "/retirements", "sun", retire, status=201, **{"Idempotency-Key": "c1"}
    )
    assert again == cert
    public = call(client, "GET", "/certificates/RC-2025-000001")
    assert public["blocks"] == [
        {"serial_start": 1, "serial_end": 100, "project": "PV-1", "vintage": 2024}
    ]
    call(client, "GET", "/certificates/RC-2025-000002", status=404)

    shown = call(client, "GET", "/projects/PV-1")
    assert (shown["issued"], shown["outstanding"], shown["sold"]) == (500, 400, 200)
    assert [p["id"] for p in call(client, "GET", "/projects?tag=poverty")] == ["PV-1"]
    assert call(client, "GET", "/projects?city=Shantou") == []
    origin = call(client, "GET", "/credits/PHCER/250")
    assert (origin["project"]["id"], origin["vintage"]) == ("PV-1", 2024)
    call(client, "GET", "/reports/PV-1-MR1", "other", status=403)
    assert call(client, "GET", "/reports/PV-1-MR1", "sun")["status"] == "credited"
