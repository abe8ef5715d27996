"""Exact emission calculation: each formula against a figure worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.errors import InvalidInput
from openets.mrv.calc import (
    EXACT,
    calculate,
    calculate_bulk,
    calculate_columns,
    calculation_view,
    decimal_text,
    stream_factors,
)
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityColumns, ActivityLine, ActivityStream, SourceKind, Unit

C, E, H, P, B = (
    SourceKind.COMBUSTION,
    SourceKind.ELECTRICITY,
    SourceKind.HEAT,
    SourceKind.PROCESS,
    SourceKind.BIOMASS,
)
T, NM3, MWH, GJ = Unit.TONNE, Unit.TEN_THOUSAND_NM3, Unit.MWH, Unit.GJ


@pytest.fixture(scope="module")
def library() -> FactorLibrary:
    return FactorLibrary.default()


def line(
    row: int,
    source: SourceKind,
    item: str,
    quantity: str,
    unit: Unit,
    *,
    facility: str = "F1",
    year: int = 2022,
    **measured: str,
) -> ActivityLine:
    overrides = {name: Decimal(value) for name, value in measured.items()}
    return ActivityLine(row, facility, year, source, item, Decimal(quantity), unit, **overrides)


def one(lines: list[ActivityLine], library: FactorLibrary) -> Decimal:
    """The tCO2 of a single line, checked to be the same through the bulk path."""
    (result,) = calculate(lines, library)
    (bulk,) = calculate_columns(ActivityColumns.from_lines(lines), library)
    assert bulk == result
    return result.lines[0].tco2


def test_raw_coal(library: FactorLibrary) -> None:
    # 1,000 t × 20.908 GJ/t = 20,908 GJ; × 0.02637 tC/GJ = 551.34396 tC; × 0.94 = 518.2633224 tC;
    # × 44/12: 518.2633224 × 44 = 22,803.5861856, / 12 = 1,900.2988488 tCO2 (exact)
    assert one([line(2, C, "raw_coal", "1000", T)], library) == Decimal("1900.2988488")


def test_natural_gas(library: FactorLibrary) -> None:
    # 100 (10^4 Nm3) × 389.31 GJ = 38,931 GJ; × 0.01532 tC/GJ = 596.42292 tC; × 0.99 =
    # 590.4586908 tC; × 44 = 25,980.1823952, / 12 = 2,165.0151996 tCO2 (≈ 21.65 t per 10^4 Nm3)
    assert one([line(2, C, "natural_gas", "100", NM3)], library) == Decimal("2165.0151996")


def test_diesel_rounds_to_34_digits(library: FactorLibrary) -> None:
    # 1 t × 42.652 × 0.0202 × 0.98 = 0.844338992 tC; × 44 = 37.150915648; / 12 =
    # 3.0959096373333… (3 repeating): 34 significant digits
    tco2 = one([line(2, C, "diesel", "1", T)], library)
    assert tco2 == Decimal("3.095909637333333333333333333333333")


def test_electricity_by_year(library: FactorLibrary) -> None:
    # 1,000 MWh × 0.5703 tCO2/MWh (2022 national ETS) = 570.3 t; × 0.5306 (2023) = 530.6 t
    assert one([line(2, E, "grid", "1000", MWH)], library) == Decimal("570.3")
    assert one([line(2, E, "grid", "1000", MWH, year=2023)], library) == Decimal("530.6")


def test_heat(library: FactorLibrary) -> None:
    # 25 GJ × 0.11 tCO2/GJ = 2.75 t
    assert one([line(2, H, "heat", "25", GJ)], library) == Decimal("2.75")


def test_process_clinker_and_carbonates(library: FactorLibrary) -> None:
    # 1,000 t clinker × 0.52 tCO2/t = 520 t; 100 t limestone × 44/100 = 44 t
    assert one([line(2, P, "clinker", "1000", T)], library) == Decimal("520")
    assert one([line(2, P, "limestone", "100", T)], library) == Decimal("44")
    # 184.4 t dolomite × 88/184.4 = 88 t, up to the 34-digit rounding of 88/184.4
    dolomite = one([line(2, P, "dolomite", "184.4", T)], library)
    assert abs(dolomite - 88) < Decimal("1e-30")


def test_a_measured_ncv_overrides_the_default_for_its_row_only(library: FactorLibrary) -> None:
    # lab NCV 21.5 GJ/t: 500 t × 21.5 × 0.02637 × 0.94 = 266.46885 tC; × 44/12 = 977.05245 t
    lines = [
        line(2, C, "raw_coal", "500", T, ncv="21.5"),
        line(3, C, "raw_coal", "1000", T),
    ]
    (result,) = calculate(lines, library)
    measured, default = result.lines
    assert measured.tco2 == Decimal("977.05245")
    assert measured.factors == {
        "ncv": Decimal("21.5"),
        "cc": Decimal("0.02637"),
        "of": Decimal("0.94"),
    }
    assert measured.measured == ("ncv",)
    assert measured.factor_version == "cn-guidelines-2013"
    assert default.tco2 == Decimal("1900.2988488")
    assert default.measured == ()


def test_measured_cc_and_of_and_ef(library: FactorLibrary) -> None:
    # 10 t coke, measured CC 0.03 and OF 1: 10 × 28.435 × 0.03 × 1 = 8.5305 tC; × 44/12 = 31.2785
    assert one([line(2, C, "coke", "10", T, cc="0.03", of="1")], library) == Decimal("31.2785")
    # 10 t diesel with a measured factor of 3.1 tCO2/t = 31 t
    ef_line = line(2, C, "diesel", "10", T, ef="3.1")
    (result,) = calculate([ef_line], library)
    assert result.lines[0].tco2 == Decimal("31")
    assert result.lines[0].factors == {"ef": Decimal("3.1")}
    assert result.lines[0].measured == ("ef",)
    # a process line's own factor: 100 t clinker × 0.5383 = 53.83 t
    assert one([line(2, P, "clinker", "100", T, ef="0.5383")], library) == Decimal("53.83")


def test_biomass_is_reported_but_not_counted(library: FactorLibrary) -> None:
    # 10 t wood chips, NCV 15 GJ/t, CC 0.03 tC/GJ, OF 1: 4.5 tC × 44/12 = 16.5 tCO2
    lines = [
        line(2, B, "wood_chips", "10", T, ncv="15", cc="0.03"),
        line(3, B, "biogas", "2", NM3, ef="1.1"),  # 2.2 t
        line(4, H, "heat", "100", GJ),  # 11 t
    ]
    (result,) = calculate(lines, library)
    assert result.biomass_tco2 == Decimal("18.7")
    assert result.total_tco2 == Decimal("11")
    assert result.compliance_tco2 == 11
    assert result.by_source == {"heat": Decimal("11")}
    wood = result.lines[0]
    assert (wood.tco2, wood.counted, wood.factor_version) == (Decimal("16.5"), False, "measured")
    assert wood.factors["of"] == 1


def test_biomass_needs_its_own_factors(library: FactorLibrary) -> None:
    with pytest.raises(InvalidInput, match=r"row 7: biomass 'wood' needs measured ncv and cc"):
        calculate([line(7, B, "wood", "1", T, ncv="15")], library)
    with pytest.raises(InvalidInput, match="row 7: biomass is measured in t or 10\\^4 Nm3"):
        calculate([line(7, B, "wood", "1", GJ, ef="0.1")], library)


@pytest.mark.parametrize(
    ("quantity", "ef", "compliance"),
    [
        ("5", "0.5", 3),  # 2.5 t: half-up (half-even would give 2)
        ("7", "0.5", 4),  # 3.5 t
        ("1", "0.5", 1),  # 0.5 t
        ("9.998", "0.25", 2),  # 2.4995 t
        ("10.002", "0.25", 3),  # 2.5005 t
        ("0", "0.52", 0),
    ],
)
def test_compliance_rounds_half_up_to_whole_tonnes(
    library: FactorLibrary, quantity: str, ef: str, compliance: int
) -> None:
    (result,) = calculate([line(2, P, "clinker", quantity, T, ef=ef)], library)
    assert result.compliance_tco2 == compliance


def test_compliance_rounds_the_exact_total_not_the_rounded_lines(library: FactorLibrary) -> None:
    # 1 t diesel three times: each line is 37.150915648 / 12 = 3.0959096373333… t, rounded to
    # 34 digits; the total is 3 × 37.150915648 / 12 = 9.287728912 t exactly, not the sum of the
    # rounded lines (…1999…)
    lines = [line(row, C, "diesel", "1", T) for row in (2, 3, 4)]
    (result,) = calculate(lines, library)
    assert result.total_tco2 == Decimal("9.287728912")
    rounded_lines = EXACT.add(
        EXACT.add(result.lines[0].tco2, result.lines[1].tco2), result.lines[2].tco2
    )
    assert rounded_lines == Decimal("9.287728911999999999999999999999999")
    assert result.compliance_tco2 == 9


def test_facilities_and_years_in_first_seen_order(library: FactorLibrary) -> None:
    lines = [
        line(2, C, "raw_coal", "1000", T, facility="B"),
        line(3, E, "grid", "1000", MWH, facility="A"),
        line(4, C, "natural_gas", "100", NM3, facility="B"),
        line(5, E, "grid", "1000", MWH, facility="B", year=2023),
        line(6, H, "heat", "25", GJ, facility="B"),
    ]
    results = calculate(lines, library)
    assert [(r.facility_id, r.year) for r in results] == [("B", 2022), ("A", 2022), ("B", 2023)]
    b2022 = results[0]
    # 1,900.2988488 + 2,165.0151996 + 2.75
    assert b2022.total_tco2 == Decimal("4068.0640484")
    assert b2022.compliance_tco2 == 4068
    assert b2022.by_source == {"combustion": Decimal("4065.3140484"), "heat": Decimal("2.75")}
    assert [item.row for item in b2022.lines] == [2, 4, 6]
    assert results[2].total_tco2 == Decimal("530.6")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (line(9, C, "raw_coal", "-1", T), "row 9: quantity must not be negative, got -1"),
        (line(9, C, "coal", "1", T), "row 9: unknown fuel 'coal' in cn-guidelines-2013; known: "),
        (
            line(9, C, "natural_gas", "1", T),
            "row 9: combustion item 'natural_gas' is measured in 10^4 Nm3, not t",
        ),
        (line(9, E, "grid", "1", GJ), "row 9: electricity item 'grid' is measured in MWh, not GJ"),
        (line(9, E, "green", "1", MWH), "row 9: unknown electricity item 'green'; known: grid"),
        (line(9, H, "steam", "1", GJ), "row 9: unknown heat item 'steam'; known: heat"),
        (line(9, P, "clinker", "1", MWH), "row 9: process item 'clinker' is measured in t"),
        (line(9, E, "grid", "1", MWH, year=2020), "row 9: no grid factor set covers 2020"),
        (
            line(9, E, "grid", "1", MWH, ncv="3"),
            "row 9: ncv, cc and of apply to combustion and biomass only, not to electricity",
        ),
        (line(9, C, "diesel", "1", T, ef="3", ncv="40"), "row 9: give either ef or ncv/cc/of"),
    ],
)
def test_bad_lines_are_refused_with_their_row(
    library: FactorLibrary, bad: ActivityLine, message: str
) -> None:
    good = line(2, C, "raw_coal", "1", T)
    with pytest.raises(InvalidInput) as caught:
        calculate([good, bad], library)
    assert caught.value.message.startswith(message)


def test_the_first_bad_row_is_reported(library: FactorLibrary) -> None:
    lines = [line(4, C, "coal", "1", T), line(5, C, "oil", "1", T)]
    with pytest.raises(InvalidInput, match=r"^row 4: unknown fuel 'coal'"):
        calculate(lines, library)
    with pytest.raises(InvalidInput, match=r"^row 4: unknown fuel 'coal'"):
        calculate_columns(ActivityColumns.from_lines(lines), library)


def test_bulk_and_per_line_agree_and_lines_come_on_demand(library: FactorLibrary) -> None:
    lines = [
        line(2, C, "raw_coal", "1000.5", T, facility="B"),
        line(3, E, "grid", "0.001", MWH, facility="A"),
        line(4, C, "raw_coal", "3.25", T, facility="B"),
        line(5, B, "wood", "7", T, facility="A", ncv="14.2", cc="0.0291", of="0.97"),
        line(6, C, "raw_coal", "12", T, facility="B", ncv="21"),
    ]
    exact = calculate(lines, library)
    bulk = calculate_bulk(ActivityColumns.from_lines(lines), library)
    assert bulk.results() == exact
    assert bulk.results(lines=False) == [
        type(r)(r.facility_id, r.year, r.total_tco2, r.compliance_tco2, r.by_source, r.biomass_tco2)
        for r in exact
    ]
    assert bulk.line_order() == [[0, 2, 4], [1, 3]]
    assert bulk.line_tco2(1) == Decimal("0.0005703")


def test_stream_factors_numerator(library: FactorLibrary) -> None:
    # tCO2 = quantity × numerator / 12, numerator = NCV × CC × OF × 44 exactly
    coal = stream_factors(ActivityStream("F", 2022, C, "raw_coal", T), library)
    assert coal.numerator == Decimal("20.908") * Decimal("0.02637") * Decimal("0.94") * 44
    assert coal.tco2_per_unit == Decimal("1.9002988488")
    grid = stream_factors(ActivityStream("F", 2022, E, "grid", MWH), library)
    assert grid.numerator == Decimal("6.8436")  # 0.5703 × 12


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("570.3000", "570.3"),
        ("1E+3", "1000"),
        ("1.50E+3", "1500"),
        ("1.2E-7", "0.00000012"),
        ("0E-5", "0"),
        ("-0.00", "0"),
        ("0.5", "0.5"),
        ("12", "12"),
    ],
)
def test_decimal_text(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


def test_calculation_view(library: FactorLibrary) -> None:
    lines = [line(2, E, "grid", "1000", MWH), line(3, B, "wood", "10", T, ncv="15", cc="0.03")]
    view = calculation_view(calculate(lines, library))
    assert view == {
        "facilities": [
            {
                "facility_id": "F1",
                "year": 2022,
                "total_tco2": "570.3",
                "compliance_tco2": 570,
                "by_source": {"electricity": "570.3"},
                "biomass_tco2": "16.5",
                "lines": [
                    {
                        "row": 2,
                        "source": "electricity",
                        "item": "grid",
                        "tco2": "570.3",
                        "factors": {"ef": "0.5703"},
                        "measured": [],
                        "factor_version": "grid-2022-national-ets",
                        "counted": True,
                    },
                    {
                        "row": 3,
                        "source": "biomass",
                        "item": "wood",
                        "tco2": "16.5",
                        "factors": {"ncv": "15", "cc": "0.03", "of": "1"},
                        "measured": ["ncv", "cc"],
                        "factor_version": "measured",
                        "counted": False,
                    },
                ],
            }
        ]
    }
    assert "lines" not in calculation_view(calculate(lines, library), lines=False)["facilities"][0]


def test_no_lines_no_facilities(library: FactorLibrary) -> None:
    assert calculate([], library) == []
    assert calculate_columns(ActivityColumns.from_lines([]), library) == []
