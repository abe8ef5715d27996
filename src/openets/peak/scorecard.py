"""The pilot scorecard: pilots judged on several weighted indicators, not on the peak alone.

A scorecard (shipped: ``openets/peak/data/scorecard.toml``, sources of its national targets
in that file) lists indicators, each with a weight, a ``floor`` worth 0 points and a
``target`` worth 100 points. An indicator's points are the straight line between them,
clamped to 0-100::

    points = clamp((value - floor) / (target - floor) × 100, 0, 100)

A pilot's score is the weighted mean of its points (0-100); each indicator's *contribution*
is ``weight × points / sum of weights``, so the contributions add up to the score. A
missing value scores 0 points and is flagged. Pilots are ranked by score, highest first;
equal scores share a rank (1, 1, 3), listed by region code.

``intensity_reduction`` indicators (CO2 or energy per unit of GDP) are reductions in percent
between ``base_year`` and the scored year; their target is the national one for
``target_year``, pro-rated for an earlier year at a constant yearly rate:
``target_Y = (1 - (1 - target/100) ^ ((Y - base) / (target_year - base))) × 100``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from openets.errors import InvalidInput

__all__ = [
    "IndicatorScore",
    "IndicatorSpec",
    "PilotFigures",
    "PilotScore",
    "ScorecardConfig",
    "default_scorecard",
    "intensity_reduction_pct",
    "parse_scorecard",
    "score_pilots",
]

KINDS = ("level", "intensity_reduction")
MEASURES = ("co2", "energy")


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator of a scorecard."""

    key: str
    weight: float
    kind: str
    target: float
    floor: float
    unit: str
    measure: str | None = None
    base_year: int | None = None
    target_year: int | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise InvalidInput("an indicator needs a key")
        if self.kind not in KINDS:
            raise InvalidInput(f"indicator {self.key!r}: kind must be one of {', '.join(KINDS)}")
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise InvalidInput(f"indicator {self.key!r}: weight must be ≥ 0")
        if not (math.isfinite(self.target) and math.isfinite(self.floor)):
            raise InvalidInput(f"indicator {self.key!r}: target and floor must be numbers")
        if self.target == self.floor:
            raise InvalidInput(f"indicator {self.key!r}: target and floor must differ")
        if self.kind == "intensity_reduction":
            if self.measure not in MEASURES:
                raise InvalidInput(f"indicator {self.key!r}: measure must be co2 or energy")
            if self.base_year is None or self.target_year is None:
                raise InvalidInput(f"indicator {self.key!r}: needs base_year and target_year")
            if self.target_year <= self.base_year:
                raise InvalidInput(f"indicator {self.key!r}: target_year must follow base_year")

    def target_for(self, year: int) -> float:
        """The target for a scored year (pro-rated for intensity reductions)."""
        if self.kind != "intensity_reduction" or self.base_year is None:
            return self.target
        assert self.target_year is not None
        if year >= self.target_year:
            return self.target
        if year <= self.base_year:
            return 0.0
        share = (year - self.base_year) / (self.target_year - self.base_year)
        return float((1 - (1 - self.target / 100) ** share) * 100)

    def points(self, value: float, year: int) -> float:
        """0-100 points for a value."""
        target = self.target_for(year)
        if target == self.floor:
            return 100.0 if value >= target else 0.0
        return min(max((value - self.floor) / (target - self.floor) * 100, 0.0), 100.0)


@dataclass(frozen=True, slots=True)
class ScorecardConfig:
    version: str
    title: str
    indicators: tuple[IndicatorSpec, ...]

    def __post_init__(self) -> None:
        keys = [i.key for i in self.indicators]
        if not keys:
            raise InvalidInput("a scorecard needs at least one indicator")
        if len(set(keys)) != len(keys):
            raise InvalidInput("a scorecard lists each indicator once")
        if sum(i.weight for i in self.indicators) <= 0:
            raise InvalidInput("a scorecard's weights must not all be 0")

    @property
    def total_weight(self) -> float:
        return sum(i.weight for i in self.indicators)

    def indicator(self, key: str) -> IndicatorSpec:
        for spec in self.indicators:
            if spec.key == key:
                return spec
        raise InvalidInput(f"the scorecard has no indicator {key!r}")


