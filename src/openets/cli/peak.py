"""``openets peak``: inventories, peak detection, decomposition, projections, scorecards.

``detect`` and ``decompose`` work on a CSV file (time column ``year``; other columns are
ignored) and need no database; the other commands read or write the regions stored in the
database (``--db``). Rounding of printed figures: see :mod:`openets.peak.views`.
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openets.cli.context import console, err_console, get_app, print_json
from openets.cli.entities import JSON
from openets.errors import InvalidInput
from openets.mrv.permissions import OPERATOR
from openets.peak import services
from openets.peak.decomposition import FACTORS, KayaYear, decompose, rounded
from openets.peak.detection import PeakRule, detect_many
from openets.peak.inventory import (
    Inventory,
    InventoryLine,
    Region,
    RegionKind,
    RegionYear,
    activity_line,
    parse_region_code,
    parse_sector,
    parse_year,
)
from openets.peak.projection import scenarios_from_data
from openets.peak.scorecard import parse_scorecard
from openets.peak.series_file import read_columns
from openets.peak.store import IndicatorValue
from openets.peak.views import (
    decomposition_entry,
    detection_view,
    inventory_view,
    projection_view,
    region_view,
    scorecard_view,
)

__all__ = ["app"]

app = typer.Typer(
    help="Carbon-peak analytics: inventories, peaks, decomposition, projections, scorecards.",
    no_args_is_help=True,
)
region_app = typer.Typer(
    help="Regions (provinces, cities, parks, countries).", no_args_is_help=True
)
inventory_app = typer.Typer(help="Yearly inventories by sector.", no_args_is_help=True)
app.add_typer(region_app, name="region")
app.add_typer(inventory_app, name="inventory")

_DEFAULT_RULE = PeakRule()
MIN_YEARS = typer.Option(
    _DEFAULT_RULE.min_years_after,
    "--min-years-after",
    help="Years the maximum must lie before the last year for 'peaked'.",
)
MIN_DECLINE = typer.Option(
    _DEFAULT_RULE.min_decline_pct,
    "--min-decline-pct",
    help="How far (percent) the last value and the smoothed value of the year before must "
    "be below the peak level.",
)
PLATEAU = typer.Option(
    _DEFAULT_RULE.plateau_pct,
    "--plateau-pct",
    help="Band (percent of the peak level) the recent years stay in for 'plateau'.",
)
FILE = typer.Argument(..., help="CSV file with a `year` column.")


# --- file commands --------------------------------------------------------------------------


@app.command("detect")
def detect_file(
    file: Path = FILE,
    region_column: str = typer.Option("region", "--region-column", help="Region column."),
    value_column: str = typer.Option("co2", "--value-column", help="Emissions column."),
    min_years_after: int = MIN_YEARS,
    min_decline_pct: float = MIN_DECLINE,
    plateau_pct: float = PLATEAU,
    as_json: bool = JSON,
) -> None:
    """Peak status of every region of a CSV file: peaked, plateau or not_peaked."""
    rule = PeakRule(min_years_after, min_decline_pct, plateau_pct)
    columns = read_columns(file, region_column, [value_column])
    table = detect_many(columns.regions, columns.years, columns.numbers[value_column], rule)
    findings = [(label, table.finding(i)) for i, label in enumerate(table.labels)]
    empty = sorted({*columns.regions} - {*table.labels})
    if empty:
        err_console.print(
            f"note: {len(empty)} region(s) without any {value_column} value left out: "
            f"{', '.join(empty)}",
            highlight=False,
            markup=False,
        )
    view = detection_view(findings, rule)
    if as_json:
        print_json(view)
        return
    out = Table("region", "status", "peak year", "peak", "last year", "last", "decline %")
    for entry in view["regions"]:
        out.add_row(
            entry["region"], entry["status"], str(entry["peak_year"]),
            f"{entry['peak_value']:,}", str(entry["last_year"]), f"{entry['last_value']:,}",
            f"{entry['decline_from_peak_pct']:.2f}",
        )  # fmt: skip
    console.print(out)
    console.print(
        f"rule: peak at least {rule.min_years_after} years before the last year, last two "
        f"(smoothed) values ≥ {rule.min_decline_pct}% below it; plateau within "
        f"{rule.plateau_pct}%",
        highlight=False,
    )


@app.command("decompose")
def decompose_file(
    file: Path = FILE,
    start: int = typer.Option(..., "--from", help="First year."),
    end: int = typer.Option(..., "--to", help="Second year."),
    region_column: str = typer.Option("region", "--region-column"),
    co2_column: str = typer.Option("co2", "--co2-column"),
    population_column: str = typer.Option("population", "--population-column"),
    gdp_column: str = typer.Option("gdp", "--gdp-column"),
    energy_column: str = typer.Option("energy", "--energy-column"),
    as_json: bool = JSON,
) -> None:
    """Additive LMDI decomposition (Kaya) of each region's CO2 change between two years;
    printed with 6 decimals, the effects adding up exactly to the change."""
    if start == end:
        raise InvalidInput("--from and --to must be different years")
    names = [co2_column, population_column, gdp_column, energy_column]
    columns = read_columns(file, region_column, names)
    years: dict[str, dict[int, KayaYear]] = {}
    incomplete: set[str] = set()
    for i, region in enumerate(columns.regions):
        year = columns.years[i]
        if year not in (start, end):
            continue
        co2, pop, gdp, energy = (columns.numbers[n][i] for n in names)
        if any(math.isnan(v) for v in (co2, pop, gdp, energy)):
            incomplete.add(region)
            continue
        years.setdefault(region, {})[year] = KayaYear(year, co2, pop, gdp, energy)
    entries = []
    for region in sorted(years):
        pair = years[region]
        if start in pair and end in pair and region not in incomplete:
            try:
                result = decompose(pair[start], pair[end])
            except InvalidInput as error:
                raise InvalidInput(f"{file}: region {region}: {error.message}") from None
            entries.append(decomposition_entry(region, result))
    if not entries:
        raise InvalidInput(f"no region of {file} has all four values in both {start} and {end}")
    skipped = len({*columns.regions}) - len(entries)
    if skipped:
        err_console.print(
            f"note: {skipped} region(s) without all four values in both years left out",
            highlight=False,
        )
    if as_json:
        print_json({"regions": entries})
        return
    out = Table("region", "change", *FACTORS)
    for entry in entries:
        out.add_row(
            entry["region"],
            f"{entry['change']:.6f}",
            *(f"{entry['effects'][f]:.6f}" for f in FACTORS),
        )
    console.print(out)


# --- regions --------------------------------------------------------------------------------


@region_app.command("add")
def region_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Region code (GZ, SZ, ZQ-HTZ ...)."),
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option("city", "--kind", help="province, city, park or country."),
    pilot: bool = typer.Option(False, "--pilot", help="A national carbon-peak pilot."),
    name_zh: str = typer.Option("", "--name-zh"),
    parent: str | None = typer.Option(None, "--parent", help="Code of the enclosing region."),
    gdp_unit: str = typer.Option("100 million yuan (2020 prices)", "--gdp-unit"),
    energy_unit: str = typer.Option("10^4 tce", "--energy-unit"),
    note: str = typer.Option("", "--note", help="Where the figures come from."),
    as_json: bool = JSON,
) -> None:
    """Add a region (adding it again with the same details is a no-op)."""
    try:
        region_kind = RegionKind(kind.strip().lower())
    except ValueError:
        raise InvalidInput(f"--kind {kind!r}: expected province, city, park or country") from None
    region = services.add_region(
        get_app(ctx),
        Region(parse_region_code(code), name, region_kind, pilot, name_zh, parent,
               gdp_unit, energy_unit, note),
        by=OPERATOR,
    )  # fmt: skip
    if as_json:
        print_json(region_view(region))
        return
    console.print(f"region {region.code} {region.name} ({region.kind.value})", highlight=False)


@region_app.command("list")
def region_list(
    ctx: typer.Context,
    pilots: bool = typer.Option(False, "--pilots", help="Only the pilots."),
    as_json: bool = JSON,
) -> None:
    """List the regions."""
    regions = services.list_regions(get_app(ctx), pilots_only=pilots)
    if as_json:
        print_json({"regions": [region_view(r) for r in regions]})
        return
    out = Table("code", "name", "kind", "pilot", "note")
    for r in regions:
        out.add_row(r.code, r.name, r.kind.value, "yes" if r.pilot else "", r.note)
    console.print(out)


# --- inventories, statistics, indicators ----------------------------------------------------


def _rows(path: Path, needed: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in needed if c not in header]
            if missing:
                raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                yield line, {k.strip(): (v or "").strip() for k, v in row.items() if k}
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None


def _decimal(text: str, where: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{where}: {text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(f"{where}: {text!r} is not a number")
    return value


def _tonnes(text: str, where: str) -> int:
    value = _decimal(text, where)
    if value is None or value != value.to_integral_value():
        raise InvalidInput(f"{where}: tco2 must be whole tonnes, got {text!r}")
    return int(value)


@inventory_app.command("import")
def inventory_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV: region,year,sector,tco2,source."),
    as_json: bool = JSON,
) -> None:
    """Record inventories from a CSV file (each region-year replaces the stored one)."""
    grouped: dict[tuple[str, int], list[InventoryLine]] = {}
    for line, row in _rows(file, ("region", "year", "sector", "tco2", "source")):
        where = f"{file} line {line}"
        try:
            key = (parse_region_code(row["region"]), parse_year(row["year"]))
            item = InventoryLine(
                parse_sector(row["sector"]), _tonnes(row["tco2"], where), row["source"]
            )
        except InvalidInput as error:
            raise InvalidInput(f"{where}: {error.message}") from None
        grouped.setdefault(key, []).append(item)
    if not grouped:
        raise InvalidInput(f"{file}: no inventory lines")
    inventories = [Inventory(r, y, tuple(lines)) for (r, y), lines in grouped.items()]
    application = get_app(ctx)
    for inventory in inventories:
        services.record_inventory(application, inventory, by=OPERATOR)
    if as_json:
        print_json({"inventories": [inventory_view(i) for i in inventories]})
        return
    console.print(f"recorded {len(inventories)} inventories", highlight=False)


_MEASURED = ("ncv", "cc", "of", "ef")


@inventory_app.command("from-activity")
def inventory_from_activity_file(
    ctx: typer.Context,
    region: str = typer.Argument(...),
    year: int = typer.Argument(...),
    file: Path = typer.Argument(
        ..., help="CSV: sector,source,item,quantity,unit[,ncv,cc,of,ef] (MRV sources and units)."
    ),
    as_json: bool = JSON,
) -> None:
    """Build and record a year's inventory from activity data with the MRV factor library
    (each sector rounded half-up to whole tonnes)."""
    number = parse_year(year)
    activity = []
    for line, row in _rows(file, ("sector", "source", "item", "quantity", "unit")):
        measured = {name: row.get(name, "") for name in _MEASURED}
        try:
            activity.append(
                activity_line(
                    line,
                    row["sector"],
                    number,
                    row["source"],
                    row["item"],
                    row["quantity"],
                    row["unit"],
                    measured,
                )
            )
        except InvalidInput as error:
            raise InvalidInput(f"{file} line {line}: {error.message}") from None
    if not activity:
        raise InvalidInput(f"{file}: no activity rows")
    inventory = services.record_activity_inventory(
        get_app(ctx), region, number, activity, by=OPERATOR
    )
    if as_json:
        print_json(inventory_view(inventory))
        return
    console.print(
        f"{region} {number}: {inventory.total:,} t CO2 from {len(activity)} activity rows",
        highlight=False,
    )


@inventory_app.command("show")
def inventory_show(
    ctx: typer.Context,
    region: str = typer.Argument(...),
    year: int | None = typer.Option(None, "--year"),
    as_json: bool = JSON,
) -> None:
    """A region's inventories by sector (tonnes CO2)."""
    inventories = services.inventories(get_app(ctx), region, year)
    if as_json:
        print_json({"region": region, "inventories": [inventory_view(i) for i in inventories]})
        return
    out = Table("year", "sector", "tCO2", "source")
    for inventory in inventories:
        for item in inventory.lines:
            out.add_row(str(inventory.year), item.sector.value, f"{item.tco2:,}", item.source)
        out.add_row(str(inventory.year), "[b]total[/b]", f"{inventory.total:,}", "")
    console.print(out)


