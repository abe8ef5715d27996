"""The demo market: Guangzhou-, Shenzhen- and Zhaoqing-like carbon-peak pilots, and a few
national series from the shipped Our World in Data file.

The pilots' figures are ILLUSTRATIVE DEMO FIGURES, NOT OFFICIAL STATISTICS: smooth made-up
paths of the right order of magnitude, chosen so that the three show the three statuses (a
city that peaked in 2016, a city on a plateau since 2018, a growing high-tech park). Their
region notes say so, and the pages show the notes. The national series are real (OWID,
CC BY 4.0; see ``openets/peak/data/owid-co2-national.README.md``).

Idempotent: a second run finds the first pilot and adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from openets.bootstrap import App
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.peak import services
from openets.peak.inventory import (
    Inventory,
    InventoryLine,
    Region,
    RegionKind,
    RegionYear,
    Sector,
    inventory_from_activity,
)
from openets.peak.store import IndicatorValue

__all__ = ["DEMO_NOTE", "NATIONAL_SERIES", "PILOTS", "DemoPilot", "build"]

DEMO_NOTE = "Illustrative demo figures, not official statistics"
_SOURCE = "demo: illustrative figures"
FIRST, LAST = 2010, 2023
#: countries imported from the shipped OWID file
NATIONAL_SERIES = ("China", "United States", "United Kingdom", "Germany", "India", "Japan")


@dataclass(frozen=True, slots=True)
class DemoPilot:
    """A made-up pilot: net emissions of 2010 (Mt), their yearly change (%) until the turn
    year and after it, sector shares (energy supply, industry, buildings, transport, waste,
    agriculture/land use), removals as a share of gross emissions, and 2010 population
    (10^4 persons), GDP (10^8 yuan, 2020 prices) with its growth (%) and energy (10^4 tce)."""

    code: str
    name: str
    name_zh: str
    kind: RegionKind
    start_mt: float
    growth_pct: float
    turn: int
    after_pct: float
    shares: tuple[float, float, float, float, float, float]
    removals: float
    population: int
    gdp: float
    gdp_growth_pct: float
    energy: float


PILOTS = (
    DemoPilot("DEMO-GZ", "Guangzhou-like pilot (demo)", "广州（示意）", RegionKind.CITY,
              95.0, 3.0, 2016, -1.6, (0.34, 0.30, 0.14, 0.17, 0.03, 0.02), 0.015,
              1270, 14000, 6.5, 5600),
    DemoPilot("DEMO-SZ", "Shenzhen-like pilot (demo)", "深圳（示意）", RegionKind.CITY,
              60.0, 2.6, 2018, -0.2, (0.38, 0.22, 0.16, 0.19, 0.03, 0.02), 0.01,
              1040, 15000, 7.0, 4200),
    DemoPilot("DEMO-ZQHTZ", "Zhaoqing High-tech Zone-like pilot (demo)", "肇庆高新区（示意）",
              RegionKind.PARK, 3.0, 6.0, 2030, 0.0, (0.30, 0.55, 0.06, 0.06, 0.02, 0.01), 0.005,
              20, 300, 9.0, 160),
)  # fmt: skip

#: scorecard indicator values of 2023 (illustrative): non-fossil %, renewable capacity %,
#: green new buildings %, electrified public transport %, key projects %, policy mechanisms
_INDICATORS = {
    "DEMO-GZ": (26.0, 38.0, 90.0, 85.0, 70.0, 5.0),
    "DEMO-SZ": (30.0, 45.0, 100.0, 100.0, 80.0, 6.0),
    "DEMO-ZQHTZ": (15.0, 30.0, 60.0, 40.0, 55.0, 3.0),
}
_KEYS = (
    "non_fossil_share_pct",
    "renewable_capacity_share_pct",
    "green_building_share_pct",
    "public_transport_electrified_pct",
    "key_projects_progress_pct",
    "policy_mechanisms",
)


def _path(start: float, growth: float, turn: int, after: float, rng: random.Random) -> list[float]:
    values, value = [], start
    for year in range(FIRST, LAST + 1):
        if year > FIRST:
            value *= 1 + (growth if year <= turn else after) / 100
        values.append(value * (1 + rng.uniform(-0.004, 0.004)))
    return values


def _inventory(
    code: str, year: int, net_mt: float, shares: tuple[float, ...], removal: float
) -> Inventory:
    gross = net_mt * 1_000_000 / (1 - removal)
    sectors = (
        Sector.ENERGY_SUPPLY, Sector.INDUSTRY, Sector.BUILDINGS, Sector.TRANSPORT,
        Sector.WASTE, Sector.AGRICULTURE_LAND_USE,
    )  # fmt: skip
    lines = [
        InventoryLine(sector, round(gross * share), _SOURCE)
        for sector, share in zip(sectors, shares, strict=True)
    ]
    lines.append(InventoryLine(Sector.REMOVALS, -round(gross * removal), _SOURCE))
    return Inventory(code, year, tuple(lines))


def _park_from_activity(code: str, year: int) -> Inventory:
    """The park's last year built from activity data with the MRV factor library."""

    def line(row: int, source: SourceKind, item: str, quantity: int, unit: Unit) -> ActivityLine:
        return ActivityLine(row, code, year, source, item, Decimal(quantity), unit)

    burn, power, gas, tonne = (
        SourceKind.COMBUSTION,
        SourceKind.ELECTRICITY,
        Unit.TEN_THOUSAND_NM3,
        Unit.TONNE,
    )
    industry = [
        line(1, burn, "natural_gas", 60_000, gas),
        line(2, power, "grid", 3_200_000, Unit.MWH),
        line(3, burn, "diesel", 60_000, tonne),
    ]
    energy = [line(4, burn, "natural_gas", 100_000, gas)]
    transport = [line(5, burn, "diesel", 160_000, tonne), line(6, burn, "gasoline", 100_000, tonne)]
    imported = (
        InventoryLine(Sector.BUILDINGS, 250_000, _SOURCE),
        InventoryLine(Sector.WASTE, 90_000, _SOURCE),
        InventoryLine(Sector.REMOVALS, -30_000, _SOURCE),
    )
    return inventory_from_activity(
        code,
        year,
        {Sector.ENERGY_SUPPLY: energy, Sector.INDUSTRY: industry, Sector.TRANSPORT: transport},
        imported=imported,
    )


