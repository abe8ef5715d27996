"""The exchange REST API (FastAPI TestClient), on SQLite and PostgreSQL: who may call what,
orders with reservation and settlement, idempotent placement, refusals as problem+json,
public market data.

The server's clock is 2025-07-01 10:00 CST, a trading day's morning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rest import CHEAP, RestClient, user_keys

from openets import App, bootstrap
from openets.api import create_api
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.registry.model import IssueUnits
from openets.registry.services import ensure_system_accounts, execute

V1 = "/api/v1/exchange"
USERS = [
    ("reg", "regulator", None),
    ("seller", "member", "Seller Co"),
    ("buyer", "member", "Buyer Co"),
    ("pub", "public", None),
]


@dataclass
class Api(RestClient):
    prefix: ClassVar[str] = V1
    clock: FixedClock


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    clock = FixedClock(datetime(2025, 7, 1, 2, 0, tzinfo=UTC))
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    keys = user_keys(app, USERS)
    with TestClient(create_api(app)) as client:
        api = Api(client, keys, clock)
        api.call("POST", "/members", "reg", {"account": "S", "name": "Seller Co"}, 201)
        api.call("POST", "/members", "reg", {"account": "B", "name": "Buyer Co"}, 201)
        api.call(
            "POST", "/instruments", "reg", {"instrument": "GDEA-2025", "ref_price": "45.00"}, 201
        )
        execute(app, IssueUnits("GDEA-2025", 1_000, "S"))
        yield api
    app.dispose()


SELL = {"account": "S", "side": "sell", "instrument": "GDEA-2025", "qty": 100, "price": "45.20"}
BUY = {"account": "B", "side": "buy", "instrument": "GDEA-2025", "qty": 150, "price": "46.00"}


def test_trading_through_the_api(api: Api) -> None:
    deposit = api.call("POST", "/accounts/B/deposits", "reg", {"amount": "100000.00"}, 201)
    assert deposit["held"] == "100000.00"
    placed = api.call("POST", "/orders", "seller", SELL, 201)
    assert placed["order"] == {
        "id": 1,
        "account": "S",
        "instrument": "GDEA-2025",
        "side": "sell",
        "price": "45.20",
        "qty": 100,
        "remaining": 100,
        "tif": "GTC",
        "status": "open",
        "placed_at": "2025-07-01T02:00:00.000000Z",
        "reserved": 100,
        "date": "2025-07-01",
    }
    bought = api.call("POST", "/orders", "buyer", BUY, 201)
    assert bought["trades"] == [
        {
            "trade": 1,
            "buy": 2,
            "sell": 1,
            "price": "45.20",
            "qty": 100,
            "at": "2025-07-01T02:00:00.000000Z",
        }
    ]
    assert api.call("GET", "/accounts/B/funds", "buyer") == {
        "account": "B",
        "held": "95480.00",
        "reserved": "2300.00",
        "available": "93180.00",
    }
    assert api.call("GET", "/book/GDEA-2025") == {
        "instrument": "GDEA-2025",
        "bids": [["46.00", 50]],
        "asks": [],
    }
    assert [t["trade"] for t in api.call("GET", "/trades/GDEA-2025?date=2025-07-01")["trades"]] == [
        1
    ]
    assert [o["id"] for o in api.call("GET", "/orders", "buyer")["orders"]] == [2]
    assert len(api.call("GET", "/orders", "reg")["orders"]) == 2
    kinds = [line["kind"] for line in api.call("GET", "/accounts/B/statement", "buyer")["lines"]]
    assert kinds == ["settlement", "settlement", "deposit"]  # CNY and units lines of the trade
    cancelled = api.call("POST", "/orders/2/cancel", "buyer")
    assert (cancelled["status"], cancelled["reserved"]) == ("cancelled", 0)
    again = api.call("POST", "/orders/2/cancel", "buyer", status=409)
    assert again["detail"] == "order 2 is cancelled, not open"
    assert api.call("GET", "/stats")["volume"] == 100


def test_idempotent_placement(api: Api) -> None:
    first = api.call("POST", "/orders", "seller", SELL, 201, **{"Idempotency-Key": "o-1"})
    again = api.call("POST", "/orders", "seller", SELL, 200, **{"Idempotency-Key": "o-1"})
    assert again["order"]["id"] == first["order"]["id"]
    assert again["replayed"] is True
    other = {**SELL, "qty": 5}
    api.call("POST", "/orders", "seller", other, 409, **{"Idempotency-Key": "o-1"})


def test_who_may_call(api: Api) -> None:
    refused = api.call("POST", "/orders", "buyer", SELL, 403)
    assert refused["detail"] == "user 'buyer' (member) may not trade for account 'S'"
    api.call("POST", "/orders", "reg", SELL, 403)
    api.call("POST", "/orders", None, SELL, 401)
    api.call("POST", "/accounts/B/deposits", "buyer", {"amount": "10.00"}, 403)
    api.call("GET", "/accounts/S/funds", "buyer", status=403)
    api.call("POST", "/close-day", "seller", {}, 403)
    api.call("GET", "/orders", "pub", status=403)


def test_refusals_name_the_rule(api: Api) -> None:
    high = api.call("POST", "/orders", "seller", {**SELL, "price": "49.51"}, 422)
    assert high["detail"] == (
        "price 49.51 is outside the price band 40.50-49.50 (±10% of the previous close 45.00)"
    )
    broke = api.call("POST", "/orders", "buyer", BUY, 422)
    assert broke["detail"].startswith("insufficient funds: account 'B' has ¥0.00 available")
    api.clock.instant = datetime(2025, 7, 1, 3, 30, tzinfo=UTC)  # 11:30 CST
    closed = api.call("POST", "/orders", "seller", SELL, 422)
    assert closed["detail"].startswith("the market is closed at 2025-07-01 11:30:00 CST")


def test_close_day_and_bars(api: Api) -> None:
    api.call("POST", "/accounts/B/deposits", "reg", {"amount": "100000.00"}, 201)
    api.call("POST", "/orders", "seller", SELL, 201)
    api.call("POST", "/orders", "buyer", {**BUY, "qty": 100}, 201)
    api.call("POST", "/close-day", "reg", {}, 422)  # before 15:00
    api.clock.instant = datetime(2025, 7, 1, 7, 0, tzinfo=UTC)  # 15:00 CST
    closed = api.call("POST", "/close-day", "reg", {})
    assert closed == {
        "date": "2025-07-01",
        "closes": [
            {
                "instrument": "GDEA-2025",
                "date": "2025-07-01",
                "open": "45.20",
                "high": "45.20",
                "low": "45.20",
                "close": "45.20",
                "volume": 100,
                "value": "4520.00",
                "trades": 1,
            }
        ],
        "expired": 0,
        "expired_blocks": 0,
    }
    bars = api.call("GET", "/bars/GDEA-2025")["bars"]
    assert [b["close"] for b in bars] == ["45.20"]
    calendar = api.call("GET", "/calendar?start=2025-09-29&days=14")
    assert calendar["trading_days"] == ["2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10"]
    assert calendar["sessions"] == [["09:30", "11:30"], ["13:00", "15:00"]]