@app.command("stats-import")
def stats_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV: region,year,population,gdp,energy,source."),
) -> None:
    """Record yearly statistics (population, GDP, energy in the region's units)."""
    rows = []
    for line, row in _rows(file, ("region", "year", "population", "gdp", "energy", "source")):
        where = f"{file} line {line}"
        population = _decimal(row["population"], where)
        if population is not None and population != population.to_integral_value():
            raise InvalidInput(f"{where}: population must be whole persons")
        rows.append(
            RegionYear(
                parse_region_code(row["region"]),
                parse_year(row["year"]),
                None if population is None else int(population),
                _decimal(row["gdp"], where),
                _decimal(row["energy"], where),
                row["source"] or "imported",
            )
        )
    count = services.record_region_years(get_app(ctx), rows, by=OPERATOR)
    console.print(f"recorded {count} region-years", highlight=False)


@app.command("indicators-import")
def indicators_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV: region,year,indicator,value,source."),
) -> None:
    """Record pilot indicator values (scorecard keys; see `openets peak scorecard`)."""
    values = []
    for line, row in _rows(file, ("region", "year", "indicator", "value", "source")):
        where = f"{file} line {line}"
        value = _decimal(row["value"], where)
        if value is None or not row["indicator"]:
            raise InvalidInput(f"{where}: indicator and value are required")
        values.append(
            IndicatorValue(
                parse_region_code(row["region"]),
                parse_year(row["year"]),
                row["indicator"],
                value,
                row["source"] or "recorded",
            )
        )
    count = services.record_indicators(get_app(ctx), values, by=OPERATOR)
    console.print(f"recorded {count} indicator values", highlight=False)


