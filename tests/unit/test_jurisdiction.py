"""Jurisdiction configuration: the shipped files resolved per year, overrides, validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openets.compliance.jurisdiction import (
    AllocationMethod,
    FineKind,
    MonthDay,
    OffsetBasis,
    jurisdiction_config,
    jurisdiction_view,
    jurisdictions,
    load_jurisdiction,
    parse_jurisdiction_config,
)
from openets.errors import InvalidInput, NotFound
from openets.mrv.entities import Sector

DATA = Path(__file__).parents[2] / "src" / "openets" / "compliance" / "data"


def test_shipped_jurisdictions() -> None:
    assert jurisdictions() == ["guangdong", "national", "shenzhen"]


def test_guangdong_2023_defaults() -> None:
    gd = load_jurisdiction("guangdong", 2023)
    assert (gd.name, gd.year, gd.instrument, gd.allowance_code) == (
        "guangdong",
        2023,
        "GDEA",
        "GDEA-2023",
    )
    assert gd.coverage.sectors == tuple(Sector)
    assert (gd.coverage.threshold_tco2, gd.coverage.threshold_tce) == (10_000, 5_000)
    assert gd.coverage.datacentre_racks == 1_000
    assert gd.cap.tonnes == 265_000_000
    assert gd.cap.illustrative
    power = gd.allocation[Sector.POWER]
    assert power.method is AllocationMethod.BENCHMARK
    assert power.free_share == Decimal("0.95")
    assert (power.benchmark, power.adjustment_factor) == (Decimal("0.825"), Decimal(1))
    assert all(
        a.free_share == Decimal("0.97") for s, a in gd.allocation.items() if s is not Sector.POWER
    )
    dc = gd.allocation[Sector.DATACENTRES]
    assert dc.method is AllocationMethod.DATA_CENTRE
    assert (dc.electricity_factor, dc.decline_factor) == (Decimal("0.9441"), Decimal("0.98"))
    assert gd.allocation[Sector.PAPER].base_years == (2016, 2017, 2018)
    offsets = gd.offsets
    assert (offsets.limit_share, offsets.local_ccer_share) == (Decimal("0.10"), Decimal("0.70"))
    assert offsets.basis is OffsetBasis.PRIOR_YEAR
    assert offsets.local_province == "guangdong"
    assert offsets.schemes == ("CCER", "PHCER", "SINK")
    assert offsets.excluded_types == ("hydropower", "fuel_switch")
    assert offsets.market_cap_tonnes == 1_000_000
    assert gd.deadlines.dates(2023) == {
        "report": date(2024, 3, 20),
        "verification": date(2024, 4, 30),
        "offset_request": date(2024, 6, 10),
        "surrender": date(2024, 6, 20),
        "allocation": date(2024, 7, 1),
    }
    penalty = gd.penalty
    assert penalty.kind is FineKind.FIXED_FINE
    assert (penalty.deduction_multiple, penalty.fine_fen) == (2, 5_000_000)
    assert penalty.price_multiple_min is None
    assert gd.overrides == ()


def test_guangdong_2024_overrides_the_cap_only() -> None:
    gd = load_jurisdiction("guangdong", 2024)
    assert gd.cap.tonnes == 270_000_000
    assert gd.overrides == ("cap.illustrative", "cap.source", "cap.tonnes")
    assert gd.allocation == load_jurisdiction("guangdong", 2023).allocation
    assert load_jurisdiction("guangdong", 2025).cap.tonnes == 265_000_000  # one year only


def test_shenzhen_defaults() -> None:
    sz = load_jurisdiction("shenzhen", 2024)
    assert sz.instrument == "SZEA"
    assert (sz.coverage.threshold_tco2, sz.coverage.threshold_tce) == (3_000, None)
    assert sz.cap.tonnes is None
    assert not sz.cap.illustrative
    assert sz.offsets.local_ccer_share == 0
    assert sz.offsets.local_province is None
    assert sz.offsets.market_cap_tonnes is None
    penalty = sz.penalty
    assert penalty.kind is FineKind.PRICE_MULTIPLE
    assert (penalty.price_multiple_min, penalty.price_multiple_max) == (Decimal(3), Decimal(3))
    assert (penalty.price_window_months, penalty.deduction_multiple) == (6, 1)
    assert penalty.fine_fen is None
    assert sz.deadlines.surrender.for_year(2024) == date(2025, 6, 30)


def test_national_coverage_widens_in_2024() -> None:
    early = load_jurisdiction("national", 2023)
    assert early.coverage.sectors == (Sector.POWER,)
    assert list(early.allocation) == [Sector.POWER]
    assert early.overrides == ("coverage.sectors",)
    later = load_jurisdiction("national", 2024)
    assert later.coverage.sectors == (Sector.POWER, Sector.STEEL, Sector.CEMENT)
    assert later.allocation[Sector.STEEL].method is AllocationMethod.HISTORICAL_INTENSITY
    assert later.allocation[Sector.POWER].free_share == 1
    assert later.allocation[Sector.POWER].benchmark == Decimal("0.877")
    assert (later.coverage.threshold_tco2, later.coverage.threshold_tce) == (26_000, 10_000)
    assert later.offsets.limit_share == Decimal("0.05")
    assert later.offsets.basis is OffsetBasis.COMPLIANCE_YEAR
    assert later.offsets.excluded_types == ()
    penalty = later.penalty
    assert (penalty.price_multiple_min, penalty.price_multiple_max) == (Decimal(5), Decimal(10))
    assert (penalty.price_window_months, penalty.deduction_multiple) == (1, 1)
    assert later.deadlines.dates(2024)["surrender"] == date(2025, 12, 31)


def test_unknown_name_and_year_outside_the_range() -> None:
    with pytest.raises(NotFound, match="unknown jurisdiction 'hainan'; known: guangdong"):
        load_jurisdiction("hainan", 2024)
    with pytest.raises(InvalidInput, match="'national' is configured for 2021–2030, not 2020"):
        load_jurisdiction("national", 2020)
    with pytest.raises(InvalidInput, match="not 2031"):
        load_jurisdiction("guangdong", 2031)
    assert load_jurisdiction(" Guangdong ", 2013).year == 2013
    config = jurisdiction_config("guangdong")
    assert (config.first_year, config.last_year) == (2013, 2030)


def test_view_is_json_ready() -> None:
    view = jurisdiction_view(load_jurisdiction("guangdong", 2024))
    assert view["allocation"]["power"]["free_share"] == "0.95"
    assert view["allocation"]["datacentres"]["electricity_factor"] == "0.9441"
    assert view["offsets"]["limit_share"] == "0.10"
    assert view["deadlines"]["surrender"] == "2025-06-20"
    assert view["penalty"]["fine_fen"] == 5_000_000
    assert view["cap"] == {
        "tonnes": 270_000_000,
        "illustrative": True,
        "source": "illustrative figure for a demo market, not the published 2024 cap",
    }


def test_month_day() -> None:
    assert str(MonthDay(3, 20)) == "03-20"
    with pytest.raises(ValueError, match="day is out of range"):
        MonthDay(2, 29)


# -- validation --------------------------------------------------------------------------------

BASE = (DATA / "guangdong.toml").read_text(encoding="utf-8")


def parse(text: str) -> None:
    parse_jurisdiction_config(text, "guangdong.toml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "limit_share = 0.10",
            "limit_share = 1.5",
            r"guangdong.toml: base.offsets.limit_share must be a share in \[0, 1\], got 1.5",
        ),
        (
            "free_share = 0.95",
            "free_share = -0.1",
            r"base.allocation.power.free_share must be a share in \[0, 1\]",
        ),
        ('    "ceramics",\n', '    "glass",\n', "base.coverage.sectors has 'glass'"),
        ('surrender = "06-20"', 'surrender = "06-31"', "base.deadlines.surrender must be a month"),
        ('report = "03-20"', 'report = "02-29"', "base.deadlines.report must be a month-day"),
        (
            'report = "03-20"',
            'report = "05-20"',
            r"base.deadlines.verification \(04-30\) is before",
        ),
        ("fine_fen = 5000000", 'fine_fen = "50000"', "base.penalty.fine_fen must be an integer"),
        ('method = "benchmark"', 'method = "grandfathering"', "base.allocation.power.method must"),
        (
            "electricity_factor = 0.9441",
            "",
            "base.allocation.datacentres.electricity_factor is required by the data_centre method",
        ),
        ('"hydropower", "fuel_switch"', '"nuclear"', "base.offsets.excluded_types has 'nuclear'"),
        ('"CCER", "PHCER"', '"VCS", "PHCER"', "base.offsets.schemes has 'VCS'"),
        ("threshold_tce = 5000", "threshold_tce = 5000\nthreshold = 1", "base.coverage.threshold"),
        ('name = "guangdong"', 'name = "hainan"', "name 'hainan' must match the file name"),
        ("last_year = 2030", "last_year = 2010", "last_year 2010 is before first_year 2013"),
        ("[years.2024.cap]", "[years.2040.cap]", "years.2040 is not a year in 2013–2030"),
        ("tonnes = 270000000", "tonnes = 0", r"years.2024.cap.tonnes must be an integer ≥ 1"),
        ("[base.allocation.paper]", "[base.allocation.glass]", "base.allocation.glass is not"),
        ("title = ", "titel = ", "titel is not a known key"),
        ("name = ", "x = 1\nname = ", "x is not a known key"),
        ("[base.cap]", "[years.2020.cap]\ntonnes = 1.5\n[base.cap]", "years.2020.cap.tonnes must"),
        ("[base.cap]", "[base.kap]", "base.kap is not a known key"),
        ("= 10000\n", "= 10000\n= 1", "not valid TOML"),
    ],
)
def test_validation_names_the_file_and_key(old: str, new: str, message: str) -> None:
    assert old in BASE
    with pytest.raises(InvalidInput, match=message):
        parse(BASE.replace(old, new, 1))


def test_a_covered_sector_needs_an_allocation_and_a_section_needs_its_tables() -> None:
    text = BASE.replace("[base.allocation.paper]", "[years.2020.allocation.paper]", 1)
    with pytest.raises(
        InvalidInput, match=r"base\.allocation\.paper is missing for a covered sector"
    ):
        parse(text)
    text = BASE.replace("[base.penalty]", "[years.2020.penalty]", 1)
    with pytest.raises(InvalidInput, match=r"base\.penalty is missing"):
        parse(text)


def test_an_override_breaking_a_cross_check_names_the_year() -> None:
    text = BASE + '\n[years.2020.coverage]\nsectors = ["power", "steel"]\ndatacentre_racks = 0\n'
    with pytest.raises(InvalidInput, match=r"years.2020.coverage.datacentre_racks must be"):
        parse(text)
    text = BASE + '\n[years.2020.coverage]\nsectors = ["power", "steel"]\n'
    with pytest.raises(
        InvalidInput,
        match=r"base.coverage.datacentre_racks is set but data centres are not covered "
        r"\(in year 2020\)",
    ):
        parse(text)


def test_a_year_override_changes_one_parameter() -> None:
    text = BASE + "\n[years.2020.allocation.power]\nfree_share = 0.9\n"
    config = parse_jurisdiction_config(text, "guangdong.toml")
    power = config.year(2020).allocation[Sector.POWER]
    assert power.free_share == Decimal("0.9")
    assert power.benchmark == Decimal("0.825")
    assert config.year(2020).overrides == ("allocation.power.free_share",)
    assert config.year(2021).allocation[Sector.POWER].free_share == Decimal("0.95")


def test_shipped_files_parse_from_their_text() -> None:
    for path in sorted(DATA.glob("*.toml")):
        config = parse_jurisdiction_config(path.read_text(encoding="utf-8"), path.name)
        assert config.name == path.stem
