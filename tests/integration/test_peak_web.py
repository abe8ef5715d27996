"""The carbon-peak pages over the real API app (SQLite; the services run on both engines in
test_peak_services.py): the list, a pilot page with its charts, the scorecard ranking."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App
from openets.api.app import create_api
from openets.auth.model import Role, User
from openets.peak import services
from openets.peak.inventory import Inventory, InventoryLine, Region, RegionKind, RegionYear, Sector
from openets.peak.store import IndicatorValue

REGULATOR = User("reg", Role.REGULATOR, None, "")


@pytest.fixture
def database_url(tmp_path: object) -> str:
    """SQLite only, to keep these page tests quick."""
    return f"sqlite:///{tmp_path}/openets.db"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    pilots = [
        Region("GZ", "Guangzhou-like", RegionKind.CITY, True, "广州", note="demo figures"),
        Region("ZQ", "Zhaoqing park", RegionKind.PARK, True, "肇庆高新区"),
    ]
    for region in pilots:
        services.add_region(app, region, by=REGULATOR)
    services.add_region(app, Region("UK", "United Kingdom", RegionKind.COUNTRY), by=REGULATOR)
    gz = [100, 110, 120, 118, 112, 105, 100, 95]  # 2015-2022: peaked in 2017
    for n, total in enumerate(gz):
        year = 2015 + n
        lines = (InventoryLine(Sector.INDUSTRY, total * 1000 - 5000, "yearbook"),
                 InventoryLine(Sector.TRANSPORT, 6000, "yearbook"),
                 InventoryLine(Sector.REMOVALS, -1000, "survey"))  # fmt: skip
        services.record_inventory(app, Inventory("GZ", year, lines), by=REGULATOR)
        stats = RegionYear("GZ", year, 1000 + n, Decimal(1000 + 60 * n), Decimal(500 + n), "s")
        services.record_region_years(app, [stats], by=REGULATOR)
    for n, total in enumerate([10, 12, 14, 16, 18, 20, 22, 24]):  # rising
        line = InventoryLine(Sector.TOTAL, total * 1000, "park report")
        services.record_inventory(app, Inventory("ZQ", 2015 + n, (line,)), by=REGULATOR)
    values = [("GZ", "policy_mechanisms", 6), ("ZQ", "policy_mechanisms", 3)]
    services.record_indicators(
        app, [IndicatorValue(r, 2022, k, Decimal(v), "plan") for r, k, v in values], by=REGULATOR
    )
    with TestClient(create_api(app), headers={"Accept-Language": "en"}) as c:
        yield c


def chart(html: str, chart_id: str) -> Any:
    match = re.search(
        rf'<script type="application/json" id="{chart_id}-options">(.*?)</script>', html, re.S
    )
    assert match, chart_id
    return json.loads(match.group(1))


def test_the_list_shows_pilots_with_their_status(client: TestClient) -> None:
    page = client.get("/peak")
    assert page.status_code == 200
    html = page.text
    pilots = html[
        html.index('id="peak-pilots"') : html.index("</table>", html.index('id="peak-pilots"'))
    ]
    assert 'data-region="GZ"' in pilots
    assert 'data-region="ZQ"' in pilots
    assert 'data-region="UK"' not in pilots  # no inventory, listed among the others
    # GZ with the default rule (5 years, 5%, 3%): levels 100 110 118 118 112 105 100 95, M 118,
    # the highest value near it 120 (2017), 5 years before 2022, max(100, 95) ≤ 112.1: peaked
    gz = html[html.index('data-region="GZ"') :]
    assert 'data-status="peaked"' in gz[:2000]
    assert '<td class="num" data-col="peak_year">2017</td>' in gz[:2000]
    assert 'data-status="not_peaked"' in html[html.index('data-region="ZQ"') :][:2000]
    assert "demo figures" in html
    zh = client.get("/peak?lang=zh").text
    assert "已达峰" in zh
    assert "尚未达峰" in zh


def test_a_pilot_page_has_its_four_charts(client: TestClient) -> None:
    page = client.get("/peak/GZ")
    assert page.status_code == 200
    html = page.text
    stacked = chart(html, "inventory-chart")
    assert [s["name"] for s in stacked["series"]] == ["Industry", "Transport", "Removals"]
    assert stacked["series"][2]["data"][0] == -1000
    series = chart(html, "series-chart")
    assert series["series"][0]["markPoint"]["data"][0]["coord"] == ["2017", 120000.0]
    waterfall = chart(html, "waterfall-chart")
    # from 2015 to 2022 (first and last years with complete data): change 95,000 - 100,000
    assert waterfall["xAxis"]["data"][-1] == "2015→2022"
    assert 'data-effect="change"' in html
    assert "-5000.000000" in html
    assert chart(html, "projection-chart")["series"][0]["name"] == "History"
    assert 'data-scenario="trend"' in html
    narrow = client.get("/peak/GZ?from=2016&to=2018")
    assert chart(narrow.text, "waterfall-chart")["xAxis"]["data"][-1] == "2016→2018"
    assert client.get("/peak/GZ?from=20x").status_code == 400
    assert client.get("/peak/NOPE").status_code == 404
    park = client.get("/peak/ZQ").text  # no statistics: no decomposition, no projection
    assert "Needs emissions, population, GDP and energy in two years." in park
    # a region without any emissions says so (not "No regions yet.")
    empty = client.get("/peak/UK")
    assert empty.status_code == 200
    assert '<p class="muted" id="series-none">No emissions recorded yet.</p>' in empty.text
    assert "No regions yet." not in empty.text
    zh = client.get("/peak/UK?lang=zh").text
    assert '<p class="muted" id="series-none">尚无排放数据。</p>' in zh


def test_the_scorecard_ranks_the_pilots(client: TestClient) -> None:
    page = client.get("/peak/scorecard?year=2022")
    assert page.status_code == 200
    html = page.text
    # policy mechanisms: GZ 6 of 6 -> 100 points × 0.05 = 5.00; ZQ 3 -> 50 × 0.05 = 2.50;
    # GZ's intensities need 2020 and 2022 statistics and inventories: computed
    rows = re.findall(
        r'<tr data-region="(\w+)">\s*<td class="num" data-col="rank">(\d+)</td>', html
    )
    assert rows == [("GZ", "1"), ("ZQ", "2")]
    assert 'data-indicator="policy_mechanisms"' in html
    bars = chart(html, "scorecard-chart")
    policy = next(s for s in bars["series"] if s["name"] == "Policy mechanisms (count)")
    assert policy["data"] == [2.5, 5.0]  # bottom-up: ZQ, then GZ
    assert client.get("/peak/scorecard").status_code == 200  # the latest year: 2022
    assert client.get("/peak/scorecard?year=abc").status_code == 400