@app.command("import-owid")
def import_owid(
    ctx: typer.Context,
    countries: list[str] = typer.Option(
        [], "--country", help="Country name as in the OWID file (repeatable; default: all)."
    ),
) -> None:
    """Import national series from the shipped Our World in Data file (CC BY 4.0)."""
    codes = services.import_owid(get_app(ctx), countries or None, by=OPERATOR)
    console.print(f"imported {len(codes)} national series", highlight=False)


# --- stored analytics -----------------------------------------------------------------------


@app.command("status")
def status(
    ctx: typer.Context,
    regions: list[str] = typer.Option([], "--region", help="Only these regions (repeatable)."),
    min_years_after: int = MIN_YEARS,
    min_decline_pct: float = MIN_DECLINE,
    plateau_pct: float = PLATEAU,
    as_json: bool = JSON,
) -> None:
    """Peak status of the stored regions' inventories (net tonnes CO2)."""
    rule = PeakRule(min_years_after, min_decline_pct, plateau_pct)
    found = services.detect_peaks(get_app(ctx), rule, codes=regions or None)
    view = detection_view([(f.region.code, f.finding) for f in found], rule)
    if as_json:
        print_json(view)
        return
    out = Table("region", "status", "peak year", "peak tCO2", "last year", "decline %")
    for entry in view["regions"]:
        out.add_row(
            entry["region"], entry["status"], str(entry["peak_year"]),
            f"{entry['peak_value']:,.0f}", str(entry["last_year"]),
            f"{entry['decline_from_peak_pct']:.2f}",
        )  # fmt: skip
    console.print(out)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path}: not valid TOML ({error})") from None


