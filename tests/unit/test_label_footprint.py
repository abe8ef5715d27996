"""Product carbon footprints: hand-worked lines, co-product allocation, default factors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openets.errors import InvalidInput
from openets.labels.factors import LabelFactorTable
from openets.labels.footprint import footprint_view
from openets.labels.services import compute

D = Decimal


def tile(**extra: Any) -> dict[str, Any]:
    return {
        "product": "Tile",
        "declared_unit": "piece",
        "output": 1000,
        "materials": [{"name": "steel", "quantity": 500, "unit": "kg", "factor": D("2.1")}],
        "energy": [{"item": "grid", "quantity": D("12.5"), "unit": "MWh"}],
        "transport": [{"mode": "truck", "tonne_km": 300}],
        **extra,
    }


def test_hand_worked_footprint_with_default_grid_and_truck_factors() -> None:
    # materials 500 kg × 2.1 = 1050
    # energy 12.5 MWh × 530.6 (2023 national average 0.5306 tCO2/MWh × 1000) = 6632.5
    # transport 300 t·km × 0.12366 (Defra 2012, all HGVs) = 37.098
    # total 7719.598 kg; per piece 7719.598 / 1000 = 7.719598 → 7.7196 (4 dp half-up)
    view = footprint_view(compute(tile()))
    assert view["per_unit_kgco2e"] == "7.7196"
    assert view["total_kgco2e"] == "7719.5980"
    assert view["by_stage"] == {  # exactly the contract's three stages: no process line
        "materials": "1050.0000",
        "energy": "6632.5000",
        "transport": "37.0980",
    }
    assert [(line["name"], line["factor"], line["factor_version"]) for line in view["lines"]] == [
        ("steel", "2.1", None),
        ("grid", "530.6", "grid-2023-national-average"),
        ("truck", "0.12366", "label-defaults-v1"),
    ]
    assert [s["version"] for s in view["factor_sources"]] == [
        "grid-2023-national-average",
        "label-defaults-v1",
    ]


def test_year_picks_the_grid_factor_of_that_year() -> None:
    # 2022: the national ETS factor 0.5703 wins over the average (priority): 12.5 × 570.3
    view = footprint_view(compute(tile(year=2022, materials=[], transport=[])))
    assert view["by_stage"]["energy"] == "7128.7500"


def test_allocation_by_mass() -> None:
    # product 800 t, slag 200 t: share 800 / 1000 = 0.8; 7719.598 × 0.8 = 6175.6784
    # per piece 6.1756784 → 6.1757
    allocation = {
        "method": "mass",
        "product": 800,
        "co_products": [{"name": "slag", "amount": 200}],
    }
    view = footprint_view(compute(tile(allocation=allocation)))
    assert (view["total_kgco2e"], view["per_unit_kgco2e"]) == ("6175.6784", "6.1757")
    assert view["allocation"]["share"] == "0.800000"
    assert view["by_stage"]["energy"] == "5306.0000"  # 6632.5 × 0.8


def test_allocation_by_value_with_a_repeating_share() -> None:
    # value: product ¥100, co-products ¥150 + ¥50: share 100/300 = 1/3
    # 7719.598 / 3 = 2573.19933… → 2573.1993; per piece 2.57319933… → 2.5732
    allocation = {
        "method": "value",
        "product": 100,
        "co_products": [{"name": "a", "amount": 150}, {"name": "b", "amount": 50}],
    }
    view = footprint_view(compute(tile(allocation=allocation)))
    assert (view["total_kgco2e"], view["per_unit_kgco2e"]) == ("2573.1993", "2.5732")
    assert view["allocation"]["share"] == "0.333333"


def test_default_fuel_factor_from_the_mrv_library() -> None:
    # diesel: NCV 42.652 GJ/t × CC 0.0202 tC/GJ × OF 0.98 × 44/12 × 1000 kg/t
    # = 844.3508… × 0.98 × 44 / 12 … = 3095.9096373… kgCO2e/t
    table = LabelFactorTable.default()
    found = table.energy("diesel", "t", 2023)
    assert found.value.quantize(D("0.0001")) == D("3095.9096")
    assert found.version == "cn-guidelines-2013"
    assert table.energy("heat", "GJ", 2023).value == D("110.00")


def test_default_material_factors_steel_and_aluminium() -> None:
    # steel 500 kg × 1.91 (worldsteel 2022 average) = 955; aluminium 20 kg × 15.1 (IAI 2022)
    # = 302; materials 1257; energy 6632.5 and transport 37.098 as above
    # total 7926.598 kg; per piece 7.926598 → 7.9266
    materials = [
        {"name": "steel", "quantity": 500, "unit": "kg"},
        {"name": "aluminium", "quantity": 20, "unit": "kg"},
    ]
    view = footprint_view(compute(tile(materials=materials)))
    assert view["by_stage"]["materials"] == "1257.0000"
    assert view["per_unit_kgco2e"] == "7.9266"
    assert [line["factor"] for line in view["lines"][:2]] == ["1.91", "15.1"]


def test_missing_material_factor_names_the_item() -> None:
    data = tile(materials=[{"name": "glass", "quantity": 1, "unit": "kg"}])
    with pytest.raises(InvalidInput, match="no default factor for material 'glass'"):
        compute(data)


def test_wrong_unit_for_a_default_is_refused() -> None:
    data = tile(energy=[{"item": "grid", "quantity": 1, "unit": "kWh"}])
    with pytest.raises(InvalidInput, match="per MWh, not per kWh"):
        compute(data)


def test_unknown_energy_item_and_transport_mode_are_named() -> None:
    with pytest.raises(InvalidInput, match="energy item 'biogas'"):
        compute(tile(energy=[{"item": "biogas", "quantity": 1, "unit": "t"}]))
    with pytest.raises(InvalidInput, match="transport mode 'barge'"):
        compute(tile(transport=[{"mode": "barge", "tonne_km": 1}]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"output": 0}, "output"),
        ({"product": " "}, "product"),
        ({"colour": "red"}, "unknown footprint field"),
        ({"use": [{"name": "x", "quantity": 1, "unit": "kWh", "factor": 1}]}, "cradle-to-grave"),
        ({"materials": [{"name": "s", "quantity": -1, "unit": "kg", "factor": 1}]}, "negative"),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        compute(tile(**change))


def test_cradle_to_grave_adds_use_and_end_of_life() -> None:
    # use 20 kWh × 0.5 = 10; end of life 2 kg × 0.25 = 0.5; gate 7719.598; total 7730.098
    data = tile(
        boundary="cradle-to-grave",
        use=[{"name": "power", "quantity": 20, "unit": "kWh", "factor": D("0.5")}],
        end_of_life=[{"name": "landfill", "quantity": 2, "unit": "kg", "factor": D("0.25")}],
    )
    view = footprint_view(compute(data))
    assert view["total_kgco2e"] == "7730.0980"
    assert view["by_stage"] == {  # the contract's three, then the stages that have lines
        "materials": "1050.0000",
        "energy": "6632.5000",
        "transport": "37.0980",
        "use": "10.0000",
        "end_of_life": "0.5000",
    }


def test_a_process_line_adds_the_processes_stage() -> None:
    # electrode 6000 kg × 3.66 = 21960; gate 7719.598 + 21960 = 29679.598; per piece 29.6796
    data = tile(processes=[{"name": "electrode", "quantity": 6000, "unit": "kg", "factor": 3.66}])
    view = footprint_view(compute(data))
    assert view["by_stage"] == {
        "materials": "1050.0000",
        "energy": "6632.5000",
        "transport": "37.0980",
        "processes": "21960.0000",
    }
    assert view["per_unit_kgco2e"] == "29.6796"


def test_factor_sources_list_every_source_of_a_version() -> None:
    # steel, aluminium and truck come from one table version, each with its own source
    materials = [
        {"name": "steel", "quantity": 1, "unit": "kg"},
        {"name": "aluminium", "quantity": 1, "unit": "kg"},
    ]
    view = footprint_view(compute(tile(materials=materials)))
    by_version = [(s["version"], s["source"].split(",")[0]) for s in view["factor_sources"]]
    assert by_version == [
        ("grid-2023-national-average", "MEE and NBS"),
        ("label-defaults-v1", "Defra/DECC"),
        ("label-defaults-v1", "International Aluminium Institute"),
        ("label-defaults-v1", "World Steel Association"),
    ]


def test_a_misspelt_factor_is_refused_not_replaced_by_the_default() -> None:
    data = tile(materials=[{"name": "steel", "quantity": 1, "unit": "kg", "factr": 2.5}])
    with pytest.raises(
        InvalidInput, match=r"materials line 1 \(steel\): unknown field\(s\): factr"
    ):
        compute(data)


@pytest.mark.parametrize("value", [D("1e400"), D("1e15"), D("-1e20"), D("1e-16")])
def test_out_of_range_numbers_are_refused_on_one_line(value: Decimal) -> None:
    data = tile(materials=[{"name": "x", "quantity": 1, "unit": "kg", "factor": value}])
    with pytest.raises(InvalidInput, match="between 1e-15 and 1e15"):
        compute(data)


def test_large_but_allowed_figures_are_exact() -> None:
    # 999999999999999 kg × 999999999999999 = 999999999999998000000000000001 (exact, 30 digits)
    big = D("999999999999999")
    data = tile(
        materials=[{"name": "x", "quantity": big, "unit": "kg", "factor": big}],
        energy=[], transport=[], output=1,
    )  # fmt: skip
    view = footprint_view(compute(data))
    assert view["total_kgco2e"] == "999999999999998000000000000001.0000"
