"""The indicator system of near-zero (low) carbon enterprise evaluation, and the grade rule.

An indicator has a direction (lower or higher is better), levels best first (``at`` value,
``points``) and a weight. Its points are those of the first level the value reaches
(``value ≤ at`` when lower is better, ``value ≥ at`` when higher is better), else 0; a value
not given scores 0. The score is ``Σ weight × points`` (weights sum to 1: a score of 0-100).
The grade is the first grade (best first) whose ``min_score`` the score reaches and whose
``min_points`` every named indicator reaches; otherwise ``not_qualified``.

The configuration is data, shipped versioned in ``openets/evaluation/data/*.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from openets.errors import InvalidInput

__all__ = [
    "NOT_QUALIFIED",
    "Direction",
    "Evaluation",
    "EvaluationConfig",
    "GradeRule",
    "Indicator",
    "IndicatorResult",
    "evaluate",
    "evaluation_view",
    "load_config",
    "parse_config",
]

NOT_QUALIFIED = "not_qualified"
_SCORE_PLACES = Decimal("0.01")


class Direction(StrEnum):
    LOWER = "lower"  # lower is better (intensity, trend)
    HIGHER = "higher"  # higher is better (shares, levels, counts)


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    name: str
    name_zh: str
    unit: str
    direction: Direction
    weight: Decimal
    #: (threshold, points), best first
    levels: tuple[tuple[Decimal, Decimal], ...]

    def reaches(self, value: Decimal, threshold: Decimal) -> bool:
        return value <= threshold if self.direction is Direction.LOWER else value >= threshold

    def points(self, value: Decimal) -> tuple[Decimal, Decimal | None]:
        """The points of ``value`` and the threshold it reached (None: none reached)."""
        for threshold, points in self.levels:
            if self.reaches(value, threshold):
                return points, threshold
        return Decimal(0), None


@dataclass(frozen=True, slots=True)
class GradeRule:
    code: str
    name: str
    name_zh: str
    min_score: Decimal
    min_points: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    version: str
    title: str
    source: str
    indicators: tuple[Indicator, ...]
    grades: tuple[GradeRule, ...]


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    indicator: Indicator
    value: Decimal | None
    points: Decimal
    threshold: Decimal | None
    reason: str

    @property
    def weighted(self) -> Decimal:
        return self.indicator.weight * self.points


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The grade of an enterprise, its exact score and each indicator's result and reason."""

    config: EvaluationConfig
    enterprise: str
    grade: str
    score: Decimal
    results: tuple[IndicatorResult, ...]
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _plain(value: Decimal) -> str:
    """A value for people: at most 6 decimals (half up; grading compares the exact value),
    trailing zeros dropped: ``0.70588235…`` -> ``0.705882``."""
    if value.as_tuple().exponent < -6:  # type: ignore[operator]
        value = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _result(indicator: Indicator, value: Decimal | None) -> IndicatorResult:
    if value is None:
        return IndicatorResult(
            indicator, None, Decimal(0), None, f"{indicator.name}: not given, 0 points"
        )
    points, threshold = indicator.points(value)
    sign = "≤" if indicator.direction is Direction.LOWER else "≥"
    if threshold is None:
        last = indicator.levels[-1][0]
        reason = f"{indicator.name}: {_plain(value)} does not reach {sign} {_plain(last)}, 0 points"
    else:
        reason = (
            f"{indicator.name}: {_plain(value)} {sign} {_plain(threshold)}, "
            f"{_plain(points)} points × weight {_plain(indicator.weight)}"
        )
    return IndicatorResult(indicator, value, points, threshold, reason)


def evaluate(
    config: EvaluationConfig,
    enterprise: str,
    values: Mapping[str, Decimal | None],
    notes: tuple[str, ...] = (),
) -> Evaluation:
    """Grade ``enterprise`` on its indicator ``values`` (by indicator code)."""
    unknown = sorted(set(values) - {i.code for i in config.indicators})
    if unknown:
        raise InvalidInput(f"unknown indicator(s): {', '.join(unknown)}")
    results = tuple(_result(i, values.get(i.code)) for i in config.indicators)
    score = sum((r.weighted for r in results), Decimal(0))
    points = {r.indicator.code: r.points for r in results}
    reasons: list[str] = []
    grade = NOT_QUALIFIED
    for rule in config.grades:
        shortfalls = [
            f"{code} has {_plain(points.get(code, Decimal(0)))} points, below {_plain(least)}"
            for code, least in rule.min_points.items()
            if points.get(code, Decimal(0)) < least
        ]
        if score >= rule.min_score and not shortfalls:
            grade = rule.code
            reasons.append(f"score {_score(score)} ≥ {_plain(rule.min_score)}: {rule.name}")
            break
        if score < rule.min_score:
            reasons.append(f"not {rule.name}: score {_score(score)} < {_plain(rule.min_score)}")
        for shortfall in shortfalls:
            reasons.append(f"not {rule.name}: {shortfall}")
    if grade == NOT_QUALIFIED:
        reasons.append("not qualified")
    return Evaluation(config, enterprise, grade, score, results, tuple(reasons), notes)


