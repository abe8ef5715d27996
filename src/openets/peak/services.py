"""Carbon-peak use cases: regions, inventories, statistics and indicators (the regulator
records them; anyone may read them: they are public statistics), peak detection,
decomposition, projections and the pilot scorecard. One function each; every write is one
transaction and idempotent by nature (recording a year again replaces it with the same
figures; adding a region again with the same fields is a no-op).

Emissions are whole tonnes CO2; analytics run in float and are rounded when shown
(:mod:`openets.peak.views`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.clock import utc_text
from openets.errors import Conflict, InvalidInput, NotFound
from openets.mrv.model import ActivityLine
from openets.mrv.permissions import Actor, require_regulator
from openets.peak.decomposition import Decomposition, KayaYear, decompose
from openets.peak.detection import PeakFinding, PeakRule, detect
from openets.peak.inventory import (
    Inventory,
    InventoryLine,
    Region,
    RegionKind,
    RegionYear,
    Sector,
    inventory_from_activity,
)
from openets.peak.projection import Phase, Projection, Scenario, project, trend_scenario
from openets.peak.scorecard import (
    PilotFigures,
    PilotScore,
    ScorecardConfig,
    default_scorecard,
    intensity_reduction_pct,
    score_pilots,
)
from openets.peak.series_file import owid_columns
from openets.peak.store import IndicatorValue, PeakStore

__all__ = [
    "OWID_SOURCE",
    "RegionPeak",
    "add_region",
    "decompose_region",
    "default_scenarios",
    "detect_peaks",
    "get_region",
    "import_owid",
    "inventories",
    "kaya_history",
    "list_regions",
    "project_region",
    "record_activity_inventory",
    "record_indicators",
    "record_inventory",
    "record_region_years",
    "region_years",
    "scorecard",
    "series",
]

OWID_SOURCE = "Our World in Data CO2 dataset (GCB 2024), CC BY 4.0"


def _who(actor: Actor) -> str:
    name = getattr(actor, "name", None)
    return str(name) if name else "operator"


def _region_in(store: PeakStore, code: str) -> Region:
    region = store.region(code)
    if region is None:
        raise NotFound(f"no region {code!r}")
    return region


# --- regions --------------------------------------------------------------------------------


def add_region(app: App, region: Region, *, by: Actor) -> Region:
    """Add a region (regulator). Adding it again with the same fields is a no-op; with other
    fields a :class:`Conflict`."""
    require_regulator(by, "add carbon-peak regions")

    def work(connection: Connection) -> Region:
        store = PeakStore(connection)
        known = store.region(region.code)
        if known is not None:
            if known != region:
                raise Conflict(f"region {region.code!r} exists with other details")
            return known
        if region.parent is not None and store.region(region.parent) is None:
            raise NotFound(f"no parent region {region.parent!r}")
        store.add_region(region, _who(by), utc_text(app.clock.now()))
        return region

    return app.write_unique(work)


def list_regions(app: App, *, pilots_only: bool = False) -> list[Region]:
    with app.reading() as connection:
        regions = PeakStore(connection).regions()
    return [r for r in regions if r.pilot] if pilots_only else regions


def get_region(app: App, code: str) -> Region:
    with app.reading() as connection:
        return _region_in(PeakStore(connection), code)


# --- inventories and statistics -------------------------------------------------------------


def record_inventory(app: App, inventory: Inventory, *, by: Actor) -> Inventory:
    """Record (or replace) a region's inventory of a year (regulator)."""
    require_regulator(by, "record inventories")

    def work(connection: Connection) -> Inventory:
        store = PeakStore(connection)
        _region_in(store, inventory.region)
        store.replace_inventory(inventory, _who(by), utc_text(app.clock.now()))
        return inventory

    return app.write(work)


def record_activity_inventory(
    app: App,
    code: str,
    year: int,
    activity: Sequence[tuple[Sector, ActivityLine]],
    imported: Sequence[InventoryLine] = (),
    *,
    by: Actor,
) -> Inventory:
    """Build a region's inventory of a year from activity data by sector with the MRV factor
    library (plus lines imported as totals), and record it (regulator)."""
    require_regulator(by, "record inventories")
    by_sector: dict[Sector, list[ActivityLine]] = {}
    for sector, line in activity:
        by_sector.setdefault(sector, []).append(line)
    inventory = inventory_from_activity(code, year, by_sector, imported=imported)
    return record_inventory(app, inventory, by=by)


def inventories(app: App, code: str, year: int | None = None) -> list[Inventory]:
    with app.reading() as connection:
        store = PeakStore(connection)
        _region_in(store, code)
        return store.inventories(code, year)


def series(app: App, code: str) -> list[tuple[int, int]]:
    """(year, net tonnes) of a region's inventories."""
    with app.reading() as connection:
        store = PeakStore(connection)
        _region_in(store, code)
        return [(year, total) for _, year, total in store.totals([code])]


