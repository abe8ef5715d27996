"""The public offsets pages over the real API app, on SQLite and PostgreSQL.

Hand-worked figures of the fixture:

- PV-1 (PHCER, distributed solar, Meizhou · Pingyuan, poverty + old revolutionary area, owner
  SUN): 1,200 t for 2023 (PHCER serials 1-1,200) and 1,500 t for 2024 (1,201-2,700); sold
  1,000 t at ¥23.50 (¥23,500.00) and 300 t at ¥19.99 (¥5,997.00): 1,300 t, ¥29,497.00;
  SUN retires 1,500 t for neutrality: serials 1-1,500, i.e. 1-1,200 of vintage 2023 and
  1,201-1,500 of vintage 2024, so 1,200 t stay outstanding;
- FOREST-1 (PHCER, forestry, Qingyuan · Liannan, ethnic-minority area): 800 t for 2024
  (PHCER 2,701-3,500), unsold;
- BIO-1 (CCER, biogas, Guangzhou, no tag): 5,000 t for 2024 (CCER 1-5,000); 2,000 t sold at
  ¥68.75 = ¥137,500.00.

Totals: issued 1,200 + 1,500 + 800 + 5,000 = 8,500 t; sold 3,300 t; income 2,350,000 +
599,700 + 13,750,000 = 16,699,700 fen = ¥166,997.00. By tag: poverty 2,700, old revolutionary
2,700, ethnic 800; tagged total 3,500 (PV-1's credits once). By city: Guangzhou 5,000,
Meizhou 2,700, Qingyuan 800.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App
from openets.api.app import create_api
from openets.offsets import services as offsets
from openets.offsets.permissions import OPERATOR
from openets.registry.services import open_account
from openets.web.offsets_pages import yuan

CERTIFICATE = "RC-2025-000001"  # the fixture's clock is 2025-07-01
BENEFICIARY = "<b>Demo</b> Marathon & Friends"


@pytest.fixture
def market(app: App) -> App:
    for account, owner in [
        ("SUN", "Sunny Village Co-op"),
        ("FOREST", "Liannan Forest Farm"),
        ("BIO", "Conghua Biogas Ltd"),
    ]:
        open_account(app, account, "holding", owner)
    common: dict[str, Any] = {"province": "Guangdong", "status": "active", "by": OPERATOR}
    offsets.register_project(
        app, "PV-1", scheme="PHCER", project_type="distributed_solar", methodology="PHCER-PV",
        owner_account="SUN", city="Meizhou", county="Pingyuan",
        tags=["poverty", "old_revolutionary"], crediting=(2021, 2030), **common,
    )  # fmt: skip
    offsets.register_project(
        app, "FOREST-1", scheme="PHCER", project_type="forestry", methodology="PHCER-FOREST",
        owner_account="FOREST", city="Qingyuan", county="Liannan", tags=["ethnic"], **common,
    )  # fmt: skip
    offsets.register_project(
        app, "BIO-1", scheme="CCER", project_type="biogas", methodology="CCER-BIOGAS",
        owner_account="BIO", city="Guangzhou", **common,
    )  # fmt: skip
    offsets.issue(app, "PV-1", 2023, 1_200, by=OPERATOR)
    offsets.issue(app, "PV-1", 2024, 1_500, by=OPERATOR)
    offsets.issue(app, "FOREST-1", 2024, 800, by=OPERATOR)
    offsets.issue(app, "BIO-1", 2024, 5_000, by=OPERATOR)
    offsets.record_sale(app, "PV-1", 1_000, 2_350, "Demo Cement Co.", "2025-03-01", by=OPERATOR)
    offsets.record_sale(app, "PV-1", 300, 1_999, "Demo Paper Co.", "2025-04-02", by=OPERATOR)
    offsets.record_sale(app, "BIO-1", 2_000, 6_875, "Demo Power Co.", "2025-05-03", by=OPERATOR)
    certificate = offsets.retire_for_neutrality(
        app, "SUN", "PHCER", 1_500, BENEFICIARY, "carbon-neutral event <2025>", by=OPERATOR
    )
    assert certificate.id == CERTIFICATE
    return app


@pytest.fixture
def client(market: App) -> Iterator[TestClient]:
    with TestClient(create_api(market), headers={"Accept-Language": "en-GB,en;q=0.8"}) as c:
        yield c


def text_of(html: str) -> str:
    """Cell text: tags dropped, entities decoded, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def row_of(html: str, attribute: str, value: str) -> list[str]:
    match = re.search(rf'<tr[^>]* {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match is not None, f"no row {attribute}={value}"
    return [text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(1), re.S)]


