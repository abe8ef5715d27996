"""Simulation results as JSON documents (CLI ``--json``, the API) and as chart options (web).

Rounding, stated once: prices to 6 decimal places (yuan/t), tonnes to 3 (kilograms), money to
2 (fen). The simulation itself runs unrounded in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openets.simulation.model import SimulationResult, YearResult

__all__ = [
    "MONEY_DIGITS",
    "PRICE_DIGITS",
    "TONNE_DIGITS",
    "comparison_charts",
    "result_view",
    "totals_view",
    "year_view",
]

PRICE_DIGITS = 6
TONNE_DIGITS = 3
MONEY_DIGITS = 2


def _price(value: float) -> float:
    return round(float(value), PRICE_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _tonnes(value: float) -> float:
    return round(float(value), TONNE_DIGITS) + 0.0


def _money(value: float) -> float:
    return round(float(value), MONEY_DIGITS) + 0.0


def year_view(result: YearResult, ids: Sequence[str] | None) -> dict[str, Any]:
    """One year: the contract keys (year, price, emissions, abatement, abatement_cost,
    tax_revenue, firms) and the detail (covered/uncovered split, revenues, bank, offsets).
    ``ids`` None leaves the per-firm list out."""
    view: dict[str, Any] = {
        "year": result.year,
        "price": _price(result.price),
        "effective_price": _price(result.effective_price),
        "cap": _tonnes(result.cap),
        "emissions": _tonnes(result.emissions),
        "covered_emissions": _tonnes(result.covered_emissions),
        "uncovered_emissions": _tonnes(result.uncovered_emissions),
        "abatement": _tonnes(result.abatement),
        "covered_abatement": _tonnes(result.covered_abatement),
        "uncovered_abatement": _tonnes(result.uncovered_abatement),
        "abatement_cost": _money(result.abatement_cost),
        "tax_revenue": _money(result.tax_revenue),
        "auction_revenue": _money(result.auction_revenue),
        "offsets": _tonnes(result.offsets),
        "unsold": _tonnes(result.unsold),
        "ceiling_sales": _tonnes(result.ceiling_sales),
        "bank": _tonnes(result.bank),
    }
    if ids is not None:
        view["firms"] = [
            {
                "id": firm_id,
                "abatement": _tonnes(float(abatement)),
                "emissions": _tonnes(float(emissions)),
                "abatement_cost": _money(float(cost)),
            }
            for firm_id, abatement, emissions, cost in zip(
                ids,
                result.firm_abatement.tolist(),
                result.firm_emissions.tolist(),
                result.firm_cost.tolist(),
                strict=True,
            )
        ]
    return view


def totals_view(result: SimulationResult) -> dict[str, Any]:
    """Sums over the horizon and the average allowance price (simple mean over years)."""
    years = result.years
    return {
        "emissions": _tonnes(sum(y.emissions for y in years)),
        "abatement": _tonnes(sum(y.abatement for y in years)),
        "abatement_cost": _money(sum(y.abatement_cost for y in years)),
        "tax_revenue": _money(sum(y.tax_revenue for y in years)),
        "auction_revenue": _money(sum(y.auction_revenue for y in years)),
        "average_price": _price(sum(y.price for y in years) / len(years)),
    }


def result_view(result: SimulationResult, *, firms: bool = True) -> dict[str, Any]:
    """The document ``openets sim run --json`` prints and ``POST /api/v1/sim/run`` returns."""
    ids = result.scenario.firms.ids if firms else None
    market = result.scenario.market
    return {
        "name": result.scenario.name,
        "banking": market.banking,
        "tax_scope": market.tax_scope.value,
        "years": [year_view(y, ids) for y in result.years],
        "totals": totals_view(result),
    }


def comparison_charts(
    results: Sequence[tuple[str, SimulationResult]], t: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """ECharts options comparing scenarios: price (lines), emissions and abatement (bars),
    over the union of their years (a year a scenario lacks is a gap)."""
    years = sorted({y.year for _, r in results for y in r.years})

    def series(kind: str, figure: Callable[[YearResult], float]) -> list[dict[str, Any]]:
        out = []
        for label, result in results:
            by_year = {y.year: figure(y) for y in result.years}
            entry: dict[str, Any] = {
                "name": label,
                "type": kind,
                "data": [by_year.get(year) for year in years],
            }
            if kind == "bar":
                entry["barMaxWidth"] = 32
            out.append(entry)
        return out

    def chart(unit: str, kind: str, figure: Callable[[YearResult], float]) -> dict[str, Any]:
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": [str(y) for y in years]},
            "yAxis": {"type": "value", "name": t(unit)},
            "series": series(kind, figure),
        }

    return {
        "price": chart("sim.unit.price", "line", lambda y: _money(y.price)),
        "emissions": chart("sim.unit.t", "bar", lambda y: _tonnes(y.emissions)),
        "abatement": chart("sim.unit.t", "bar", lambda y: _tonnes(y.abatement)),
    }
