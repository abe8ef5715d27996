"""The labels REST API and web pages (TestClient, SQLite): who may issue and revoke, the
public look-up page with its status, QR code and charts, the PDF, the evaluation form."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pages import field

from openets import App
from openets.api.app import create_api
from openets.auth import add_user, issue_api_key
from openets.settings import Settings

V1 = "/api/v1/labels"
FOOTPRINT: dict[str, Any] = {
    "product": "Tile",
    "declared_unit": "piece",
    "output": 1000,
    "materials": [{"name": "steel", "quantity": 500, "unit": "kg", "factor": "2.1"}],
    "energy": [{"item": "grid", "quantity": "12.5", "unit": "MWh"}],
    "transport": [{"mode": "truck", "tonne_km": 300}],
}


@pytest.fixture
def database_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/openets.db"


@pytest.fixture
def client(app: App) -> Iterator[tuple[TestClient, dict[str, str]]]:
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    for name, role in [("reg", "regulator"), ("ver", "verifier"), ("pub", "public")]:
        add_user(market, name, role)
    keys = {name: issue_api_key(market, name, "t") for name in ("reg", "ver", "pub")}
    with TestClient(create_api(market), headers={"Accept-Language": "en"}) as c:
        yield c, keys


def auth(keys: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[who]}"}


def test_api_footprint_issue_verify_revoke(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    answer = c.post(f"{V1}/footprint", json=FOOTPRINT)
    assert answer.status_code == 200
    assert answer.json()["per_unit_kgco2e"] == "7.7196"
    missing = c.post(f"{V1}/footprint", json={**FOOTPRINT, "materials": [
        {"name": "glass", "quantity": 1, "unit": "kg"}]})  # fmt: skip
    assert missing.status_code == 400
    assert "no default factor for material 'glass'" in missing.json()["detail"]
    body = {"footprint": FOOTPRINT, "company": "Foshan Tiles", "valid_until": "2026-06-30"}
    assert c.post(V1, json=body).status_code == 401
    assert c.post(V1, json=body, headers=auth(keys, "pub")).status_code == 403
    headers = {**auth(keys, "ver"), "Idempotency-Key": "i1"}
    issued = c.post(V1, json=body, headers=headers)
    assert issued.status_code == 201, issued.text
    certificate = issued.json()
    assert certificate["verification_url"] == "http://testserver/labels/GDCL-2025-000001"
    assert c.post(V1, json=body, headers=headers).status_code == 200  # replay
    assert c.post(f"{V1}/verify", json=certificate).json()["valid"] is True
    pem = c.get(f"{V1}/public-key")
    assert pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    tampered = c.post(f"{V1}/verify", json={**certificate, "company": "Other"}).json()
    assert tampered["valid"] is False
    assert "tampered field company: it differs from the registry's record" in tampered["problems"]
    revoke = c.post(
        f"{V1}/GDCL-2025-000001/revoke", json={"reason": "error"}, headers=auth(keys, "reg")
    )
    assert revoke.json()["status"] == "revoked"
    assert c.get(f"{V1}/GDCL-2025-000001").json()["revocation"]["reason"] == "error"
    assert c.get(f"{V1}/GDCL-2025-000001/export-hk").json()["status"] == "revoked"
    assert c.get(f"{V1}/NOPE").status_code == 404


def test_api_import_and_evaluate(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    foreign = {
        "scheme": "hk-carbon-label", "certificate_no": "HK-1", "product_name": "Water",
        "applicant": "HK Springs", "functional_unit": "bottle", "carbon_footprint": "0.08",
        "verification_body": "HKV", "issue_date": "2025-01-01", "expiry_date": "2027-01-01",
    }  # fmt: skip
    assert c.post(f"{V1}/import", json=foreign, headers=auth(keys, "ver")).status_code == 403
    imported = c.post(f"{V1}/import", json=foreign, headers=auth(keys, "reg"))
    assert imported.status_code == 201
    assert imported.json()["status"] == "recognised"
    evaluation = c.post(
        f"{V1}/evaluate", json={"enterprise": "E", "emission_intensity_ratio": "0.5"}
    ).json()
    assert (evaluation["grade"], evaluation["score"]) == ("not_qualified", "30.00")


def test_public_label_page_with_qr_charts_and_pdf(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, keys = client
    body = {"footprint": FOOTPRINT, "company": "Foshan Tiles", "valid_until": "2026-06-30"}
    c.post(V1, json=body, headers=auth(keys, "ver"))
    page = c.get("/labels/GDCL-2025-000001")  # no login
    assert page.status_code == 200
    html = page.text
    assert 'data-status="valid"' in html
    assert (field(html, "company"), field(html, "footprint")) == ("Foshan Tiles", "7.7196")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="qr"' in html
    match = re.search(r'id="stage-chart-options">(.*?)</script>', html, re.S)
    assert match is not None
    pie = json.loads(match.group(1))["series"][0]["data"]
    assert pie == [
        {"name": "Materials", "value": 1050.0},
        {"name": "Energy", "value": 6632.5},
        {"name": "Transport", "value": 37.098},
    ]
    assert 'id="line-chart-options"' in html
    listing = c.get("/labels")
    assert 'data-label="GDCL-2025-000001"' in listing.text
    pdf = c.get("/labels/GDCL-2025-000001/certificate.pdf")
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    c.post(f"{V1}/GDCL-2025-000001/revoke", json={"reason": "x"}, headers=auth(keys, "reg"))
    assert 'data-status="revoked"' in c.get("/labels/GDCL-2025-000001").text
    assert c.get("/labels/NOPE").status_code == 404


def test_evaluation_page(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    form = c.get("/labels/evaluate")
    assert form.status_code == 200
    assert 'name="document"' in form.text
    document = json.dumps({"enterprise": "E", "emission_intensity_ratio": "0.5"})
    result = c.post("/labels/evaluate", data={"document": document})
    assert result.status_code == 200
    assert (field(result.text, "grade"), field(result.text, "score")) == ("Not qualified", "30.00")
    zh = c.post("/labels/evaluate?lang=zh", data={"document": document})
    assert field(zh.text, "grade") == "不合格"
    bad = c.post("/labels/evaluate", data={"document": "{"})
    assert bad.status_code == 400
