"""The vectorised (NumPy float64) path: the kernel, and agreement with the exact path."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openets.errors import InvalidInput
from openets.mrv.calc import calculate, calculate_columns
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityColumns, ActivityLine, SourceKind, Unit
from openets.mrv.vector import _BLOCK, combustion_kernel, facility_totals, row_emissions

LIBRARY = FactorLibrary.default()
FUELS = [(code, item.unit) for code, item in LIBRARY.factor_set("cn-guidelines-2013").items.items()]
PROCESSES = list(LIBRARY.factor_set("process-ipcc-2006").items)
RELATIVE = 1e-9


def test_kernel_against_the_hand_worked_raw_coal_figure() -> None:
    # 1,000 t raw coal: 1000 × 20.908 × 0.02637 × 0.94 × 44/12 = 1,900.2988488 t
    out = combustion_kernel(
        np.array([1000.0, 0.0]),
        np.array([20.908, 20.908]),
        np.array([0.02637] * 2),
        np.array([0.94] * 2),
    )
    assert out[0] == pytest.approx(1900.2988488, rel=1e-15)
    assert out[1] == 0.0


def test_kernel_blocks_cover_every_row_and_broadcast_factors() -> None:
    n = 3 * _BLOCK + 5  # the last block is short
    ad = np.arange(n, dtype=np.float64)
    out = combustion_kernel(ad, 389.31, 0.01532, 0.99)
    expected = ad * 389.31 * 0.01532 * 0.99 * 44 / 12
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    given_out = np.empty(n)
    assert combustion_kernel(ad, 389.31, 0.01532, 0.99, out=given_out) is given_out
    assert combustion_kernel(np.empty(0), np.empty(0), np.empty(0), np.empty(0)).shape == (0,)


def decimals(low: int, high: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-places))


@st.composite
def activity_line(draw: st.DrawFn, row: int) -> ActivityLine:
    facility = draw(st.sampled_from(["GD-1", "GD-2", "SZ-3"]))
    year = draw(st.sampled_from([2022, 2023]))
    quantity = draw(decimals(0, 10**10, 3))
    kind = draw(st.sampled_from(list(SourceKind)))
    ncv = cc = of = ef = None
    if kind is SourceKind.COMBUSTION:
        item, unit = draw(st.sampled_from(FUELS))
        how = draw(st.sampled_from(["default", "measured", "ef"]))
        if how == "measured":
            ncv = draw(st.none() | decimals(1_000, 500_000, 3))
            cc = draw(st.none() | decimals(1_000, 40_000, 6))
            of = draw(st.none() | decimals(80, 100, 2))
        elif how == "ef":
            ef = draw(decimals(1, 50_000, 4))
    elif kind is SourceKind.BIOMASS:
        item, unit = draw(
            st.sampled_from([("wood", Unit.TONNE), ("biogas", Unit.TEN_THOUSAND_NM3)])
        )
        if draw(st.booleans()):
            ef = draw(decimals(1, 50_000, 4))
        else:
            ncv, cc = draw(decimals(1_000, 30_000, 3)), draw(decimals(1_000, 40_000, 6))
            of = draw(st.none() | decimals(80, 100, 2))
    elif kind is SourceKind.ELECTRICITY:
        item, unit = "grid", Unit.MWH
    elif kind is SourceKind.HEAT:
        item, unit = "heat", Unit.GJ
    else:
        item, unit = draw(st.sampled_from(PROCESSES)), Unit.TONNE
        ef = draw(st.none() | decimals(1, 1_000, 3))
    return ActivityLine(row, facility, year, kind, item, quantity, unit, ncv, cc, of, ef)


@st.composite
def activity_lines(draw: st.DrawFn) -> list[ActivityLine]:
    count = draw(st.integers(0, 40))
    return [draw(activity_line(row)) for row in range(2, count + 2)]


def close(vector: float, exact: Decimal) -> bool:
    if exact == 0:
        return vector == 0
    return abs(Decimal(vector) - exact) <= Decimal(RELATIVE) * abs(exact)


@settings(max_examples=100, deadline=None)
@given(activity_lines())
def test_the_vectorised_path_agrees_with_the_exact_path(lines: list[ActivityLine]) -> None:
    exact = calculate(lines, LIBRARY)
    columns = ActivityColumns.from_lines(lines)

    by_row = {line.row: line.tco2 for result in exact for line in result.lines}
    emissions = row_emissions(columns, LIBRARY)
    assert len(emissions) == len(lines)
    for row, value in zip(columns.rows, emissions.tolist(), strict=True):
        assert close(value, by_row[row]), (row, value, by_row[row])

    totals = facility_totals(columns, LIBRARY)
    assert list(totals.keys) == [(r.facility_id, r.year) for r in exact]
    for index, result in enumerate(exact):
        assert close(float(totals.total_tco2[index]), result.total_tco2)
        assert close(float(totals.biomass_tco2[index]), result.biomass_tco2)
        for source, value in result.by_source.items():
            assert close(float(totals.by_source[source][index]), value)


@settings(max_examples=100, deadline=None)
@given(activity_lines())
def test_the_bulk_exact_path_equals_the_per_line_path(lines: list[ActivityLine]) -> None:
    assert calculate_columns(ActivityColumns.from_lines(lines), LIBRARY) == calculate(
        lines, LIBRARY
    )


def test_a_stream_without_factors_names_its_first_row() -> None:
    lines = [
        ActivityLine(2, "F", 2022, SourceKind.HEAT, "heat", Decimal(1), Unit.GJ),
        ActivityLine(3, "F", 2020, SourceKind.ELECTRICITY, "grid", Decimal(1), Unit.MWH),
    ]
    with pytest.raises(InvalidInput, match=r"^row 3: no grid factor set covers 2020"):
        facility_totals(ActivityColumns.from_lines(lines), LIBRARY)
