"""The allocation and compliance pages over the real API app, on SQLite (the pages read
through services whose tests run on both engines).

The fixture's market, Guangdong, compliance year 2024, viewed on 2025-07-01 (the ``clock``):

- STEEL-1 (steel): 2023 verified 190,000 t, output 100,000 t; 2024 verified 170,000 t;
- STEEL-2 (steel): 2023 50,000 t, output 30,000 t; 2024 60,000 t;
- STEEL-3 (steel): 2023 20,000 t, output 12,000 t; 2024 not verified (pending);
- CEM-1 (cement): 2023 30,000 t, output 40,000 t; 2024 31,000 t;
- SMALL-1 (steel): 2023 5,000 t < the 10,000 t threshold: not covered.

Pre-allocation of 2024 (benchmark, free share 97%): STEEL-1 100,000 × 1.8 × 1 = 180,000
(free 174,600, reserve 5,400); STEEL-2 30,000 × 1.8 = 54,000 (52,380 / 1,620); STEEL-3
12,000 × 1.8 = 21,600 (20,952 / 648); CEM-1 40,000 × 0.85 = 34,000 (32,980 / 1,020). Steel
totals: 255,600 entitled, 247,932 free, 7,668 reserve; all four 289,600 under the illustrative
cap of 270,000,000 t of 2024, leaving 269,710,400 t.

On 2025-06-10 STEEL-1 surrenders 165,000 GDEA-2024 and 5,000 PHCER (170,000: compliant) and
CEM-1 30,000 GDEA-2024 (1,000 short); STEEL-2 surrenders nothing (60,000 short). The surrender
deadline (2025-06-20) has passed on 2025-07-01, so the short ones are ``shortfall``. The
verified figures are imported on 2025-03-01, except CEM-1's of 2024 (on 2025-07-01: late). The
allocation deadline is extended from 2025-07-01 to 2025-07-15 (14 days left).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pages import chart_options, col, field, row_of

from openets import App
from openets.allocation import services as allocation
from openets.api.app import create_api
from openets.auth import add_user
from openets.auth.model import Role, User
from openets.clock import FixedClock
from openets.compliance import services as compliance
from openets.compliance.calendar import extend_deadline
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.offsets import services as offsets
from openets.registry.model import IssueUnits, TransferUnits
from openets.registry.services import execute, open_account
from openets.settings import Settings

PASSWORD = "correct horse battery"
REGULATOR = User("reg", Role.REGULATOR, None, "")
D = Decimal


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
        ("ver", "verifier", None),
        ("steel", "entity", "Steel One"),
        ("cem", "entity", "Cement One"),
        ("member", "member", "Steel One"),
    ]:
        add_user(market, name, role, owner=owner, password=PASSWORD)
    for entity_id, name, sector in [
        ("STEEL-1", "Steel One", "steel"),
        ("STEEL-2", "Steel Two", "steel"),
        ("STEEL-3", "Steel Three", "steel"),
        ("CEM-1", "Cement One", "cement"),
        ("SMALL-1", "Small Steel", "steel"),
    ]:
        mrv.add_entity(market, entity_id, name, sector, by=OPERATOR)
    figures = [
        ("STEEL-1", 2023, 190_000, D(100_000)),
        ("STEEL-1", 2024, 170_000, None),
        ("STEEL-2", 2023, 50_000, D(30_000)),
        ("STEEL-2", 2024, 60_000, None),
        ("STEEL-3", 2023, 20_000, D(12_000)),
        ("CEM-1", 2023, 30_000, D(40_000)),
        ("SMALL-1", 2023, 5_000, D(3_000)),
    ]
    march = dataclasses.replace(market, clock=FixedClock(datetime(2025, 3, 1, 2, tzinfo=UTC)))
    mrv.import_emissions(
        march, [ImportedEmissions(e, y, t, o) for e, y, t, o in figures], by=OPERATOR
    )
    # after the report deadline (2025-03-20): a late report
    mrv.import_emissions(market, [ImportedEmissions("CEM-1", 2024, 31_000)], by=OPERATOR)
    allocation.issue(market, 2024, by=REGULATOR)
    open_account(market, "OWNER", "holding", "Solar Co-op")
    offsets.register_project(
        market, "PV-GD", scheme="PHCER", project_type="distributed_solar",
        methodology="PHCER-PV", owner_account="OWNER", province="Guangdong", city="Meizhou",
        status="active", by=OPERATOR,
    )  # fmt: skip
    offsets.issue(market, "PV-GD", 2024, 6_000, by=OPERATOR)
    execute(market, TransferUnits("PHCER", 6_000, "OWNER", "STEEL-1"))
    execute(market, IssueUnits("GDEA-2025", 100, "STEEL-1"))
    june = dataclasses.replace(market, clock=FixedClock(datetime(2025, 6, 10, 2, tzinfo=UTC)))
    compliance.surrender(
        june, "STEEL-1", 2024, [("GDEA-2024", 165_000), ("PHCER", 5_000)], by=OPERATOR
    )
    compliance.surrender(june, "CEM-1", 2024, [("GDEA-2024", 30_000)], by=OPERATOR)
    extend_deadline(
        june, "guangdong", 2024, "allocation", "2025-07-15", "plan <delayed>", by=REGULATOR
    )
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


def rows(html: str, attribute: str = "entity") -> list[str]:
    return re.findall(rf'<tr data-{attribute}="([^"]+)"', html)


# --- the status board -----------------------------------------------------------------------


def test_board_deadlines_counts_entities_and_chart(client: TestClient) -> None:
    log_in(client, "reg")
    page = client.get("/compliance/2024")
    assert page.status_code == 200
    html = page.text
    assert [field(html, s) for s in ("covered", "compliant", "shortfall", "pending")] == [
        "4",
        "1",
        "2",
        "1",
    ]
    assert field(html, "not_required") == "1"
    # deadlines of Guangdong 2024, days counted from 2025-07-01
    surrender = row_of(html, deadline="surrender")
    assert (col(surrender, "date"), col(surrender, "extended"), col(surrender, "days")) == (
        "2025-06-20",
        "No",
        "passed 11 days ago",
    )
    moved = row_of(html, deadline="allocation")
    assert col(moved, "date") == "2025-07-15"
    assert col(moved, "extended") == "Yes plan <delayed>"  # escaped in the page
    assert "plan &lt;delayed&gt;" in moved
    assert col(moved, "days") == "14 days left"
    # covered entities by id, not the one below the threshold
    assert rows(html) == ["CEM-1", "STEEL-1", "STEEL-2", "STEEL-3", "total"]
    expected = {
        "CEM-1": ("31,000", "30,000", "0", "1,000", "Shortfall Late report"),
        "STEEL-1": ("170,000", "165,000", "5,000", "0", "Compliant"),
        "STEEL-2": ("60,000", "0", "0", "60,000", "Shortfall"),
        "STEEL-3": ("—", "0", "0", "0", "Pending"),
        "total": ("261,000", "195,000", "5,000", "61,000", ""),
    }
    for entity, figures in expected.items():
        row = row_of(html, entity=entity)
        names = ("verified", "allowances", "offsets", "shortfall")
        status = col(row, "status") if entity != "total" else ""
        got = (*[col(row, n) for n in names], status)
        assert got == figures, entity
    assert 'href="/compliance/2024/entities/STEEL-1"' in html
    # verified against surrendered by sector: steel then cement
    options = chart_options(html, "sector-chart")
    assert options["xAxis"]["data"] == ["Steel", "Cement"]
    series = {s["name"]: s["data"] for s in options["series"]}
    assert series == {
        "Verified emissions": [230_000, 31_000],
        "Allowances surrendered": [165_000, 30_000],
        "Offsets surrendered": [5_000, 0],
    }
    assert 'aria-current="page">Compliance</a>' in html


def test_board_filter_and_htmx_fragment(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/compliance/2024?status=shortfall").text
    assert rows(html) == ["CEM-1", "STEEL-2", "total"]
    assert col(row_of(html, entity="total"), "shortfall") == "61,000"
    assert '<option value="shortfall" selected>' in html
    fragment = client.get(
        "/compliance/2024?status=not_required", headers={"HX-Request": "true"}
    ).text
    assert "<html" not in fragment
    assert rows(fragment) == ["SMALL-1", "total"]
    assert "1 shown of 4 covered entities" in fragment
    assert client.get("/compliance/2024?jurisdiction=shenzhen").text.count("<tr data-entity") == 0
    assert client.get("/compliance/2024?status=lost").status_code == 400
    assert client.get("/compliance/20x4").status_code == 400
    assert client.get("/compliance/1999").status_code == 400


# --- coverage -------------------------------------------------------------------------------


def test_coverage_lists_every_entity_with_its_reason(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/compliance/2024/coverage").text
    assert rows(html) == ["CEM-1", "SMALL-1", "STEEL-1", "STEEL-2", "STEEL-3"]
    assert [field(html, n) for n in ("entities", "covered", "not_covered")] == ["5", "4", "1"]
    small = row_of(html, entity="SMALL-1")
    assert [col(small, n) for n in ("covered", "verified_prior", "verified_year")] == [
        "No",
        "5,000",
        "—",
    ]
    assert col(small, "reason") == "below the threshold of 10,000 tCO2 (2023 5,000 tCO2)"
    steel = row_of(html, entity="STEEL-1")
    assert [col(steel, n) for n in ("covered", "verified_prior", "verified_year")] == [
        "Yes",
        "190,000",
        "170,000",
    ]
    assert col(steel, "reason") == "2023 verified 190,000 tCO2 ≥ 10,000"
    assert "Verified 2023 (tCO2)" in html


# --- allocation -----------------------------------------------------------------------------


def test_allocation_table_by_sector_with_totals_and_cap(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/allocation/2024").text
    assert field(html, "cap") == "270,000,000 t (illustrative)"
    assert field(html, "allocated") == "289,600 t"
    assert field(html, "free") == "280,912 t"
    assert field(html, "reserve") == "8,688 t"
    assert field(html, "unallocated") == "269,710,400 t"
    assert col(row_of(html, round="pre"), "free") == "280,912"
    steel = html[html.index('data-sector="steel"') : html.index('data-sector="cement"')]
    assert field(steel, "method") == "Benchmark"
    assert field(steel, "free_share") == "97%"
    assert rows(steel) == ["STEEL-1", "STEEL-2", "STEEL-3", "total"]
    line = row_of(steel, entity="STEEL-1", phase="pre")
    assert "Steel One" in line
    assert re.findall(r'data-input="(\w+)">([^<]+)<', line) == [
        ("output", "100,000"),
        ("benchmark", "1.8"),
        ("adjustment_factor", "1"),
    ]
    names = ("exact", "entitlement", "allocated", "free", "reserve", "deducted", "issued")
    assert [col(line, n) for n in names] == [
        "180,000",
        "180,000",
        "180,000",
        "174,600",
        "5,400",
        "0",
        "174,600",
    ]
    total = row_of(steel, entity="total", phase="pre")
    assert [col(total, n) for n in names[1:]] == [
        "255,600",
        "255,600",
        "247,932",
        "7,668",
        "0",
        "247,932",
    ]
    cement = html[html.index('data-sector="cement"') :]
    line = row_of(cement, entity="CEM-1", phase="pre")
    assert [col(line, n) for n in names] == [
        "34,000",
        "34,000",
        "34,000",
        "32,980",
        "1,020",
        "0",
        "32,980",
    ]
    assert 'aria-current="page">Allocation</a>' in html
    empty = client.get("/allocation/2030").text
    assert "No allocation has been recorded for this year." in empty


# --- an entity's position -------------------------------------------------------------------


def test_position_holdings_obligation_headroom_and_deadlines(client: TestClient) -> None:
    log_in(client, "steel")
    html = client.get("/compliance/2024/entities/STEEL-1").text
    assert field(html, "status") == "Compliant (surrender deadline passed or year closed)"
    assert [field(html, n) for n in ("obligation", "allowances", "offsets", "shortfall")] == [
        "170,000 t",
        "165,000 t",
        "5,000 t",
        "0 t",
    ]
    assert field(html, "surrendered") == "170,000 t"
    # holdings: allowances by vintage, then offsets; GDEA-2025 would be borrowing
    assert rows(html, "instrument") == ["GDEA-2024", "GDEA-2025", "PHCER"]
    held = {
        code: tuple(col(row_of(html, instrument=code), n) for n in ("quantity", "usable"))
        for code in ("GDEA-2024", "GDEA-2025", "PHCER")
    }
    assert held == {
        "GDEA-2024": ("9,600", "Yes"),
        "GDEA-2025": ("100", "No"),
        "PHCER": ("1,000", "Yes"),
    }
    # 10% of the 2023 verified 190,000 t = 19,000; 5,000 used; ceil(70% × 14,000) local CCER
    assert field(html, "limit") == "19,000"
    assert field(html, "used") == "5,000"
    assert field(html, "headroom") == "14,000"
    assert field(html, "local_needed") == "9,800"
    assert field(html, "market") == "5,000 / 1,000,000"
    assert col(row_of(html, deadline="surrender"), "days") == "passed 11 days ago"
    assert col(row_of(html, deadline="allocation"), "days") == "14 days left"
    line = row_of(html, phase="pre")
    assert [col(line, n) for n in ("entitlement", "free", "issued")] == [
        "180,000",
        "174,600",
        "174,600",
    ]
    surrender = re.search(r'<tr data-surrender="\d+">(.*?)</tr>', html, re.S)
    assert surrender is not None
    assert (col(surrender.group(1), "allowances"), col(surrender.group(1), "offsets")) == (
        "165,000",
        "5,000",
    )
    assert "PV-GD" in surrender.group(1)
    # a pending entity without a verified figure for the year
    log_in(client, "reg")
    pending = client.get("/compliance/2024/entities/STEEL-3").text
    assert field(pending, "status") == "Pending (surrender deadline passed or year closed)"
    assert field(pending, "obligation") == "not verified yet"
    assert 'href="/compliance/2024"' in pending  # the regulator's way back to the board


# --- who may --------------------------------------------------------------------------------


def test_pages_are_the_regulators_and_an_entity_sees_its_own_position(
    client: TestClient,
) -> None:
    regulator_pages = ["/compliance/2024", "/compliance/2024/coverage", "/allocation/2024"]
    answer = client.get("/compliance/2024", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcompliance%2F2024"
    log_in(client, "cem")
    for path in [*regulator_pages, "/allocation"]:
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "Only the regulator may open this page." in refused.text
    assert client.get("/compliance/2024/entities/CEM-1").status_code == 200
    other = client.get("/compliance/2024/entities/STEEL-1")
    assert other.status_code == 403
    assert client.get("/compliance/2024/entities/NOPE").status_code == 404
    home = client.get("/compliance", follow_redirects=False)
    assert home.headers["location"] == "/compliance/2024/entities/CEM-1"
    nav = client.get("/").text
    assert 'href="/compliance"' in nav
    assert 'href="/allocation"' not in nav
    log_in(client, "ver")
    assert client.get("/compliance/2024/entities/CEM-1").status_code == 403
    assert client.get("/compliance").status_code == 403
    log_in(client, "member")
    assert 'href="/compliance"' not in client.get("/").text
    log_in(client, "reg")
    for path in regulator_pages:
        assert client.get(path).status_code == 200, path
    # the default year: the latest with allocation lines or verified reports
    assert client.get("/compliance", follow_redirects=False).headers["location"] == (
        "/compliance/2024"
    )
    assert client.get("/allocation", follow_redirects=False).headers["location"] == (
        "/allocation/2024"
    )
    nav = client.get("/").text
    assert 'href="/compliance"' in nav
    assert 'href="/allocation"' in nav


def test_default_year_without_data_is_the_year_before(app: App) -> None:
    from openets.web.compliance_pages import default_year

    assert default_year(app) == 2024  # the clock's business date is 2025-07-01


def test_pages_in_chinese(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/compliance/2024?lang=zh").text
    assert "履约状态" in html
    assert col(row_of(html, entity="CEM-1"), "status") == "未足额履约 报告逾期"
    assert col(row_of(html, deadline="allocation"), "days") == "剩余14天"
    assert col(row_of(html, deadline="surrender"), "days") == "已过11天"
    assert chart_options(html, "sector-chart")["xAxis"]["data"] == ["钢铁", "水泥"]
    assert ">履约</a>" in html
    table = client.get("/allocation/2024").text  # the language cookie is kept
    assert "基准线法" in table
    assert "预分配合计" in table
    assert "免费配额" in table
    coverage = client.get("/compliance/2024/coverage").text
    assert "纳入名单" in coverage
    position = client.get("/compliance/2024/entities/STEEL-1").text
    assert "剩余可用（吨）" in position
    assert field(position, "status").startswith("已履约")
