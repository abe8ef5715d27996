"""The compliance REST API (FastAPI TestClient), on SQLite and PostgreSQL: who may call what,
idempotent surrender, refusals as problem+json, closing a year.

Compliance year 2024 in Guangdong: surrender deadline 2025-06-20. The server's clock starts
on 2025-06-01 (the API takes no as-of date).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from rest import CHEAP, RestClient, user_keys

from openets import App, bootstrap
from openets.api import create_api
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.registry.model import IssueUnits
from openets.registry.services import ensure_system_accounts, execute

V1 = "/api/v1/compliance"
USERS = [
    ("reg", "regulator", None),
    ("steel", "entity", "Guangdong Steel"),
    ("cement", "entity", "Guangdong Cement"),
    ("pub", "public", None),
]


@dataclass
class Api(RestClient):
    prefix: ClassVar[str] = V1
    clock: FixedClock


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    clock = FixedClock(datetime(2025, 6, 1, 2, 0, tzinfo=UTC))  # 2025-06-01 10:00 CST
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    mrv.add_entity(app, "GD-STEEL", "Guangdong Steel", "steel", by=OPERATOR)
    mrv.add_entity(app, "GD-CEMENT", "Guangdong Cement", "cement", by=OPERATOR)
    rows = [("GD-STEEL", 2023, 123_456), ("GD-STEEL", 2024, 1_000), ("GD-CEMENT", 2024, 20_000)]
    mrv.import_emissions(app, [ImportedEmissions(*row) for row in rows], by=OPERATOR)
    execute(app, IssueUnits("GDEA-2024", 50_000, "GD-STEEL"))
    execute(app, IssueUnits("GDEA-2024", 19_000, "GD-CEMENT"))
    execute(app, IssueUnits("GDEA-2025", 10, "GD-CEMENT"))
    keys = user_keys(app, USERS)
    yield Api(TestClient(create_api(app)), keys, clock)
    app.dispose()


def units(*lines: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"instrument": i, "quantity": q} for i, q in lines]


def test_surrender_is_the_entitys_own_and_idempotent(api: Api) -> None:
    body = {"entity": "GD-STEEL", "units": units(("GDEA-2024", 1_000))}
    api.call("POST", "/2024/surrenders", None, body, status=401)
    api.call("POST", "/2024/surrenders", "cement", body, status=403)
    api.call("POST", "/2024/surrenders", "pub", body, status=403)
    key = {"Idempotency-Key": "s1"}
    first = api.call("POST", "/2024/surrenders", "steel", body, status=201, **key)
    assert (first["entity"], first["allowances"], first["replayed"]) == ("GD-STEEL", 1_000, False)
    again = api.call("POST", "/2024/surrenders", "steel", body, status=200, **key)
    assert (again["id"], again["replayed"]) == (first["id"], True)
    other = {"entity": "GD-STEEL", "units": units(("GDEA-2024", 2))}
    api.call("POST", "/2024/surrenders", "steel", other, status=409, **key)
    # a rule's refusal is a 422 naming the rule
    borrowed = {"entity": "GD-CEMENT", "units": units(("GDEA-2025", 10))}
    problem = api.call("POST", "/2024/surrenders", "reg", borrowed, status=422)
    assert problem["detail"].startswith("borrowing refused: GDEA-2025 has vintage 2025")
    # malformed bodies: float quantities and unknown fields are refused
    bad = {"entity": "GD-CEMENT", "units": [{"instrument": "GDEA-2024", "quantity": 1.5}]}
    api.call("POST", "/2024/surrenders", "reg", bad, status=422)
    api.call("POST", "/2024/surrenders", "reg", {**body, "as_of": "2025-06-01"}, status=422)
    cement = {"entity": "GD-CEMENT", "units": units(("GDEA-2024", 19_000))}
    api.call("POST", "/2024/surrenders", "reg", cement, status=201)


def test_status_position_and_coverage_by_role(api: Api) -> None:
    steel = {"entity": "GD-STEEL", "units": units(("GDEA-2024", 1_000))}
    api.call("POST", "/2024/surrenders", "steel", steel, status=201)
    everyone = api.call("GET", "/2024/status", "reg")
    assert everyone["year"] == 2024
    assert {r["entity"]: (r["shortfall"], r["status"]) for r in everyone["entities"]} == {
        "GD-CEMENT": (20_000, "pending"),
        "GD-STEEL": (0, "compliant"),
    }
    own = api.call("GET", "/2024/status", "steel")
    assert [r["entity"] for r in own["entities"]] == ["GD-STEEL"]
    api.call("GET", "/2024/status?entity=GD-CEMENT", "steel", status=403)
    api.call("GET", "/2024/status", "pub", status=403)
    position = api.call("GET", "/2024/entities/GD-STEEL/position", "steel")
    assert (position["obligation"], position["offsets"]["limit"]) == (1_000, 12_345)
    api.call("GET", "/2024/entities/GD-STEEL/position", "cement", status=403)
    api.call("GET", "/2024/entities/NOBODY/position", "reg", status=404)
    coverage = api.call("GET", "/2024/coverage", "reg")
    assert [r["entity"] for r in coverage["entities"]] == ["GD-CEMENT", "GD-STEEL"]
    api.call("GET", "/2024/coverage", "steel", status=403)


def test_deadlines_extension_and_close(api: Api) -> None:
    board = api.call("GET", "/2024/deadlines")  # public, no login
    (guangdong,) = board["jurisdictions"]
    assert guangdong["jurisdiction"] == "guangdong"
    days = {d["name"]: d["days_left"] for d in guangdong["deadlines"]}
    assert days["surrender"] == 19  # 2025-06-01 → 2025-06-20
    extension = {"deadline": "surrender", "until": "2025-06-25", "reason": "typhoon"}
    api.call("POST", "/2024/extensions", "steel", extension, status=403)
    moved = api.call("POST", "/2024/extensions", "reg", extension, status=201)
    assert moved["extensions"][0]["until"] == "2025-06-25"
    api.call("POST", "/2024/extensions", "reg", {**extension, "until": "2025-06-19"}, status=400)

    cement = {"entity": "GD-CEMENT", "units": units(("GDEA-2024", 19_000))}
    api.call("POST", "/2024/surrenders", "cement", cement, status=201)
    api.call("POST", "/2024/close", "steel", {}, status=403)
    api.clock.instant = datetime(2025, 6, 25, 2, 0, tzinfo=UTC)  # the extended deadline
    assert "too early" in api.call("POST", "/2024/close", "reg", {}, status=422)["detail"]
    api.clock.instant = datetime(2025, 6, 26, 2, 0, tzinfo=UTC)
    closed = api.call("POST", "/2024/close", "reg", {})
    # GD-CEMENT: 20,000 - 19,000 = 1,000 t short → 2,000 t deducted, 5,000,000 fen;
    # GD-STEEL: 1,000 verified, nothing surrendered in this test → the same penalty
    assert [
        (p["entity"], p["shortfall"], p["deduction_next_year"], p["fine_fen"])
        for p in closed["penalties"]
    ] == [("GD-CEMENT", 1_000, 2_000, 5_000_000), ("GD-STEEL", 1_000, 2_000, 5_000_000)]
    assert api.call("POST", "/2024/close", "reg", {})["penalties"] == closed["penalties"]
