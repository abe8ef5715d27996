"""The MRV web pages and report exports over the real API app, on SQLite and PostgreSQL.

Hand-worked figures of the fixture's report ACME-2022-v1 (default factors of
``cn-guidelines-2013``, ``grid-2022-national-ets`` and ``process-ipcc-2006``):

- row 2, raw coal 1,000 t: 1000 × 20.908 × 0.02637 × 0.94 × 44/12 = 1,900.2988488 tCO2
  (20.908 × 0.02637 = 0.55134396; × 0.94 = 0.5182633224; × 44 / 12 = 1.9002988488 per t);
- row 3, purchased electricity 500 MWh, adjusted by the verifier to 520 MWh:
  520 × 0.5703 = 296.556 tCO2 (285.15 before the adjustment);
- row 4, limestone 100 t: 100 × 44/100 = 44 tCO2;
- row 5, natural gas 10 (10^4 Nm3) with a measured NCV of 390 GJ/10^4 Nm3:
  10 × 390 × 0.01532 × 0.99 × 44/12 = 216.88524 tCO2;
- total 2,457.7400888 tCO2 (combustion 2,117.1840888), compliance 2,458 t.

ACME-2023-v1 (``grid-2023-national-average``): raw coal 1,100 t = 2,090.32873368 tCO2,
electricity 480 MWh × 0.5306 = 254.688 tCO2, total 2,345.01673368 (2,345 t); biomass 10 t ×
15 GJ/t × 0.03 tC/GJ × 1 × 44/12 = 16.5 tCO2 reported, not counted.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App
from openets.api.app import create_api
from openets.auth import add_user
from openets.clock import FixedClock
from openets.mrv import services
from openets.mrv.activity_file import read_activity_file
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.mrv.reports import Adjustment
from openets.settings import Settings

PASSWORD = "correct horse battery"
REPORT = "ACME-2022-v1"


def line(
    row: int, facility: str, year: int, source: str, item: str, quantity: str, unit: Unit, **kw: Any
) -> ActivityLine:
    measured = {name: Decimal(value) for name, value in kw.items()}
    return ActivityLine(
        row, facility, year, SourceKind(source), item, Decimal(quantity), unit, **measured
    )


ACME_2022 = [
    line(2, "ACME-F1", 2022, "combustion", "raw_coal", "1000", Unit.TONNE),
    line(3, "ACME-F1", 2022, "electricity", "grid", "500", Unit.MWH),
    line(4, "ACME-F2", 2022, "process", "limestone", "100", Unit.TONNE),
    line(5, "ACME-F1", 2022, "combustion", "natural_gas", "10", Unit.TEN_THOUSAND_NM3, ncv="390"),
]
ACME_2023 = [
    line(2, "ACME-F1", 2023, "combustion", "raw_coal", "1100", Unit.TONNE),
    line(3, "ACME-F1", 2023, "electricity", "grid", "480", Unit.MWH),
    line(4, "ACME-F1", 2023, "biomass", "wood_chips", "10", Unit.TONNE, ncv="15", cc="0.03"),
]
BETA_LINES = [line(2, "BETA-F1", 2022, "process", "clinker", "1000", Unit.TONNE)]
REASON = "<b>meter</b> reading corrected"


@pytest.fixture
def market(app: App, clock: FixedClock) -> App:
    """ACME (steel): 2022 and 2023 approved, verified by ``ver``. BETA (cement): 2022
    submitted and assigned to ``ver2``, 2023 a draft. Users of every role concerned."""
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    users = {
        name: add_user(market, name, role, owner=owner, password=PASSWORD)
        for name, role, owner in [
            ("reg", "regulator", None),
            ("ver", "verifier", None),
            ("ver2", "verifier", None),
            ("acme", "entity", "Acme Steel"),
            ("beta", "entity", "Beta Cement"),
            ("member", "member", "Acme Steel"),
        ]
    }
    reg, ver, acme = users["reg"], users["ver"], users["acme"]
    services.add_entity(market, "ACME", "Acme Steel", "steel", by=reg)
    services.add_entity(market, "BETA", "Beta Cement", "cement", "shenzhen", by=reg)
    services.add_facility(market, "ACME-F1", "ACME", "Blast furnace", "Shaoguan", by=reg)
    services.add_facility(market, "ACME-F2", "ACME", "Sinter plant", "Shaoguan", by=reg)
    services.add_facility(market, "BETA-F1", "BETA", "Kiln 1", "Shenzhen", by=reg)
    services.add_stream(market, "ACME-F1", "combustion", "raw_coal", "weighbridge", by=reg)
    services.add_stream(market, "ACME-F1", "combustion", "natural_gas", "metered", by=reg)

    def step() -> None:
        clock.advance(timedelta(minutes=1))

    for lines, adjustments in [
        (ACME_2022, [Adjustment(3, Decimal("520"), REASON)]),
        (ACME_2023, []),
    ]:
        year = lines[0].year
        report = services.create_report(market, "ACME", year, lines, by=acme).report
        step()
        services.assign_verifier(market, report.id, "ver", by=reg)
        step()
        services.submit_report(market, report.id, by=acme)
        step()
        services.verify_report(market, report.id, adjustments, by=ver)
        step()
        services.approve_report(market, report.id, by=reg)
        step()
    beta = services.create_report(market, "BETA", 2022, BETA_LINES, by=OPERATOR).report
    services.assign_verifier(market, beta.id, "ver2", by=reg)
    services.submit_report(market, beta.id, by=OPERATOR)
    later = [dataclasses.replace(a, year=2023) for a in BETA_LINES]
    services.create_report(market, "BETA", 2023, later, by=OPERATOR)
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


def row_of(html: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr[^>]* {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match is not None, f"no row {attribute}={value}"
    return match.group(1)


def text_of(html: str) -> str:
    """Cell text: tags dropped, entities decoded, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def cells(row: str) -> list[str]:
    return [text_of(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def field(html: str, name: str) -> str:
    match = re.search(rf'<dd[^>]* data-field="{name}"[^>]*>(.*?)</dd>', html, re.S)
    assert match is not None, f"no field {name}"
    return text_of(match.group(1))


def status_counts(html: str) -> dict[str, str]:
    found = re.findall(r'data-status="(\w+)"[^>]*>.*?<span class="num">([\d,]+)</span>', html)
    return dict(found)


def chart_options(html: str, chart: str) -> dict[str, Any]:
    assert f'data-chart="{chart}-options"' in html
    match = re.search(
        rf'<script type="application/json" id="{chart}-options">(.*?)</script>', html, re.S
    )
    assert match is not None
    options: dict[str, Any] = json.loads(match.group(1))
    return options


# --- the list of reports --------------------------------------------------------------------


def test_regulator_lists_every_report_with_counts_per_status(client: TestClient) -> None:
    log_in(client, "reg")
    page = client.get("/mrv/reports")
    assert page.status_code == 200
    html = page.text
    counts = status_counts(html)
    assert counts == {
        "all": "4",
        "draft": "1",
        "submitted": "1",
        "verified": "0",
        "approved": "2",
        "superseded": "0",
    }
    assert re.findall(r'<tr data-report="([^"]+)">', html) == [
        "ACME-2022-v1",
        "ACME-2023-v1",
        "BETA-2022-v1",
        "BETA-2023-v1",
    ]
    assert cells(row_of(html, "data-report", REPORT)) == [
        "ACME-2022-v1",
        "ACME Acme Steel",
        "2022",
        "1",
        "Approved",
        "2,457.740",
        "2,458",
        "ver",
        "1",
        "2025-07-01 10:00:00",
    ]
    # the clinker: 1000 t × 0.52 = 520 tCO2, submitted, not yet verified
    assert cells(row_of(html, "data-report", "BETA-2022-v1"))[4:8] == [
        "Submitted",
        "520.000",
        "520",
        "ver2",
    ]
    assert 'href="/mrv/entities/ACME"' in html  # the regulator may open the entity page
    assert 'aria-current="page">Emission reports</a>' in html


def test_status_filter_and_htmx_fragment(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/mrv/reports?status=approved").text
    assert re.findall(r'<tr data-report="([^"]+)">', html) == ["ACME-2022-v1", "ACME-2023-v1"]
    assert re.search(r'data-status="approved" aria-current="page"', html)
    fragment = client.get("/mrv/reports?status=draft", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert re.findall(r'<tr data-report="([^"]+)">', fragment) == ["BETA-2023-v1"]
    assert client.get("/mrv/reports?status=lost").status_code == 400


def test_verifier_sees_only_the_reports_assigned_to_it(client: TestClient) -> None:
    log_in(client, "ver2")
    html = client.get("/mrv/reports").text
    assert re.findall(r'<tr data-report="([^"]+)">', html) == ["BETA-2022-v1"]
    assert status_counts(html)["all"] == "1"
    assert "The reports assigned to you for verification" in html
    assert 'href="/mrv/entities/' not in html  # verifiers do not read verified emissions
    assert client.get(f"/mrv/reports/{REPORT}").status_code == 403
    assert client.get("/mrv/reports/BETA-2022-v1").status_code == 200


def test_entity_sees_its_own_reports_only(client: TestClient) -> None:
    log_in(client, "beta")
    html = client.get("/mrv/reports").text
    assert re.findall(r'<tr data-report="([^"]+)">', html) == ["BETA-2022-v1", "BETA-2023-v1"]
    assert '<a href="/mrv/entities/BETA">Beta Cement (BETA)</a>' in html
    refused = client.get(f"/mrv/reports/{REPORT}")
    assert refused.status_code == 403
    assert "may not read report ACME-2022-v1" in refused.text
    assert client.get("/mrv/entities/ACME").status_code == 403
    assert client.get(f"/mrv/reports/{REPORT}.xlsx").status_code == 403
    assert client.get(f"/mrv/reports/{REPORT}.pdf").status_code == 403


def test_anonymous_is_sent_to_login_and_other_roles_are_refused(client: TestClient) -> None:
    for url in ["/mrv/reports", f"/mrv/reports/{REPORT}", f"/mrv/reports/{REPORT}.pdf"]:
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=%2Fmrv%2F")
    log_in(client, "member")
    for url in ["/mrv/reports", f"/mrv/reports/{REPORT}", "/mrv/entities/ACME"]:
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert "You are not allowed to see this." in answer.text
    assert 'href="/mrv/reports"' not in client.get("/").text  # no MRV link for a member


def test_missing_report_and_entity_are_404(client: TestClient) -> None:
    log_in(client, "reg")
    assert client.get("/mrv/reports/NOPE-2022-v1").status_code == 404
    assert client.get("/mrv/entities/NOPE").status_code == 404
    assert client.get("/mrv/reports/NOPE-2022-v1.xlsx").status_code == 404


# --- one report -----------------------------------------------------------------------------


def test_report_page_shows_header_totals_and_each_calculation(client: TestClient) -> None:
    log_in(client, "reg")
    page = client.get(f"/mrv/reports/{REPORT}")
    assert page.status_code == 200
    html = page.text
    assert field(html, "year") == "2022"
    assert field(html, "version") == "1"
    assert field(html, "status") == "Approved"
    assert field(html, "verifier") == "ver"
    assert field(html, "total") == "2,457.7400888"
    assert field(html, "compliance") == "2,458"
    assert field(html, "biomass") == "0"
    assert "ACME</a> Acme Steel" in html
    assert cells(row_of(html, "data-source", "combustion")) == ["Fuel combustion", "2,117.184"]
    assert cells(row_of(html, "data-source", "electricity")) == [
        "Purchased electricity",
        "296.556",
    ]
    assert cells(row_of(html, "data-source", "process")) == ["Industrial processes", "44.000"]
    assert cells(row_of(html, "data-source", "total")) == ["Total (counted)", "2,457.740"]

    coal = cells(row_of(html, "data-row", "2"))
    assert coal == [
        "2",
        "ACME-F1",
        "Fuel combustion",
        "raw_coal 原煤 raw coal",
        "1,000 t × NCV 20.908 GJ/t × CC 0.02637 tC/GJ × OF 0.94 × 44/12",
        "1,900.299",
        "cn-guidelines-2013",
    ]
    assert 'title="1,900.2988488"' in row_of(html, "data-row", "2")
    assert cells(row_of(html, "data-row", "3"))[4:] == [
        "520 MWh × EF 0.5703 tCO2/MWh",
        "296.556",
        "grid-2022-national-ets",
    ]
    assert cells(row_of(html, "data-row", "4"))[4:] == [
        "100 t × EF 0.44 tCO2/t",
        "44.000",
        "process-ipcc-2006",
    ]
    gas = row_of(html, "data-row", "5")
    assert '<span class="num" data-term="ncv">390<sup>*</sup></span>' in gas  # measured
    assert cells(gas)[4:6] == [
        "10 10^4 Nm3 × NCV 390* GJ/10^4 Nm3 × CC 0.01532 tC/GJ × OF 0.99 × 44/12",
        "216.885",
    ]


def test_report_page_shows_factor_sources_adjustments_history_and_flags(
    client: TestClient,
) -> None:
    log_in(client, "reg")
    html = client.get(f"/mrv/reports/{REPORT}").text
    versions = re.findall(r'<tr id="fv-([^"]+)" data-version', html)
    assert versions == ["cn-guidelines-2013", "grid-2022-national-ets", "process-ipcc-2006"]
    grid = text_of(row_of(html, "data-version", "grid-2022-national-ets"))
    assert "National grid emission factor for ETS emission reports, 2022" in grid
    assert "环办气候函〔2023〕43号" in grid

    adjustment = cells(row_of(html, "data-adjustment", "3-quantity"))
    assert adjustment == [
        "3",
        "Activity data",
        "500",
        "520",
        "<b>meter</b> reading corrected",
        "ver (Verifier)",
        "2025-07-01 10:03:00",
    ]
    assert "&lt;b&gt;meter&lt;/b&gt;" in html  # escaped, never markup

    steps = re.findall(r'<tr data-action="(\w+)">(.*?)</tr>', html, re.S)
    assert [(action, cells(row)[1:4]) for action, row in steps] == [
        ("create", ["Draft", "acme (Covered entity)", "2025-07-01 10:00:00"]),
        ("assign", ["Draft", "reg (Regulator)", "2025-07-01 10:01:00"]),
        ("submit", ["Draft → Submitted", "acme (Covered entity)", "2025-07-01 10:02:00"]),
        ("verify", ["Submitted → Verified", "ver (Verifier)", "2025-07-01 10:03:00"]),
        ("approve", ["Verified → Approved", "reg (Regulator)", "2025-07-01 10:04:00"]),
    ]
    # ACME-F1's monitoring plan has coal and gas, not electricity
    flag = cells(row_of(html, "data-flag", "unplanned_stream"))
    assert flag[:2] == ["Source stream not in the monitoring plan", "ACME-F1"]
    assert "electricity/grid" in flag[2]
    assert f'href="/mrv/reports/{REPORT}.xlsx"' in html
    assert f'href="/mrv/reports/{REPORT}.pdf"' in html


def test_report_page_in_chinese(client: TestClient) -> None:
    log_in(client, "acme")
    page = client.get(f"/mrv/reports/{REPORT}?lang=zh")
    assert page.status_code == 200
    html = page.text
    assert page.headers["content-language"] == "zh-CN"
    assert field(html, "status") == "已批准"
    for term in [
        "燃料燃烧",
        "外购电力",
        "工业过程",
        "排放因子",
        "核查调整",
        "流转记录",
        "导出 XLSX",
    ]:
        assert term in html, term
    coal = cells(row_of(html, "data-row", "2"))
    assert coal[4] == (
        "1,000 t × 低位发热量 20.908 GJ/t × 单位热值含碳量 0.02637 tC/GJ × 碳氧化率 0.94 × 44/12"
    )
    steps = re.findall(r'<tr data-action="(\w+)">(.*?)</tr>', html, re.S)
    assert cells(steps[-1][1])[:2] == ["批准", "已核查 → 已批准"]
    assert "排放源不在监测计划中" in html


def test_biomass_is_shown_but_not_counted(client: TestClient) -> None:
    log_in(client, "acme")
    html = client.get("/mrv/reports/ACME-2023-v1").text
    assert field(html, "total") == "2,345.01673368"
    assert field(html, "compliance") == "2,345"
    assert field(html, "biomass") == "16.5"
    assert cells(row_of(html, "data-source", "biomass")) == [
        "Biomass (reported, not counted)",
        "16.500",
    ]
    biomass = cells(row_of(html, "data-row", "4"))
    assert biomass[2] == "Biomass (reported, not counted)"
    assert biomass[4:] == [
        "10 t × NCV 15* GJ/t × CC 0.03* tC/GJ × OF 1 × 44/12",
        "16.500",
        "measured",
    ]
    assert "Measured values only (no default factor used)" in html


# --- the entity's emissions -----------------------------------------------------------------


def test_entity_page_shows_verified_emissions_by_year_and_source(client: TestClient) -> None:
    log_in(client, "acme")
    page = client.get("/mrv/entities/ACME")
    assert page.status_code == 200
    html = page.text
    assert cells(row_of(html, "data-year", "2022")) == [
        "2022",
        "2,117.184",
        "296.556",
        "44.000",
        "2,457.740",
        "2,458",
        "ACME-2022-v1",
    ]
    assert cells(row_of(html, "data-year", "2023")) == [
        "2023",
        "2,090.329",
        "254.688",
        "—",
        "2,345.017",
        "2,345",
        "ACME-2023-v1",
    ]
    options = chart_options(html, "emissions-chart")
    assert options["xAxis"]["data"] == ["2022", "2023"]
    assert [(s["name"], s["stack"], s["data"]) for s in options["series"]] == [
        ("Fuel combustion", "emissions", [2117.184, 2090.329]),
        ("Purchased electricity", "emissions", [296.556, 254.688]),
        ("Industrial processes", "emissions", [44.0, 0.0]),
    ]
    facilities = re.findall(r'<tr data-facility="([^"]+)">', html)
    assert facilities == ["ACME-F1", "ACME-F2"]
    assert "raw_coal" in row_of(html, "data-facility", "ACME-F1")
    zh = client.get("/mrv/entities/ACME?lang=zh").text
    assert chart_options(zh, "emissions-chart")["series"][0]["name"] == "燃料燃烧"
    assert "历年核定排放量" in zh
    assert "钢铁" in zh


def test_entity_page_without_approved_reports(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/mrv/entities/BETA").text
    assert "No approved emission report yet." in html
    assert "data-chart" not in html
    assert re.findall(r'<tr data-report="([^"]+)">', html) == ["BETA-2022-v1", "BETA-2023-v1"]


# --- exports --------------------------------------------------------------------------------


def test_xlsx_export_reads_back_as_the_verified_activity_lines(
    client: TestClient, market: App, tmp_path: Path
) -> None:
    log_in(client, "ver")
    answer = client.get(f"/mrv/reports/{REPORT}.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert answer.headers["content-disposition"] == f'attachment; filename="{REPORT}.xlsx"'
    path = tmp_path / "report.xlsx"
    path.write_bytes(answer.content)
    verified = [dataclasses.replace(ACME_2022[1], quantity=Decimal(520))]
    expected = [ACME_2022[0], *verified, *ACME_2022[2:]]
    assert read_activity_file(path) == expected


def test_pdf_export_from_the_page_and_the_api(client: TestClient) -> None:
    log_in(client, "acme")
    page = client.get(f"/mrv/reports/{REPORT}.pdf")
    assert page.status_code == 200
    assert page.headers["content-type"] == "application/pdf"
    assert page.content.startswith(b"%PDF-")
    assert REPORT.encode() in page.content
    api = client.get(f"/api/v1/emission-reports/{REPORT}/export.pdf")
    assert api.status_code == 200
    assert api.content == page.content  # the same report exports to the same bytes
    xlsx = client.get(f"/api/v1/emission-reports/{REPORT}/export.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    log_in(client, "beta")
    refused = client.get(f"/api/v1/emission-reports/{REPORT}/export.xlsx")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    client.cookies.clear()
    assert client.get(f"/api/v1/emission-reports/{REPORT}/export.pdf").status_code == 401
