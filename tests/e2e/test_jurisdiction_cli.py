"""``openets jurisdiction list`` and ``show`` end to end (no database needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py


@pytest.fixture
def cli(cli_at: Callable[[str], Cli], tmp_path: Path) -> Cli:
    return cli_at(f"sqlite:///{tmp_path / 'unused.db'}")


def test_show_guangdong_2024_json(cli: Cli) -> None:
    doc = cli.json("jurisdiction", "show", "guangdong", "--year", "2024")
    assert (doc["name"], doc["year"], doc["allowance_code"]) == ("guangdong", 2024, "GDEA-2024")
    assert doc["cap"]["tonnes"] == 270_000_000
    assert doc["cap"]["illustrative"] is True
    assert doc["coverage"]["threshold_tco2"] == 10_000
    assert doc["allocation"]["power"]["free_share"] == "0.95"
    assert doc["allocation"]["steel"]["free_share"] == "0.97"
    assert doc["allocation"]["datacentres"]["electricity_factor"] == "0.9441"
    assert doc["offsets"]["local_ccer_share"] == "0.70"
    assert doc["offsets"]["market_cap_tonnes"] == 1_000_000
    assert doc["deadlines"]["report"] == "2025-03-20"
    assert doc["deadlines"]["allocation"] == "2025-07-01"
    assert doc["penalty"] == {
        "kind": "fixed_fine",
        "deduction_multiple": 2,
        "fine_fen": 5_000_000,
        "price_multiple_min": None,
        "price_multiple_max": None,
        "price_window_months": None,
        "source": doc["penalty"]["source"],
    }
    assert doc["overrides"] == ["cap.illustrative", "cap.source", "cap.tonnes"]


def test_show_national_and_shenzhen(cli: Cli) -> None:
    national = cli.json("jurisdiction", "show", "national", "--year", "2022")
    assert national["coverage"]["sectors"] == ["power"]
    assert national["penalty"]["price_multiple_max"] == "10"
    shenzhen = cli.json("jurisdiction", "show", "SHENZHEN", "--year", "2024")
    assert shenzhen["coverage"]["threshold_tco2"] == 3_000
    assert shenzhen["cap"]["tonnes"] is None


def test_show_defaults_to_the_business_year(cli: Cli) -> None:
    doc = cli.json("jurisdiction", "show", "guangdong")
    assert 2013 <= doc["year"] <= 2030


def test_show_as_text(cli: Cli) -> None:
    out = cli.ok("jurisdiction", "show", "guangdong", "--year", "2024")
    assert "GDEA-2024" in out
    assert "270,000,000 t (illustrative)" in out


def test_list(cli: Cli) -> None:
    doc = cli.json("jurisdiction", "list")
    assert [(j["name"], j["first_year"], j["last_year"]) for j in doc["jurisdictions"]] == [
        ("guangdong", 2013, 2030),
        ("national", 2021, 2030),
        ("shenzhen", 2013, 2030),
    ]
    assert "shenzhen" in cli.ok("jurisdiction", "list")


def test_errors(cli: Cli) -> None:
    assert "unknown jurisdiction 'hainan'" in cli.fails(3, "jurisdiction", "show", "hainan")
    assert "not 2019" in cli.fails(2, "jurisdiction", "show", "national", "--year", "2019")
