"""The exchange's market and trading pages over the real API app, on SQLite (the pages read
through services whose tests run on both engines).

The fixture's market: GDEA-2025 listed at ¥45.00; members M-A ("Alpha Trading", user
``alice``, ¥100,000.00 deposited) and M-B ("Beta Trading", user ``bob``, 1,000 t issued).

- 2025-06-30: M-B sells 100 t at ¥45.00 (order 1) and 200 t at ¥45.50 (order 2); M-A buys
  300 t at ¥45.50 (order 3) and takes both: trades 1 (100 t at 45.00) and 2 (200 t at 45.50).
  Open 45.00, high 45.50, low 45.00, volume 300 t, value 4,500.00 + 9,100.00 = ¥13,600.00,
  close = VWAP 1,360,000 fen / 300 t = 4,533.33 -> ¥45.33; the change against the listing
  price 45.00 is +0.33, 33 / 4,500 = +0.73%.
- 2025-07-01 10:00 CST (the clock): the band is 45.33 ± 10% = 40.80-49.86 (rounded inwards).
  M-B sells 50 t at 46.00 (order 4) and 30 t at 46.20 (order 5); M-A bids 40 t at 45.10
  (order 6) and 60 t at 45.00 (order 7), then buys 10 t at 46.00 (order 8): trade 3, 10 t at
  46.00 (¥460.00) with order 4, which keeps 40 t.

So the ladder is asks 46.20 × 30, 46.00 × 40 over bids 45.10 × 40, 45.00 × 60, and since
launch 310 t have traded for ¥14,060.00.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pages import col, field, row_of, text_of

from openets import App
from openets.api.app import create_api
from openets.auth import add_user
from openets.clock import FixedClock
from openets.exchange import services as exchange
from openets.registry.model import IssueUnits
from openets.registry.services import execute
from openets.settings import Settings

PASSWORD = "correct horse battery"
CODE = "GDEA-2025"


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """SQLite only, to keep these page tests quick."""
    return f"sqlite:///{tmp_path}/openets.db"


@pytest.fixture
def market(app: App) -> App:
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    for name, role, owner in [
        ("reg", "regulator", None),
        ("alice", "member", "Alpha Trading"),
        ("bob", "member", "Beta Trading"),
        ("carol", "member", "Gamma Trading"),  # a member user whose firm is not a member
        ("steel", "entity", "Steel One"),
    ]:
        add_user(market, name, role, owner=owner, password=PASSWORD)
    exchange.add_member(market, "M-A", "Alpha Trading")
    exchange.add_member(market, "M-B", "Beta Trading")
    exchange.list_instrument(market, CODE, 4_500)
    exchange.deposit(market, "M-A", 10_000_000)
    execute(market, IssueUnits(CODE, 1_000, "M-B"))
    monday = dataclasses.replace(market, clock=FixedClock(datetime(2025, 6, 30, 2, tzinfo=UTC)))
    exchange.place_order(monday, "M-B", CODE, "sell", 100, 4_500)
    exchange.place_order(monday, "M-B", CODE, "sell", 200, 4_550)
    exchange.place_order(monday, "M-A", CODE, "buy", 300, 4_550)
    evening = dataclasses.replace(market, clock=FixedClock(datetime(2025, 6, 30, 7, 5, tzinfo=UTC)))
    exchange.close_day(evening)
    exchange.place_order(market, "M-B", CODE, "sell", 50, 4_600)
    exchange.place_order(market, "M-B", CODE, "sell", 30, 4_620)
    exchange.place_order(market, "M-A", CODE, "buy", 40, 4_510)
    exchange.place_order(market, "M-A", CODE, "buy", 60, 4_500)
    exchange.place_order(market, "M-A", CODE, "buy", 10, 4_600)
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


def ladder(html: str) -> list[tuple[str, str, str]]:
    """(side, price, tonnes) of each ladder row, top to bottom."""
    table = re.search(r'<table class="grid ladder" id="ladder">(.*?)</table>', html, re.S)
    assert table is not None, "no ladder"
    rows = re.findall(
        r'<tr data-side="(\w+)" data-price="([\d.]+)"[^>]*>(.*?)</tr>', table[1], re.S
    )
    return [(side, price, col(row, "qty")) for side, price, row in rows]


def open_orders(html: str) -> list[str]:
    return re.findall(r'<tr data-order="(\d+)"', html)


def message(html: str) -> str:
    match = re.search(r'<p class="banner (ok|bad)" id="order-message"[^>]*>(.*?)</p>', html, re.S)
    assert match is not None, "no message"
    return f"{match[1]}: {text_of(match[2])}"


HTMX = {"HX-Request": "true"}


# --- the market page ------------------------------------------------------------------------


def test_market_page_shows_the_day_and_the_totals(client: TestClient) -> None:
    page = client.get("/exchange")
    assert page.status_code == 200
    html = page.text
    assert field(html, "close") == "45.33"
    assert field(html, "change") == "+0.33 (+0.73%)"
    day = row_of(html, day="2025-06-30")
    figures = [col(day, c) for c in ("open", "high", "low", "close", "volume", "value", "trades")]
    assert figures == ["45.00", "45.50", "45.00", "45.33", "300", "13,600.00", "2"]
    listing = row_of(html, kind="listing")
    assert (col(listing, "volume"), col(listing, "value")) == ("310", "14,060.00")
    block = row_of(html, kind="block")
    assert (col(block, "volume"), col(block, "value")) == ("0", "0.00")
    assert field(html, "total-volume") == "310 t"
    assert field(html, "total-value") == "¥14,060.00"


def test_market_chart_carries_the_candle_and_the_volume(client: TestClient) -> None:
    html = client.get("/exchange").text
    block = re.search(
        r'<script type="application/json" id="candles-GDEA-2025-options">(.*?)</script>', html, re.S
    )
    assert block is not None
    options = json.loads(block[1])
    assert options["xAxis"][0]["data"] == ["2025-06-30"]
    # ECharts' candlestick order: open, close, low, high (yuan)
    assert options["series"][0]["data"] == [[45.0, 45.33, 45.0, 45.5]]
    assert [bar["value"] for bar in options["series"][1]["data"]] == [300]


def test_market_page_in_chinese(client: TestClient) -> None:
    html = client.get("/exchange?lang=zh").text
    for term in ("挂牌交易", "大宗交易", "单向竞价", "收盘价", "成交量", "成交额"):
        assert term in html


# --- the trading page -----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(client: TestClient) -> None:
    answer = client.get(f"/exchange/trade/{CODE}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fexchange%2Ftrade%2FGDEA-2025"
    events = client.get(f"/exchange/trade/{CODE}/events?once=1", follow_redirects=False)
    assert events.status_code == 303


def test_entity_user_and_non_member_are_refused(client: TestClient) -> None:
    log_in(client, "steel")
    assert client.get(f"/exchange/trade/{CODE}").status_code == 403
    log_in(client, "carol")
    refused = client.get(f"/exchange/trade/{CODE}")
    assert refused.status_code == 403
    assert "Your organisation is not an exchange member." in refused.text


def test_trading_page_shows_book_trades_and_own_orders(client: TestClient) -> None:
    log_in(client, "alice")
    page = client.get(f"/exchange/trade/{CODE}")
    assert page.status_code == 200
    html = page.text
    assert ladder(html) == [
        ("sell", "46.20", "30"),
        ("sell", "46.00", "40"),
        ("buy", "45.10", "40"),
        ("buy", "45.00", "60"),
    ]
    trade = row_of(html, trade="3")
    assert [col(trade, c) for c in ("time", "price", "qty", "value")] == [
        "2025-07-01 10:00:00",
        "46.00",
        "10",
        "460.00",
    ]
    assert re.findall(r'<tr data-trade="(\d+)"', html) == ["3"]
    assert open_orders(html) == ["7", "6"]  # alice's own, newest first; bob's are not shown
    assert field(html, "previous-close") == "45.33"
    assert field(html, "band") == "40.80–49.86"
    # 100,000.00 - 13,600.00 - 460.00 spent; 40 × 45.10 + 60 × 45.00 = 4,504.00 reserved
    assert field(html, "funds") == "¥81,436.00 (reserved ¥4,504.00)"
    assert 'sse-connect="/exchange/trade/GDEA-2025/events"' in html
    assert "vendor/htmx-ext-sse.js" in html
    assert field(html, "session") == "open"  # 2025-07-01 10:00 CST, a trading day
    chinese = client.get(f"/exchange/trade/{CODE}?lang=zh").text
    assert "(¥/吨)" in chinese
    assert "(t)" not in chinese


def test_trading_page_says_when_the_market_is_closed(client: TestClient, market: App) -> None:
    # 2025-07-01 11:30 CST: the morning session has ended (09:30 <= t < 11:30)
    lunch = dataclasses.replace(market, clock=FixedClock(datetime(2025, 7, 1, 3, 30, tzinfo=UTC)))
    with TestClient(create_api(lunch)) as closed:
        log_in(closed, "alice")
        html = closed.get(f"/exchange/trade/{CODE}").text
    assert field(html, "session") == "closed (orders are refused until the next session)"


def test_regulator_watches_read_only(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get(f"/exchange/trade/{CODE}").text
    assert "Read-only" in html
    assert 'id="order-form"' not in html
    assert open_orders(html) == ["7", "6", "5", "4"]
    assert col(row_of(html, order="5"), "account") == "M-B"
    refused = client.post(f"/exchange/trade/{CODE}/orders", data={"side": "buy"})
    assert refused.status_code == 403


def test_placing_an_order_through_the_page(client: TestClient) -> None:
    log_in(client, "alice")
    answer = client.post(
        f"/exchange/trade/{CODE}/orders",
        data={"side": "buy", "price": "45.20", "qty": "20", "tif": "GTC", "key": "k1"},
        headers=HTMX,
    )
    assert answer.status_code == 200
    html = answer.text
    assert message(html) == "ok: Order 9 placed: 0 t traded, now open."
    assert open_orders(html) == ["9", "7", "6"]
    assert ladder(html)[2] == ("buy", "45.20", "20")
    assert 'id="book" hx-swap-oob="innerHTML"' in html
    # the same key again: the first placement, not a second order
    again = client.post(
        f"/exchange/trade/{CODE}/orders",
        data={"side": "buy", "price": "45.20", "qty": "20", "tif": "GTC", "key": "k1"},
        headers=HTMX,
    )
    assert open_orders(again.text) == ["9", "7", "6"]


def test_a_refused_order_shows_the_services_message(client: TestClient) -> None:
    log_in(client, "alice")
    answer = client.post(
        f"/exchange/trade/{CODE}/orders",
        data={"side": "buy", "price": "52.00", "qty": "20", "tif": "GTC"},
        headers=HTMX,
    )
    assert answer.status_code == 200  # HTMX swaps only a 2xx answer
    assert message(answer.text) == (
        "bad: price 52.00 is outside the price band 40.80-49.86 (±10% of the previous close 45.33)"
    )
    assert open_orders(answer.text) == ["7", "6"]
    # the form keeps what was typed
    assert 'name="price" id="order-price" inputmode="decimal" autocomplete="off" value="52.00"' in (
        answer.text
    )
    malformed = client.post(
        f"/exchange/trade/{CODE}/orders",
        data={"side": "buy", "price": "45.123", "qty": "20"},
        headers=HTMX,
    )
    assert message(malformed.text) == (
        "bad: price '45.123' is not an amount in yuan with at most two decimals (tick ¥0.01)"
    )
    plain = client.post(
        f"/exchange/trade/{CODE}/orders", data={"side": "sell", "price": "46.00", "qty": "0"}
    )
    assert plain.status_code == 400  # without HTMX: the whole page, with the message
    assert message(plain.text) == "bad: quantity '0' is not a positive whole number of tonnes"


def test_cancel_and_lift_through_the_page(client: TestClient) -> None:
    log_in(client, "alice")
    cancelled = client.post(f"/exchange/trade/{CODE}/orders/7/cancel", headers=HTMX)
    assert message(cancelled.text) == "ok: Order 7 cancelled."
    assert open_orders(cancelled.text) == ["6"]
    assert ("buy", "45.00", "60") not in ladder(cancelled.text)
    log_in(client, "bob")
    lifted = client.post(
        f"/exchange/trade/{CODE}/lift",
        data={"side": "buy", "price": "45.10", "qty": "15"},
        headers=HTMX,
    )
    assert message(lifted.text) == "ok: Took 15 t at 45.10 (order 6)."
    assert ladder(lifted.text)[-1] == ("buy", "45.10", "25")
    assert re.findall(r'<tr data-trade="(\d+)"', lifted.text) == ["4", "3"]
    gone = client.post(
        f"/exchange/trade/{CODE}/lift",
        data={"side": "buy", "price": "45.00", "qty": "5"},
        headers=HTMX,
    )
    assert message(gone.text) == "bad: no buy order rests at 45.00 any more"


def test_event_stream_sends_the_book(client: TestClient) -> None:
    log_in(client, "alice")
    answer = client.get(f"/exchange/trade/{CODE}/events?once=1")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [block for block in answer.text.split("\n\n") if block]
    names = [block.splitlines()[0] for block in events]
    assert names == ["event: book", "event: trades", "event: orders"]
    book = "\n".join(line.removeprefix("data: ") for line in events[0].splitlines()[1:])
    assert ladder(book) == [
        ("sell", "46.20", "30"),
        ("sell", "46.00", "40"),
        ("buy", "45.10", "40"),
        ("buy", "45.00", "60"),
    ]
    assert all(line.startswith("data: ") for line in events[0].splitlines()[1:])
