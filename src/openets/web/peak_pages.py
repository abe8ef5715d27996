"""Web pages of carbon-peak analytics (public, like the statistics they show):

- ``/peak``: the pilots, then the other regions, each with its peak status, peak year and
  value, last year and the decline from the peak, under the rule's parameters;
- ``/peak/scorecard?year=N``: the pilots ranked by score, each indicator's value, target,
  points and contribution, and a stacked bar chart of the contributions;
- ``/peak/{region}``: the inventory by sector as stacked bars, the series with the detected
  peak marked, the LMDI decomposition between two years (``?from=&to=``, default the first
  and last years with complete Kaya data) as a waterfall, and the projections of the default
  scenarios to 2035 with each peak year.

Every page calls :mod:`openets.peak.services`, as the CLI and the API do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openets.errors import InvalidInput, OpenETSError
from openets.peak import services
from openets.peak.decomposition import FACTORS, Decomposition, rounded
from openets.peak.detection import PeakRule, detect
from openets.peak.inventory import Inventory, Sector
from openets.peak.projection import Projection
from openets.peak.scorecard import PilotScore, ScorecardConfig
from openets.web.i18n import translator
from openets.web.routes import _error, _language, _openets, _render

__all__ = ["SECTION", "router"]

SECTION = "/peak"
#: year the region page projects to
PROJECTION_YEAR = 2035
_SECTOR_COLOURS = {
    "energy_supply": "#2f6f9f",
    "industry": "#7b5ea7",
    "buildings": "#c0703a",
    "transport": "#4c9a6a",
    "waste": "#8a8a8a",
    "agriculture_land_use": "#b59b2a",
    "removals": "#2a9d8f",
    "total": "#555555",
}
_PALETTE = ["#2f6f9f", "#c0703a", "#4c9a6a", "#7b5ea7", "#b59b2a", "#2a9d8f", "#8a8a8a", "#d05a5a"]

router = APIRouter(include_in_schema=False)


def _label(t: Callable[[str], str], key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text


def _helpers(t: Callable[[str], str]) -> dict[str, Any]:
    return {
        "status_name": lambda s: _label(t, f"peak.status.{s}", s),
        "kind_name": lambda k: _label(t, f"peak.kind.{k}", k),
        "sector_name": lambda s: _label(t, f"peak.sector.{s}", s),
        "indicator_name": lambda k: _label(t, f"peak.indicator.{k}", k),
        "effect_name": lambda k: _label(t, f"peak.effect.{k}", k),
        "scenario_name": lambda k: _label(t, f"peak.scenario.{k}", k),
        "tonnes": lambda v: f"{v:,.0f}",
        "pct": lambda v: f"{v:.2f}%",
        "num": lambda v: "—" if v is None else f"{v:,.2f}",
    }


def _rule_text(t: Callable[[str], str], rule: PeakRule) -> str:
    return (
        t("peak.rule")
        .replace("{years}", str(rule.min_years_after))
        .replace("{decline}", f"{rule.min_decline_pct:g}")
        .replace("{plateau}", f"{rule.plateau_pct:g}")
    )


# --- charts ---------------------------------------------------------------------------------


def inventory_chart(inventories: Sequence[Inventory], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: one stacked bar per year, a segment per sector (removals below 0)."""
    years = [i.year for i in inventories]
    present = [s for s in Sector if any(s in i.by_sector() for i in inventories)]
    return {
        "color": [_SECTOR_COLOURS[s.value] for s in present],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 48, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": t("peak.unit.t")},
        "series": [
            {
                "name": _label(t, f"peak.sector.{s.value}", s.value),
                "type": "bar",
                "stack": "inventory",
                "barMaxWidth": 28,
                "data": [i.by_sector().get(s) for i in inventories],
            }
            for s in present
        ],
    }