def record_region_years(app: App, rows: Sequence[RegionYear], *, by: Actor) -> int:
    """Record (or replace) regions' yearly statistics (regulator); answers the row count."""
    require_regulator(by, "record regional statistics")
    for row in rows:
        for name in ("gdp", "energy"):
            value = getattr(row, name)
            if value is not None and not (value.is_finite() and value > 0):
                raise InvalidInput(f"{row.region} {row.year}: {name} must be positive")
        if row.population is not None and row.population <= 0:
            raise InvalidInput(f"{row.region} {row.year}: population must be positive")

    def work(connection: Connection) -> int:
        store = PeakStore(connection)
        for code in {r.region for r in rows}:
            _region_in(store, code)
        store.replace_region_years(rows, _who(by), utc_text(app.clock.now()))
        return len(rows)

    return app.write(work)


def region_years(app: App, code: str) -> list[RegionYear]:
    with app.reading() as connection:
        store = PeakStore(connection)
        _region_in(store, code)
        return store.region_years(code)


def record_indicators(app: App, values: Sequence[IndicatorValue], *, by: Actor) -> int:
    """Record (or replace) pilot indicator values (regulator); answers the count."""
    require_regulator(by, "record pilot indicators")
    for item in values:
        if not item.value.is_finite():
            raise InvalidInput(f"{item.region} {item.indicator}: value must be a number")

    def work(connection: Connection) -> int:
        store = PeakStore(connection)
        for code in {v.region for v in values}:
            _region_in(store, code)
        store.replace_indicators(values, _who(by), utc_text(app.clock.now()))
        return len(values)

    return app.write(work)


# --- analytics ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionPeak:
    region: Region
    finding: PeakFinding


def detect_peaks(
    app: App, rule: PeakRule | None = None, *, codes: Sequence[str] | None = None
) -> list[RegionPeak]:
    """The peak status of each region with inventories (net tonnes), by region code."""
    with app.reading() as connection:
        store = PeakStore(connection)
        regions = {r.code: r for r in store.regions()}
        for code in codes or ():
            if code not in regions:
                raise NotFound(f"no region {code!r}")
        totals = store.totals(codes)
    by_region: dict[str, list[tuple[int, int]]] = {}
    for code, year, total in totals:
        by_region.setdefault(code, []).append((year, total))
    return [
        RegionPeak(
            regions[code],
            detect([y for y, _ in rows], [float(v) for _, v in rows], rule),
        )
        for code, rows in sorted(by_region.items())
    ]


def kaya_history(app: App, code: str) -> list[KayaYear]:
    """The years of a region with emissions, population, GDP and energy all known."""
    with app.reading() as connection:
        store = PeakStore(connection)
        _region_in(store, code)
        totals = {year: total for _, year, total in store.totals([code])}
        stats = store.region_years(code)
    history = []
    for row in stats:
        co2 = totals.get(row.year)
        if co2 is None or co2 <= 0 or row.population is None:
            continue
        if row.gdp is None or row.energy is None:
            continue
        history.append(
            KayaYear(row.year, float(co2), float(row.population), float(row.gdp), float(row.energy))
        )
    return history


def decompose_region(app: App, code: str, start: int, end: int) -> Decomposition:
    """LMDI decomposition of a region's emissions change from ``start`` to ``end``."""
    if start == end:
        raise InvalidInput("give two different years")
    history = {k.year: k for k in kaya_history(app, code)}
    for year in (start, end):
        if year not in history:
            raise InvalidInput(
                f"region {code!r} has no complete Kaya data (emissions, population, GDP, "
                f"energy) for {year}"
            )
    return decompose(history[start], history[end])


#: Yearly rates of the national targets of 2025 against 2020 (outline of the 14th Five-Year
#: Plan: energy per GDP -13.5%, CO2 per GDP -18% over five years): energy intensity
#: (1 - 0.135)^(1/5) - 1 = -2.864 %/yr; CO2 per energy (0.82 / 0.865)^(1/5) - 1 = -1.063 %/yr.
NATIONAL_ENERGY_INTENSITY_PCT = ((1 - 0.135) ** (1 / 5) - 1) * 100
NATIONAL_CARBON_INTENSITY_PCT = ((0.82 / 0.865) ** (1 / 5) - 1) * 100


def default_scenarios(history: Sequence[KayaYear]) -> list[Scenario]:
    """The trend, and the trend's GDP growth with the national intensity paths."""
    trend = trend_scenario(history)
    growth = trend.phases[0].gdp_growth_pct
    national = Scenario(
        "national_targets",
        (
            Phase(
                until=history[-1].year + 100,
                gdp_growth_pct=growth,
                energy_intensity_pct=NATIONAL_ENERGY_INTENSITY_PCT,
                carbon_intensity_pct=NATIONAL_CARBON_INTENSITY_PCT,
            ),
        ),
    )
    return [trend, national]