def _score(score: Decimal) -> str:
    return f"{score.quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP):f}"


def evaluation_view(evaluation: Evaluation) -> dict[str, Any]:
    """The JSON document of an evaluation (score half-up to 2 decimal places)."""
    names = {rule.code: rule.name for rule in evaluation.config.grades}
    return {
        "enterprise": evaluation.enterprise,
        "config": evaluation.config.version,
        "grade": evaluation.grade,
        "grade_name": names.get(evaluation.grade, "Not qualified"),
        "score": _score(evaluation.score),
        "indicators": [
            {
                "code": r.indicator.code,
                "name": r.indicator.name,
                "name_zh": r.indicator.name_zh,
                "unit": r.indicator.unit,
                "direction": r.indicator.direction.value,
                "value": None if r.value is None else _plain(r.value),
                "threshold": None if r.threshold is None else _plain(r.threshold),
                "points": _plain(r.points),
                "weight": _plain(r.indicator.weight),
                "weighted": _plain(r.weighted),
                "reason": r.reason,
            }
            for r in evaluation.results
        ],
        "reasons": list(evaluation.reasons),
        "notes": list(evaluation.notes),
    }


# --- configuration --------------------------------------------------------------------------


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(f"{where} must be a number")
    return Decimal(value)


def parse_config(text: str) -> EvaluationConfig:
    """An evaluation configuration from its TOML text (numbers exact)."""
    data = tomllib.loads(text, parse_float=Decimal)
    version = str(data.get("version", "")).strip()
    if not version:
        raise InvalidInput("evaluation config: version must be a non-empty string")
    indicators = []
    for raw in data.get("indicators", []):
        code = str(raw.get("code", ""))
        where = f"evaluation config {version}, indicator {code!r}"
        try:
            direction = Direction(raw.get("direction"))
        except ValueError:
            raise InvalidInput(f"{where}: direction must be lower or higher") from None
        levels = tuple(
            (_decimal(at, f"{where}: level"), _decimal(points, f"{where}: points"))
            for at, points in raw.get("levels", [])
        )
        if not levels:
            raise InvalidInput(f"{where}: no levels")
        indicators.append(
            Indicator(
                code=code,
                name=str(raw.get("name", code)),
                name_zh=str(raw.get("name_zh", code)),
                unit=str(raw.get("unit", "")),
                direction=direction,
                weight=_decimal(raw.get("weight"), f"{where}: weight"),
                levels=levels,
            )
        )
    if sum((i.weight for i in indicators), Decimal(0)) != 1:
        raise InvalidInput(f"evaluation config {version}: the weights must sum to 1")
    codes = {i.code for i in indicators}
    grades = []
    for raw in data.get("grades", []):
        min_points = {
            str(k): _decimal(v, f"grade {raw.get('code')!r} min_points")
            for k, v in raw.get("min_points", {}).items()
        }
        if set(min_points) - codes:
            raise InvalidInput(f"grade {raw.get('code')!r} names an unknown indicator")
        grades.append(
            GradeRule(
                code=str(raw["code"]),
                name=str(raw.get("name", raw["code"])),
                name_zh=str(raw.get("name_zh", raw["code"])),
                min_score=_decimal(raw.get("min_score"), f"grade {raw['code']!r} min_score"),
                min_points=min_points,
            )
        )
    return EvaluationConfig(
        version=version,
        title=str(data.get("title", version)),
        source=str(data.get("source", "")),
        indicators=tuple(indicators),
        grades=tuple(grades),
    )


@cache
def load_config(version: str = "near-zero-v1") -> EvaluationConfig:
    """A shipped configuration by version (``openets/evaluation/data/<version>.toml``)."""
    folder = resources.files("openets.evaluation") / "data"
    entry = folder / f"{version}.toml"
    if not entry.is_file():
        known = sorted(e.name.removesuffix(".toml") for e in folder.iterdir())
        raise InvalidInput(f"unknown evaluation config {version!r}; known: {', '.join(known)}")
    return parse_config(entry.read_text(encoding="utf-8"))
