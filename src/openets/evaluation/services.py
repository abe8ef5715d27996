"""Enterprise evaluation use cases: evaluate an enterprise (optionally fed from MRV data and
recorded), list recorded evaluations.

The input document names the enterprise and gives its indicator values::

    {"enterprise": "...", "entity": "GD-STEEL-001", "year": 2024,
     "emission_intensity": 1.2, "benchmark": 1.8, "renewable_share": 0.35,
     "energy_management": 2, "reduction_trend": -0.03, "offsets_share": 0.1,
     "management_practices": 4}

``emission_intensity`` (tCO2 per unit of output) is scored as its ratio to ``benchmark`` (or
give ``emission_intensity_ratio`` directly). When ``entity`` names an MRV entity with
approved reports, missing values are filled from them: the intensity of the latest approved
report with an output (of ``year`` when given) as its verified total / output, the benchmark
from the entity's jurisdiction and sector (the allocation benchmark of that year), and the
reduction trend as ``(last − first) / first / (years between)`` of the intensity (of the
emissions when an output is missing) over the approved years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from openets.bootstrap import App
from openets.clock import utc_text
from openets.compliance.jurisdiction import load_jurisdiction
from openets.errors import InvalidInput
from openets.evaluation.indicators import Evaluation, evaluate, evaluation_view, load_config
from openets.labels.footprint import number
from openets.labels.store import LabelStore, StoredEvaluation
from openets.mrv import permissions as may
from openets.mrv.permissions import OPERATOR, Actor
from openets.mrv.reports import Report
from openets.mrv.store import MrvStore

__all__ = ["evaluate_enterprise", "list_evaluations", "record_evaluation"]

_DIVISION = Context(prec=34)
_FIELDS = {
    "enterprise", "entity", "year", "config", "benchmark", "emission_intensity",
    "emission_intensity_ratio", "renewable_share", "energy_management", "reduction_trend",
    "offsets_share", "management_practices",
}  # fmt: skip
_DIRECT = (
    "renewable_share",
    "energy_management",
    "reduction_trend",
    "offsets_share",
    "management_practices",
)


def _four(value: Decimal) -> str:
    """A figure for a note: half-up to 4 decimal places (the exact value is what is scored)."""
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):f}"


#: Inputs that are fractions (0.35 is 35 %): a percentage given by mistake would score full.
_FRACTIONS = ("renewable_share", "offsets_share")
#: Inputs that cannot be negative.
_NON_NEGATIVE = (
    "energy_management", "management_practices", "emission_intensity", "benchmark",
    "emission_intensity_ratio",
)  # fmt: skip


def _optional(data: Mapping[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None:
        return None
    result = number(value, key)
    if key in _FRACTIONS and not 0 <= result <= 1:
        raise InvalidInput(f"evaluation: {key} is a fraction from 0 to 1 (0.35 for 35%)")
    if key in _NON_NEGATIVE and result < 0:
        raise InvalidInput(f"evaluation: {key} must not be negative")
    return result


def evaluate_enterprise(app: App | None, data: Any, *, by: Actor = OPERATOR) -> Evaluation:
    """Grade the enterprise of ``data``; ``app`` is needed only when ``data`` names an MRV
    ``entity`` (whose verified emissions the actor must be allowed to read)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("an evaluation file is a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InvalidInput(f"unknown evaluation field(s): {', '.join(unknown)}")
    enterprise = data.get("enterprise")
    if not isinstance(enterprise, str) or not enterprise.strip() or len(enterprise) > 200:
        raise InvalidInput("evaluation: enterprise must be 1-200 characters")
    config = load_config(str(data.get("config", "near-zero-v1")))
    values: dict[str, Decimal | None] = {key: _optional(data, key) for key in _DIRECT}
    intensity = _optional(data, "emission_intensity")
    benchmark = _optional(data, "benchmark")
    ratio = _optional(data, "emission_intensity_ratio")
    notes: list[str] = []
    entity_id = data.get("entity")
    if entity_id is not None:
        if app is None:
            raise InvalidInput("evaluation: an MRV entity needs a database")
        year = data.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise InvalidInput("evaluation: year must be a whole year")
        fed = _from_mrv(app, str(entity_id), year, by)
        notes.extend(fed.notes)
        intensity = intensity if intensity is not None else fed.intensity
        benchmark = benchmark if benchmark is not None else fed.benchmark
        if values["reduction_trend"] is None:
            values["reduction_trend"] = fed.trend
    if ratio is None and intensity is not None and benchmark is None:
        if data.get("emission_intensity") is not None:
            raise InvalidInput(
                "evaluation: emission_intensity is scored against the sector's benchmark: "
                "give benchmark, or emission_intensity_ratio"
            )
        notes.append("no sector benchmark: the emission intensity is not scored")
    if ratio is None and intensity is not None and benchmark is not None:
        if benchmark <= 0:
            raise InvalidInput("evaluation: benchmark must be > 0")
        ratio = _DIVISION.divide(intensity, benchmark)
        notes.append(
            f"emission intensity {_four(intensity)} / benchmark {_four(benchmark)} = {_four(ratio)}"
        )
    values["emission_intensity"] = ratio
    return evaluate(config, enterprise.strip(), values, tuple(notes))


@dataclass
class _MrvFeed:
    """What MRV data gives an evaluation, with notes saying where each figure came from."""

    intensity: Decimal | None = None
    benchmark: Decimal | None = None
    trend: Decimal | None = None
    notes: list[str] = field(default_factory=list)


def _from_mrv(app: App, entity_id: str, year: int | None, by: Actor) -> _MrvFeed:
    with app.reading() as connection:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        may.require_read_emissions(by, entity)
        reports = [r for r in store.approved_of(entity.id) if year is None or r.year <= year]
    fed = _MrvFeed()
    notes = fed.notes
    if not reports:
        notes.append(f"MRV: {entity.id} has no approved report to feed the evaluation")
        return fed
    with_output = [r for r in reports if r.output is not None and r.output > 0]
    if with_output:
        latest = with_output[-1]
        assert latest.output is not None
        fed.intensity = _DIVISION.divide(latest.total_tco2, latest.output)
        notes.append(
            f"MRV: intensity of {latest.id}: {latest.total_tco2:f} tCO2 / output {latest.output:f}"
        )
        try:
            rule = load_jurisdiction(entity.jurisdiction.value, latest.year).allocation.get(
                entity.sector
            )
        except InvalidInput:
            rule = None
        if rule is not None and rule.benchmark is not None:
            fed.benchmark = rule.benchmark
            notes.append(
                f"benchmark: {entity.jurisdiction.value} {latest.year} {entity.sector.value} "
                f"allocation benchmark {rule.benchmark:f}"
            )
    if len(reports) >= 2:
        fed.trend, text = _trend(reports)
        notes.append(text)
    return fed


def _trend(reports: list[Report]) -> tuple[Decimal, str]:
    first, last = reports[0], reports[-1]
    years = last.year - first.year
    intensity = all(r.output is not None and r.output > 0 for r in (first, last))
    if intensity:
        assert first.output is not None
        assert last.output is not None
        start = _DIVISION.divide(first.total_tco2, first.output)
        end = _DIVISION.divide(last.total_tco2, last.output)
        what = "intensity"
    else:
        start, end, what = first.total_tco2, last.total_tco2, "emissions"
    if start <= 0:
        return Decimal(0), f"MRV: {what} of {first.year} is 0: no trend"
    trend = _DIVISION.divide(end - start, start * years)
    return trend, (
        f"MRV: reduction trend of the {what}, {first.year}-{last.year}: {_four(trend)} per year"
    )


def record_evaluation(app: App, evaluation: Evaluation, entity_id: str | None, *, by: Actor) -> int:
    """Store an evaluation's result (its JSON document) and return its id."""
    document = evaluation_view(evaluation)
    at = utc_text(app.clock.now())
    return app.write(
        lambda connection: LabelStore(connection).add_evaluation(
            evaluation.enterprise,
            entity_id,
            evaluation.config.version,
            evaluation.grade,
            document["score"],
            document,
            by.name,
            at,
        )
    )


def list_evaluations(app: App, enterprise: str | None = None) -> list[StoredEvaluation]:
    """The recorded evaluations, newest first."""
    with app.reading() as connection:
        return LabelStore(connection).evaluations(enterprise)
