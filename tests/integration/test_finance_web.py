"""The pledge pages over the real API app, on SQLite (the pages read through services whose
tests run on both engines).

Two pledges of GDEA-2025 to BANK-GZ-01, viewed on 2025-07-02: pledge 1, 10,000 t of
GD-STEEL-001 for a loan of ¥250,000 (25,000,000 fen), valued on 2025-07-01 at ¥50.00
(50,000,000 fen, LTV 0.5000, ok) and on 2025-07-02 at ¥30.00 (30,000,000 fen, LTV 0.8333,
coverage 1.2000: below the margin level 32,500,000 fen -> warning); pledge 2, 1,000 t of
GD-CEMENT-001 for ¥10,000, released.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from pages import text_of

from openets import App
from openets.api.app import create_api
from openets.auth import add_user
from openets.clock import FixedClock
from openets.exchange.model import Bar
from openets.exchange.store import ExchangeStore
from openets.finance import services
from openets.mrv.permissions import OPERATOR
from openets.registry.model import IssueUnits
from openets.registry.services import execute, open_account
from openets.settings import Settings
from openets.web import i18n_finance

PASSWORD = "correct horse battery"
DAY1, DAY2 = date(2025, 7, 1), date(2025, 7, 2)


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """SQLite only, to keep these page tests quick."""
    return f"sqlite:///{tmp_path}/openets.db"


def close_at(app: App, day: date, close_fen: int) -> None:
    bar = Bar("GDEA-2025", day.isoformat(), close_fen, close_fen, close_fen, close_fen, 1, 1, 1)
    app.write(lambda c: ExchangeStore(c).insert_bar(bar, f"{day}T07:00:00.000000Z"))


@pytest.fixture
def market(app: App, clock: FixedClock) -> App:
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    for name, role, owner in [
        ("reg", "regulator", None),
        ("ver", "verifier", None),
        ("steel", "entity", "Guangzhou Steel"),
        ("bank", "member", "Bank of Guangzhou"),
    ]:
        add_user(market, name, role, owner=owner, password=PASSWORD)
    open_account(market, "GD-STEEL-001", "holding", "Guangzhou Steel")
    open_account(market, "GD-CEMENT-001", "holding", "Guangzhou Cement")
    open_account(market, "BANK-GZ-01", "holding", "Bank of Guangzhou")
    execute(market, IssueUnits("GDEA-2025", 30_000, "GD-STEEL-001"))
    execute(market, IssueUnits("GDEA-2025", 5_000, "GD-CEMENT-001"))
    close_at(market, DAY1, 5_000)
    maturity = date(2026, 6, 30)
    services.create_pledge(
        market, "GD-STEEL-001", "BANK-GZ-01", "GDEA-2025", 10_000, 25_000_000, DAY1, maturity,
        by=OPERATOR,
    )  # fmt: skip
    services.create_pledge(
        market, "GD-CEMENT-001", "BANK-GZ-01", "GDEA-2025", 1_000, 1_000_000, DAY1, maturity,
        by=OPERATOR,
    )  # fmt: skip
    services.value_pledges(market, DAY1, by=OPERATOR)
    services.release_pledge(market, 2, by=OPERATOR)
    close_at(market, DAY2, 3_000)
    clock.instant = datetime(2025, 7, 2, 2, 0, tzinfo=UTC)
    services.value_pledges(market, DAY2, by=OPERATOR)
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


def row_of(html: str, **attributes: str) -> str:
    wanted = "".join(rf'[^>]* data-{k}="{re.escape(v)}"' for k, v in attributes.items())
    match = re.search(rf"<tr{wanted}[^>]*>(.*?)</tr>", html, re.S)
    assert match, attributes
    return text_of(match.group(1))


def cell(html: str, column: str, **row: str) -> str:
    wanted = "".join(rf'[^>]* data-{k}="{re.escape(v)}"' for k, v in row.items())
    match = re.search(rf"<tr{wanted}[^>]*>(.*?)</tr>", html, re.S)
    assert match, row
    found = re.search(rf'data-col="{column}"[^>]*>(.*?)</td>', match.group(1), re.S)
    assert found, column
    return text_of(found.group(1))


def test_the_regulator_sees_every_pledge_with_its_latest_valuation(client: TestClient) -> None:
    log_in(client, "reg")
    page = client.get("/finance/pledges")
    assert page.status_code == 200
    html = page.text
    assert "Allowance pledges" in html
    assert cell(html, "value", pledge="1") == "¥300,000.00"
    assert cell(html, "ltv", pledge="1") == "0.8333"
    assert cell(html, "coverage", pledge="1") == "1.2000"
    assert cell(html, "level", pledge="1") == "below margin"
    assert cell(html, "status", pledge="1") == "warning"
    assert cell(html, "status", pledge="2") == "released"
    assert cell(html, "valued", pledge="2") == "2025-07-01"  # released before day 2
    assert "still pledged: 10,000 t for loans of ¥250,000.00" in text_of(html)
    counts = dict(re.findall(r'<dd data-field="(\w+)">(\d+)</dd>', html))
    assert counts == {"total": "2", "active": "0", "warning": "1", "released": "1",
                      "defaulted": "0"}  # fmt: skip
    assert client.get("/finance", follow_redirects=False).headers["location"] == "/finance/pledges"


def test_the_status_filter_swaps_the_table_in(client: TestClient) -> None:
    log_in(client, "reg")
    part = client.get("/finance/pledges?status=released", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text
    assert 'data-pledge="2"' in part.text
    assert 'data-pledge="1"' not in part.text
    assert client.get("/finance/pledges?status=nope").status_code == 400


def test_a_pledge_page_charts_value_against_loan_and_levels(client: TestClient) -> None:
    log_in(client, "reg")
    page = client.get("/finance/pledges/1")
    assert page.status_code == 200
    html = page.text
    assert [row_of(html, day=d) for d in ("2025-07-02", "2025-07-01")] == [
        "2025-07-02 ¥30.00 ¥300,000.00 0.8333 1.2000 below margin",
        "2025-07-01 ¥50.00 ¥500,000.00 0.5000 2.0000 ok",
    ]
    assert text_of(re.search(r'data-field="margin">(.*?)</dd>', html).group(1)) == (  # type: ignore[union-attr]
        "1.3 (¥325,000.00)"
    )
    options = re.search(r'id="valuation-chart-options">(.*?)</script>', html, re.S)
    assert options
    chart = json.loads(unescape(options.group(1)))
    assert chart["xAxis"]["data"] == ["2025-07-01", "2025-07-02"]
    assert [(s["name"], s["data"]) for s in chart["series"]] == [
        ("Value", [500_000.0, 300_000.0]),
        ("Loan", [250_000.0, 250_000.0]),
        ("Margin level", [325_000.0, 325_000.0]),
        ("Call level", [275_000.0, 275_000.0]),
    ]
    assert row_of(html, step="freeze").startswith("freeze (pledge created)")
    released = client.get("/finance/pledges/2").text
    assert row_of(released, step="unfreeze").startswith("unfreeze")
    assert 'data-step="transfer"' not in released
    assert client.get("/finance/pledges/9").status_code == 404
    assert client.get("/finance/pledges/abc").status_code == 400


def test_who_may_open_the_pages(client: TestClient) -> None:
    answer = client.get("/finance/pledges", follow_redirects=False)
    assert answer.headers["location"] == "/login?next=%2Ffinance%2Fpledges"
    log_in(client, "ver")
    assert client.get("/finance/pledges").status_code == 403
    log_in(client, "steel")
    mine = client.get("/finance/pledges").text
    assert 'data-pledge="1"' in mine
    assert 'data-pledge="2"' not in mine
    assert client.get("/finance/pledges/2").status_code == 403
    log_in(client, "bank")  # the lender of both
    both = client.get("/finance/pledges").text
    assert 'data-pledge="1"' in both
    assert 'data-pledge="2"' in both


def test_chinese_labels(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/finance/pledges/1?lang=zh").text
    assert "质押" in html
    assert "警戒线" in html
    assert "低于警戒线" in html


def test_every_label_in_both_languages() -> None:
    assert set(i18n_finance.EN) == set(i18n_finance.ZH)
    assert all(i18n_finance.EN.values())
    assert all(i18n_finance.ZH.values())
