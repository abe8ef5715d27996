"""Near-zero (low) carbon evaluation: points at each threshold and one step below, the score
and the grade rule at its thresholds (config near-zero-v1: weights 0.30 intensity, 0.20
renewables, 0.15 energy management, 0.15 trend, 0.10 offsets, 0.10 practices)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.errors import InvalidInput
from openets.evaluation.indicators import evaluate, evaluation_view, load_config
from openets.evaluation.services import evaluate_enterprise

D = Decimal
CONFIG = load_config()


def points(code: str, value: str) -> Decimal:
    (indicator,) = [i for i in CONFIG.indicators if i.code == code]
    return indicator.points(D(value))[0]


@pytest.mark.parametrize(
    ("code", "at", "below", "expected"),
    [
        # lower is better: at the threshold reaches it, one step above does not
        ("emission_intensity", "0.5", "0.5001", (100, 70)),
        ("emission_intensity", "1.0", "1.0001", (40, 0)),
        ("reduction_trend", "-0.05", "-0.0499", (100, 70)),
        ("reduction_trend", "0", "0.0001", (40, 0)),
        # higher is better: at the threshold reaches it, one step below does not
        ("renewable_share", "0.3", "0.2999", (70, 40)),
        ("renewable_share", "0.1", "0.0999", (40, 0)),
        ("energy_management", "3", "2", (100, 70)),
        ("offsets_share", "0.05", "0.0499", (40, 0)),
        ("management_practices", "5", "4", (100, 70)),
    ],
)
def test_points_at_a_threshold_and_one_step_short(
    code: str, at: str, below: str, expected: tuple[int, int]
) -> None:
    assert (points(code, at), points(code, below)) == (D(expected[0]), D(expected[1]))


def values(**change: str) -> dict[str, Decimal | None]:
    base = {
        "emission_intensity": "0.8",  # 70 × 0.30 = 21
        "renewable_share": "0.5",  # 100 × 0.20 = 20
        "energy_management": "3",  # 100 × 0.15 = 15
        "reduction_trend": "-0.05",  # 100 × 0.15 = 15
        "offsets_share": "0.05",  # 40 × 0.10 = 4
        "management_practices": "5",  # 100 × 0.10 = 10   → 85 exactly
    }
    return {k: D(v) for k, v in (base | change).items()}


def test_near_zero_exactly_at_85_and_low_carbon_one_step_below() -> None:
    at = evaluate(CONFIG, "A", values())
    assert (at.grade, at.score) == ("near_zero", D("85.00"))
    # offsets 0.0499 < 0.05: 0 points, score 81 → low carbon
    below = evaluate(CONFIG, "A", values(offsets_share="0.0499"))
    assert (below.grade, below.score) == ("low_carbon", D("81.00"))
    assert below.reasons == (
        "not Near-zero carbon: score 81.00 < 85",
        "score 81.00 ≥ 60: Low carbon",
    )


def test_near_zero_needs_the_renewable_share_too() -> None:
    # intensity 0.5 (30) + renewables 0.1 (8) + 15 + 15 + offsets 0.5 (10) + 10 = 88 ≥ 85,
    # but renewables have 40 points < the 70 near-zero needs
    result = evaluate(
        CONFIG, "A", values(emission_intensity="0.5", renewable_share="0.1", offsets_share="0.5")
    )
    assert (result.grade, result.score) == ("low_carbon", D("88.00"))
    assert result.reasons[0] == "not Near-zero carbon: renewable_share has 40 points, below 70"


def test_low_carbon_exactly_at_60_and_not_qualified_one_step_below() -> None:
    # 0.5 → 30; 0.1 → 8; level 1 → 6; trend 0 → 6; offsets 0 → 0; 5 practices → 10: 60
    sixty = values(
        emission_intensity="0.5",
        renewable_share="0.1",
        energy_management="1",
        reduction_trend="0",
        offsets_share="0",
        management_practices="5",
    )
    assert evaluate(CONFIG, "A", sixty).grade == "low_carbon"
    # 4 practices: 70 × 0.10 = 7 → 57
    below = evaluate(CONFIG, "A", {**sixty, "management_practices": D(4)})
    assert (below.grade, below.score) == ("not_qualified", D("57.00"))
    assert below.reasons[-1] == "not qualified"


def test_a_missing_value_scores_zero_and_says_so() -> None:
    result = evaluate(CONFIG, "A", values(**{}) | {"offsets_share": None})
    view = evaluation_view(result)
    (offsets,) = [i for i in view["indicators"] if i["code"] == "offsets_share"]
    assert offsets == {
        "code": "offsets_share",
        "name": "Share of residual emissions offset",
        "name_zh": "剩余排放抵消比例",
        "unit": "fraction",
        "direction": "higher",
        "value": None,
        "threshold": None,
        "points": "0",
        "weight": "0.1",
        "weighted": "0",
        "reason": "Share of residual emissions offset: not given, 0 points",
    }
    assert view["score"] == "81.00"


def test_intensity_is_scored_against_the_benchmark() -> None:
    # 1.2 / 1.5 = 0.8 → 70 points
    result = evaluate_enterprise(
        None, {"enterprise": "B", "emission_intensity": "1.2", "benchmark": "1.5"}
    )
    view = evaluation_view(result)
    assert view["indicators"][0]["value"] == "0.8"
    assert view["indicators"][0]["points"] == "70"
    assert view["notes"] == ["emission intensity 1.2000 / benchmark 1.5000 = 0.8000"]


def test_bad_evaluation_input() -> None:
    with pytest.raises(InvalidInput, match="unknown evaluation field"):
        evaluate_enterprise(None, {"enterprise": "B", "colour": 1})
    with pytest.raises(InvalidInput, match="needs a database"):
        evaluate_enterprise(None, {"enterprise": "B", "entity": "X"})
    with pytest.raises(InvalidInput, match="unknown evaluation config"):
        evaluate_enterprise(None, {"enterprise": "B", "config": "nope"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # an intensity without a benchmark used to be dropped silently (0 points)
        ({"emission_intensity": "1.2"}, "give benchmark, or emission_intensity_ratio"),
        # 35 (percent) used to reach the 0.5 level: 100 points
        ({"renewable_share": 35}, "renewable_share is a fraction from 0 to 1"),
        ({"offsets_share": "-0.1"}, "offsets_share is a fraction from 0 to 1"),
        ({"management_practices": -3}, "management_practices must not be negative"),
    ],
)
def test_values_that_would_be_scored_wrongly_are_refused(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        evaluate_enterprise(None, {"enterprise": "B", **change})


def test_a_computed_ratio_is_shown_to_six_decimals_and_graded_exactly() -> None:
    data = {
        "enterprise": "Demo Ceramics",
        "emission_intensity": 1.2,
        "benchmark": 1.7,  # 1.2 / 1.7 = 0.70588235294117647…
    }
    view = evaluation_view(evaluate_enterprise(None, data))
    first = view["indicators"][0]
    assert first["value"] == "0.705882"
    assert first["reason"].startswith("Emission intensity / sector benchmark: 0.705882 ≤ 0.8")
