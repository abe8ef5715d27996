"""The carbon-peak REST API (FastAPI TestClient), on SQLite and PostgreSQL: public reads,
the regulator's writes (idempotent PUTs), stateless analytics, problem+json refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rest import CHEAP, RestClient

from openets import App, bootstrap
from openets.api import create_api
from openets.auth import add_user, issue_api_key
from openets.clock import FixedClock
from openets.db.migrate import upgrade

V1 = "/api/v1/peak"


class Api(RestClient):
    prefix: ClassVar[str] = V1


@pytest.fixture
def api(database_url: str, clock: FixedClock) -> Iterator[Api]:
    app: App = bootstrap(database_url, clock=clock, settings=CHEAP)
    upgrade(app)
    add_user(app, "reg", "regulator")
    add_user(app, "pub", "public")
    keys = {name: issue_api_key(app, name, "test") for name in ("reg", "pub")}
    yield Api(TestClient(create_api(app)), keys)
    app.dispose()


REGION = {"code": "SZ", "name": "Shenzhen (test)", "kind": "city", "pilot": True}


def test_regions_and_inventories(api: Api) -> None:
    api.call("POST", "/regions", None, REGION, status=401)
    api.call("POST", "/regions", "pub", REGION, status=403)
    created = api.call("POST", "/regions", "reg", REGION, status=201)
    assert (created["code"], created["pilot"], created["note"]) == ("SZ", True, "")
    assert api.call("POST", "/regions", "reg", REGION, status=200) == created
    api.call("POST", "/regions", "reg", {**REGION, "name": "Other"}, status=409)
    assert [r["code"] for r in api.call("GET", "/regions?pilots=true")["regions"]] == ["SZ"]

    body = {
        "lines": [
            {"sector": "industry", "tco2": 700, "source": "yearbook"},
            {"sector": "removals", "tco2": -50, "source": "forestry survey"},
        ]
    }
    api.call("PUT", "/regions/SZ/inventories/2020", "pub", body, status=403)
    stored = api.call("PUT", "/regions/SZ/inventories/2020", "reg", body)
    assert stored == {
        "region": "SZ",
        "year": 2020,
        "total_tco2": 650,
        "lines": [
            {"sector": "industry", "tco2": 700, "source": "yearbook"},
            {"sector": "removals", "tco2": -50, "source": "forestry survey"},
        ],
    }
    assert api.call("PUT", "/regions/SZ/inventories/2020", "reg", body) == stored  # a retry
    assert api.call("GET", "/regions/SZ/inventories")["inventories"] == [stored]
    bad = {"lines": [{"sector": "industry", "tco2": 1.5, "source": "x"}]}
    api.call("PUT", "/regions/SZ/inventories/2021", "reg", bad, status=422)
    unknown = {"lines": [{"sector": "mining", "tco2": 1, "source": "x"}]}
    problem = api.call("PUT", "/regions/SZ/inventories/2021", "reg", unknown, status=400)
    assert problem["detail"].startswith("unknown sector 'mining'")
    assert api.call("GET", "/regions/SZ/inventories?year=2021")["inventories"] == []
    api.call("GET", "/regions/NOPE/inventories", status=404)


def test_detect_and_decompose_stateless(api: Api) -> None:
    body = {
        "series": [{"region": "X", "years": [2000, 2001, 2002, 2003], "values": [5, 7, 7, 6]}],
        "min_years_after": 1,
        "min_decline_pct": 5,
        "plateau_pct": 20,
    }
    # levels 5 7 7 6: M 7 (2001, 2002), the later 7 is the peak (2002); 1 year after, but
    # max(7, 6) = 7 is not 5% below 7; the last 1 year's levels (7, 6) are within 20%: plateau
    assert api.call("POST", "/detect", None, body) == {
        "regions": [
            {
                "region": "X",
                "status": "plateau",
                "peak_year": 2002,
                "peak_value": 7.0,
                "last_year": 2003,
                "last_value": 6.0,
                "decline_from_peak_pct": 14.29,
            }
        ],
        "rule": {
            "min_years_after": 1,
            "min_decline_pct": 5.0,
            "plateau_pct": 20.0,
            "smoothing": "median of each year and its neighbours",
        },
    }
    kaya = {
        "region": "K",
        "start": {"year": 2015, "co2": 1000, "population": 100, "gdp": 1000, "energy": 500},
        "end": {"year": 2020, "co2": 1069.2, "population": 110, "gdp": 1320, "energy": 594},
    }
    # the hand-worked example of tests/unit/test_peak_decomposition.py
    assert api.call("POST", "/decompose", None, kaya) == {
        "region": "K",
        "change": 69.2,
        "effects": {
            "population": 98.571139,
            "affluence": 188.559539,
            "energy_intensity": -108.965339,
            "carbon_intensity": -108.965339,
        },
    }
    kaya["end"]["energy"] = 0
    api.call("POST", "/decompose", None, kaya, status=422)


def test_stored_analytics_and_scorecard(api: Api) -> None:
    api.call("POST", "/regions", "reg", REGION, status=201)
    for year, total in [(2018, 100), (2019, 110), (2020, 108), (2021, 104), (2022, 99)]:
        lines = {"lines": [{"sector": "total", "tco2": total, "source": "t"}]}
        api.call("PUT", f"/regions/SZ/inventories/{year}", "reg", lines)
    stats = {
        "years": [
            {"year": 2020, "population": 10, "gdp": "100", "energy": "50", "source": "s"},
            {"year": 2022, "population": 10, "gdp": "110", "energy": "48", "source": "s"},
        ]
    }
    api.call("PUT", "/regions/SZ/statistics", "reg", stats)
    found = api.call("GET", "/detect?min_years_after=2&plateau_pct=1")
    # levels 100 108 108 104 99: M 108, the highest value near it 110 (2019); 3 years after;
    # max(104, 99) = 104 > 0.95 × 108 = 102.6: not peaked; 2020-2022 levels not within 1%
    assert found["regions"] == [
        {
            "region": "SZ",
            "status": "not_peaked",
            "peak_year": 2019,
            "peak_value": 110.0,
            "last_year": 2022,
            "last_value": 99.0,
            "decline_from_peak_pct": 10.0,
        }
    ]
    assert found["rule"]["min_years_after"] == 2
    change = api.call("GET", "/decompose?region=SZ&from=2020&to=2022")
    assert change["change"] == -9.0
    assert sum(change["effects"].values()) == pytest.approx(-9.0, abs=1e-9)
    projected = api.call("GET", "/project?region=SZ&to=2030")
    assert [s["name"] for s in projected["scenarios"]] == ["trend", "national_targets"]
    assert projected["scenarios"][0]["path"][-1]["year"] == 2030
    custom = {
        "target_year": 2025,
        "scenarios": [
            {
                "name": "flat",
                "phases": [{"until": 2030, "gdp_growth_pct": 0, "energy_intensity_pct": 0}],
            }
        ],
    }
    flat = api.call("POST", "/regions/SZ/project", None, custom)
    assert flat["scenarios"][0]["path"][-1] == {"year": 2025, "co2": 99.0}
    # history 2020 108, 2022 99 (the years with statistics): the peak is 2020
    assert flat["scenarios"][0]["peak_year"] == 2020
    values = {"values": [{"indicator": "policy_mechanisms", "value": "3", "source": "plan"}]}
    api.call("PUT", "/regions/SZ/indicators/2022", "reg", values)
    card = api.call("GET", "/scorecard?year=2022")
    [pilot] = card["pilots"]
    lines = {x["key"]: x for x in pilot["indicators"]}
    assert lines["policy_mechanisms"]["points"] == 50.0
    assert lines["policy_mechanisms"]["contribution"] == 2.5
    api.call("GET", "/decompose?region=SZ&from=2019&to=2022", status=400)


def test_an_inventory_built_from_activity_data(api: Api) -> None:
    api.call("POST", "/regions", "reg", REGION, status=201)
    body = {
        "rows": [
            # 1,000 MWh × 0.5306 tCO2/MWh (national average grid factor of 2023) = 530.6 t
            {"sector": "buildings", "source": "electricity", "item": "grid",
             "quantity": "1000", "unit": "MWh"},
            # 10 t of diesel with a measured 3.1 tCO2/t = 31 t
            {"sector": "transport", "source": "combustion", "item": "diesel",
             "quantity": "10", "unit": "t", "ef": "3.1"},
        ],
        "imported": [{"sector": "removals", "tco2": -20, "source": "forestry survey"}],
    }  # fmt: skip
    api.call("PUT", "/regions/SZ/inventories/2023/activity", "pub", body, status=403)
    got = api.call("PUT", "/regions/SZ/inventories/2023/activity", "reg", body)
    assert got == {
        "region": "SZ",
        "year": 2023,
        "total_tco2": 531 + 31 - 20,
        "lines": [
            {"sector": "buildings", "tco2": 531, "source": "activity: grid-2023-national-average"},
            {"sector": "transport", "tco2": 31, "source": "activity: cn-guidelines-2013"},
            {"sector": "removals", "tco2": -20, "source": "forestry survey"},
        ],
    }
    body["rows"][0]["unit"] = "GJ"
    problem = api.call("PUT", "/regions/SZ/inventories/2023/activity", "reg", body, status=400)
    assert problem["detail"] == "row 1: electricity item 'grid' is measured in MWh, not GJ"
    assert api.call("GET", "/regions/SZ/inventories?year=2023")["inventories"] == [got]
