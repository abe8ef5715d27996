"""JSON documents of carbon-peak analytics, the same for the CLI's ``--json`` and the API.

Rounding of printed figures: series values (``peak_value``, ``last_value``) and projected
emissions 6 decimals; percentages (``decline_from_peak_pct``, scores, points, contributions)
2 decimals; except the decomposition, whose change and effects have
:data:`~openets.peak.decomposition.DECIMALS` (6) decimals and add up exactly as printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openets.peak.decomposition import Decomposition, KayaYear, rounded
from openets.peak.detection import PeakFinding, PeakRule
from openets.peak.inventory import Inventory, Region, RegionYear
from openets.peak.projection import Projection
from openets.peak.scorecard import PilotScore, ScorecardConfig

__all__ = [
    "decomposition_entry",
    "detection_view",
    "finding_entry",
    "inventory_view",
    "projection_view",
    "region_view",
    "scorecard_view",
]


def _value(x: float) -> float:
    return round(x, 6) + 0.0


def _pct(x: float) -> float:
    return round(x, 2) + 0.0


def _number(d: Decimal) -> float:
    return float(d) + 0.0


def finding_entry(region: str, finding: PeakFinding) -> dict[str, Any]:
    return {
        "region": region,
        "status": finding.status.value,
        "peak_year": finding.peak_year,
        "peak_value": _value(finding.peak_value),
        "last_year": finding.last_year,
        "last_value": _value(finding.last_value),
        "decline_from_peak_pct": _pct(finding.decline_from_peak_pct),
    }


def detection_view(findings: Sequence[tuple[str, PeakFinding]], rule: PeakRule) -> dict[str, Any]:
    return {
        "regions": [finding_entry(region, finding) for region, finding in findings],
        "rule": rule.as_dict(),
    }


def decomposition_entry(region: str, result: Decomposition) -> dict[str, Any]:
    change, effects = rounded(result)
    return {
        "region": region,
        "change": _number(change),
        "effects": {name: _number(value) for name, value in effects.items()},
    }


def region_view(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "name_zh": region.name_zh,
        "kind": region.kind.value,
        "pilot": region.pilot,
        "parent": region.parent,
        "gdp_unit": region.gdp_unit,
        "energy_unit": region.energy_unit,
        "note": region.note,
    }


def inventory_view(inventory: Inventory) -> dict[str, Any]:
    return {
        "region": inventory.region,
        "year": inventory.year,
        "total_tco2": inventory.total,
        "lines": [
            {"sector": line.sector.value, "tco2": line.tco2, "source": line.source}
            for line in inventory.lines
        ],
    }


def region_year_view(row: RegionYear) -> dict[str, Any]:
    return {
        "year": row.year,
        "population": row.population,
        "gdp": None if row.gdp is None else str(row.gdp),
        "energy": None if row.energy is None else str(row.energy),
        "source": row.source,
    }


def projection_view(
    region: str, history: Sequence[KayaYear], projections: Sequence[Projection]
) -> dict[str, Any]:
    return {
        "region": region,
        "base_year": history[-1].year,
        "history": [{"year": k.year, "co2": _value(k.co2)} for k in history],
        "scenarios": [
            {
                "name": p.scenario,
                "peak_year": p.peak_year,
                "peak_value": _value(p.peak_value),
                "path": [
                    {"year": y, "co2": _value(v)} for y, v in zip(p.years, p.co2, strict=True)
                ],
            }
            for p in projections
        ],
    }


def scorecard_view(
    config: ScorecardConfig, year: int, scores: Sequence[PilotScore]
) -> dict[str, Any]:
    return {
        "version": config.version,
        "year": year,
        "indicators": [
            {
                "key": s.key,
                "weight": s.weight,
                "kind": s.kind,
                "target": _pct(s.target_for(year)),
                "floor": s.floor,
                "unit": s.unit,
            }
            for s in config.indicators
        ],
        "pilots": [
            {
                "region": p.region,
                "rank": p.rank,
                "score": _pct(p.score),
                "indicators": [
                    {
                        "key": line.key,
                        "value": None if line.value is None else _value(line.value),
                        "target": _pct(line.target),
                        "points": _pct(line.points),
                        "weight": line.weight,
                        "contribution": _pct(line.contribution),
                        "source": line.source,
                        "missing": line.missing,
                    }
                    for line in p.lines
                ],
            }
            for p in scores
        ],
    }
