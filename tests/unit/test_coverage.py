"""The coverage rule: covered sector and a threshold reached in year N-1 or N."""

from __future__ import annotations

from decimal import Decimal

from openets.compliance.coverage import YearFigures, decide
from openets.compliance.jurisdiction import load_jurisdiction
from openets.mrv.entities import Sector

GUANGDONG = load_jurisdiction("guangdong", 2024).coverage  # 10,000 tCO2 or 5,000 tce
SHENZHEN = load_jurisdiction("shenzhen", 2024).coverage


def test_the_emissions_threshold_is_inclusive() -> None:
    assert decide(Sector.STEEL, GUANGDONG, [YearFigures(2023, 10_000)]) == (
        True,
        "2023 verified 10,000 tCO2 ≥ 10,000",
    )
    covered, reason = decide(Sector.STEEL, GUANGDONG, [YearFigures(2023, 9_999)])
    assert not covered
    assert reason == "below the threshold of 10,000 tCO2 (2023 9,999 tCO2)"


def test_either_year_or_energy_use_suffices() -> None:
    figures = [YearFigures(2023, 9_999), YearFigures(2024, 12_000)]
    assert decide(Sector.CEMENT, GUANGDONG, figures)[0]
    energy = [YearFigures(2023, 4_000, Decimal(5_000))]
    assert decide(Sector.CEMENT, GUANGDONG, energy) == (True, "2023 energy use 5,000 tce ≥ 5,000")
    assert not decide(Sector.CEMENT, GUANGDONG, [YearFigures(2023, 4_000, Decimal(4_999))])[0]


def test_sector_and_new_entrants() -> None:
    assert SHENZHEN.threshold_tco2 == 3_000
    assert decide(Sector.POWER, SHENZHEN, [YearFigures(2023, 3_000)])[0]
    assert not decide(Sector.POWER, SHENZHEN, [YearFigures(2023, 2_999)])[0]
    uncovered = [s for s in Sector if s not in GUANGDONG.sectors]
    for sector in uncovered:
        assert decide(sector, GUANGDONG, [YearFigures(2023, 10**6)]) == (
            False,
            f"sector {sector.value} is not covered",
        )
    assert decide(Sector.STEEL, GUANGDONG, [], allocated=True) == (
        True,
        "allocated to by the regulator (new entrant)",
    )
    assert decide(Sector.STEEL, GUANGDONG, []) == (
        False,
        "no verified emissions for the year or the year before",
    )
