"""The REST API end to end (FastAPI TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from openets import App, bootstrap
from openets.api import create_api
from openets.auth import add_user, issue_api_key
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.registry.services import ensure_system_accounts, open_account
from openets.settings import Settings

if TYPE_CHECKING:
    import httpx  # the TestClient's responses (httpx2 has the same Response)

CHEAP = Settings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PROBLEM = "application/problem+json"
V1 = "/api/v1"


@pytest.fixture
def app(database_url: str, clock: FixedClock) -> Iterator[App]:
    """A migrated registry with cheap password hashing."""
    application = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(application)
    ensure_system_accounts(application)
    yield application
    application.dispose()


@dataclass
class Market:
    """A client and one API key per role; Acme and Beta each own one holding account."""

    client: TestClient
    keys: dict[str, str]

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        base = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return {**base, **extra}

    def get(self, path: str, who: str | None = None) -> httpx.Response:
        return self.client.get(V1 + path, headers=self.headers(who))

    def post(self, path: str, body: Any, who: str | None = None, **headers: str) -> httpx.Response:
        return self.client.post(V1 + path, json=body, headers=self.headers(who, **headers))

    def balance(self, account: str) -> dict[str, tuple[int, int]]:
        response = self.get(f"/accounts/{account}/balance", "reg")
        assert response.status_code == 200, response.text
        return {b["instrument"]: (b["quantity"], b["frozen"]) for b in response.json()["balances"]}


@pytest.fixture
def market(app: App) -> Market:
    for name, role, owner in [
        ("reg", "regulator", None),
        ("ver", "verifier", None),
        ("acme", "entity", "Acme Steel"),
        ("beta", "entity", "Beta Cement"),
        ("pub", "public", None),
    ]:
        add_user(app, name, role, owner=owner)
    keys = {
        name: issue_api_key(app, name, "test") for name in ("reg", "ver", "acme", "beta", "pub")
    }
    open_account(app, "ACME-1", "holding", "Acme Steel")
    open_account(app, "BETA-1", "holding", "Beta Cement")
    return Market(TestClient(create_api(app)), keys)


def issue(market: Market, quantity: int, to: str = "ACME-1") -> httpx.Response:
    return market.post(
        "/issuances", {"instrument": "GDEA-2024", "quantity": quantity, "to": to}, "reg"
    )


def assert_problem(response: httpx.Response, status: int, detail: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert detail in body["detail"]
    return body


# --- authentication -------------------------------------------------------------------------


def test_health_needs_no_credentials(market: Market, app: App) -> None:
    response = market.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "database": app.dialect}


def test_login_and_token_expiry(market: Market, app: App, clock: FixedClock) -> None:
    add_user(app, "alice", "entity", owner="Acme Steel", password="correct horse")
    response = market.client.post(
        f"{V1}/auth/token", json={"name": "alice", "password": "correct horse"}
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["expires_at"] == "2025-07-01T14:00:00.000000Z"
    bearer = {"Authorization": f"Bearer {token['token']}"}
    me = market.client.get(f"{V1}/auth/me", headers=bearer)
    assert me.json() == {"name": "alice", "role": "entity", "owner": "Acme Steel"}

    # the form login (OAuth2 style: username) and the other two places for a key
    form = market.client.post(
        f"{V1}/auth/token", data={"username": "alice", "password": "correct horse"}
    )
    assert form.status_code == 200, form.text
    other = form.json()["token"]
    assert market.client.get(f"{V1}/auth/me", headers={"X-API-Key": other}).status_code == 200
    cookie_client = TestClient(market.client.app, cookies={"openets_session": other})
    assert cookie_client.get(f"{V1}/auth/me").json()["name"] == "alice"

    clock.advance(timedelta(hours=12))
    expired = market.client.get(f"{V1}/auth/me", headers=bearer)
    body = assert_problem(expired, 401, "expired at 2025-07-01T14:00:00.000000Z")
    assert body["type"] == "urn:openets:problem:not-authenticated"
    assert expired.headers["www-authenticate"] == "Bearer"


def test_wrong_password_is_a_401_problem(market: Market, app: App) -> None:
    add_user(app, "alice", "regulator", password="correct horse")
    wrong = market.client.post(f"{V1}/auth/token", json={"name": "alice", "password": "nope"})
    unknown = market.client.post(f"{V1}/auth/token", json={"name": "bob", "password": "nope"})
    for response in (wrong, unknown):
        body = assert_problem(response, 401)
        assert body["detail"] == "user name or password is wrong"
        assert body["title"] == "Not authenticated"
    missing = market.client.post(f"{V1}/auth/token", json={"name": "alice"})
    assert_problem(missing, 422, "body.password: Field required")
    text = market.client.post(
        f"{V1}/auth/token", content="x", headers={"content-type": "text/plain"}
    )
    assert_problem(text, 400, "as JSON or as a form")


def test_missing_or_bad_credentials_are_401(market: Market) -> None:
    assert_problem(market.get("/accounts"), 401, "needs an API key")
    bad = market.client.get(f"{V1}/accounts", headers={"X-API-Key": "oets_0123456789abcdef_x"})
    assert_problem(bad, 401, "not valid")


def test_logout_revokes_the_key(market: Market) -> None:
    response = market.client.delete(f"{V1}/auth/token", headers=market.headers("acme"))
    assert response.status_code == 204
    assert_problem(market.get("/auth/me", "acme"), 401, "revoked")


# --- operations -----------------------------------------------------------------------------


def test_every_operation_end_to_end(market: Market) -> None:
    issued = issue(market, 1000)
    assert issued.status_code == 201, issued.text
    assert issued.json()["kind"] == "issue"
    assert issued.json()["replayed"] is False
    assert issued.headers["location"] == f"{V1}/journal/1"
    assert market.balance("ACME-1") == {"GDEA-2024": (1000, 0)}

    moved = market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 300, "from": "ACME-1", "to": "BETA-1"},
        "acme",
    )
    assert moved.status_code == 201, moved.text
    giver, taker = moved.json()["postings"]
    assert (giver["account"], giver["amount"], taker["account"], taker["amount"]) == (
        "ACME-1",
        -300,
        "BETA-1",
        300,
    )
    block = (taker["serial_start"], taker["serial_end"])
    assert block == (giver["serial_start"], giver["serial_end"])
    assert block[1] - block[0] + 1 == 300
    assert block[0] >= 1
    assert block[1] <= 1000

    retired = market.post(
        "/retirements",
        {
            "instrument": "GDEA-2024",
            "quantity": 50,
            "from": "BETA-1",
            "reason": "offset 2024",
            "beneficiary": "Beta Cement",
        },
        "beta",
    )
    assert retired.status_code == 201, retired.text
    frozen = market.post(
        "/freezes", {"instrument": "GDEA-2024", "quantity": 100, "account": "ACME-1"}, "reg"
    )
    assert frozen.status_code == 201, frozen.text
    assert market.balance("ACME-1") == {"GDEA-2024": (700, 100)}
    released = market.post(
        "/unfreezes", {"instrument": "GDEA-2024", "quantity": 40, "account": "ACME-1"}, "reg"
    )
    assert released.status_code == 201, released.text
    cancelled = market.post(
        "/cancellations",
        {"instrument": "GDEA-2024", "quantity": 200, "source": "ACME-1", "reason": "surrender"},
        "reg",
    )
    assert cancelled.status_code == 201, cancelled.text
    assert cancelled.json()["seq"] == 6
    assert market.balance("ACME-1") == {"GDEA-2024": (500, 60)}
    assert market.balance("BETA-1") == {"GDEA-2024": (250, 0)}
    supply = market.get("/instruments/GDEA-2024/supply")
    assert supply.json() == {
        "instrument": "GDEA-2024",
        "issued": 1000,
        "retired": 50,
        "cancelled": 200,
        "outstanding": 750,
    }

    corrected = market.post("/corrections", {"seq": 6, "reason": "wrong account"}, "reg")
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["kind"] == "correction"
    assert market.balance("ACME-1") == {"GDEA-2024": (700, 60)}
    assert market.get("/supply").json() == [
        {
            "instrument": "GDEA-2024",
            "issued": 1000,
            "retired": 50,
            "cancelled": 0,
            "outstanding": 950,
        }
    ]
    verified = market.get("/audit/verify", "pub")
    assert verified.json() == {"ok": True, "entries": 7, "first_bad_seq": None, "problem": None}


def test_idempotency_key_replays_and_conflicts(market: Market) -> None:
    body = {"instrument": "GDEA-2024", "quantity": 100, "to": "ACME-1"}
    first = market.post("/issuances", body, "reg", **{"Idempotency-Key": "issue-1"})
    again = market.post("/issuances", body, "reg", **{"Idempotency-Key": "issue-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["seq"] == first.json()["seq"]
    assert again.json()["replayed"] is True
    assert again.json()["key"] == "issue-1"
    assert market.balance("ACME-1") == {"GDEA-2024": (100, 0)}

    other = market.post(
        "/issuances", {**body, "quantity": 101}, "reg", **{"Idempotency-Key": "issue-1"}
    )
    assert_problem(other, 409, "idempotency key 'issue-1' was already used")
    assert market.balance("ACME-1") == {"GDEA-2024": (100, 0)}

    # an empty key is no key: both calls apply
    for _ in range(2):
        blank = market.post("/issuances", body, "reg", **{"Idempotency-Key": " "})
        assert blank.status_code == 201
        assert blank.json()["key"] is None
    assert market.balance("ACME-1") == {"GDEA-2024": (300, 0)}


def test_insufficient_balance_is_a_422_problem_with_the_figures(market: Market) -> None:
    issue(market, 1000)
    market.post(
        "/freezes", {"instrument": "GDEA-2024", "quantity": 100, "account": "ACME-1"}, "reg"
    )
    response = market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 950, "from": "ACME-1", "to": "BETA-1"},
        "acme",
    )
    body = assert_problem(response, 422)
    assert body["type"] == "urn:openets:problem:rule-violation"
    assert body["title"] == "Refused by a rule"
    assert body["detail"] == (
        "insufficient balance: account 'ACME-1' has 900 t of GDEA-2024 available "
        "(1000 t held, 100 t frozen), 950 t requested"
    )
    assert market.balance("ACME-1") == {"GDEA-2024": (1000, 100)}


def test_unknown_account_is_404(market: Market) -> None:
    for path in ("/accounts/NOPE", "/accounts/NOPE/balance", "/accounts/NOPE/journal"):
        assert_problem(market.get(path, "reg"), 404, "account 'NOPE' does not exist")
    assert_problem(issue(market, 5, to="NOPE"), 404, "account 'NOPE' does not exist")
    response = market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 1, "from": "NOPE", "to": "ACME-1"},
        "acme",
    )
    assert_problem(response, 404, "account 'NOPE' does not exist")
    assert_problem(market.get("/journal/99", "reg"), 404, "journal entry 99 does not exist")
    assert_problem(market.get("/no-such-route"), 404)


@pytest.mark.parametrize("quantity", [1.5, "1.5", "15", 10.0, True, 0, -3, None, 10**13])
def test_quantities_are_positive_whole_tonnes(market: Market, quantity: object) -> None:
    response = market.post(
        "/issuances", {"instrument": "GDEA-2024", "quantity": quantity, "to": "ACME-1"}, "reg"
    )
    body = assert_problem(response, 422, "body.quantity")
    assert body["errors"][0]["loc"] == ["body", "quantity"]
    assert market.get("/supply").json() == []


def test_malformed_input_is_a_400_or_422_problem(market: Market) -> None:
    response = issue(market, 5, to="ACME-1")
    assert response.status_code == 201
    bad_code = market.post(
        "/issuances", {"instrument": "XYZ", "quantity": 5, "to": "ACME-1"}, "reg"
    )
    assert_problem(bad_code, 400, "unknown instrument code 'XYZ'")
    extra = market.post(
        "/issuances", {"instrument": "CCER", "quantity": 5, "to": "ACME-1", "memo": "x"}, "reg"
    )
    assert_problem(extra, 422, "body.memo: Extra inputs are not permitted")
    assert_problem(market.get("/journal?cursor=abc", "reg"), 400, "cursor 'abc'")


def test_transfer_batches_are_atomic_and_idempotent(market: Market) -> None:
    issue(market, 100)
    issue(market, 100, to="BETA-1")
    batch = [
        {"instrument": "GDEA-2024", "quantity": 30, "from": "ACME-1", "to": "BETA-1"},
        {"instrument": "GDEA-2024", "quantity": 80, "from": "ACME-1", "to": "BETA-1"},
    ]
    refused = market.client.post(
        f"{V1}/transfer-batches", json=batch, headers=market.headers("acme")
    )
    assert_problem(refused, 422, "transfer 2: insufficient balance: account 'ACME-1' has 70 t")
    assert market.balance("ACME-1") == {"GDEA-2024": (100, 0)}

    batch[1]["quantity"] = 70
    headers = market.headers("acme", **{"Idempotency-Key": "batch-1"})
    done = market.client.post(f"{V1}/transfer-batches", json=batch, headers=headers)
    assert done.status_code == 201, done.text
    assert done.json() == {
        "applied": 2,
        "replayed": 0,
        "first_seq": 3,
        "last_seq": 4,
        "all_replayed": False,
    }
    again = market.client.post(f"{V1}/transfer-batches", json=batch, headers=headers)
    assert again.status_code == 200
    assert again.json() == {
        "applied": 0,
        "replayed": 2,
        "first_seq": None,
        "last_seq": None,
        "all_replayed": True,
    }
    assert market.balance("ACME-1") == {}
    assert market.balance("BETA-1") == {"GDEA-2024": (200, 0)}

    theirs = [{"instrument": "GDEA-2024", "quantity": 1, "from": "BETA-1", "to": "ACME-1"}]
    stolen = market.client.post(
        f"{V1}/transfer-batches", json=theirs, headers=market.headers("acme")
    )
    assert_problem(stolen, 403, "from account 'BETA-1': it is not theirs")
    empty = market.client.post(f"{V1}/transfer-batches", json=[], headers=market.headers("reg"))
    assert_problem(empty, 422)


# --- reads and pagination -------------------------------------------------------------------


def test_accounts_are_paged_by_cursor(market: Market, app: App) -> None:
    for n in range(2, 5):
        open_account(app, f"ACME-{n}", "compliance", "Acme Steel")
    created = market.post(
        "/accounts", {"id": "ACME-5", "kind": "holding", "owner": "Acme Steel"}, "reg"
    )
    assert created.status_code == 201, created.text
    repeat = market.post(
        "/accounts", {"id": "ACME-5", "kind": "holding", "owner": "Acme Steel"}, "reg"
    )
    assert repeat.status_code == 200
    clash = market.post(
        "/accounts", {"id": "ACME-5", "kind": "holding", "owner": "Beta Cement"}, "reg"
    )
    assert_problem(clash, 409, "already exists")

    pages, cursor = [], ""
    for _ in range(5):
        response = market.get(f"/accounts?limit=2&cursor={cursor}", "acme")
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([a["id"] for a in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [["ACME-1", "ACME-2"], ["ACME-3", "ACME-4"], ["ACME-5"]]

    everything = market.get("/accounts?limit=500", "ver").json()
    assert [a["id"] for a in everything["items"]] == [
        "ACME-1",
        "ACME-2",
        "ACME-3",
        "ACME-4",
        "ACME-5",
        "BETA-1",
        "SYS-CANCELLATION",
        "SYS-ISSUANCE",
        "SYS-RETIREMENT",
    ]
    assert everything["next_cursor"] is None
    assert_problem(market.get("/accounts?limit=0", "reg"), 422, "query.limit")


def test_journal_is_paged_newest_first(market: Market) -> None:
    for quantity in (10, 20, 30):
        issue(market, quantity)
    market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 5, "from": "ACME-1", "to": "BETA-1"},
        "acme",
    )
    first = market.get("/journal?limit=3", "reg").json()
    assert [e["seq"] for e in first["items"]] == [4, 3, 2]
    assert first["next_cursor"] == "2"
    rest = market.get("/journal?limit=3&cursor=2", "ver").json()
    assert ([e["seq"] for e in rest["items"]], rest["next_cursor"]) == ([1], None)
    assert market.get("/journal/4", "reg").json()["kind"] == "transfer"

    statement = market.get("/accounts/BETA-1/journal", "beta").json()
    assert [e["seq"] for e in statement["items"]] == [4]
    moved = market.get("/journal/4", "reg").json()["postings"][0]
    serial = moved["serial_start"]
    history = market.get(f"/instruments/GDEA-2024/serials/{serial}/history", "ver").json()
    issued_by = 1 if serial <= 10 else 2 if serial <= 30 else 3  # blocks 1-10, 11-30, 31-60
    assert [(m["seq"], m["kind"], m["from"], m["to"]) for m in history] == [
        (issued_by, "issue", "SYS-ISSUANCE", "ACME-1"),
        (4, "transfer", "ACME-1", "BETA-1"),
    ]


# --- authorisation --------------------------------------------------------------------------


def test_entity_sees_and_moves_only_its_own_accounts(market: Market) -> None:
    issue(market, 100, to="BETA-1")
    assert market.get("/accounts/ACME-1/balance", "acme").status_code == 200
    assert_problem(
        market.get("/accounts/BETA-1/balance", "acme"),
        403,
        "user 'acme' (entity) may not read account 'BETA-1'",
    )
    assert_problem(market.get("/accounts/BETA-1", "acme"), 403)
    assert_problem(market.get("/accounts/BETA-1/journal", "acme"), 403)
    stolen = market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 10, "from": "BETA-1", "to": "ACME-1"},
        "acme",
    )
    body = assert_problem(stolen, 403, "may not transfer units from account 'BETA-1'")
    assert body["type"] == "urn:openets:problem:not-authorised"
    retired = market.post(
        "/retirements",
        {"instrument": "GDEA-2024", "quantity": 10, "from": "BETA-1", "reason": "x"},
        "acme",
    )
    assert_problem(retired, 403, "not theirs")
    assert market.balance("BETA-1") == {"GDEA-2024": (100, 0)}

    listed = market.get("/accounts", "acme").json()
    assert [a["id"] for a in listed["items"]] == ["ACME-1"]
    assert_problem(market.get("/journal", "acme"), 403, "full journal")
    assert_problem(market.get("/instruments/GDEA-2024/serials/1/history", "acme"), 403)
    assert_problem(issue_as(market, "acme"), 403, "only a regulator may")
    assert_problem(
        market.post("/accounts", {"id": "X-1", "kind": "holding", "owner": "Acme Steel"}, "acme"),
        403,
    )


def issue_as(market: Market, who: str) -> httpx.Response:
    return market.post(
        "/issuances", {"instrument": "GDEA-2024", "quantity": 1, "to": "ACME-1"}, who
    )


def test_public_reads_supply_but_not_balances(market: Market) -> None:
    issue(market, 100)
    for who in ("pub", None):
        response = market.get("/instruments/GDEA-2024/supply", who)
        assert response.status_code == 200
        assert response.json()["outstanding"] == 100
        assert market.get("/supply", who).status_code == 200
    assert_problem(market.get("/accounts/ACME-1/balance", "pub"), 403, "(public) may not read")
    assert_problem(market.get("/accounts/ACME-1/balance"), 401)
    assert_problem(market.get("/accounts", "pub"), 403, "may not list accounts")
    assert_problem(market.get("/audit/verify"), 401)
    assert market.get("/audit/verify", "pub").json()["ok"] is True


def test_verifier_reads_everything_and_moves_nothing(market: Market) -> None:
    issue(market, 100)
    assert market.balance("ACME-1") == {"GDEA-2024": (100, 0)}
    assert market.get("/accounts/ACME-1/balance", "ver").status_code == 200
    assert_problem(issue_as(market, "ver"), 403, "user 'ver' (verifier) may not issue units")
    moved = market.post(
        "/transfers",
        {"instrument": "GDEA-2024", "quantity": 1, "from": "ACME-1", "to": "BETA-1"},
        "ver",
    )
    assert_problem(moved, 403)
    retired = market.post(
        "/retirements",
        {"instrument": "GDEA-2024", "quantity": 1, "from": "ACME-1", "reason": "x"},
        "reg",
    )
    assert_problem(retired, 403, "retirement is for the holder")


def test_openapi_states_who_may_call_every_operation(market: Market) -> None:
    document = market.client.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith(V1)
        for method, operation in methods.items()
    ]
    assert len(operations) >= 22
    for path, method, operation in operations:
        assert operation.get("x-openets-roles"), (method, path)
        assert "**Who may call:**" in operation["description"], (method, path)
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                assert list(answer["content"]) == [PROBLEM], (method, path, status)