def project_region(
    app: App, code: str, target_year: int, scenarios: Sequence[Scenario] | None = None
) -> tuple[list[KayaYear], list[Projection]]:
    """A region's history and its projection to ``target_year`` under each scenario
    (default: :func:`default_scenarios`)."""
    history = kaya_history(app, code)
    if len(history) < 2:
        raise InvalidInput(
            f"region {code!r} needs at least two years of emissions, population, GDP and "
            "energy to project"
        )
    chosen = list(scenarios) if scenarios else default_scenarios(history)
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise InvalidInput("scenario names must differ")
    return history, [project(history, s, target_year) for s in chosen]


def _intensity(spec_measure: str, base: KayaYear | None, now: KayaYear | None) -> float | None:
    if base is None or now is None:
        return None
    if spec_measure == "co2":
        return intensity_reduction_pct(base.co2, base.gdp, now.co2, now.gdp)
    return intensity_reduction_pct(base.energy, base.gdp, now.energy, now.gdp)


def scorecard(
    app: App, year: int, config: ScorecardConfig | None = None
) -> tuple[ScorecardConfig, list[PilotScore]]:
    """Score every pilot for ``year``: intensity reductions computed from inventories and
    statistics where both years are recorded (else the recorded indicator value), the other
    indicators from the recorded values."""
    config = config or default_scorecard()
    pilots = list_regions(app, pilots_only=True)
    with app.reading() as connection:
        recorded = PeakStore(connection).indicators(year)
    values = {(v.region, v.indicator): v for v in recorded}
    figures = []
    for pilot in pilots:
        history = {k.year: k for k in kaya_history(app, pilot.code)}
        numbers: dict[str, float | None] = {}
        sources: dict[str, str] = {}
        for spec in config.indicators:
            value: float | None = None
            if spec.kind == "intensity_reduction" and spec.measure and spec.base_year:
                value = _intensity(spec.measure, history.get(spec.base_year), history.get(year))
                if value is not None:
                    sources[spec.key] = f"computed from inventories {spec.base_year}-{year}"
            stored = values.get((pilot.code, spec.key))
            if value is None and stored is not None:
                value = float(stored.value)
                sources[spec.key] = stored.source
            numbers[spec.key] = value
        figures.append(PilotFigures(pilot.code, numbers, sources))
    return config, score_pilots(config, year, figures)


# --- the shipped national series ------------------------------------------------------------


def _country_code(name: str) -> str:
    text = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")
    return "OWID-" + "-".join(part for part in text.split("-") if part)[:58]


def import_owid(app: App, countries: Iterable[str] | None = None, *, by: Actor) -> list[str]:
    """Import national series from the shipped OWID file as regions of kind ``country``
    (codes ``OWID-<name>``): CO2 as an imported total (Mt × 10^6 = tonnes), population, GDP
    (international-$ of 2011) and primary energy (TWh). Answers the region codes."""
    require_regulator(by, "import national series")
    data = owid_columns()
    wanted = None if countries is None else set(countries)
    if wanted is not None:
        unknown = wanted - set(data.regions)
        if unknown:
            raise NotFound(f"not in the OWID file: {', '.join(sorted(unknown))}")
    rows: dict[str, list[int]] = {}
    for index, country in enumerate(data.regions):
        if wanted is None or country in wanted:
            rows.setdefault(country, []).append(index)
    codes = []
    numbers = data.numbers
    for country, indexes in sorted(rows.items()):
        code = _country_code(country)
        add_region(
            app,
            Region(code, country, RegionKind.COUNTRY, gdp_unit="international-$ (2011)",
                   energy_unit="TWh", note=OWID_SOURCE),
            by=by,
        )  # fmt: skip

        def work(connection: Connection, code: str = code, indexes: list[int] = indexes) -> None:
            store = PeakStore(connection)
            at = utc_text(app.clock.now())
            stats = []
            for i in indexes:
                year, co2 = data.years[i], numbers["co2"][i]
                if not math.isnan(co2):
                    tonnes = int((Decimal(repr(co2)) * 1_000_000).to_integral_value())
                    line = InventoryLine(Sector.TOTAL, tonnes, OWID_SOURCE)
                    store.replace_inventory(Inventory(code, year, (line,)), _who(by), at)
                pop, gdp, energy = (numbers[c][i] for c in ("population", "gdp", "energy"))
                stats.append(
                    RegionYear(
                        code,
                        year,
                        None if math.isnan(pop) else int(pop),
                        None if math.isnan(gdp) else Decimal(repr(gdp)),
                        None if math.isnan(energy) or energy <= 0 else Decimal(repr(energy)),
                        OWID_SOURCE,
                    )
                )
            store.replace_region_years(stats, _who(by), at)

        app.write(work)
        codes.append(code)
    return codes
