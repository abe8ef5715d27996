"""``openets peak``: the CLI contract of ``detect`` and ``decompose`` (exact JSON), on the
shipped OWID file too, and the stored-region commands on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openets.peak.series_file import OWID_FILE

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

OWID = str(resources.files("openets.peak") / OWID_FILE)

SERIES = """region,year,co2,note
A,2000,10,x
A,2001,12,
A,2002,14,
A,2003,16,
A,2004,18,
A,2005,20,
A,2006,19,
A,2007,18,
A,2008,17,
A,2009,16,
A,2010,15,
B,2000,1,
B,2001,2,
B,2002,3,
"""


@pytest.fixture
def files(tmp_path: Path, cli_at: Callable[[str], Cli]) -> tuple[Cli, Path]:
    return cli_at(f"sqlite:///{tmp_path}/unused.db"), tmp_path


def test_detect_prints_the_contract_json(files: tuple[Cli, Path]) -> None:
    cli, tmp = files
    path = tmp / "series.csv"
    path.write_text(SERIES, encoding="utf-8")
    # A: the hand-worked "peaked" series of tests/unit/test_peak_detection.py (peak 2005 at
    # 20, 15 in 2010: 25% down); B rises
    got = cli.json("peak", "detect", str(path), "--min-years-after", "3", "--plateau-pct", "2")
    assert got == {
        "regions": [
            {
                "region": "A",
                "status": "peaked",
                "peak_year": 2005,
                "peak_value": 20.0,
                "last_year": 2010,
                "last_value": 15.0,
                "decline_from_peak_pct": 25.0,
            },
            {
                "region": "B",
                "status": "not_peaked",
                "peak_year": 2002,
                "peak_value": 3.0,
                "last_year": 2002,
                "last_value": 3.0,
                "decline_from_peak_pct": 0.0,
            },
        ],
        "rule": {
            "min_years_after": 3,
            "min_decline_pct": 5.0,
            "plateau_pct": 2.0,
            "smoothing": "median of each year and its neighbours",
        },
    }
    # the default rule wants 5 years after the peak: 2010 - 2005 = 5, still peaked
    assert cli.json("peak", "detect", str(path))["regions"][0]["status"] == "peaked"
    strict = cli.json("peak", "detect", str(path), "--min-years-after", "6")
    assert strict["regions"][0]["status"] == "not_peaked"
    assert "peaked" in cli.ok("peak", "detect", str(path))


def test_detect_says_which_regions_had_no_value(files: tuple[Cli, Path]) -> None:
    cli, tmp = files
    path = tmp / "gaps.csv"
    path.write_text("region,year,co2\nA,2000,1\nE[1],2000,\nE[1],2001,\n", encoding="utf-8")
    code, out, err = cli.run("peak", "detect", str(path), "--json")
    assert code == 0
    assert [entry["region"] for entry in json.loads(out)["regions"]] == ["A"]
    assert err == "note: 1 region(s) without any co2 value left out: E[1]\n"


def test_detect_reads_the_owid_file_with_its_country_column(files: tuple[Cli, Path]) -> None:
    cli, _ = files
    got = cli.json("peak", "detect", OWID, "--region-column", "country")
    by_region = {entry["region"]: entry for entry in got["regions"]}
    assert len(by_region) > 200
    assert by_region["United Kingdom"] == {
        "region": "United Kingdom",
        "status": "peaked",
        "peak_year": 1971,
        "peak_value": 660.388,
        "last_year": 2023,
        "last_value": 305.146,
        "decline_from_peak_pct": 53.79,  # (660.388 - 305.146) / 660.388 = 53.7929...%
    }
    assert got["rule"]["min_years_after"] == 5


def test_detect_refuses_bad_files(files: tuple[Cli, Path]) -> None:
    cli, tmp = files
    path = tmp / "series.csv"
    path.write_text(SERIES, encoding="utf-8")
    err = cli.fails(2, "peak", "detect", str(path), "--region-column", "country", "--json")
    assert "missing column(s) country" in err
    bad = tmp / "bad.csv"
    bad.write_text("region,year,co2\nA,2000,ten\n", encoding="utf-8")
    assert "line 2: co2 'ten' is not a number" in cli.fails(2, "peak", "detect", str(bad))
    assert "no such file" in cli.fails(2, "peak", "detect", str(tmp / "none.csv"))
    cli.fails(2, "peak", "detect", str(path), "--min-years-after", "0")


KAYA = """region,year,co2,population,gdp,energy
K,2015,1000,100,1000,500
K,2020,1069.2,110,1320,594
R,2005,7,9,5,3
R,2020,5,5,23,11
"""


def test_decompose_prints_effects_adding_up_to_the_change(files: tuple[Cli, Path]) -> None:
    cli, tmp = files
    path = tmp / "kaya.csv"
    path.write_text(KAYA, encoding="utf-8")
    got = cli.json("peak", "decompose", str(path), "--from", "2015", "--to", "2020")
    # K: the hand-worked example of tests/unit/test_peak_decomposition.py; R has no 2015
    assert got == {
        "regions": [
            {
                "region": "K",
                "change": 69.2,
                "effects": {
                    "population": 98.571139,
                    "affluence": 188.559539,
                    "energy_intensity": -108.965339,
                    "carbon_intensity": -108.965339,
                },
            }
        ]
    }
    residue = cli.json("peak", "decompose", str(path), "--from", "2005", "--to", "2020")
    [entry] = residue["regions"]
    # the rounding residue (0.000001) goes to the largest effect, affluence
    assert entry["effects"]["affluence"] == 12.56474
    printed = sum(Decimal(str(v)) for v in entry["effects"].values())
    assert printed == Decimal(str(entry["change"])) == Decimal("-2")
    assert "same" not in cli.fails(
        2, "peak", "decompose", str(path), "--from", "2015", "--to", "2015"
    )
    zero = tmp / "zero.csv"
    zero.write_text(KAYA.replace("K,2015,1000,", "K,2015,0,"), encoding="utf-8")
    err = cli.fails(2, "peak", "decompose", str(zero), "--from", "2015", "--to", "2020")
    assert "region K: year 2015: co2 must be a positive number for LMDI, got 0.0" in err


def test_decompose_works_on_the_owid_file(files: tuple[Cli, Path]) -> None:
    cli, _ = files
    got = cli.json(
        "peak", "decompose", OWID, "--from", "2005", "--to", "2019", "--region-column",
        "country", "--energy-column", "primary_energy_consumption",
    )  # fmt: skip
    china = next(e for e in got["regions"] if e["region"] == "China")
    # the printed effects add up exactly to the printed change; GDP per person drove
    # China's emissions up, energy intensity down
    assert Decimal(str(china["change"])) == sum(Decimal(str(v)) for v in china["effects"].values())
    assert china["effects"]["affluence"] > 0 > china["effects"]["energy_intensity"]


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    return runner


def test_stored_regions_inventories_status_and_scorecard(cli: Cli, tmp_path: Path) -> None:
    cli.ok("peak", "region", "add", "GZ", "--name", "Guangzhou (test)", "--pilot")
    inventories = tmp_path / "inv.csv"
    rows = ["region,year,sector,tco2,source"]
    for year, total in zip(
        range(2015, 2024), [900, 950, 1000, 1100, 1080, 1040, 1000, 980, 960], strict=True
    ):
        rows.append(f"GZ,{year},industry,{total + 10},yearbook")
        rows.append(f"GZ,{year},removals,-10,survey")
    inventories.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert (
        cli.ok("peak", "inventory", "import", str(inventories)).strip() == "recorded 9 inventories"
    )
    shown = cli.json("peak", "inventory", "show", "GZ", "--year", "2018")
    assert shown["inventories"] == [
        {
            "region": "GZ",
            "year": 2018,
            "total_tco2": 1100,
            "lines": [
                {"sector": "industry", "tco2": 1110, "source": "yearbook"},
                {"sector": "removals", "tco2": -10, "source": "survey"},
            ],
        }
    ]
    status = cli.json("peak", "status", "--min-years-after", "3")
    assert status["regions"] == [
        {
            "region": "GZ",
            "status": "peaked",
            "peak_year": 2018,
            "peak_value": 1100.0,
            "last_year": 2023,
            "last_value": 960.0,
            "decline_from_peak_pct": 12.73,  # 140 / 1100 = 12.7272...%
        }
    ]
    stats = tmp_path / "stats.csv"
    stats.write_text(
        "region,year,population,gdp,energy,source\nGZ,2020,100,1000,500,s\nGZ,2023,110,1320,480,s\n",
        encoding="utf-8",
    )
    cli.ok("peak", "stats-import", str(stats))
    change = cli.json("peak", "decompose-region", "GZ", "--from", "2020", "--to", "2023")
    assert change["change"] == -80.0
    projected = cli.json("peak", "project", "GZ", "--to", "2030")
    assert [s["name"] for s in projected["scenarios"]] == ["trend", "national_targets"]
    card = cli.json("peak", "scorecard", "2023")
    assert [p["region"] for p in card["pilots"]] == ["GZ"]
    assert card["pilots"][0]["indicators"][0]["key"] == "co2_per_gdp_reduction_pct"
    bad = tmp_path / "bad.csv"
    bad.write_text("region,year,sector,tco2,source\nGZ,2024,mining,5,x\n", encoding="utf-8")
    assert "unknown sector 'mining'" in cli.fails(2, "peak", "inventory", "import", str(bad))
    assert cli.json("peak", "inventory", "show", "GZ", "--year", "2024")["inventories"] == []
    assert "no region 'NOPE'" in cli.fails(3, "peak", "inventory", "show", "NOPE")


def test_an_inventory_from_an_activity_file(cli: Cli, tmp_path: Path) -> None:
    cli.ok("peak", "region", "add", "ZQ", "--name", "Zhaoqing park (test)", "--kind", "park")
    activity = tmp_path / "activity.csv"
    activity.write_text(
        "sector,source,item,quantity,unit,ef\n"
        "industry,electricity,grid,2000,MWh,\n"  # 2,000 × 0.5306 = 1,061.2 -> 1,061 t
        "industry,combustion,diesel,10,t,3.14\n",  # 31.4 t: industry 1,092.6 -> 1,093 t
        encoding="utf-8",
    )
    got = cli.json("peak", "inventory", "from-activity", "ZQ", "2023", str(activity))
    assert got["lines"] == [
        {
            "sector": "industry",
            "tco2": 1093,
            "source": "activity: cn-guidelines-2013, grid-2023-national-average",
        }
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,source,item,quantity,unit\nindustry,wind,x,1,t\n", encoding="utf-8")
    err = cli.fails(2, "peak", "inventory", "from-activity", "ZQ", "2023", str(bad))
    assert "line 2: row 2: unknown source 'wind'" in err
