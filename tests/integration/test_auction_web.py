"""The auction pages over the real API app, on SQLite (the pages read through services whose
tests run on both engines).

Auction 1: 10,000 t of GDEA-2025 at a reserve of 20.00, bidding 09:30-11:30 CST on
2025-07-01. A (Alpha Co) bids 6,000 t at 25.00, B (Beta Co) 3,000 t at 24.00. Cleared at
12:00: A wins its cap of 5,000 t, B 3,000 t, at B's 24.00; 2,000 t stay unsold.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pages import field

from openets import App
from openets.api.app import create_api
from openets.auth import add_user
from openets.clock import FixedClock
from openets.exchange import auction_services as auctions
from openets.exchange import services
from openets.registry.model import IssueUnits
from openets.registry.services import execute, open_account
from openets.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """SQLite only, to keep these page tests quick."""
    return f"sqlite:///{tmp_path}/openets.db"


def cst(text: str) -> datetime:
    return (datetime.fromisoformat(text) - timedelta(hours=8)).replace(tzinfo=UTC)


@pytest.fixture
def market(app: App, clock: FixedClock) -> App:
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    for name, role, owner in [("reg", "regulator", None), ("alpha", "member", "Alpha Co")]:
        add_user(market, name, role, owner=owner, password=PASSWORD)
    open_account(market, "GDEA-AUCTION", "auction", "guangdong")
    execute(market, IssueUnits("GDEA-2025", 100_000, "GDEA-AUCTION"))
    for account, name in [("A", "Alpha Co"), ("B", "Beta Co")]:
        services.add_member(market, account, name)
        services.deposit(market, account, 20_000_000)
    opens, closes = cst("2025-07-01T09:30:00"), cst("2025-07-01T11:30:00")
    auctions.announce(market, "GDEA-2025", 10_000, reserve=2_000, opens=opens, closes=closes)
    auctions.place_bid(market, 1, "A", 6_000, 2_500)
    auctions.place_bid(market, 1, "B", 3_000, 2_400)
    return market


@pytest.fixture
def client(market: App) -> Iterator[TestClient]:
    with TestClient(create_api(market), headers={"Accept-Language": "en-GB,en;q=0.8"}) as c:
        yield c


def log_in(client: TestClient, name: str) -> None:
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr data-{attribute}="([^"]+)"', html)


def chart_options(html: str, chart: str) -> dict[str, Any]:
    match = re.search(
        rf'<script type="application/json" id="{chart}-options">(.*?)</script>', html, re.S
    )
    assert match is not None, f"no chart {chart}"
    options: dict[str, Any] = json.loads(unescape(match.group(1)))
    return options


def test_the_public_sees_the_auction_but_not_the_sealed_bids(client: TestClient) -> None:
    listing = client.get("/exchange/auctions")
    assert listing.status_code == 200
    assert rows(listing.text, "auction") == ["1"]
    page = client.get("/exchange/auctions/1").text
    assert field(page, "phase") == "Bidding"
    assert (field(page, "lot"), field(page, "reserve"), field(page, "cap")) == (
        "10,000",
        "20.00",
        "5,000",
    )
    assert field(page, "bid_count") == "2"
    assert rows(page, "bid") == []
    assert "bids are sealed" in page
    assert client.get("/exchange/auctions/9").status_code == 404
    assert client.get("/exchange/auctions/x").status_code == 400


def test_bidders_see_their_own_bids_and_the_regulator_all(client: TestClient) -> None:
    log_in(client, "alpha")
    assert rows(client.get("/exchange/auctions/1").text, "bid") == ["1"]
    log_in(client, "reg")
    assert rows(client.get("/exchange/auctions/1").text, "bid") == ["1", "2"]


def test_results_with_the_allocation_chart(market: App, clock: FixedClock) -> None:
    clock.advance(timedelta(hours=2))
    auctions.clear_auction(market, 1)
    with TestClient(create_api(market), headers={"Accept-Language": "zh-CN"}) as client:
        page = client.get("/exchange/auctions/1").text
    assert field(page, "phase") == "已出清"
    assert (field(page, "clearing_price"), field(page, "sold"), field(page, "unsold")) == (
        "24.00",
        "8,000",
        "2,000",
    )
    assert field(page, "value") == "192,000.00"
    assert rows(page, "account") == ["A", "B"]
    options = chart_options(page, "allocation-chart")
    assert options["xAxis"]["data"] == ["Alpha Co (A)", "Beta Co (B)"]
    assert options["series"][0]["data"] == [5_000, 3_000]
    assert options["yAxis"]["name"] == "吨"