def field(html: str, name: str) -> str:
    match = re.search(rf'<dd[^>]* data-field="{name}"[^>]*>(.*?)</dd>', html, re.S)
    assert match is not None, f"no field {name}"
    return text_of(match.group(1))


def project_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-project="([^"]+)">', html)


def chart_options(html: str, chart: str) -> dict[str, Any]:
    assert f'data-chart="{chart}-options"' in html
    match = re.search(
        rf'<script type="application/json" id="{chart}-options">(.*?)</script>', html, re.S
    )
    assert match is not None
    options: dict[str, Any] = json.loads(match.group(1))
    return options


def test_yuan_formats_integer_fen_exactly() -> None:
    assert [yuan(n) for n in (0, 5, 99, 100, 16_699_700, 123_456_789_01, -250)] == [
        "0.00",
        "0.05",
        "0.99",
        "1.00",
        "166,997.00",
        "123,456,789.01",
        "-2.50",
    ]


# --- the project list -----------------------------------------------------------------------


def test_project_list_is_public_with_every_project(client: TestClient) -> None:
    page = client.get("/offsets/projects")
    assert page.status_code == 200
    html = page.text
    assert project_ids(html) == ["BIO-1", "FOREST-1", "PV-1"]
    assert row_of(html, "data-project", "PV-1") == [
        "PV-1",
        "PHCER (carbon inclusion)",
        "Distributed solar PV",
        "PHCER-PV",
        "Meizhou · Pingyuan",
        "Poverty-alleviation area Old revolutionary area",
        "Sunny Village Co-op",
        "Active",
    ]
    assert row_of(html, "data-project", "BIO-1")[5] == "—"
    assert "3 of 3 projects" in html
    assert 'href="/offsets/projects/PV-1"' in html
    assert 'aria-current="page">Offsets</a>' in html  # the nav entry, highlighted
    # the filter form offers the cities of the projects
    assert re.findall(r'<option value="(\w+)">(?:Guangzhou|Meizhou|Qingyuan)<', html) == [
        "Guangzhou",
        "Meizhou",
        "Qingyuan",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("scheme=CCER", ["BIO-1"]),
        ("scheme=phcer", ["FOREST-1", "PV-1"]),
        ("type=forestry", ["FOREST-1"]),
        ("city=Meizhou", ["PV-1"]),
        ("tag=old_revolutionary", ["PV-1"]),
        ("tag=ethnic", ["FOREST-1"]),
        ("scheme=PHCER&tag=poverty", ["PV-1"]),
        ("scheme=CCER&tag=poverty", []),
        ("scheme=&type=&city=&tag=", ["BIO-1", "FOREST-1", "PV-1"]),
    ],
)
def test_project_filters(client: TestClient, query: str, expected: list[str]) -> None:
    html = client.get(f"/offsets/projects?{query}").text
    assert project_ids(html) == expected
    assert f"{len(expected)} of 3 projects" in html
    if not expected:
        assert "No project matches." in html


