"""The MRV REST API (FastAPI TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from openets import App, bootstrap
from openets.api import create_api
from openets.auth import add_user, issue_api_key
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.registry.services import ensure_system_accounts
from openets.settings import Settings

if TYPE_CHECKING:
    import httpx

CHEAP = Settings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PROBLEM = "application/problem+json"
V1 = "/api/v1"
USERS = [
    ("reg", "regulator", None),
    ("ver", "verifier", None),
    ("ver2", "verifier", None),
    ("acme", "entity", "Acme Steel"),
    ("beta", "entity", "Beta Cement"),
    ("pub", "public", None),
]


@pytest.fixture
def app(database_url: str, clock: FixedClock) -> Iterator[App]:
    application = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(application)
    ensure_system_accounts(application)
    yield application
    application.dispose()


@dataclass
class Client:
    client: TestClient
    keys: dict[str, str]

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        base = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return {**base, **extra}

    def get(self, path: str, who: str | None = None) -> httpx.Response:
        return self.client.get(V1 + path, headers=self.headers(who))

    def post(self, path: str, body: Any, who: str | None = None, **headers: str) -> httpx.Response:
        return self.client.post(V1 + path, json=body, headers=self.headers(who, **headers))

    def ok(self, method: str, path: str, who: str, body: Any = None, status: int = 200) -> Any:
        response = self.get(path, who) if method == "get" else self.post(path, body, who)
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def api(app: App) -> Client:
    for name, role, owner in USERS:
        add_user(app, name, role, owner=owner)
    keys = {name: issue_api_key(app, name, "test") for name, _, _ in USERS}
    client = Client(TestClient(create_api(app)), keys)
    for body in (
        {"id": "ACME", "name": "Acme Steel", "sector": "steel"},
        {"id": "BETA", "name": "Beta Cement", "sector": "cement", "jurisdiction": "shenzhen"},
    ):
        client.ok("post", "/entities", "reg", body, status=201)
    client.ok(
        "post", "/facilities", "acme", {"id": "ACME-F1", "entity": "ACME", "name": "Plant 1"}, 201
    )
    client.ok(
        "post", "/facilities", "reg", {"id": "BETA-F1", "entity": "BETA", "name": "Kiln 1"}, 201
    )
    return client


def report_body(mwh: str = "1000", entity: str = "ACME", facility: str = "ACME-F1") -> Any:
    return {
        "entity": entity,
        "year": 2022,
        "lines": [
            {
                "facility_id": facility,
                "source": "electricity",
                "item": "grid",
                "quantity": mwh,
                "unit": "MWh",
            }
        ],
    }


def problem(response: httpx.Response, status: int, contains: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert contains in response.json()["detail"]


def test_entities_facilities_and_plans(api: Client) -> None:
    entity = api.ok("get", "/entities/ACME", "acme")
    assert entity == {
        "id": "ACME",
        "name": "Acme Steel",
        "sector": "steel",
        "jurisdiction": "guangdong",
        "account": "ACME",
        "created_at": "2025-07-01T02:00:00.000000Z",
    }
    # the compliance account exists, owned by the entity's name: its user sees it
    assert api.ok("get", "/accounts/ACME", "acme")["owner"] == "Acme Steel"
    again = api.post("/entities", {"id": "ACME", "name": "Acme Steel", "sector": "steel"}, "reg")
    assert again.status_code == 200
    problem(
        api.post("/entities", {"id": "ACME", "name": "Acme", "sector": "steel"}, "reg"),
        409,
        "already exists",
    )
    problem(
        api.post("/entities", {"id": "X", "name": "X", "sector": "steel"}, "acme"),
        403,
        "only a regulator may",
    )
    assert [e["id"] for e in api.ok("get", "/entities", "ver")] == ["ACME", "BETA"]
    assert [e["id"] for e in api.ok("get", "/entities", "beta")] == ["BETA"]
    problem(api.get("/entities", "pub"), 403, "may not list covered entities")
    problem(api.get("/entities/BETA", "acme"), 403, "may not read entity 'BETA'")

    stream = {"source": "electricity", "item": "grid", "method": "metered"}
    assert api.ok("post", "/facilities/ACME-F1/streams", "acme", stream, 201) == {
        "facility_id": "ACME-F1",
        **stream,
    }
    assert api.post("/facilities/ACME-F1/streams", stream, "acme").status_code == 200
    changed = {**stream, "method": "invoice"}
    problem(api.post("/facilities/ACME-F1/streams", changed, "reg"), 409, "already monitors")
    problem(api.post("/facilities/BETA-F1/streams", stream, "acme"), 403, "may not change")
    again = {"id": "ACME-F1", "entity": "ACME", "name": "Plant 1"}
    assert api.post("/facilities", again, "acme").status_code == 200
    plan = api.ok("get", "/facilities/ACME-F1", "ver")
    assert plan["streams"] == [{"facility_id": "ACME-F1", **stream}]
    [listed] = api.ok("get", "/entities/ACME/facilities", "acme")
    assert listed == plan
    problem(api.get("/facilities/NOPE", "reg"), 404, "facility 'NOPE' does not exist")


def test_the_lifecycle_over_http(api: Client) -> None:
    created = api.post("/emission-reports", report_body(), "acme", **{"Idempotency-Key": "c-1"})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/api/v1/emission-reports/ACME-2022-v1"
    report = created.json()
    # 1,000 MWh × 0.5703 tCO2/MWh (2022 national ETS grid factor) = 570.3 t
    assert (report["id"], report["status"], report["replayed"]) == ("ACME-2022-v1", "draft", False)
    assert (report["total_tco2"], report["compliance_tco2"]) == ("570.3", 570)
    assert report["lines"][0]["row"] == 1
    assert report["lines"][0]["factors"] == {"ef": "0.5703"}
    assert report["factor_versions"] == ["grid-2022-national-ets"]
    repeat = api.post("/emission-reports", report_body(), "acme", **{"Idempotency-Key": "c-1"})
    assert repeat.status_code == 200
    assert repeat.json() == {**report, "replayed": True}
    other = api.post("/emission-reports", report_body("5"), "acme", **{"Idempotency-Key": "c-1"})
    problem(other, 409, "already used")

    rid = report["id"]
    api.ok("post", f"/emission-reports/{rid}/submit", "acme")
    problem(api.post(f"/emission-reports/{rid}/submit", None, "acme"), 422, "is submitted")
    problem(api.get(f"/emission-reports/{rid}", "ver"), 403, "may not read report")
    assert api.ok("get", "/emission-reports", "ver")["items"] == []
    api.ok("post", f"/emission-reports/{rid}/assign", "reg", {"verifier": "ver"})
    [summary] = api.ok("get", "/emission-reports", "ver")["items"]
    assert (summary["id"], summary["status"], summary["verifier"]) == (rid, "submitted", "ver")
    adjust = {"adjustments": [{"row": 1, "value": "1100", "reason": "meter reading"}]}
    problem(api.post(f"/emission-reports/{rid}/verify", adjust, "ver2"), 403, "assigned to 'ver'")
    verified = api.ok("post", f"/emission-reports/{rid}/verify", "ver", adjust)
    # 1,100 MWh × 0.5703 = 627.33 t
    assert (verified["status"], verified["total_tco2"], verified["compliance_tco2"]) == (
        "verified",
        "627.33",
        627,
    )
    assert verified["adjustments"] == [
        {
            "row": 1,
            "field": "quantity",
            "original": "1000",
            "adjusted": "1100",
            "reason": "meter reading",
            "by": "ver",
            "role": "verifier",
            "at": "2025-07-01T02:00:00.000000Z",
        }
    ]
    problem(api.get("/entities/ACME/emissions/2022", "acme"), 404, "no approved emission report")
    problem(api.post(f"/emission-reports/{rid}/approve", None, "acme"), 403, "only a regulator")
    approved = api.ok("post", f"/emission-reports/{rid}/approve", "reg")
    assert approved["status"] == "approved"
    assert [(t["action"], t["from"], t["to"], t["by"]) for t in approved["transitions"]] == [
        ("create", None, "draft", "acme"),
        ("submit", "draft", "submitted", "acme"),
        ("assign", "submitted", "submitted", "reg"),
        ("verify", "submitted", "verified", "ver"),
        ("approve", "verified", "approved", "reg"),
    ]
    assert api.ok("get", "/entities/ACME/emissions/2022", "acme") == {
        "entity": "ACME",
        "year": 2022,
        "verified_tco2": 627,
        "report": rid,
        "version": 1,
        "total_tco2": "627.33",
        "by_source": {"electricity": "627.33"},
    }
    assert [e["verified_tco2"] for e in api.ok("get", "/entities/ACME/emissions", "reg")] == [627]
    problem(api.get("/entities/ACME/emissions/2022", "beta"), 403, "may not read the verified")
    assert api.ok("get", "/emission-reports?status=approved", "reg")["items"][0]["id"] == rid
    assert api.ok("get", "/emission-reports?status=draft", "reg")["items"] == []


def test_entities_see_only_their_own_reports(api: Client) -> None:
    api.ok("post", "/emission-reports", "acme", report_body(), 201)
    beta = report_body("20", "BETA", "BETA-F1")
    problem(api.post("/emission-reports", beta, "acme"), 403, "only the entity itself may")
    problem(api.post("/emission-reports", report_body(), "reg"), 403, "only the entity itself")
    api.ok("post", "/emission-reports", "beta", beta, 201)
    assert [s["id"] for s in api.ok("get", "/emission-reports", "reg")["items"]] == [
        "ACME-2022-v1",
        "BETA-2022-v1",
    ]
    assert [s["id"] for s in api.ok("get", "/emission-reports", "beta")["items"]] == [
        "BETA-2022-v1"
    ]
    problem(api.get("/emission-reports/ACME-2022-v1", "beta"), 403, "may not read report")
    problem(api.get("/emission-reports", "pub"), 403, "may not list emission reports")
    problem(api.get("/emission-reports/NOPE", "reg"), 404, "does not exist")
    assert api.get("/emission-reports").status_code == 401


def test_bad_lines_are_refused_and_nothing_is_stored(api: Client) -> None:
    body = report_body()
    body["lines"].append(
        {
            "facility_id": "ACME-F1",
            "source": "combustion",
            "item": "unobtainium",
            "quantity": "5",
            "unit": "t",
        }
    )
    problem(api.post("/emission-reports", body, "acme"), 400, "row 2: ")
    wrong_unit = report_body()
    wrong_unit["lines"][0]["unit"] = "kWh"
    problem(api.post("/emission-reports", wrong_unit, "acme"), 400, "row 1: unknown unit 'kWh'")
    floating = report_body()
    floating["lines"][0]["quantity"] = 1000.5
    assert api.post("/emission-reports", floating, "acme").status_code == 422
    negative = report_body("-1")
    problem(api.post("/emission-reports", negative, "acme"), 400, "row 1: quantity")
    bad_item = report_body()
    bad_item["lines"][0]["item"] = "Grid X"
    problem(
        api.post("/emission-reports", bad_item, "acme"), 400, "row 1: item 'Grid X' is malformed"
    )
    huge = report_body("1e999999999")
    problem(api.post("/emission-reports", huge, "acme"), 400, "row 1: quantity is out of range")
    assert api.ok("get", "/emission-reports", "reg")["items"] == []


def test_the_openapi_document_says_who_may_call_each_route(api: Client) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    assert paths["/api/v1/emission-reports"]["post"]["x-openets-roles"] == ["entity"]
    assert paths["/api/v1/emission-reports/{report_id}/approve"]["post"]["x-openets-roles"] == [
        "regulator"
    ]
    assert paths["/api/v1/emission-reports/{report_id}/verify"]["post"]["x-openets-roles"] == [
        "verifier"
    ]
    for path, operations in paths.items():
        if path.startswith(("/api/v1/entities", "/api/v1/facilities", "/api/v1/emission-")):
            for operation in operations.values():
                assert "x-openets-roles" in operation, path
                assert "**Who may call:**" in operation["description"], path
