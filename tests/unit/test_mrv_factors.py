"""The factor library: shipped factor sets, look-ups by item and year, versioning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.errors import InvalidInput
from openets.mrv.factors import FactorKind, FactorLibrary, factor_units, parse_factor_set
from openets.mrv.model import Unit

FUELS = (
    "raw_coal",
    "washed_coal",
    "coke",
    "crude_oil",
    "fuel_oil",
    "gasoline",
    "diesel",
    "kerosene",
    "lpg",
    "natural_gas",
    "refinery_gas",
)


@pytest.fixture(scope="module")
def library() -> FactorLibrary:
    return FactorLibrary.default()


def test_the_shipped_sets_and_their_versions(library: FactorLibrary) -> None:
    assert [(s.version, s.kind) for s in library.sets] == [
        ("cn-guidelines-2013", FactorKind.COMBUSTION),
        ("grid-2021-national-average", FactorKind.GRID),
        ("grid-2022-national-ets", FactorKind.GRID),
        ("grid-2022-national-average", FactorKind.GRID),
        ("grid-2023-national-average", FactorKind.GRID),
        ("cn-guidelines-2013-heat", FactorKind.HEAT),
        ("process-ipcc-2006", FactorKind.PROCESS),
    ]
    assert tuple(library.factor_set("cn-guidelines-2013").items) == FUELS
    assert set(library.factor_set("process-ipcc-2006").items) == {
        "clinker",
        "lime",
        "limestone",
        "dolomite",
        "magnesite",
    }


def test_every_figure_cites_its_source(library: FactorLibrary) -> None:
    for factor_set in library.sets:
        assert factor_set.source
        assert factor_set.title
        for item in factor_set.items.values():
            assert item.source, item.code
            assert item.values
            assert all(value > 0 for value in item.values.values())


def test_design_doc_figures_for_raw_coal_and_natural_gas(library: FactorLibrary) -> None:
    # DESIGN.md §3 MRV: raw coal NCV 20.908 GJ/t, CC 26.37 tC/TJ, OF 0.94;
    # natural gas NCV 389.31 GJ/10^4 Nm3, CC 15.32 tC/TJ, OF 0.99
    coal = library.combustion("raw_coal", 2022)
    assert coal.version == "cn-guidelines-2013"
    assert coal.unit is Unit.TONNE
    assert dict(coal.values) == {
        "ncv": Decimal("20.908"),
        "cc": Decimal("0.02637"),
        "of": Decimal("0.94"),
    }
    gas = library.combustion("natural_gas", 2023)
    assert gas.unit is Unit.TEN_THOUSAND_NM3
    assert (gas["ncv"], gas["cc"], gas["of"]) == (
        Decimal("389.31"),
        Decimal("0.01532"),
        Decimal("0.99"),
    )


@pytest.mark.parametrize(
    ("fuel", "ncv", "cc", "of", "unit"),
    [
        ("washed_coal", "26.344", "0.02541", "0.90", Unit.TONNE),
        ("coke", "28.435", "0.02942", "0.93", Unit.TONNE),
        ("crude_oil", "41.816", "0.02008", "0.98", Unit.TONNE),
        ("fuel_oil", "41.816", "0.02110", "0.98", Unit.TONNE),
        ("gasoline", "43.070", "0.01890", "0.98", Unit.TONNE),
        ("diesel", "42.652", "0.02020", "0.98", Unit.TONNE),
        ("kerosene", "43.070", "0.01960", "0.98", Unit.TONNE),
        ("lpg", "50.179", "0.01720", "0.98", Unit.TONNE),
        ("refinery_gas", "45.998", "0.01820", "0.99", Unit.TONNE),
    ],
)
def test_other_fuels(
    library: FactorLibrary, fuel: str, ncv: str, cc: str, of: str, unit: Unit
) -> None:
    factors = library.combustion(fuel, 2022)
    assert (factors["ncv"], factors["cc"], factors["of"]) == (
        Decimal(ncv),
        Decimal(cc),
        Decimal(of),
    )
    assert factors.unit is unit


def test_grid_factor_by_year_prefers_the_ets_factor(library: FactorLibrary) -> None:
    ets = library.grid(2022)
    assert (ets.version, ets["ef"], ets.unit) == (
        "grid-2022-national-ets",
        Decimal("0.5703"),
        Unit.MWH,
    )
    average = library.grid(2022, version="grid-2022-national-average")
    assert average["ef"] == Decimal("0.5366")
    later = library.grid(2023)
    assert (later.version, later["ef"]) == ("grid-2023-national-average", Decimal("0.5306"))


def test_a_year_without_a_grid_factor_is_refused(library: FactorLibrary) -> None:
    with pytest.raises(
        InvalidInput, match=r"no grid factor set covers 2020; sets cover: 2021, 2022, 2023"
    ):
        library.grid(2020)
    with pytest.raises(InvalidInput, match="does not cover 2023"):
        library.grid(2023, version="grid-2022-national-ets")
    with pytest.raises(InvalidInput, match="is a heat set, not grid"):
        library.grid(2022, version="cn-guidelines-2013-heat")
    with pytest.raises(InvalidInput, match="unknown factor set 'grid-1999'"):
        library.grid(2022, version="grid-1999")


def test_heat_and_process_factors(library: FactorLibrary) -> None:
    heat = library.heat(2023)
    assert (heat.version, heat["ef"], heat.unit) == (
        "cn-guidelines-2013-heat",
        Decimal("0.11"),
        Unit.GJ,
    )
    assert library.process("clinker", 2022)["ef"] == Decimal("0.52")
    assert library.process("lime", 2022)["ef"] == Decimal("0.75")
    assert library.process("limestone", 2022)["ef"] == Decimal("0.44")  # 44/100
    # 88/184.4 and 44/84.3 to 34 significant digits
    assert library.process("dolomite", 2022)["ef"] == Decimal(
        "0.4772234273318872017353579175704989"
    )
    assert library.process("magnesite", 2022)["ef"] == Decimal(
        "0.5219454329774614472123368920521945"
    )
    assert library.factor_set("process-ipcc-2006").items["dolomite"].expressions == {
        "ef": "88/184.4"
    }


def test_an_unknown_item_is_named_with_the_known_ones(library: FactorLibrary) -> None:
    with pytest.raises(InvalidInput) as caught:
        library.combustion("coal", 2022)
    assert caught.value.message == (
        "unknown fuel 'coal' in cn-guidelines-2013; known: coke, crude_oil, diesel, fuel_oil, "
        "gasoline, kerosene, lpg, natural_gas, raw_coal, refinery_gas, washed_coal"
    )
    with pytest.raises(InvalidInput, match="unknown process item 'steel' in process-ipcc-2006"):
        library.process("steel", 2022)


def test_sets_for_a_year(library: FactorLibrary) -> None:
    versions = [s.version for s in library.sets_for(2023)]
    assert versions == [
        "cn-guidelines-2013",
        "grid-2023-national-average",
        "cn-guidelines-2013-heat",
        "process-ipcc-2006",
    ]
    assert len(library.sets_for(None)) == len(library.sets)


def test_factor_units() -> None:
    assert factor_units(Unit.TEN_THOUSAND_NM3) == {
        "ncv": "GJ/10^4 Nm3",
        "cc": "tC/GJ",
        "of": "fraction",
        "ef": "tCO2/10^4 Nm3",
    }


SET = """
version = "test-fuels"
kind = "combustion"
title = "t"
source = "s"
first_year = 2020
{extra}
[items.peat]
name = "peat"
unit = "{unit}"
ncv = 9.0
cc = 0.0289
of = {of}
source = "s"
"""


def test_a_factor_set_file_is_parsed_exactly() -> None:
    factor_set = parse_factor_set(SET.format(extra="last_year = 2021", unit="t", of="0.99"))
    assert factor_set.items["peat"].values == {
        "ncv": Decimal("9.0"),
        "cc": Decimal("0.0289"),
        "of": Decimal("0.99"),
    }
    assert factor_set.applies_to(2021)
    assert not factor_set.applies_to(2022)
    assert not factor_set.applies_to(2019)


@pytest.mark.parametrize(
    ("extra", "unit", "of", "message"),
    [
        ("", "t", "1.5", "of is a fraction, at most 1"),
        ("", "MWh", "0.9", "a combustion item is measured in t, 10\\^4 Nm3, not MWh"),
        ("", "kg", "0.9", "unknown unit 'kg'"),
        ("last_year = 2019", "t", "0.9", "last_year must be a year not before first_year"),
        ("", "t", "0", "of must be positive"),
    ],
)
def test_a_bad_factor_set_is_refused(extra: str, unit: str, of: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_factor_set(SET.format(extra=extra, unit=unit, of=of))


def test_two_sets_of_a_kind_and_priority_must_not_overlap() -> None:
    first = SET.format(extra="", unit="t", of="0.9")
    second = first.replace('"test-fuels"', '"test-fuels-2"')
    with pytest.raises(InvalidInput, match="overlap with the same priority 0"):
        FactorLibrary.from_toml([first, second])
    preferred = second.replace("first_year = 2020", "first_year = 2020\npriority = 5")
    library = FactorLibrary.from_toml([first, preferred])
    assert library.combustion("peat", 2030).version == "test-fuels-2"
    with pytest.raises(InvalidInput, match="defined twice"):
        FactorLibrary.from_toml([first, first])