def _number(raw: Mapping[str, Any], name: str, where: str, default: float | None = None) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: {name} must be a number")
    return float(value)


def parse_scorecard(text: str) -> ScorecardConfig:
    """A scorecard from TOML text (see the shipped ``scorecard.toml``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"scorecard is not valid TOML: {error}") from None
    rows = data.get("indicators")
    if not isinstance(rows, list):
        raise InvalidInput("scorecard: expected [[indicators]] tables")
    specs = []
    for n, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            raise InvalidInput(f"scorecard indicator {n}: expected a table")
        where = f"scorecard indicator {raw.get('key', n)!r}"
        base, target_year = raw.get("base_year"), raw.get("target_year")
        specs.append(
            IndicatorSpec(
                key=str(raw.get("key", "")),
                weight=_number(raw, "weight", where),
                kind=str(raw.get("kind", "level")),
                target=_number(raw, "target", where),
                floor=_number(raw, "floor", where, 0.0),
                unit=str(raw.get("unit", "")),
                measure=str(raw["measure"]) if "measure" in raw else None,
                base_year=int(base) if isinstance(base, int) else None,
                target_year=int(target_year) if isinstance(target_year, int) else None,
            )
        )
    return ScorecardConfig(
        str(data.get("version", "custom")), str(data.get("title", "")), tuple(specs)
    )


def default_scorecard() -> ScorecardConfig:
    """The shipped scorecard."""
    text = resources.files("openets.peak").joinpath("data/scorecard.toml").read_text("utf-8")
    return parse_scorecard(text)


def intensity_reduction_pct(
    base_measure: float, base_gdp: float, measure: float, gdp: float
) -> float:
    """Reduction of measure-per-GDP in percent: ``(1 - (m/g) / (m0/g0)) × 100``."""
    if min(base_measure, base_gdp, gdp) <= 0 or measure < 0:
        raise InvalidInput("intensity needs positive emissions or energy and GDP")
    return (1 - (measure / gdp) / (base_measure / base_gdp)) * 100


@dataclass(frozen=True, slots=True)
class PilotFigures:
    """A pilot's indicator values for the scored year (``None``: not known) and where each
    comes from."""

    region: str
    values: Mapping[str, float | None]
    sources: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    key: str
    value: float | None
    target: float
    points: float
    weight: float
    contribution: float
    source: str
    missing: bool


@dataclass(frozen=True, slots=True)
class PilotScore:
    region: str
    score: float
    rank: int
    lines: tuple[IndicatorScore, ...]


def score_pilots(
    config: ScorecardConfig, year: int, pilots: Sequence[PilotFigures]
) -> list[PilotScore]:
    """Every pilot's score and its indicators' contributions, ranked (see the module text)."""
    total = config.total_weight
    scored = []
    for pilot in pilots:
        lines = []
        for spec in config.indicators:
            value = pilot.values.get(spec.key)
            points = 0.0 if value is None else spec.points(value, year)
            lines.append(
                IndicatorScore(
                    spec.key,
                    value,
                    spec.target_for(year),
                    points,
                    spec.weight,
                    spec.weight * points / total,
                    pilot.sources.get(spec.key, ""),
                    value is None,
                )
            )
        scored.append((pilot.region, sum(line.contribution for line in lines), tuple(lines)))
    scored.sort(key=lambda item: (-round(item[1], 9), item[0]))
    result: list[PilotScore] = []
    for position, (region, score, scored_lines) in enumerate(scored, start=1):
        tied = bool(result) and round(result[-1].score, 9) == round(score, 9)
        rank = result[-1].rank if tied else position
        result.append(PilotScore(region, score, rank, scored_lines))
    return result