def series_chart(
    points: Sequence[tuple[int, int]], peak_year: int, peak_value: float, t: Callable[[str], str]
) -> dict[str, Any]:
    """ECharts options: the net series as a line, the detected peak marked."""
    return {
        "color": ["#2f6f9f"],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y, _ in points]},
        "yAxis": {"type": "value", "name": t("peak.unit.t"), "scale": True},
        "series": [
            {
                "name": t("peak.col.total"),
                "type": "line",
                "data": [v for _, v in points],
                "markPoint": {
                    "symbol": "pin",
                    "data": [
                        {
                            "name": t("peak.col.peak_year"),
                            "coord": [str(peak_year), peak_value],
                            "value": str(peak_year),
                        }
                    ],
                },
                "markLine": {
                    "symbol": "none",
                    "lineStyle": {"type": "dashed"},
                    "data": [{"xAxis": str(peak_year)}],
                },
            }
        ],
    }


def waterfall_chart(result: Decomposition, t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: a waterfall from 0 through the four effects to the change (the
    printed, exactly adding figures); an invisible base bar carries each step."""
    change, effects = rounded(result)
    labels, bases, ups, downs = [], [], [], []
    running = 0.0
    for name in FACTORS:
        value = float(effects[name])
        labels.append(_label(t, f"peak.effect.{name}", name))
        low = min(running, running + value)
        bases.append(low)
        ups.append(value if value >= 0 else None)
        downs.append(-value if value < 0 else None)
        running += value
    labels.append(f"{result.start}→{result.end}")
    total = float(change)
    bases.append(min(0.0, total))
    ups.append(total if total >= 0 else None)
    downs.append(-total if total < 0 else None)
    return {
        "color": ["transparent", "#c0703a", "#4c9a6a"],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "name": t("peak.unit.t")},
        "series": [
            {
                "name": "base",
                "type": "bar",
                "stack": "waterfall",
                "itemStyle": {"color": "transparent"},
                "emphasis": {"disabled": True},
                "tooltip": {"show": False},
                "data": bases,
            },
            {"name": "+", "type": "bar", "stack": "waterfall", "data": ups},
            {"name": "−", "type": "bar", "stack": "waterfall", "data": downs},
        ],
    }


def projection_chart(
    history: Sequence[tuple[int, float]], projections: Sequence[Projection], t: Callable[[str], str]
) -> dict[str, Any]:
    """ECharts options: the history and one line per scenario."""
    years = [y for y, _ in history] + list(projections[0].years if projections else ())
    base = len(history)
    series: list[dict[str, Any]] = [
        {
            "name": t("peak.region.history"),
            "type": "line",
            "data": [round(v) for _, v in history] + [None] * (len(years) - base),
        }
    ]
    for p in projections:
        line = [None] * (base - 1) + [round(history[-1][1])] + [round(v) for v in p.co2]
        entry: dict[str, Any] = {
            "name": _label(t, f"peak.scenario.{p.scenario}", p.scenario),
            "type": "line",
            "lineStyle": {"type": "dashed"},
            "data": line,
        }
        if p.peak_year is not None:
            entry["markPoint"] = {
                "symbol": "pin",
                "data": [
                    {"coord": [str(p.peak_year), round(p.peak_value)], "value": str(p.peak_year)}
                ],
            }
        series.append(entry)
    return {
        "color": _PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 48, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": t("peak.unit.t"), "scale": True},
        "series": series,
    }


def scorecard_chart(
    config: ScorecardConfig, scores: Sequence[PilotScore], t: Callable[[str], str]
) -> dict[str, Any]:
    """ECharts options: one horizontal bar per pilot, stacked by indicator contribution."""
    ordered = list(reversed(scores))
    return {
        "color": _PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 72, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100},
        "yAxis": {"type": "category", "data": [p.region for p in ordered]},
        "series": [
            {
                "name": _label(t, f"peak.indicator.{spec.key}", spec.key),
                "type": "bar",
                "stack": "score",
                "data": [round(p.lines[n].contribution, 2) for p in ordered],
            }
            for n, spec in enumerate(config.indicators)
        ],
    }


# --- pages ----------------------------------------------------------------------------------


@router.get("/peak", response_class=HTMLResponse)
def peak_home(request: Request) -> Response:
    """Every region with its peak status, pilots first."""
    application = _openets(request)
    rule = PeakRule()
    try:
        regions = services.list_regions(application)
        found = {f.region.code: f.finding for f in services.detect_peaks(application, rule)}
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    rows = [(r, found.get(r.code)) for r in regions]
    context = {
        **_helpers(t),
        "pilots": [row for row in rows if row[0].pilot],
        "others": [row for row in rows if not row[0].pilot],
        "rule_text": _rule_text(t, rule),
    }
    return _render(request, "peak_list.html", context, section=SECTION)


@router.get("/peak/scorecard", response_class=HTMLResponse)
def scorecard_page(request: Request, year: str | None = None) -> Response:
    """The pilots ranked by score for a year (default: the latest year with indicators)."""
    application = _openets(request)
    try:
        number = _year(year) if year else _latest_indicator_year(application)
        config, scores = services.scorecard(application, number)
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    context = {
        **_helpers(t),
        "year": number,
        "config": config,
        "scores": scores,
        "names": {r.code: r.name for r in services.list_regions(application, pilots_only=True)},
        "chart": scorecard_chart(config, scores, t) if scores else None,
    }
    return _render(request, "peak_scorecard.html", context, section=SECTION)


def _year(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1950 <= int(value) <= 2100:
        raise InvalidInput(f"year must be 1950-2100, got {text!r}")
    return int(value)


def _latest_indicator_year(application: Any) -> int:
    from openets.peak.store import PeakStore

    with application.reading() as connection:
        values = PeakStore(connection).indicators()
    return max((v.year for v in values), default=2025)


@router.get("/peak/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: str) -> Response:
    """A region's inventory, series with its peak, decomposition and projections."""
    application = _openets(request)
    rule = PeakRule()
    query = request.query_params
    try:
        region = services.get_region(application, code)
        inventories = services.inventories(application, code)
        points = services.series(application, code)
        history = services.kaya_history(application, code)
        first, last = query.get("from"), query.get("to")
        decomposition = None
        if len(history) >= 2:
            a = _year(first) if first else history[0].year
            b = _year(last) if last else history[-1].year
            decomposition = services.decompose_region(application, code, a, b)
        projections: list[Projection] = []
        if len(history) >= 2 and history[-1].year < PROJECTION_YEAR:
            _, projections = services.project_region(application, code, PROJECTION_YEAR)
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    finding = (
        detect([y for y, _ in points], [float(v) for _, v in points], rule) if points else None
    )
    effects = rounded(decomposition) if decomposition else None
    context = {
        **_helpers(t),
        "region": region,
        "inventories": list(reversed(inventories)),
        "sectors": [s for s in Sector if any(s in i.by_sector() for i in inventories)],
        "finding": finding,
        "rule_text": _rule_text(t, rule),
        "decomposition": decomposition,
        "effects": effects,
        "factors": FACTORS,
        "projections": projections,
        "projection_year": PROJECTION_YEAR,
        "units": t("peak.region.units")
        .replace("{gdp}", region.gdp_unit or "—")
        .replace("{energy}", region.energy_unit or "—"),
        "inventory_chart": inventory_chart(inventories, t) if inventories else None,
        "series_chart": (
            series_chart(points, finding.peak_year, finding.peak_value, t) if finding else None
        ),
        "waterfall_chart": waterfall_chart(decomposition, t) if decomposition else None,
        "waterfall_caption": (
            t("peak.region.decomposition_chart")
            .replace("{start}", str(decomposition.start))
            .replace("{end}", str(decomposition.end))
            if decomposition
            else ""
        ),
        "projection_chart": (
            projection_chart([(k.year, k.co2) for k in history], projections, t)
            if projections
            else None
        ),
    }
    return _render(request, "peak_region.html", context, section=SECTION)