def build(app: App, seed: int) -> None:
    """Add this part of the demo to ``app``'s database (idempotent)."""
    if any(r.code == PILOTS[0].code for r in services.list_regions(app, pilots_only=True)):
        return
    rng = random.Random(seed)
    for pilot in PILOTS:
        code = pilot.code
        services.add_region(
            app,
            Region(code, pilot.name, pilot.kind, True, pilot.name_zh, None,
                   "10^8 yuan (2020 prices)", "10^4 tce", DEMO_NOTE),
            by=OPERATOR,
        )  # fmt: skip
        path = _path(pilot.start_mt, pilot.growth_pct, pilot.turn, pilot.after_pct, rng)
        stats = []
        for n, (year, net) in enumerate(zip(range(FIRST, LAST + 1), path, strict=True)):
            if code == "DEMO-ZQHTZ" and year == LAST:
                inventory = _park_from_activity(code, year)
            else:
                inventory = _inventory(code, year, net, pilot.shares, pilot.removals)
            services.record_inventory(app, inventory, by=OPERATOR)
            output = pilot.gdp * (1 + pilot.gdp_growth_pct / 100) ** n
            # energy follows emissions, with a slowly falling carbon intensity of energy
            use = pilot.energy * inventory.total / (path[0] * 1_000_000) / 0.99**n
            people = round(pilot.population * 10_000 * 1.012**n)
            stats.append(
                RegionYear(
                    code, year, people, Decimal(f"{output:.1f}"), Decimal(f"{use:.1f}"), _SOURCE
                )
            )
        services.record_region_years(app, stats, by=OPERATOR)
        services.record_indicators(
            app,
            [
                IndicatorValue(code, LAST, key, Decimal(str(value)), _SOURCE)
                for key, value in zip(_KEYS, _INDICATORS[code], strict=True)
            ],
            by=OPERATOR,
        )
    services.import_owid(app, NATIONAL_SERIES, by=OPERATOR)
