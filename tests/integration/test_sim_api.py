"""``POST /api/v1/sim/run`` and ``GET /api/v1/sim/examples`` (FastAPI TestClient).

The simulation reads and writes no storage, so one SQLite application serves (no migration).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import bootstrap
from openets.api import create_api

PROBLEM = "application/problem+json"
SCENARIO: dict[str, Any] = {
    "years": [2025, 2026],
    "market": {"cap": [240_000, 240_000], "price_floor": [0, 50], "free_share": 0.9},
    "firms": [
        {"id": "F1", "covered": True, "baseline": [100_000, 100_000], "mac_slope": 0.001},
        {"id": "F2", "covered": True, "baseline": [200_000, 200_000], "mac_slope": 0.002},
    ],
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    application = bootstrap(f"sqlite:///{tmp_path}/openets.db")
    with TestClient(create_api(application)) as test_client:
        yield test_client
    application.dispose()


def test_run(client: TestClient) -> None:
    response = client.post("/api/v1/sim/run", json=SCENARIO)
    assert response.status_code == 200, response.text
    years = response.json()["years"]
    # 2025: p = 60,000 / 1,500 = 40; 2026: the floor, 50: 75,000 abated, 15,000 unsold.
    # Auction: 10 % of the cap (24,000), less the unsold 15,000 in 2026.
    assert [(y["price"], y["abatement"], y["unsold"]) for y in years] == [
        (40.0, 60_000.0, 0.0),
        (50.0, 75_000.0, 15_000.0),
    ]
    assert [y["auction_revenue"] for y in years] == [24_000 * 40.0, 9_000 * 50.0]
    assert years[0]["firms"] == [
        {"id": "F1", "abatement": 40_000.0, "emissions": 60_000.0, "abatement_cost": 800_000.0},
        {"id": "F2", "abatement": 20_000.0, "emissions": 180_000.0, "abatement_cost": 400_000.0},
    ]
    brief = client.post("/api/v1/sim/run?firms=false", json=SCENARIO).json()
    assert "firms" not in brief["years"][0]


def test_invalid_scenario_is_a_problem(client: TestClient) -> None:
    bad = {**SCENARIO, "market": {"cap": [1]}}
    response = client.post("/api/v1/sim/run", json=bad)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "market.cap: has 1 values but years has 2"
    csv = {**SCENARIO, "firms_csv": "/etc/passwd"}
    detail = client.post("/api/v1/sim/run", json=csv).json()["detail"]
    assert detail.startswith("firms_csv: only scenario files may name a CSV")


def test_too_large_a_scenario(client: TestClient) -> None:
    firms = [{"id": f"F{n}", "baseline": 1, "mac_slope": 1} for n in range(1_600)]
    years = list(range(2000, 2200))  # 1,600 × 200 = 320,000 firm-years
    response = client.post(
        "/api/v1/sim/run", json={"years": years, "market": {"cap": 0}, "firms": firms}
    )
    assert response.status_code == 400
    assert "320,000 firm-years; at most 300,000" in response.json()["detail"]


def test_examples(client: TestClient) -> None:
    examples = client.get("/api/v1/sim/examples").json()["examples"]
    assert [e["name"] for e in examples] == ["banking", "cap_and_trade", "tax_and_ets"]
    assert 'name = "Cap and trade"' in examples[1]["toml"]