@app.command("project")
def project(
    ctx: typer.Context,
    region: str = typer.Argument(...),
    target_year: int = typer.Option(2035, "--to", help="Target year."),
    scenario_file: Path | None = typer.Option(
        None, "--scenarios", help="TOML file of [[scenarios]] (default: trend, national targets)."
    ),
    as_json: bool = JSON,
) -> None:
    """Project a region's emissions to a target year under scenarios, with each peak year."""
    scenarios = None
    if scenario_file is not None:
        scenarios = scenarios_from_data(_load_toml(scenario_file).get("scenarios", []))
    history, projections = services.project_region(get_app(ctx), region, target_year, scenarios)
    view = projection_view(region, history, projections)
    if as_json:
        print_json(view)
        return
    out = Table("scenario", f"{target_year} tCO2", "peak year")
    for s in view["scenarios"]:
        out.add_row(
            s["name"], f"{s['path'][-1]['co2']:,.0f}", str(s["peak_year"] or f"after {target_year}")
        )
    console.print(out)


@app.command("decompose-region")
def decompose_region(
    ctx: typer.Context,
    region: str = typer.Argument(...),
    start: int = typer.Option(..., "--from"),
    end: int = typer.Option(..., "--to"),
    as_json: bool = JSON,
) -> None:
    """LMDI decomposition of a stored region's change (tonnes CO2, 6 decimals)."""
    result = services.decompose_region(get_app(ctx), region, start, end)
    if as_json:
        print_json(decomposition_entry(region, result))
        return
    change, effects = rounded(result)
    console.print(f"{region} {start}→{end}: change {change}", highlight=False)
    for name, value in effects.items():
        console.print(f"  {name}: {value}", highlight=False)


@app.command("scorecard")
def scorecard(
    ctx: typer.Context,
    year: int = typer.Argument(..., help="Year scored."),
    config: Path | None = typer.Option(None, "--config", help="A scorecard TOML file."),
    as_json: bool = JSON,
) -> None:
    """Score and rank the pilots on the scorecard's weighted indicators."""
    chosen = None
    if config is not None:
        try:
            chosen = parse_scorecard(config.read_text("utf-8"))
        except FileNotFoundError:
            raise InvalidInput(f"no such file: {config}") from None
    used, scores = services.scorecard(get_app(ctx), parse_year(year), chosen)
    view = scorecard_view(used, year, scores)
    if as_json:
        print_json(view)
        return
    out = Table("rank", "pilot", "score", *(i.key for i in used.indicators))
    for p in view["pilots"]:
        out.add_row(
            str(p["rank"]), p["region"], f"{p['score']:.2f}",
            *(f"{i['contribution']:.2f}" for i in p["indicators"]),
        )  # fmt: skip
    console.print(out)
    console.print("columns after the score: each indicator's contribution", highlight=False)
