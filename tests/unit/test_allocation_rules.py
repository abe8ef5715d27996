"""Pure allocation rules: each method worked by hand, free share, the cap, true-up, entrants,
closures and deductions; the cap invariant as a property test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openets.allocation.rules import (
    AllocationInput,
    Closure,
    Deduction,
    Method,
    allocate,
    apply_deduction,
    benchmark,
    closure,
    data_centre,
    entitlement,
    historical_emissions,
    historical_intensity,
    new_entrant,
    part_year,
    scale_to_cap,
    split_free,
    true_up,
)
from openets.errors import InvalidInput

D = Decimal


def test_benchmark_by_hand() -> None:
    # 1,200,000 t clinker × 0.860 tCO2/t × 0.98 = 1,011,360 t exactly
    assert benchmark(D(1_200_000), D("0.860"), D("0.98")) == D("1011360")


def test_historical_intensity_by_hand() -> None:
    # 350,000 t paper × 0.4321 tCO2/t = 151,235; × 0.97 = 146,697.95 t → 146,698 (half-up)
    exact = historical_intensity(D(350_000), D("0.4321"), D("0.97"))
    assert exact == D("146697.95")
    assert entitlement(exact) == 146_698


def test_historical_emissions_by_hand() -> None:
    # 85,001 t base-period emissions × 0.95 = 80,750.95 t → 80,751
    exact = historical_emissions(D(85_001), D("0.95"))
    assert exact == D("80750.95")
    assert entitlement(exact) == 80_751


def test_data_centre_by_hand() -> None:
    # 50,000 MWh × 0.9441 × 0.98 = 46,260.9 t → 46,261
    exact = data_centre(D(50_000), D("0.98"))
    assert exact == D("46260.900")
    assert entitlement(exact) == 46_261
    # the factor is a parameter: 50,000 × 0.9 × 1 = 45,000
    assert data_centre(D(50_000), D(1), factor=D("0.9")) == D(45_000)


def test_entitlement_rounds_half_up() -> None:
    assert entitlement(D("10.5")) == 11
    assert entitlement(D("10.4999")) == 10
    assert entitlement(D("0.5")) == 1
    with pytest.raises(InvalidInput, match="≥ 0"):
        entitlement(D("-1"))


def test_free_share_rounds_down_and_keeps_the_total() -> None:
    # 146,699 × 0.97 = 142,298.03 → free 142,298, reserve 4,401 (sum 146,699)
    assert split_free(146_699, D("0.97")) == (142_298, 4_401)
    # 99 × 0.95 = 94.05 → 94 free, 5 to auction
    assert split_free(99, D("0.95")) == (94, 5)
    # exactly whole: 1,000 × 0.97 = 970
    assert split_free(1_000, D("0.97")) == (970, 30)
    assert split_free(7, D(1)) == (7, 0)
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        split_free(7, D("1.01"))


def test_method_inputs_are_validated() -> None:
    with pytest.raises(InvalidInput, match="output must be a finite number ≥ 0"):
        benchmark(D(-1), D(1), D(1))
    with pytest.raises(InvalidInput, match="decline factor"):
        historical_emissions(D(1), D("NaN"))


def _inputs() -> list[AllocationInput]:
    return [
        # 1,000 × 0.8 × 1 = 800 → free floor(800 × 0.97) = 776, reserve 24
        AllocationInput("cement", Method.BENCHMARK, D("0.97"), D(1_000), D("0.8"), D(1)),
        # 500 × 0.5 × 0.9 = 225 → free floor(225 × 0.97 = 218.25) = 218, reserve 7
        AllocationInput(
            "paper", Method.HISTORICAL_INTENSITY, D("0.97"), D(500), D("0.5"), D("0.9")
        ),
        # 1,000 × 0.975 = 975 → free floor(975 × 0.95 = 926.25) = 926, reserve 49
        AllocationInput(
            "power", Method.HISTORICAL_EMISSIONS, D("0.95"), factor=D(1_000), adjustment=D("0.975")
        ),
    ]


def test_allocate_within_the_cap() -> None:
    result = allocate(_inputs(), cap=2_500)
    assert not result.scaled
    assert [(e.entity, e.entitlement, e.allocated, e.free, e.reserve) for e in result.entities] == [
        ("cement", 800, 800, 776, 24),
        ("paper", 225, 225, 218, 7),
        ("power", 975, 975, 926, 49),
    ]
    # 2,000 allocated of 2,500: 1,920 free, 80 reserve, 500 left unallocated
    assert (result.free_total, result.reserve_total, result.unallocated) == (1_920, 80, 500)


def test_allocate_scales_to_the_cap_by_largest_remainder() -> None:
    # total 2,000 > cap 1,000: quotas 800/2 = 400, 225/2 = 112.5, 975/2 = 487.5
    # floors 400 + 112 + 487 = 999; the one missing tonne goes to the larger remainder (both
    # 0.5): tie → larger entitlement, power (975) → 400, 112, 488
    result = allocate(_inputs(), cap=1_000)
    assert result.scaled
    assert [e.allocated for e in result.entities] == [400, 112, 488]
    assert result.total == 1_000
    # power 488 × 0.95 = 463.6 → 463 free, 25 reserve
    assert (result.entities[2].free, result.entities[2].reserve) == (463, 25)


def test_scale_to_cap_ties_go_to_the_lower_entity_id() -> None:
    # three equal amounts of 1 into a cap of 2: quotas 2/3 each, remainders equal, amounts
    # equal → the lower ids "a" and "b" get the two tonnes
    assert scale_to_cap([("c", 1), ("a", 1), ("b", 1)], 2) == {"c": 0, "a": 1, "b": 1}
    assert scale_to_cap([("a", 5)], 5) == {"a": 5}
    assert scale_to_cap([], 0) == {}
    with pytest.raises(InvalidInput, match="only once"):
        scale_to_cap([("a", 1), ("a", 2)], 10)
    with pytest.raises(InvalidInput, match="cap"):
        scale_to_cap([("a", 1)], -1)


_METHODS = st.sampled_from(list(Method))
_FACTORS = st.decimals(min_value=0, max_value=5, places=4)
_ENTITY = st.builds(
    lambda method, share, output, factor, adjustment: (method, share, output, factor, adjustment),
    _METHODS,
    st.decimals(min_value=0, max_value=1, places=2),
    st.decimals(min_value=0, max_value=1_000_000, places=2),
    _FACTORS,
    _FACTORS,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENTITY, max_size=12), st.integers(min_value=0, max_value=20_000_000))
def test_the_cap_always_holds(
    entities: list[tuple[Method, Decimal, Decimal, Decimal, Decimal]], cap: int
) -> None:
    inputs = [
        AllocationInput(f"E{i:02d}", method, share, output, factor, adjustment)
        for i, (method, share, output, factor, adjustment) in enumerate(entities)
    ]
    result = allocate(inputs, cap)
    wanted = sum(e.entitlement for e in result.entities)
    assert result.total <= cap
    assert result.scaled == (wanted > cap)
    assert result.total == (cap if wanted > cap else wanted)
    for line in result.entities:
        assert line.free + line.reserve == line.allocated
        assert 0 <= line.allocated <= line.entitlement
        assert 0 <= line.free <= line.allocated
    # deterministic: the same inputs in another order give each entity the same amounts
    again = {e.entity: e.allocated for e in allocate(list(reversed(inputs)), cap).entities}
    assert again == {e.entity: e.allocated for e in result.entities}


def test_true_up() -> None:
    # pre-allocated 10,000 from the prior year's output; verified output gives 10,450 → +450
    assert true_up(10_000, 10_450) == 450
    # verified gives 9,800 → take back 200
    assert true_up(10_000, 9_800) == -200
    assert true_up(5, 5) == 0
    with pytest.raises(InvalidInput, match="pre-allocation"):
        true_up(-1, 5)


def test_new_entrant_pro_rata() -> None:
    # starts 1 Jul 2024 (leap year, 366 days): 184 days to 31 Dec
    # 36,600 × 184 / 366 = 18,400 exactly
    assert new_entrant(36_600, date(2024, 7, 1), 2024) == 18_400
    # starts 2 Jul 2025 (365 days): 183 days; 10,000 × 183 / 365 = 5,013.69… → 5,013 (down)
    assert new_entrant(10_000, date(2025, 7, 2), 2025) == 5_013
    assert new_entrant(10_000, date(2024, 3, 1), 2025) == 10_000  # in operation all year
    assert new_entrant(10_000, date(2026, 1, 1), 2025) == 0  # not yet in operation
    assert part_year(10_000, 365, 2025) == 10_000
    with pytest.raises(InvalidInput, match="between 0 and 365"):
        part_year(10_000, 366, 2025)


def test_closure_takes_back_the_unused_part() -> None:
    # closes on 1 Apr 2025 (first day not in operation): 90 days operated (31 + 28 + 31)
    # kept 10,000 × 90 / 365 = 2,465.75… → 2,465; taken back 7,535
    assert closure(10_000, date(2025, 4, 1), 2025) == Closure(2_465, 7_535)
    assert closure(10_000, date(2025, 1, 1), 2025) == Closure(0, 10_000)
    assert closure(10_000, date(2026, 1, 1), 2025) == Closure(10_000, 0)


def test_deduction_never_below_zero() -> None:
    # owed 2 × 300 = 600 t, free 10,000 → deduct all, issue 9,400
    assert apply_deduction(10_000, 600) == Deduction(600, 9_400, 0)
    # owed 600, free 450 → deduct 450, issue 0, 150 still owed
    assert apply_deduction(450, 600) == Deduction(450, 0, 150)
    assert apply_deduction(0, 0) == Deduction(0, 0, 0)
    with pytest.raises(InvalidInput, match="deduction owed"):
        apply_deduction(10, -1)
