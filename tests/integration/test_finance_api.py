"""The ``/api/v1/finance`` REST API (FastAPI TestClient), on SQLite and PostgreSQL: pledges
created, valued, released and defaulted by who may; idempotent creation; refusals as
problem+json that change nothing.

The server's clock: 2025-07-01 10:00 CST. GDEA-2025 closed at ¥50.00 (5,000 fen) that day
(a closed exchange day, recorded directly; the services tests and ``test_finance_exchange``
make closes by trading). 10,000 t are worth 50,000,000 fen: a loan of 25,000,000 fen is the
most the default LTV limit 0.5 allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rest import CHEAP, RestClient, user_keys

from openets import App, bootstrap
from openets.api import create_api
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.exchange.model import Bar
from openets.exchange.store import ExchangeStore
from openets.registry.model import IssueUnits
from openets.registry.services import balance, ensure_system_accounts, execute, open_account

V1 = "/api/v1/finance"
USERS = [
    ("reg", "regulator", None),
    ("steel", "entity", "Guangzhou Steel"),
    ("bank", "member", "Bank of Guangzhou"),
    ("cement", "entity", "Guangzhou Cement"),
    ("ver", "verifier", None),
]
BODY = {
    "borrower": "GD-STEEL-001",
    "lender": "BANK-GZ-01",
    "instrument": "GDEA-2025",
    "quantity": 10_000,
    "loan_fen": 25_000_000,
    "start": "2025-07-01",
    "maturity": "2026-06-30",
}


def close_at(app: App, day: date, close_fen: int) -> None:
    bar = Bar("GDEA-2025", day.isoformat(), close_fen, close_fen, close_fen, close_fen, 1, 1, 1)
    app.write(lambda c: ExchangeStore(c).insert_bar(bar, f"{day}T07:00:00.000000Z"))


@dataclass
class Api(RestClient):
    prefix: ClassVar[str] = V1
    app: App

    def held(self, account: str) -> tuple[int, int]:
        for p in balance(self.app, account).balances:
            if p.instrument == "GDEA-2025":
                return p.quantity, p.frozen
        return 0, 0


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    clock = FixedClock(datetime(2025, 7, 1, 2, 0, tzinfo=UTC))
    app = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    open_account(app, "GD-STEEL-001", "holding", "Guangzhou Steel")
    open_account(app, "GD-CEMENT-001", "holding", "Guangzhou Cement")
    open_account(app, "BANK-GZ-01", "holding", "Bank of Guangzhou")
    execute(app, IssueUnits("GDEA-2025", 30_000, "GD-STEEL-001"))
    close_at(app, date(2025, 7, 1), 5_000)
    keys = user_keys(app, USERS)
    with TestClient(create_api(app)) as client:
        yield Api(client, keys, app)
    app.dispose()


def test_create_list_show_value_release(api: Api) -> None:
    created = api.call("POST", "/pledges", "steel", BODY, 201, **{"Idempotency-Key": "k-1"})
    assert {k: created[k] for k in ("id", "status", "quantity", "loan_fen", "ltv_limit",
            "margin", "call", "margin_level_fen", "replayed")} == {
        "id": 1, "status": "active", "quantity": 10_000, "loan_fen": 25_000_000,
        "ltv_limit": "0.5", "margin": "1.3", "call": "1.1", "margin_level_fen": 32_500_000,
        "replayed": False,
    }  # fmt: skip
    again = api.call("POST", "/pledges", "steel", BODY, 200, **{"Idempotency-Key": "k-1"})
    assert (again["id"], again["replayed"]) == (1, True)
    other = {**BODY, "quantity": 1}
    api.call("POST", "/pledges", "steel", other, 409, **{"Idempotency-Key": "k-1"})
    assert api.held("GD-STEEL-001") == (30_000, 10_000)

    run = api.call("POST", "/valuations", "reg", {"day": "2025-07-01"})
    assert [(v["pledge"], v["value_fen"], v["ltv"], v["level"]) for v in run["valued"]] == [
        (1, 50_000_000, "0.5000", "ok")
    ]
    api.call("POST", "/valuations", "steel", {}, 403)

    for who in ("reg", "steel", "bank"):
        listed = api.call("GET", "/pledges", who)
        assert [p["id"] for p in listed["pledges"]] == [1], who
        assert listed["pledges"][0]["latest_valuation"]["value_fen"] == 50_000_000
        shown = api.call("GET", "/pledges/1", who)
        assert [v["day"] for v in shown["valuations"]] == ["2025-07-01"]
    assert api.call("GET", "/pledges", "cement")["pledges"] == []
    api.call("GET", "/pledges/1", "cement", status=403)
    api.call("GET", "/pledges", "ver", status=403)
    api.call("GET", "/pledges", status=401)
    api.call("GET", "/pledges/2", "reg", status=404)

    api.call("POST", "/pledges/1/release", "steel", status=403)  # the borrower cannot
    released = api.call("POST", "/pledges/1/release", "bank")
    assert (released["status"], released["replayed"]) == ("released", False)
    assert api.held("GD-STEEL-001") == (30_000, 0)
    assert api.call("POST", "/pledges/1/release", "bank")["replayed"] is True


def test_refusals_change_nothing(api: Api) -> None:
    over = api.call("POST", "/pledges", "reg", {**BODY, "loan_fen": 25_000_001}, 422)
    assert "LTV limit exceeded" in over["detail"]
    short = api.call("POST", "/pledges", "reg", {**BODY, "quantity": 30_001}, 422)
    assert "insufficient balance" in short["detail"]
    missing = api.call("POST", "/pledges", "reg", {**BODY, "lender": "NO-BANK"}, 404)
    assert "the lender account 'NO-BANK' does not exist" in missing["detail"]
    api.call("POST", "/pledges", "reg", {**BODY, "ltv": "half"}, 422)  # schema
    api.call("POST", "/pledges", "reg", {**BODY, "ltv": "0.9"}, 400)  # 0.9 x 1.3 > 1
    api.call("POST", "/pledges", "cement", BODY, 403)  # not the borrower's user
    api.call("POST", "/pledges", "reg", {**BODY, "extra": 1}, 422)
    assert api.held("GD-STEEL-001") == (30_000, 0)
    assert api.call("GET", "/pledges", "reg")["pledges"] == []


def test_default_on_a_call(api: Api) -> None:
    api.call("POST", "/pledges", "reg", BODY, 201)
    close_at(api.app, date(2025, 7, 2), 2_700)  # 27,000,000 fen < 27,500,000: call
    refused = api.call("POST", "/pledges/1/default", "bank", status=422)
    assert "not in default" in refused["detail"]
    run = api.call("POST", "/valuations", "reg", {"day": "2025-07-02"})
    assert run["warnings"] == [1]
    assert run["valued"][0]["level"] == "call"
    api.call("POST", "/pledges/1/default", "steel", status=403)
    done = api.call("POST", "/pledges/1/default", "bank")
    assert done["status"] == "defaulted"
    assert (api.held("GD-STEEL-001"), api.held("BANK-GZ-01")) == ((20_000, 0), (10_000, 0))


def test_routes_declare_who_may_call(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    paths = {p: ops for p, ops in spec["paths"].items() if p.startswith(V1)}
    assert set(paths) == {
        f"{V1}/pledges", f"{V1}/pledges/{{pledge_id}}", f"{V1}/pledges/{{pledge_id}}/release",
        f"{V1}/pledges/{{pledge_id}}/default", f"{V1}/valuations",
    }  # fmt: skip
    assert paths[f"{V1}/valuations"]["post"]["x-openets-roles"] == ["regulator"]
    assert paths[f"{V1}/pledges"]["get"]["x-openets-roles"] == ["regulator", "entity", "member"]
