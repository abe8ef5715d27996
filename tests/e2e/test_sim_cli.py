"""``openets sim run``, ``sim sweep`` and ``sim example`` end to end (no database used)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

SCENARIO = """
years = [2025, 2026]
[market]
cap = [240000, 270000]
banking = false
price_floor = 0
price_ceiling = 1000
carbon_tax = 20
[[firms]]
id = "F1"
covered = true
baseline = [100000, 100000]
mac_slope = 0.001
[[firms]]
id = "F2"
covered = true
baseline = [200000, 200000]
mac_slope = 0.002
[[firms]]
id = "U1"
covered = false
baseline = [100000, 100000]
mac_slope = 0.001
"""


@pytest.fixture
def cli(cli_at: Callable[[str], Cli], tmp_path: Path) -> Cli:
    return cli_at(f"sqlite:///{tmp_path}/unused.db")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def year(
    year: int, price: float, f1: float, f2: float, cost: float, unused: float
) -> dict[str, object]:
    """A year of the scenario: F1 abates 1,000 p, F2 500 p; U1 abates 20,000 t at the
    20 yuan/t tax and pays it on its other 80,000 t."""
    covered = 300_000 - f1 - f2
    return {
        "year": year,
        "price": price,
        "effective_price": price,
        "cap": covered + unused,
        "emissions": covered + 80_000,
        "covered_emissions": covered,
        "uncovered_emissions": 80_000.0,
        "abatement": f1 + f2 + 20_000,
        "covered_abatement": f1 + f2,
        "uncovered_abatement": 20_000.0,
        "abatement_cost": cost + 200_000,
        "tax_revenue": 1_600_000.0,
        "auction_revenue": 0.0,
        "offsets": 0.0,
        "unsold": unused,
        "ceiling_sales": 0.0,
        "bank": 0.0,
        "firms": [
            {
                "id": "F1",
                "abatement": f1,
                "emissions": 100_000 - f1,
                "abatement_cost": 0.001 * f1 * f1 / 2,
            },
            {
                "id": "F2",
                "abatement": f2,
                "emissions": 200_000 - f2,
                "abatement_cost": 0.002 * f2 * f2 / 2,
            },
            {"id": "U1", "abatement": 20_000.0, "emissions": 80_000.0, "abatement_cost": 200_000.0},
        ],
    }


def test_run_json_contract(cli: Cli, scenario: Path) -> None:
    # 2025: p = 60,000 / 1,500 = 40; 2026: p = 30,000 / 1,500 = 20
    assert cli.json("sim", "run", str(scenario)) == {
        "name": "",
        "banking": False,
        "tax_scope": "uncovered",
        "years": [
            year(2025, 40.0, 40_000.0, 20_000.0, 1_200_000.0, 0.0),
            year(2026, 20.0, 20_000.0, 10_000.0, 300_000.0, 0.0),
        ],
        "totals": {
            "emissions": 320_000.0 + 350_000.0,
            "abatement": 80_000.0 + 50_000.0,
            "abatement_cost": 1_400_000.0 + 500_000.0,
            "tax_revenue": 3_200_000.0,
            "auction_revenue": 0.0,
            "average_price": 30.0,
        },
    }


def test_run_without_firms_and_as_a_table(cli: Cli, scenario: Path) -> None:
    document = cli.json("sim", "run", str(scenario), "--no-firms")
    assert "firms" not in document["years"][0]
    out = cli.ok("sim", "run", str(scenario))
    assert "2025" in out
    assert "40.00" in out


def test_run_errors(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    assert cli.fails(2, "sim", "run", str(missing)) == f"error: scenario file not found: {missing}"
    bad = tmp_path / "bad.toml"
    bad.write_text("years = [2025]\n[market]\ncap = 1\ntax_scope = 'some'\n", encoding="utf-8")
    assert cli.fails(2, "sim", "run", str(bad)) == (
        "error: market.tax_scope: expected one of uncovered, all, floor, got 'some'"
    )


def test_sweep_json(cli: Cli, scenario: Path) -> None:
    document = cli.json(
        "sim",
        "sweep",
        str(scenario),
        "--param",
        "market.carbon_tax=0,50",
        "--param",
        "market.price_floor=0,30",
        "--workers",
        "2",
    )
    assert document["parameters"] == {"market.carbon_tax": [0, 50], "market.price_floor": [0, 30]}
    runs = document["runs"]
    assert [r["parameters"] for r in runs] == [
        {"market.carbon_tax": 0, "market.price_floor": 0},
        {"market.carbon_tax": 0, "market.price_floor": 30},
        {"market.carbon_tax": 50, "market.price_floor": 0},
        {"market.carbon_tax": 50, "market.price_floor": 30},
    ]
    # prices per year: (40, 20) from the cap; a 30 floor lifts 2026 to 30
    assert [[y["price"] for y in r["years"]] for r in runs] == [
        [40.0, 20.0],
        [40.0, 30.0],
        [40.0, 20.0],
        [40.0, 30.0],
    ]
    # U1 at a 50 tax abates 50,000 and pays 50 × 50,000 each year
    assert [r["totals"]["tax_revenue"] for r in runs] == [0.0, 0.0, 5_000_000.0, 5_000_000.0]


def test_sweep_on_ray_without_ray(
    cli: Cli, scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without Ray: import fails
    error = cli.fails(
        2,
        "sim",
        "sweep",
        str(scenario),
        "--param",
        "market.carbon_tax=0,50",
        "--ray-address",
        "ray://head:10001",
        "--json",
    )
    assert error == "error: Ray is not installed: pip install 'ray[default]'"


def test_sweep_bad_param(cli: Cli, scenario: Path) -> None:
    error = cli.fails(2, "sim", "sweep", str(scenario), "--param", "carbon_tax=1", "--json")
    assert error.startswith("error: --param 'carbon_tax=1': expected market.KEY=V1,V2")


def test_examples(cli: Cli) -> None:
    assert cli.json("sim", "example") == {"examples": ["banking", "cap_and_trade", "tax_and_ets"]}
    out = cli.ok("sim", "example", "cap_and_trade")
    assert out.startswith("# Cap and trade")
    assert json.loads(cli.ok("sim", "example", "banking", "--json"))["name"] == "banking"
