"""Projections under scenarios and the year of their peak, on hand-made scenarios."""

from __future__ import annotations

import pytest

from openets.errors import InvalidInput
from openets.peak.decomposition import KayaYear
from openets.peak.projection import (
    EnergyMixPath,
    Phase,
    Scenario,
    project,
    scenarios_from_data,
    trend_scenario,
)

BASE = KayaYear(2020, co2=100.0, population=1.0, gdp=100.0, energy=50.0)


def test_a_scenario_that_slows_down_peaks_when_its_growth_turns() -> None:
    # until 2023 emissions grow by 1.10 × 0.95 × 0.98 = 1.02410 a year, after it they change
    # by 1.02 × 0.95 × 0.98 = 0.94962: 2021 102.41, 2022 104.878081, 2023 107.405643 (the
    # peak), 2024 107.405643 × 0.94962 = 101.994546
    scenario = Scenario(
        "slowdown",
        (
            Phase(until=2023, gdp_growth_pct=10, energy_intensity_pct=-5, carbon_intensity_pct=-2),
            Phase(until=2030, gdp_growth_pct=2, energy_intensity_pct=-5, carbon_intensity_pct=-2),
        ),
    )
    result = project([BASE], scenario, 2030)
    assert result.years == tuple(range(2021, 2031))
    assert result.co2[:4] == pytest.approx(
        [102.41, 104.878081, 107.40564275, 101.99454647], rel=1e-9
    )
    assert result.peak_year == 2023
    assert result.peak_value == pytest.approx(100 * 1.0241**3, rel=1e-12)
    # energy follows GDP and energy intensity only: 50 × 1.1 × 0.95 = 52.25 in 2021
    assert result.energy[0] == pytest.approx(52.25, rel=1e-12)


def test_a_scenario_still_rising_at_the_target_year_has_no_peak() -> None:
    scenario = Scenario("growth", (Phase(2100, gdp_growth_pct=5, energy_intensity_pct=-2),))
    result = project([BASE], scenario, 2030)
    assert result.peak_year is None
    assert result.co2[-1] == pytest.approx(100 * (1.05 * 0.98) ** 10, rel=1e-12)


def test_an_energy_mix_path_replaces_the_carbon_intensity() -> None:
    # non-fossil share 20% in 2020 to 50% in 2025: CO2 per energy × (1 - s) / 0.8; with GDP
    # and energy flat, 2021 (s = 26%) 100 × 0.74 / 0.8 = 92.5, 2025 100 × 0.5 / 0.8 = 62.5;
    # the history's 2020 (100) stays the highest: the peak year is 2020
    scenario = Scenario(
        "mix",
        (Phase(2100, gdp_growth_pct=0, energy_intensity_pct=0, carbon_intensity_pct=-50),),
        EnergyMixPath(0.2, 0.5, 2025),
    )
    result = project([BASE], scenario, 2027)
    assert result.co2[0] == pytest.approx(92.5, rel=1e-12)
    assert result.co2[4] == pytest.approx(62.5, rel=1e-12)
    assert result.co2[6] == pytest.approx(62.5, rel=1e-12)
    assert result.peak_year == 2020


def test_the_trend_continues_each_factors_yearly_change() -> None:
    # 2015-2020: GDP × 1.1^5 (10%/yr), energy per GDP × 0.9^5 (-10%/yr), CO2 per energy flat
    first = KayaYear(2015, co2=100.0, population=1.0, gdp=100.0, energy=100.0)
    gdp = 100 * 1.1**5
    energy = gdp * 0.9**5
    last = KayaYear(2020, co2=energy, population=1.0, gdp=gdp, energy=energy)
    phase = trend_scenario([first, last]).phases[0]
    assert phase.gdp_growth_pct == pytest.approx(10.0, rel=1e-12)
    assert phase.energy_intensity_pct == pytest.approx(-10.0, rel=1e-12)
    assert phase.carbon_intensity_pct == pytest.approx(0.0, abs=1e-12)
    # 1.1 × 0.9 = 0.99 a year: falling, so the peak is the history's first year
    assert project([first, last], trend_scenario([first, last]), 2025).peak_year == 2015


def test_scenarios_from_data_and_their_refusals() -> None:
    [scenario] = scenarios_from_data(
        [
            {
                "name": "policy",
                "phases": [{"until": 2030, "gdp_growth_pct": 5, "energy_intensity_pct": -3}],
                "energy_mix": {"base_share": 0.2, "target_share": 0.4, "target_year": 2030},
            }
        ]
    )
    assert scenario.phase(2040).gdp_growth_pct == 5.0
    assert scenario.energy_mix == EnergyMixPath(0.2, 0.4, 2030)
    with pytest.raises(InvalidInput, match="needs a list of phases"):
        scenarios_from_data([{"name": "x"}])
    with pytest.raises(InvalidInput, match="gdp_growth_pct must be a number"):
        scenarios_from_data([{"name": "x", "phases": [{"until": 2030}]}])
    with pytest.raises(InvalidInput, match="increasing years"):
        Scenario("x", (Phase(2030, 1, 1), Phase(2025, 1, 1)))
    with pytest.raises(InvalidInput, match="must be after the last year"):
        project([BASE], Scenario("x", (Phase(2030, 1, 1),)), 2020)
