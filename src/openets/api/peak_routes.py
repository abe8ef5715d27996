"""``/api/v1/peak`` routes: regions, inventories, peak detection, decomposition, projections
and the pilot scorecard.

Reads are public (the figures are statistics); recording a region, an inventory, statistics
or indicators is the regulator's. Those writes are idempotent by nature: a ``PUT`` of a year
replaces it, so a retry has no second effect (no idempotency key needed); adding a region
again with the same details answers 200 with it. Answers are the documents of
:mod:`openets.peak.views`, the same the CLI prints with ``--json``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.errors import InvalidInput
from openets.peak import services
from openets.peak.decomposition import KayaYear, decompose
from openets.peak.detection import PeakRule, detect
from openets.peak.inventory import (
    Inventory,
    InventoryLine,
    Region,
    RegionKind,
    RegionYear,
    activity_line,
    parse_sector,
    parse_year,
)
from openets.peak.projection import scenarios_from_data
from openets.peak.store import IndicatorValue
from openets.peak.views import (
    decomposition_entry,
    detection_view,
    inventory_view,
    projection_view,
    region_view,
    region_year_view,
    scorecard_view,
)

router = APIRouter(prefix="/peak", tags=["peak"])

_READ = problem_responses(400, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
Document = dict[str, Any]
RegionPath = Annotated[str, Path(min_length=1, max_length=64, examples=["GZ"])]
YearPath = Annotated[int, Path(ge=1950, le=2100, examples=[2023])]
_DEFAULT = PeakRule()
MinYears = Annotated[int, Query(ge=1, le=50)]
Percent = Annotated[float, Query(ge=0, lt=100)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionBody(_Body):
    code: str = Field(min_length=1, max_length=64, examples=["GZ"])
    name: str = Field(min_length=1, max_length=200, examples=["Guangzhou"])
    kind: RegionKind = RegionKind.CITY
    pilot: bool = False
    name_zh: str = Field(default="", max_length=200)
    parent: str | None = Field(default=None, max_length=64)
    gdp_unit: str = Field(default="", max_length=64)
    energy_unit: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=500)


class LineBody(_Body):
    sector: str = Field(max_length=32, examples=["industry"])
    tco2: int = Field(strict=True, ge=-(10**13), le=10**13, description="Whole tonnes CO2.")
    source: str = Field(min_length=1, max_length=500)


class InventoryBody(_Body):
    lines: list[LineBody] = Field(min_length=1, max_length=20)


class ActivityRowBody(_Body):
    sector: str = Field(max_length=32, examples=["industry"])
    source: str = Field(max_length=16, examples=["combustion"])
    item: str = Field(min_length=1, max_length=64, examples=["natural_gas"])
    quantity: str = Field(max_length=40, examples=["38000"])
    unit: str = Field(max_length=16, examples=["10^4 Nm3"])
    ncv: str | None = Field(default=None, max_length=40)
    cc: str | None = Field(default=None, max_length=40)
    of: str | None = Field(default=None, max_length=40)
    ef: str | None = Field(default=None, max_length=40)


class ActivityBody(_Body):
    rows: list[ActivityRowBody] = Field(min_length=1, max_length=10_000)
    imported: list[LineBody] = Field(
        default_factory=list, max_length=20, description="Lines imported as totals."
    )


class RegionYearBody(_Body):
    year: int = Field(ge=1950, le=2100)
    population: int | None = Field(default=None, strict=True, ge=1)
    gdp: str | None = Field(default=None, max_length=40, description="Decimal, region's unit.")
    energy: str | None = Field(default=None, max_length=40, description="Decimal.")
    source: str = Field(min_length=1, max_length=500)


class StatisticsBody(_Body):
    years: list[RegionYearBody] = Field(min_length=1, max_length=200)


class IndicatorBody(_Body):
    indicator: str = Field(min_length=1, max_length=64)
    value: str = Field(max_length=40, description="A decimal number.")
    source: str = Field(min_length=1, max_length=500)


class IndicatorsBody(_Body):
    values: list[IndicatorBody] = Field(min_length=1, max_length=100)


#: largest magnitude accepted for a figure of a stateless analysis
_BOUND = 1e15
Figure = Annotated[float, Field(ge=-_BOUND, le=_BOUND, allow_inf_nan=False)]
Positive = Annotated[float, Field(ge=1e-9, le=_BOUND, allow_inf_nan=False)]


class SeriesBody(_Body):
    region: str = Field(min_length=1, max_length=200)
    years: list[Annotated[int, Field(ge=1000, le=9999)]] = Field(min_length=1, max_length=500)
    values: list[Figure | None] = Field(min_length=1, max_length=500)


class DetectBody(_Body):
    series: list[SeriesBody] = Field(min_length=1, max_length=1000)
    min_years_after: int = Field(default=_DEFAULT.min_years_after, ge=1, le=50)
    min_decline_pct: float = Field(default=_DEFAULT.min_decline_pct, ge=0, lt=100)
    plateau_pct: float = Field(default=_DEFAULT.plateau_pct, ge=0, lt=100)


class KayaBody(_Body):
    year: int = Field(ge=1000, le=9999)
    co2: Positive
    population: Positive
    gdp: Positive
    energy: Positive


class DecomposeBody(_Body):
    region: str = Field(min_length=1, max_length=200)
    start: KayaBody
    end: KayaBody


class ProjectBody(_Body):
    target_year: int = Field(ge=1951, le=2200)
    scenarios: list[dict[str, Any]] = Field(default_factory=list, max_length=20)


def _decimal(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{name} {text!r} is not a decimal number") from None
    if not value.is_finite():
        raise InvalidInput(f"{name} {text!r} is not a number")
    return value


# --- regions and inventories ----------------------------------------------------------------


@router.get("/regions", openapi_extra=roles(ANYONE), responses=_READ)
def regions(app: AppDep, user: Caller, pilots: Annotated[bool, Query()] = False) -> Document:
    """The regions (``pilots=true``: only the carbon-peak pilots).

    **Who may call:** anyone, without login.
    """
    del user
    return {"regions": [region_view(r) for r in services.list_regions(app, pilots_only=pilots)]}


@router.post("/regions", status_code=201, openapi_extra=roles(REGULATOR), responses=_WRITE)
def add_region(body: RegionBody, app: AppDep, user: CurrentUser, response: Response) -> Document:
    """Add a region; the same details again answer 200 (a no-op), others 409.

    **Who may call:** regulator.
    """
    existed = any(r.code == body.code for r in services.list_regions(app))
    region = services.add_region(
        app,
        Region(body.code, body.name, body.kind, body.pilot, body.name_zh, body.parent,
               body.gdp_unit, body.energy_unit, body.note),
        by=user,
    )  # fmt: skip
    if existed:
        response.status_code = 200
    return region_view(region)


@router.get("/regions/{code}", openapi_extra=roles(ANYONE), responses=_READ)
def region(code: RegionPath, app: AppDep, user: Caller) -> Document:
    """A region with its statistics.

    **Who may call:** anyone, without login.
    """
    del user
    return {
        **region_view(services.get_region(app, code)),
        "statistics": [region_year_view(r) for r in services.region_years(app, code)],
    }


@router.get("/regions/{code}/inventories", openapi_extra=roles(ANYONE), responses=_READ)
def inventories(
    code: RegionPath,
    app: AppDep,
    user: Caller,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
) -> Document:
    """A region's inventories by sector, tonnes CO2 (removals negative).

    **Who may call:** anyone, without login.
    """
    del user
    found = services.inventories(app, code, year)
    return {"region": code, "inventories": [inventory_view(i) for i in found]}


@router.put("/regions/{code}/inventories/{year}", openapi_extra=roles(REGULATOR), responses=_WRITE)
def record_inventory(
    code: RegionPath, year: YearPath, body: InventoryBody, app: AppDep, user: CurrentUser
) -> Document:
    """Record (replace) a region's inventory of a year, one line per sector with its source.

    **Who may call:** regulator.
    """
    lines = tuple(
        InventoryLine(parse_sector(line.sector), line.tco2, line.source) for line in body.lines
    )
    inventory = services.record_inventory(app, Inventory(code, year, lines), by=user)
    return inventory_view(inventory)


@router.put(
    "/regions/{code}/inventories/{year}/activity",
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def record_activity_inventory(
    code: RegionPath, year: YearPath, body: ActivityBody, app: AppDep, user: CurrentUser
) -> Document:
    """Build a year's inventory from activity data by sector with the MRV factor library (each
    sector rounded half-up to whole tonnes; source ``activity: <factor versions>``), plus
    lines imported as totals, and record (replace) it.

    **Who may call:** regulator.
    """
    activity = [
        activity_line(
            n, r.sector, year, r.source, r.item, r.quantity, r.unit,
            {"ncv": r.ncv or "", "cc": r.cc or "", "of": r.of or "", "ef": r.ef or ""},
        )
        for n, r in enumerate(body.rows, start=1)
    ]  # fmt: skip
    imported = [InventoryLine(parse_sector(x.sector), x.tco2, x.source) for x in body.imported]
    inventory = services.record_activity_inventory(app, code, year, activity, imported, by=user)
    return inventory_view(inventory)


@router.put("/regions/{code}/statistics", openapi_extra=roles(REGULATOR), responses=_WRITE)
def record_statistics(
    code: RegionPath, body: StatisticsBody, app: AppDep, user: CurrentUser
) -> Document:
    """Record (replace) yearly population, GDP and energy of a region (its units).

    **Who may call:** regulator.
    """
    rows = [
        RegionYear(code, parse_year(r.year), r.population, _decimal(r.gdp, "gdp"),
                   _decimal(r.energy, "energy"), r.source)
        for r in body.years
    ]  # fmt: skip
    services.record_region_years(app, rows, by=user)
    return {"region": code, "statistics": [region_year_view(r) for r in rows]}


@router.put("/regions/{code}/indicators/{year}", openapi_extra=roles(REGULATOR), responses=_WRITE)
def record_indicators(
    code: RegionPath, year: YearPath, body: IndicatorsBody, app: AppDep, user: CurrentUser
) -> Document:
    """Record (replace) a pilot's scorecard indicator values of a year.

    **Who may call:** regulator.
    """
    values = []
    for item in body.values:
        value = _decimal(item.value, item.indicator)
        assert value is not None
        values.append(IndicatorValue(code, year, item.indicator, value, item.source))
    services.record_indicators(app, values, by=user)
    return {
        "region": code,
        "year": year,
        "values": [
            {"indicator": v.indicator, "value": str(v.value), "source": v.source} for v in values
        ],
    }


# --- analytics ------------------------------------------------------------------------------


@router.get("/detect", openapi_extra=roles(ANYONE), responses=_READ)
def detect_stored(
    app: AppDep,
    user: Caller,
    region: Annotated[list[str] | None, Query(max_length=100)] = None,
    min_years_after: MinYears = _DEFAULT.min_years_after,
    min_decline_pct: Percent = _DEFAULT.min_decline_pct,
    plateau_pct: Percent = _DEFAULT.plateau_pct,
) -> Document:
    """Peak status of the stored regions (net tonnes), with the rule's parameters.

    **Who may call:** anyone, without login.
    """
    del user
    rule = PeakRule(min_years_after, min_decline_pct, plateau_pct)
    found = services.detect_peaks(app, rule, codes=region or None)
    return detection_view([(f.region.code, f.finding) for f in found], rule)


@router.post("/detect", openapi_extra=roles(ANYONE), responses=_READ)
def detect_series(body: DetectBody, user: Caller) -> Document:
    """Peak status of the series in the body (nothing is stored).

    **Who may call:** anyone, without login.
    """
    del user
    rule = PeakRule(body.min_years_after, body.min_decline_pct, body.plateau_pct)
    findings = []
    for s in body.series:
        if len(s.years) != len(s.values):
            raise InvalidInput(f"{s.region}: years and values differ in length")
        findings.append((s.region, detect(s.years, s.values, rule)))
    return detection_view(findings, rule)


@router.get("/decompose", openapi_extra=roles(ANYONE), responses=_READ)
def decompose_stored(
    app: AppDep,
    user: Caller,
    region: Annotated[str, Query(min_length=1, max_length=64)],
    start: Annotated[int, Query(alias="from", ge=1950, le=2100)],
    end: Annotated[int, Query(alias="to", ge=1950, le=2100)],
) -> Document:
    """LMDI decomposition of a stored region's change between two years (6 decimals, the
    effects adding up exactly to the change).

    **Who may call:** anyone, without login.
    """
    del user
    return decomposition_entry(region, services.decompose_region(app, region, start, end))


@router.post("/decompose", openapi_extra=roles(ANYONE), responses=_READ)
def decompose_body(body: DecomposeBody, user: Caller) -> Document:
    """LMDI decomposition of the two years in the body (nothing is stored).

    **Who may call:** anyone, without login.
    """
    del user
    a, b = (KayaYear(k.year, k.co2, k.population, k.gdp, k.energy) for k in (body.start, body.end))
    return decomposition_entry(body.region, decompose(a, b))


@router.get("/project", openapi_extra=roles(ANYONE), responses=_READ)
def project_default(
    app: AppDep,
    user: Caller,
    region: Annotated[str, Query(min_length=1, max_length=64)],
    target_year: Annotated[int, Query(alias="to", ge=1951, le=2200)] = 2035,
) -> Document:
    """A region's projection under the default scenarios (trend, national targets).

    **Who may call:** anyone, without login.
    """
    del user
    history, projections = services.project_region(app, region, target_year)
    return projection_view(region, history, projections)


@router.post("/regions/{code}/project", openapi_extra=roles(ANYONE), responses=_READ)
def project_scenarios(code: RegionPath, body: ProjectBody, app: AppDep, user: Caller) -> Document:
    """A region's projection under the scenarios of the body (default ones if none).

    **Who may call:** anyone, without login.
    """
    del user
    scenarios = scenarios_from_data(body.scenarios) if body.scenarios else None
    history, projections = services.project_region(app, code, body.target_year, scenarios)
    return projection_view(code, history, projections)


@router.get("/scorecard", openapi_extra=roles(ANYONE), responses=_READ)
def scorecard(app: AppDep, user: Caller, year: Annotated[int, Query(ge=1950, le=2100)]) -> Document:
    """The pilots' scores and ranking for a year, each indicator's contribution shown.

    **Who may call:** anyone, without login.
    """
    del user
    config, scores = services.scorecard(app, year)
    return scorecard_view(config, year, scores)
