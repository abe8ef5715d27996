"""Scenario files: TOML with inline firms, firms from CSV, the shipped examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from openets.errors import InvalidInput
from openets.simulation.equilibrium import simulate
from openets.simulation.scenario import (
    example_names,
    example_text,
    read_scenario_file,
    read_scenario_text,
)

TOML = """
years = [2025, 2026]
firms_csv = "data/firms.csv"
[market]
cap = [240000, 270000]
[[firms]]
id = "U1"
covered = false
baseline = 50000
mac_slope = 0.001
"""
CSV = "id,covered,baseline,mac_slope\nF1,true,100000,0.001\nF2,yes,200000,0.002\n"


def write(tmp_path: Path, toml: str = TOML, csv: str = CSV) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "firms.csv").write_text(csv, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def test_firms_from_csv_next_to_inline_ones(tmp_path: Path) -> None:
    scenario = read_scenario_file(write(tmp_path)).scenario()
    assert scenario.firms.ids == ("U1", "F1", "F2")
    assert scenario.firms.covered.tolist() == [False, True, True]
    assert scenario.firms.baseline.tolist() == [[50_000] * 2, [100_000] * 2, [200_000] * 2]
    result = simulate(scenario)
    assert [y.price for y in result.years] == pytest.approx([40.0, 20.0])


def test_csv_growth_column(tmp_path: Path) -> None:
    csv = "id,covered,baseline,mac_slope,growth\nF1,1,100000,0.001,0.5\n"
    scenario = read_scenario_file(write(tmp_path, csv=csv)).scenario()
    assert scenario.firms.baseline[1].tolist() == [100_000, 150_000]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("id,covered,baseline\nF1,true,1\n", "missing column 'mac_slope'"),
        ("id,covered,baseline,mac_slope\nF1,maybe,1,1\n", "line 2: covered must be true"),
        ("id,covered,baseline,mac_slope\nF1,true,lots,1\n", "line 2: baseline is not a number"),
        ("id,covered,baseline,mac_slope\nF1,true,1,-1\n", "mac_slope must be positive"),
    ],
)
def test_bad_csv(tmp_path: Path, csv: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_scenario_file(write(tmp_path, csv=csv)).scenario()


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="scenario file not found"):
        read_scenario_file(tmp_path / "none.toml")
    path = tmp_path / "s.toml"
    path.write_text(TOML, encoding="utf-8")
    with pytest.raises(InvalidInput, match="firms_csv: file not found"):
        read_scenario_file(path).scenario()


def test_bad_toml() -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        read_scenario_text("years = [")


def test_shipped_examples_run() -> None:
    assert example_names() == ["banking", "cap_and_trade", "tax_and_ets"]
    for name in example_names():
        result = simulate(read_scenario_text(example_text(name)).scenario())
        assert len(result.years) == 6
        assert all(y.price >= 0 for y in result.years)
    with pytest.raises(InvalidInput, match="unknown example scenario 'nope'"):
        example_text("nope")
