"""Offset methodologies: each against a hand-worked example, and every validation refusal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from openets.errors import InvalidInput
from openets.offsets.methodologies import (
    METHODOLOGIES,
    PROJECT_TYPES,
    Methodology,
    Reduction,
    get_methodology,
    methodology_view,
)

FOREST = {
    "area_ha": 50,
    "volume_growth_m3_per_ha_yr": "6.5",
    "years": 2,
    "wood_density": "0.307",
    "bef": "1.634",
    "root_shoot": "0.246",
}


def calc(code: str, inputs: Mapping[str, object]) -> Reduction:
    return get_methodology(code).calculate(inputs)


# --- the registry --------------------------------------------------------------------------------


def test_registry_lists_every_methodology_by_code_in_a_stable_order() -> None:
    assert list(METHODOLOGIES) == [
        "PHCER-PV",
        "PHCER-FOREST",
        "SINK-MANGROVE",
        "PHCER-TRAVEL",
        "CCER-BIOGAS",
        "CCER-HYDRO",
        "CCER-FUEL-SWITCH",
    ]
    for code, methodology in METHODOLOGIES.items():
        assert methodology.code == code
        assert methodology.name
        assert methodology.source
        assert methodology.inputs
        assert set(methodology.types) <= set(PROJECT_TYPES)
    covered = {t for m in METHODOLOGIES.values() for t in m.types}
    assert {"distributed_solar", "forestry", "mangrove", "biogas", "low_carbon_travel"} <= covered


def test_get_methodology_ignores_case_and_refuses_an_unknown_code() -> None:
    assert get_methodology("phcer-pv") is METHODOLOGIES["PHCER-PV"]
    with pytest.raises(InvalidInput, match=r"unknown methodology 'AMS-I\.X'; known: PHCER-PV, "):
        get_methodology("AMS-I.X")


def test_methodology_view_has_the_contract_keys() -> None:
    view = methodology_view(METHODOLOGIES["PHCER-FOREST"])
    assert list(view) == ["code", "name", "types", "source", "inputs"]
    assert view["types"] == ["forestry"]
    inputs = view["inputs"]
    assert isinstance(inputs, dict)
    assert inputs["buffer_share"].endswith("(default 0.1, check)")


def test_plugins_satisfy_the_protocol() -> None:
    methodology: Methodology = METHODOLOGIES["CCER-BIOGAS"]
    assert isinstance(methodology.calculate({"biogas_m3": 0, "ch4_fraction": 0}), Reduction)


# --- distributed solar ---------------------------------------------------------------------------


def test_solar_with_the_default_grid_factor_and_leakage() -> None:
    # 1,234.5 MWh × 0.5306 tCO2/MWh (2023 national average) = 655.0257 tCO2
    # leakage 5%: 655.0257 × 0.05 = 32.751285; net 655.0257 − 32.751285 = 622.274415 → 622 t
    result = calc("PHCER-PV", {"generation_mwh": "1234.5", "leakage_share": "0.05"})
    assert result.exact == Decimal("622.274415")
    assert result.tonnes == 622
    assert result.detail == {
        "generation_mwh": "1234.5",
        "grid_factor": "0.5306",
        "baseline_tco2": "655.0257",
        "leakage_tco2": "32.751285",
        "net_tco2": "622.274415",
    }


def test_solar_takes_the_national_average_of_the_year_from_the_mrv_library() -> None:
    # 2022: the national average 0.5366 (not the ETS factor 0.5703): 100 × 0.5366 = 53.66 → 53 t
    result = calc("PHCER-PV", {"generation_mwh": 100, "year": 2022})
    assert (result.exact, result.tonnes) == (Decimal("53.66"), 53)
    assert result.detail["grid_factor"] == "0.5366"
    assert calc("PHCER-PV", {"generation_mwh": 100, "year": 2023}).detail["grid_factor"] == "0.5306"


def test_solar_given_factor_wins_over_the_year() -> None:
    # 10 MWh × 0.8 = 8 tCO2, no leakage
    result = calc("PHCER-PV", {"generation_mwh": 10, "grid_factor": "0.8", "year": 2022})
    assert (result.exact, result.tonnes) == (Decimal("8.0"), 8)


def test_solar_refuses_a_year_the_library_does_not_cover() -> None:
    with pytest.raises(
        InvalidInput, match=r"PHCER-PV: input 'year': no grid factor set covers 2019"
    ):
        calc("PHCER-PV", {"generation_mwh": 100, "year": 2019})


# --- forestry and mangrove -----------------------------------------------------------------------


def test_forestry_stock_change_less_the_buffer() -> None:
    # Chinese fir, 50 ha growing 6.5 m³/ha/yr for 2 years:
    # volume 50 × 6.5 × 2 = 650 m³; above-ground 650 × 0.307 × 1.634 = 326.0647 t d.m.
    # with roots 326.0647 × (1 + 0.246) = 406.2766162 t; carbon × 0.5 = 203.1383081 tC
    # CO2 203.1383081 × 44/12 = 8,938.0855564 / 12 = 744.840463033… tCO2
    # buffer 10%: 74.484046303…; net 8,044.27700076 / 12 = 670.35641673 tCO2 → 670 t
    result = calc("PHCER-FOREST", FOREST)
    assert result.exact == Decimal("670.35641673")
    assert result.tonnes == 670
    assert result.detail == {
        "volume_m3": "650",
        "above_ground_biomass_t": "326.0647",
        "biomass_t": "406.2766162",
        "carbon_t": "203.1383081",
        "stock_change_tco2": "744.8404630333333333333333333333333",
        "buffer_tco2": "74.48404630333333333333333333333333",
        "net_tco2": "670.35641673",
    }


def test_forestry_overrides_carbon_fraction_and_buffer() -> None:
    # 1 ha × 3 m³ × 1 yr × 0.5 × 1.5 × 1.2 = 2.7 t d.m.; × 0.47 = 1.269 tC; × 44/12 = 4.653 tCO2
    # no buffer: 4.653 → 4 t (rounded down)
    inputs = {
        "area_ha": 1,
        "volume_growth_m3_per_ha_yr": 3,
        "years": 1,
        "wood_density": "0.5",
        "bef": "1.5",
        "root_shoot": "0.2",
        "carbon_fraction": "0.47",
        "buffer_share": 0,
    }
    result = calc("PHCER-FOREST", inputs)
    assert (result.exact, result.tonnes) == (Decimal("4.653"), 4)


def test_mangrove_with_its_defaults() -> None:
    # 10 ha × 18.1 t d.m./ha/yr × 1 yr = 181 t; × (1 + 0.96) = 354.76 t; × 0.451 = 159.99676 tC
    # × 44 = 7,039.85744 / 12 = 586.6547866… tCO2; less 10%: 6,335.871696 / 12 = 527.989308 → 527 t
    result = calc("SINK-MANGROVE", {"area_ha": 10, "years": 1})
    assert result.exact == Decimal("527.989308")
    assert result.tonnes == 527
    assert result.detail["carbon_t"] == "159.99676"
    assert result.detail["stock_change_tco2"] == "586.6547866666666666666666666666667"


def test_tonnes_round_down_from_the_exact_numerator() -> None:
    # 1 t d.m./ha/yr, R 0, CF 0.5, no buffer, 6 ha × 1 yr: 3 tC × 44/12 = 11 tCO2 exactly → 11 t
    # one tonne of carbon less 1e-20: 10.99…96 tCO2 → 10 t, never rounded up to 11
    base = {
        "years": 1,
        "agb_growth_t_per_ha_yr": 1,
        "root_shoot": 0,
        "carbon_fraction": "0.5",
        "buffer_share": 0,
    }
    assert calc("SINK-MANGROVE", {**base, "area_ha": 6}).tonnes == 11
    assert calc("SINK-MANGROVE", {**base, "area_ha": "5.99999999999999999999"}).tonnes == 10


# --- low-carbon travel ---------------------------------------------------------------------------


def test_travel_trips_times_the_factor_difference() -> None:
    # 123,457 trips × 1.25 kg = 154,321.25 kg = 154.32125 t; × 0.35 kg = 43.20995 t
    # net 111.1113 t → 111 t
    inputs = {"activity": 123457, "baseline_kg_per_unit": "1.25", "project_kg_per_unit": "0.35"}
    result = calc("PHCER-TRAVEL", inputs)
    assert (result.exact, result.tonnes) == (Decimal("111.1113"), 111)
    assert result.detail == {
        "baseline_tco2": "154.32125",
        "project_tco2": "43.20995",
        "net_tco2": "111.1113",
    }


def test_travel_that_emits_more_than_its_baseline_credits_nothing() -> None:
    # 1,000 × (0.1 − 0.3) kg = −200 kg = −0.2 t: no credit, the shortfall stays visible
    inputs = {"activity": 1000, "baseline_kg_per_unit": "0.1", "project_kg_per_unit": "0.3"}
    result = calc("PHCER-TRAVEL", inputs)
    assert (result.exact, result.tonnes) == (Decimal("-0.2"), 0)


# --- biogas --------------------------------------------------------------------------------------


def test_biogas_methane_destroyed_times_gwp_less_project_emissions() -> None:
    # 100,000 m³ × 0.6 CH4 × 0.000716 t/m³ = 42.96 t; × 0.9 destroyed = 38.664 t CH4
    # × GWP 21 = 811.944 tCO2e; less 12.5 t project emissions = 799.444 → 799 t
    inputs = {"biogas_m3": 100000, "ch4_fraction": "0.6", "project_emissions_tco2e": "12.5"}
    result = calc("CCER-BIOGAS", inputs)
    assert (result.exact, result.tonnes) == (Decimal("799.444"), 799)
    assert result.detail == {
        "ch4_destroyed_t": "38.664",
        "baseline_tco2e": "811.944",
        "project_tco2e": "12.5",
        "net_tco2e": "799.444",
    }


def test_biogas_with_the_ar5_gwp_and_full_destruction() -> None:
    # 1,000 m³ × 0.5 × 0.000716 × 1 = 0.358 t CH4; × 28 = 10.024 tCO2e → 10 t
    inputs = {"biogas_m3": 1000, "ch4_fraction": "0.5", "destruction_efficiency": 1, "gwp_ch4": 28}
    result = calc("CCER-BIOGAS", inputs)
    assert (result.exact, result.tonnes) == (Decimal("10.024"), 10)


# --- validation ----------------------------------------------------------------------------------


def test_numbers_may_be_ints_decimals_floats_or_decimal_strings() -> None:
    for value in (10, Decimal(10), 10.0, "10", " 10.000 "):
        assert calc("PHCER-PV", {"generation_mwh": value, "grid_factor": "0.5"}).tonnes == 5


@pytest.mark.parametrize(
    ("code", "inputs", "message"),
    [
        ("PHCER-PV", {}, r"PHCER-PV: missing input 'generation_mwh' \(MWh"),
        ("PHCER-FOREST", {**FOREST, "bef": None}, r"input 'bef' must be a number"),
        ("PHCER-FOREST", {k: v for k, v in FOREST.items() if k != "bef"}, r"missing input 'bef'"),
        ("PHCER-PV", {"generation_mwh": "ten"}, r"'generation_mwh' must be a number .*'ten'"),
        ("PHCER-PV", {"generation_mwh": True}, r"'generation_mwh' must be a number"),
        ("PHCER-PV", {"generation_mwh": [1]}, r"'generation_mwh' must be a number"),
        ("PHCER-PV", {"generation_mwh": "NaN"}, r"'generation_mwh' must be a number"),
        ("PHCER-PV", {"generation_mwh": float("inf")}, r"'generation_mwh' must be a number"),
        ("PHCER-PV", {"generation_mwh": "-1"}, r"'generation_mwh' must not be negative"),
        ("PHCER-TRAVEL", {"activity": 1, "baseline_kg_per_unit": -0.5,
                          "project_kg_per_unit": 0}, r"'baseline_kg_per_unit' must not be neg"),
        ("PHCER-PV", {"generation_mwh": 1, "leakage_share": "1.01"},
         r"'leakage_share' is a share and must be between 0 and 1"),
        ("PHCER-FOREST", {**FOREST, "buffer_share": -0.1}, r"'buffer_share' must not be negative"),
        ("CCER-BIOGAS", {"biogas_m3": 1, "ch4_fraction": 60}, r"'ch4_fraction' is a share"),
        ("PHCER-PV", {"generation_mwh": 1, "year": "2023.5"}, r"'year' must be a year"),
        ("PHCER-PV", {"generation_mwh": 1, "yaer": 2023}, r"unknown input 'yaer'; known: gen"),
        ("PHCER-PV", {"generation_mwh": "1e999999"}, r"'generation_mwh' is out of range"),
        ("PHCER-PV", {"generation_mwh": "1." + "1" * 40}, r"'generation_mwh' is out of range"),
        ("PHCER-PV", ["generation_mwh"], r"PHCER-PV: inputs must be an object"),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused_naming_the_input(code: str, inputs: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        get_methodology(code).calculate(inputs)  # type: ignore[arg-type]


def test_zero_with_a_huge_exponent_is_just_zero() -> None:
    assert calc("PHCER-PV", {"generation_mwh": "0E-999999"}).tonnes == 0


def test_hydropower_and_fuel_switch_have_methodologies() -> None:
    from openets.offsets.methodologies import METHODOLOGIES, get_methodology

    covered = {t for m in METHODOLOGIES.values() for t in m.types}
    assert {"hydropower", "fuel_switch"} <= covered
    # 2,000 MWh × 0.5306 (2023 national average) = 1,061.2 t → 1,061 t
    hydro = get_methodology("CCER-HYDRO").calculate({"generation_mwh": 2000, "year": 2023})
    assert (hydro.tonnes, hydro.exact) == (1061, Decimal("1061.2"))
    # 10,000 GJ × (0.0908862 − 0.0556116) = 10,000 × 0.0352746 = 352.746 t → 352 t
    switch = get_methodology("CCER-FUEL-SWITCH").calculate(
        {
            "project_energy_gj": 10000,
            "baseline_tco2_per_gj": "0.0908862",
            "project_tco2_per_gj": "0.0556116",
        }
    )
    assert (switch.tonnes, switch.exact) == (352, Decimal("352.746"))
