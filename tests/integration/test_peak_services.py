"""Carbon-peak services and their storage, on SQLite and PostgreSQL: regions, inventories
(from activity data and imported), statistics, indicators, detection, decomposition,
projection, scorecard and the OWID import; who may record; bad input changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets import App
from openets.auth.model import Role, User
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.peak import services
from openets.peak.detection import PeakRule, PeakStatus
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

REGULATOR = User("reg", Role.REGULATOR, None, "")
ENTITY = User("steel", Role.ENTITY, "Steel One", "")
CITY = Region(
    "GZ", "Guangzhou (test)", RegionKind.CITY, True, "广州", None, "10^8 yuan", "10^4 tce"
)
RULE = PeakRule(min_years_after=3, min_decline_pct=5.0, plateau_pct=2.0)
#: net tonnes 2015-2023: rising to 2018, then a sustained decline
TOTALS = [900, 950, 1000, 1100, 1080, 1040, 1000, 980, 960]


def line(sector: Sector, tonnes: int) -> InventoryLine:
    return InventoryLine(sector, tonnes, "test yearbook")


@pytest.fixture
def city(app: App) -> App:
    services.add_region(app, CITY, by=REGULATOR)
    for year, total in zip(range(2015, 2024), TOTALS, strict=True):
        lines = (line(Sector.INDUSTRY, total - 200 + 10), line(Sector.TRANSPORT, 200),
                 line(Sector.REMOVALS, -10))  # fmt: skip
        services.record_inventory(app, Inventory("GZ", year, lines), by=REGULATOR)
    return app


def test_regions_are_added_once_and_listed(city: App) -> None:
    assert services.add_region(city, CITY, by=REGULATOR) == CITY  # a no-op
    other = Region("GZ", "Other", RegionKind.CITY)
    with pytest.raises(Conflict, match="exists with other details"):
        services.add_region(city, other, by=REGULATOR)
    park = Region("ZQ", "Zhaoqing park", RegionKind.PARK, True, parent="NOPE")
    with pytest.raises(NotFound, match="no parent region 'NOPE'"):
        services.add_region(city, park, by=REGULATOR)
    with pytest.raises(NotAuthorised, match="only a regulator"):
        services.add_region(city, Region("X", "X", RegionKind.CITY), by=ENTITY)
    assert [r.code for r in services.list_regions(city)] == ["GZ"]
    assert services.get_region(city, "GZ") == CITY


def test_inventories_keep_sectors_and_sources_and_replace_a_year(city: App) -> None:
    [year] = services.inventories(city, "GZ", 2018)
    assert year.by_sector() == {Sector.INDUSTRY: 910, Sector.TRANSPORT: 200, Sector.REMOVALS: -10}
    assert (year.total, year.sources) == (1100, ("test yearbook",))
    replaced = Inventory("GZ", 2018, (line(Sector.TOTAL, 1_200),))
    services.record_inventory(city, replaced, by=OPERATOR)
    assert services.inventories(city, "GZ", 2018) == [replaced]
    assert services.series(city, "GZ")[3] == (2018, 1_200)
    with pytest.raises(NotAuthorised):
        services.record_inventory(city, replaced, by=ENTITY)
    with pytest.raises(NotFound, match="no region 'NOPE'"):
        services.record_inventory(city, Inventory("NOPE", 2018, replaced.lines), by=REGULATOR)
    with pytest.raises(InvalidInput, match="removals are recorded as negative"):
        line(Sector.REMOVALS, 5)
    with pytest.raises(InvalidInput, match="cannot be mixed"):
        Inventory("GZ", 2018, (line(Sector.TOTAL, 1), line(Sector.WASTE, 1)))


def test_an_inventory_from_activity_data_uses_the_mrv_factor_library(city: App) -> None:
    # 1,000 MWh of grid electricity in 2023 × 0.5306 tCO2/MWh (national average grid factor
    # of 2023, mrv/data/grid-2023-national-average.toml) = 530.6 t -> 531 t (half-up)
    activity = {
        Sector.BUILDINGS: [
            ActivityLine(1, "x", 2023, SourceKind.ELECTRICITY, "grid", Decimal(1000), Unit.MWH)
        ]
    }
    inventory = inventory_from_activity("GZ", 2023, activity, imported=[line(Sector.WASTE, 40)])
    assert [(x.sector, x.tco2, x.source) for x in inventory.lines] == [
        (Sector.BUILDINGS, 531, "activity: grid-2023-national-average"),
        (Sector.WASTE, 40, "test yearbook"),
    ]
    services.record_inventory(city, inventory, by=REGULATOR)
    assert services.inventories(city, "GZ", 2023) == [inventory]


def test_detection_over_stored_regions(city: App) -> None:
    [found] = services.detect_peaks(city, RULE)
    # levels 900 950 1000 1080 1080 1040 1000 980 960: M 1080 (2018, 2019); the highest
    # value near it is 1100 (2018); 5 years after; max(980, 960) ≤ 0.95 × 1080 = 1026
    assert found.region.code == "GZ"
    assert (found.finding.status, found.finding.peak_year, found.finding.peak_value) == (
        PeakStatus.PEAKED, 2018, 1100.0,
    )  # fmt: skip
    with pytest.raises(NotFound):
        services.detect_peaks(city, RULE, codes=["NOPE"])


def test_decomposition_projection_and_scorecard_from_stored_figures(city: App) -> None:
    stats = [
        RegionYear("GZ", 2020, 100, Decimal(1000), Decimal(500), "test"),
        RegionYear("GZ", 2023, 110, Decimal(1320), Decimal(480), "test"),
    ]
    assert services.record_region_years(city, stats, by=REGULATOR) == 2
    assert services.region_years(city, "GZ") == stats
    result = services.decompose_region(city, "GZ", 2020, 2023)
    assert result.change == 960 - 1040
    assert sum(result.effects.values()) == pytest.approx(-80, abs=1e-9)
    with pytest.raises(InvalidInput, match="no complete Kaya data"):
        services.decompose_region(city, "GZ", 2019, 2023)
    history, projections = services.project_region(city, "GZ", 2030)
    assert [k.year for k in history] == [2020, 2023]
    assert [p.scenario for p in projections] == ["trend", "national_targets"]
    assert all(p.years[-1] == 2030 for p in projections)
    # CO2 per GDP 1040/1000 -> 960/1320: reduction (1 - 0.727273 / 1.04) × 100 = 30.07%
    # (≥ the pro-rated 2023 target); energy per GDP 0.5 -> 0.363636: 27.27%
    values = [IndicatorValue("GZ", 2023, "non_fossil_share_pct", Decimal(10), "plan")]
    services.record_indicators(city, values, by=REGULATOR)
    config, [score] = services.scorecard(city, 2023)
    lines = {x.key: x for x in score.lines}
    assert lines["co2_per_gdp_reduction_pct"].value == pytest.approx(
        (1 - (960 / 1320) / (1040 / 1000)) * 100, rel=1e-12
    )
    assert lines["co2_per_gdp_reduction_pct"].points == 100.0
    assert lines["co2_per_gdp_reduction_pct"].source == "computed from inventories 2020-2023"
    assert (lines["non_fossil_share_pct"].value, lines["non_fossil_share_pct"].points) == (
        10.0,
        50.0,
    )
    assert lines["green_building_share_pct"].missing
    # 0.25 × 100 + 0.15 × 100 + 0.15 × 50 = 47.5 of the weights' total 1.0
    assert score.score == pytest.approx(47.5, rel=1e-12)
    assert config.version == "pilot-scorecard-2025"


def test_owid_import_keeps_tonnes_and_statistics(app: App) -> None:
    [code] = services.import_owid(app, ["United Kingdom"], by=REGULATOR)
    assert code == "OWID-United-Kingdom"
    # the shipped file: United Kingdom 1971, 660.388 Mt -> 660,388,000 t
    assert dict(services.series(app, code))[1971] == 660_388_000
    [found] = services.detect_peaks(app, codes=[code])
    assert (found.finding.status, found.finding.peak_year) == (PeakStatus.PEAKED, 1971)
    assert services.import_owid(app, ["United Kingdom"], by=REGULATOR) == [code]  # idempotent
    with pytest.raises(NotFound, match="not in the OWID file: Atlantis"):
        services.import_owid(app, ["Atlantis"], by=REGULATOR)