def test_filter_keeps_its_choices_and_htmx_gets_the_table_only(client: TestClient) -> None:
    html = client.get("/offsets/projects?tag=ethnic&city=Qingyuan").text
    assert '<option value="ethnic" selected>' in html
    assert '<option value="Qingyuan" selected>' in html
    fragment = client.get("/offsets/projects?tag=ethnic", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert "<form" not in fragment
    assert project_ids(fragment) == ["FOREST-1"]


def test_bad_filter_is_a_400_page(client: TestClient) -> None:
    page = client.get("/offsets/projects?scheme=GDEA")
    assert page.status_code == 400
    assert "unknown scheme" in text_of(page.text)
    assert client.get("/offsets/projects?tag=coastal").status_code == 400


# --- a project ------------------------------------------------------------------------------


def test_project_page_shows_facts_figures_issuances_and_sales(client: TestClient) -> None:
    page = client.get("/offsets/projects/PV-1")
    assert page.status_code == 200
    html = page.text
    assert field(html, "scheme") == "PHCER (carbon inclusion) PHCER"
    assert field(html, "type") == "Distributed solar PV"
    assert field(html, "methodology").startswith("PHCER-PV ")
    assert field(html, "location") == "Guangdong · Meizhou · Pingyuan"
    assert field(html, "crediting") == "2021–2030"
    assert field(html, "owner") == "Sunny Village Co-op (SUN)"
    assert field(html, "issued") == "2,700 tCO2e"
    assert field(html, "retired") == "1,500 tCO2e"
    assert field(html, "outstanding") == "1,200 tCO2e"
    assert field(html, "sold") == "1,300 tCO2e"
    assert field(html, "income") == "¥29,497.00"
    first = row_of(html, "data-year", "2023")
    assert first[:4] == ["2023", "1,200", "PHCER 1–1200", "direct issuance"]
    assert first[5] == "2025-07-01 10:00:00"  # issued at, CST
    second = row_of(html, "data-year", "2024")
    assert second[:4] == ["2024", "1,500", "PHCER 1201–2700", "direct issuance"]
    sales = re.findall(r'<tr data-sale="\d+">(.*?)</tr>', html, re.S)
    assert [[text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", s)] for s in sales] == [
        ["2025-03-01", "Demo Cement Co.", "1,000", "23.50", "23,500.00"],
        ["2025-04-02", "Demo Paper Co.", "300", "19.99", "5,997.00"],
    ]


def test_project_without_sales_and_missing_project(client: TestClient) -> None:
    html = client.get("/offsets/projects/FOREST-1").text
    assert field(html, "tags") == "Ethnic-minority area"
    assert field(html, "crediting") == "—"
    assert row_of(html, "data-year", "2024")[:3] == ["2024", "800", "PHCER 2701–3500"]
    assert field(html, "income") == "¥0.00"
    assert "No sales recorded." in html
    page = client.get("/offsets/projects/NOPE")
    assert page.status_code == 404
    assert "does not exist" in page.text


# --- certificates ---------------------------------------------------------------------------


def test_certificate_page_is_public_and_traces_its_serials(client: TestClient) -> None:
    page = client.get(f"/offsets/certificates/{CERTIFICATE}")
    assert page.status_code == 200
    html = page.text
    assert field(html, "id") == CERTIFICATE
    assert field(html, "beneficiary") == BENEFICIARY
    assert "&lt;b&gt;Demo&lt;/b&gt;" in html
    assert "<b>Demo</b>" not in html
    assert field(html, "purpose") == "carbon-neutral event <2025>"
    assert field(html, "quantity") == "1,500 tCO2e PHCER (PHCER (carbon inclusion))"
    assert field(html, "account") == "SUN"
    assert field(html, "date") == "2025-07-01 10:00:00"
    assert field(html, "projects") == "PV-1"
    assert row_of(html, "data-serials", "1-1200") == ["PHCER 1–1200", "1,200", "PV-1", "2023"]
    assert row_of(html, "data-serials", "1201-1500") == ["PHCER 1201–1500", "300", "PV-1", "2024"]
    # lower case works too (the service normalises the id)
    assert client.get(f"/offsets/certificates/{CERTIFICATE.lower()}").status_code == 200


def test_certificate_lookup_form_redirects_and_missing_is_404(client: TestClient) -> None:
    form = client.get("/offsets/certificates")
    assert form.status_code == 200
    assert 'name="id"' in form.text
    answer = client.get(f"/offsets/certificates?id={CERTIFICATE}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/offsets/certificates/{CERTIFICATE}"
    missing = client.get("/offsets/certificates/RC-2025-999999")
    assert missing.status_code == 404


# --- statistics -----------------------------------------------------------------------------


def test_stats_page_totals_tables_and_charts(client: TestClient) -> None:
    page = client.get("/offsets/stats")
    assert page.status_code == 200
    html = page.text
    assert field(html, "issued") == "8,500 tCO2e"
    assert field(html, "sold") == "3,300 tCO2e"
    assert field(html, "income") == "¥166,997.00"
    assert field(html, "tagged") == "3,500 tCO2e"
    assert row_of(html, "data-scheme", "CCER") == ["CCER", "5,000"]
    assert row_of(html, "data-scheme", "PHCER") == ["PHCER (carbon inclusion)", "3,500"]
    assert row_of(html, "data-tag", "poverty") == [
        "Poverty-alleviation area",
        "2,700",
        "1,300",
        "29,497.00",
    ]
    assert row_of(html, "data-tag", "old_revolutionary")[1:] == ["2,700", "1,300", "29,497.00"]
    assert row_of(html, "data-tag", "ethnic")[1:] == ["800", "0", "0.00"]
    assert row_of(html, "data-tag", "any")[1:] == ["3,500", "1,300", "29,497.00"]
    assert row_of(html, "data-city", "Guangzhou") == ["Guangzhou", "5,000", "2,000", "137,500.00"]
    assert row_of(html, "data-city", "Meizhou")[1:] == ["2,700", "1,300", "29,497.00"]
    assert row_of(html, "data-city", "Qingyuan")[1:] == ["800", "0", "0.00"]

    city = chart_options(html, "city-chart")
    assert city["xAxis"]["data"] == ["Guangzhou", "Meizhou", "Qingyuan"]  # most credits first
    assert [s["name"] for s in city["series"]] == ["Issued", "Sold"]
    assert [s["data"] for s in city["series"]] == [[5000, 2700, 800], [2000, 1300, 0]]
    tags = chart_options(html, "tag-chart")
    assert tags["xAxis"]["data"] == [
        "Poverty-alleviation area",
        "Old revolutionary area",
        "Ethnic-minority area",
    ]
    assert [s["data"] for s in tags["series"]] == [[2700, 2700, 800], [1300, 1300, 0]]


def test_stats_page_without_projects(app: App) -> None:
    with TestClient(create_api(app)) as client:
        html = client.get("/offsets/stats?lang=en").text
    assert field(html, "issued") == "0 tCO2e"
    assert 'data-chart="city-chart-options"' not in html
    with TestClient(create_api(app)) as client:
        assert "No project matches." in client.get("/offsets/projects?lang=en").text


# --- languages ------------------------------------------------------------------------------


def test_pages_in_chinese(client: TestClient) -> None:
    html = client.get("/offsets/projects?lang=zh").text
    assert row_of(html, "data-project", "PV-1")[1:6] == [
        "碳普惠核证减排量",
        "分布式光伏",
        "PHCER-PV",
        "梅州 · Pingyuan",
        "脱贫地区 革命老区",
    ]
    assert ">碳普惠</a>" in html  # the nav entry
    assert "共 3 个项目，显示 3 个" in html
    project = client.get("/offsets/projects/PV-1").text  # the language cookie is kept
    assert "签发记录" in project
    assert "直接签发" in project
    assert field(project, "income") == "¥29,497.00"
    certificate = client.get(f"/offsets/certificates/{CERTIFICATE}").text
    assert "注销证明" in certificate
    stats = client.get("/offsets/stats").text
    assert row_of(stats, "data-tag", "ethnic")[0] == "民族地区"
    assert chart_options(stats, "city-chart")["xAxis"]["data"] == ["广州", "梅州", "清远"]
    assert [s["name"] for s in chart_options(stats, "tag-chart")["series"]] == ["签发量", "交易量"]
