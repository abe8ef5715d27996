"""The auction and block-trade REST API (FastAPI TestClient), on SQLite and PostgreSQL: who
may call what, idempotent announcements, bids and proposals, sealed bids, refusals as
problem+json.

The server's clock is 2025-07-01 10:00 CST. GDEA-AUCTION holds 100,000 t of GDEA-2025;
member A (user ``alpha``) holds ¥200,000.00; member S (user ``sam``) 300,000 t; member B
(user ``bob``) ¥4,000,000.00. GDEA-2025 is listed at ¥25.00.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rest import CHEAP, RestClient, user_keys

from openets import App, bootstrap
from openets.api import create_api
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.exchange import services
from openets.registry.model import IssueUnits
from openets.registry.services import balance, ensure_system_accounts, execute, open_account

V1 = "/api/v1/exchange"
USERS = [
    ("reg", "regulator", None),
    ("alpha", "member", "Alpha Co"),
    ("sam", "member", "Seller Co"),
    ("bob", "member", "Buyer Co"),
    ("pub", "public", None),
]


@dataclass
class Api(RestClient):
    prefix: ClassVar[str] = V1
    clock: FixedClock
    app: App

    def held(self, account: str, instrument: str) -> tuple[int, int]:
        for line in balance(self.app, account).balances:
            if line.instrument == instrument:
                return line.quantity, line.frozen
        return 0, 0


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    clock = FixedClock(datetime(2025, 7, 1, 2, 0, tzinfo=UTC))
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    ensure_system_accounts(app)
    open_account(app, "GDEA-AUCTION", "auction", "guangdong")
    execute(app, IssueUnits("GDEA-2025", 100_000, "GDEA-AUCTION"))
    for account, name in [("A", "Alpha Co"), ("S", "Seller Co"), ("B", "Buyer Co")]:
        services.add_member(app, account, name)
    services.deposit(app, "A", 20_000_000)
    services.deposit(app, "B", 400_000_000)
    execute(app, IssueUnits("GDEA-2025", 300_000, "S"))
    services.list_instrument(app, "GDEA-2025", 2_500)
    keys = user_keys(app, USERS)
    yield Api(TestClient(create_api(app)), keys, clock, app)
    app.dispose()


ANNOUNCE = {
    "instrument": "GDEA-2025",
    "qty": 10_000,
    "reserve_fen": 2_000,
    "opens": "2025-07-01T09:30:00",
    "closes": "2025-07-01T11:30:00+08:00",
}


def test_an_auction_through_the_api(api: Api) -> None:
    api.call("POST", "/auctions", None, ANNOUNCE, status=401)
    api.call("POST", "/auctions", "alpha", ANNOUNCE, status=403)
    key = {"Idempotency-Key": "a1"}
    first = api.call("POST", "/auctions", "reg", ANNOUNCE, status=201, **key)
    again = api.call("POST", "/auctions", "reg", ANNOUNCE, status=200, **key)
    assert (again["id"], again.get("replayed")) == (first["id"], True)
    assert first["opens_at"] == "2025-07-01T01:30:00.000000Z"  # naive times are CST
    path = f"/auctions/{first['id']}"

    bid = {"account": "A", "qty": 6_000, "price_fen": 2_500}
    api.call("POST", f"{path}/bids", "sam", bid, status=403)  # not its account
    api.call("POST", f"{path}/bids", "reg", bid, status=403)
    placed = api.call("POST", f"{path}/bids", "alpha", bid, status=201)
    assert placed["reserved_fen"] == 15_000_000
    low = {"account": "A", "qty": 1_000, "price_fen": 1_999}
    problem = api.call("POST", f"{path}/bids", "alpha", low, status=422)
    assert problem["detail"] == ("a bid of 19.99 yuan/t is below the reserve price of 20.00 yuan/t")
    api.call("POST", f"{path}/bids", "alpha", {**bid, "qty": 1.5}, status=422)
    # sealed: the public sees the count, the bidder its own, the regulator all
    public = api.call("GET", path)
    assert (public["bid_count"], public["bids"]) == (1, [])
    assert [b["account"] for b in api.call("GET", path, "alpha")["bids"]] == ["A"]
    assert [b["account"] for b in api.call("GET", path, "sam")["bids"]] == []

    api.call("POST", f"{path}/clear", "reg", status=422)  # still open
    api.clock.advance(timedelta(hours=2))
    api.call("POST", f"{path}/clear", "alpha", status=403)
    result = api.call("POST", f"{path}/clear", "reg")
    assert (result["clearing_price_fen"], result["sold"], result["unsold"]) == (2_500, 5_000, 5_000)
    assert result["allocation"] == [
        {"account": "A", "bidder": "Alpha Co", "qty": 5_000, "paid_fen": 12_500_000}
    ]
    assert api.held("A", "CNY") == (7_500_000, 0)
    assert api.held("GDEA-AUCTION", "GDEA-2025") == (95_000, 0)
    [listed] = api.call("GET", "/auctions")
    assert (listed["state"], listed["phase"]) == ("cleared", "cleared")
    api.call("GET", "/auctions/99", status=404)


def test_a_block_trade_through_the_api(api: Api) -> None:
    body = {
        "seller": "S",
        "buyer": "B",
        "instrument": "GDEA-2025",
        "qty": 100_000,
        "price_fen": 3_250,
    }
    api.call("POST", "/blocks", "bob", body, status=403)  # bob is the buyer, not the proposer
    problem = api.call("POST", "/blocks", "sam", {**body, "price_fen": 3_251}, status=422)
    assert "outside the block band 17.50–32.50 yuan/t" in problem["detail"]
    key = {"Idempotency-Key": "p1"}
    proposed = api.call("POST", "/blocks", "sam", body, status=201, **key)
    assert api.call("POST", "/blocks", "sam", body, status=200, **key)["id"] == proposed["id"]
    path = f"/blocks/{proposed['id']}"
    api.call("GET", path, "pub", status=403)  # a proposal is the parties' business
    api.call("POST", f"{path}/confirm", "alpha", status=403)  # a third member
    api.call("POST", f"{path}/confirm", "sam", status=403)  # the proposer itself
    confirmed = api.call("POST", f"{path}/confirm", "bob")
    assert confirmed["state"] == "confirmed"
    assert api.held("B", "CNY") == (75_000_000, 0)
    assert api.held("S", "CNY") == (325_000_000, 0)
    assert api.call("POST", f"{path}/confirm", "bob")["replayed"] is True
    public = api.call("GET", path)
    assert "seller" not in public
    assert public["value_fen"] == 325_000_000
    day = api.call("GET", "/blocks?date=2025-07-01", "pub")
    assert [t["id"] for t in day["trades"]] == [proposed["id"]]
    assert day["statistics"][0]["volume"] == 100_000


def test_reject_withdraw_and_expire(api: Api) -> None:
    body = {"seller": "S", "buyer": "B", "instrument": "GDEA-2025", "qty": 100_000,
            "price_fen": 2_500, "proposer": "buyer"}  # fmt: skip
    first = api.call("POST", "/blocks", "bob", body, status=201)
    assert api.held("B", "CNY") == (400_000_000, 250_000_000)
    api.call("POST", f"/blocks/{first['id']}/withdraw", "sam", status=403)
    withdrawn = api.call("POST", f"/blocks/{first['id']}/withdraw", "bob")
    assert withdrawn["state"] == "withdrawn"
    second = api.call("POST", "/blocks", "bob", body, status=201)
    assert api.call("POST", f"/blocks/{second['id']}/reject", "sam")["state"] == "rejected"
    assert api.held("B", "CNY") == (400_000_000, 0)
    third = api.call("POST", "/blocks", "bob", body, status=201)
    api.clock.advance(timedelta(hours=6))  # 16:00 CST
    api.call("POST", "/blocks/expire", "bob", status=403)
    [expired] = api.call("POST", "/blocks/expire", "reg")
    assert (expired["id"], expired["state"]) == (third["id"], "expired")
    assert api.held("B", "CNY") == (400_000_000, 0)
