"""The pilot scorecard: points, weighted scores, contributions and ranks worked by hand."""

from __future__ import annotations

import pytest

from openets.errors import InvalidInput
from openets.peak.scorecard import (
    PilotFigures,
    default_scorecard,
    intensity_reduction_pct,
    parse_scorecard,
    score_pilots,
)

CONFIG = parse_scorecard(
    """
version = "test"
[[indicators]]
key = "a"
weight = 2
kind = "level"
target = 100
floor = 0
[[indicators]]
key = "b"
weight = 1
kind = "level"
target = 20
floor = 10
[[indicators]]
key = "co2"
weight = 1
kind = "intensity_reduction"
measure = "co2"
base_year = 2020
target_year = 2025
target = 18
"""
)


def pilot(region: str, a: float | None, b: float | None, co2: float | None) -> PilotFigures:
    return PilotFigures(region, {"a": a, "b": b, "co2": co2}, {"a": "stats"})


def test_scores_contributions_and_ranks_worked_by_hand() -> None:
    # total weight 4. P1: a 50 -> 50 points, b 15 -> (15-10)/(20-10) = 50, co2 9 of 18 -> 50:
    # score (2×50 + 50 + 50) / 4 = 50, contributions 25, 12.5, 12.5.
    # P2: a 100 -> 100, b 25 -> 150 clamped to 100, co2 missing -> 0: (200 + 100) / 4 = 75.
    # P3: a 0 -> 0, b 5 -> clamped to 0, co2 36 -> 100: 100 / 4 = 25.
    # P4 ties with P1 (rank 2 shared), so P3 ranks 4th.
    scores = score_pilots(
        CONFIG,
        2025,
        [pilot("P1", 50, 15, 9), pilot("P2", 100, 25, None), pilot("P3", 0, 5, 36),
         pilot("P4", 50, 15, 9)],
    )  # fmt: skip
    assert [(s.region, s.score, s.rank) for s in scores] == [
        ("P2", 75.0, 1),
        ("P1", 50.0, 2),
        ("P4", 50.0, 2),
        ("P3", 25.0, 4),
    ]
    p1 = scores[1]
    assert [(x.key, x.points, x.contribution) for x in p1.lines] == [
        ("a", 50.0, 25.0),
        ("b", 50.0, 12.5),
        ("co2", 50.0, 12.5),
    ]
    assert p1.lines[0].source == "stats"
    p2 = scores[0]
    assert [(x.key, x.points, x.missing) for x in p2.lines] == [
        ("a", 100.0, False),
        ("b", 100.0, False),
        ("co2", 0.0, True),
    ]


def test_intensity_targets_are_pro_rated_before_the_target_year() -> None:
    # 2022 is 2 of the 5 years: 1 - (1 - 0.18)^(2/5) = 1 - 0.82^0.4 = 1 - 0.9236885 = 7.631149%
    spec = CONFIG.indicator("co2")
    assert spec.target_for(2022) == pytest.approx(7.631149, abs=1e-6)
    assert spec.target_for(2025) == 18.0
    assert spec.target_for(2030) == 18.0
    assert spec.points(7.631149085440381, 2022) == pytest.approx(100.0, rel=1e-12)


def test_intensity_reduction() -> None:
    # CO2 per GDP 100/50 = 2 -> 99/60 = 1.65: (1 - 1.65 / 2) × 100 = 17.5%
    assert intensity_reduction_pct(100, 50, 99, 60) == pytest.approx(17.5, rel=1e-12)


def test_the_shipped_scorecard_has_the_national_targets() -> None:
    config = default_scorecard()
    assert config.indicator("co2_per_gdp_reduction_pct").target == 18.0
    assert config.indicator("energy_per_gdp_reduction_pct").target == 13.5
    assert config.total_weight == pytest.approx(1.0, abs=1e-12)
    assert len(config.indicators) == 8


def test_bad_scorecards_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        parse_scorecard("[[indicators")
    with pytest.raises(InvalidInput, match="target and floor must differ"):
        parse_scorecard('[[indicators]]\nkey = "a"\nweight = 1\ntarget = 0\n')
    with pytest.raises(InvalidInput, match="each indicator once"):
        parse_scorecard('[[indicators]]\nkey = "a"\nweight = 1\ntarget = 1\n' * 2)
    with pytest.raises(InvalidInput, match="measure must be co2 or energy"):
        parse_scorecard(
            '[[indicators]]\nkey = "a"\nweight = 1\ntarget = 1\nkind = "intensity_reduction"\n'
        )
