"""Kaya identity and additive LMDI: the effects add up to the change, worked by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openets.errors import InvalidInput
from openets.peak.decomposition import FACTORS, KayaYear, decompose, log_mean, rounded


def test_lmdi_against_a_hand_worked_example() -> None:
    # 2015: P 100, G 1000, E 500, C 1000 -> G/P 10, E/G 0.5, C/E 2
    # 2020: P 110, G 1320, E 594, C 1069.2 -> G/P 12, E/G 0.45, C/E 1.8
    # (110 × 12 × 0.45 × 1.8 = 1069.2). Change 69.2.
    # L(1069.2, 1000) = 69.2 / ln(1.0692) = 69.2 / 0.0669107053 = 1034.214177
    # population:        1034.214177 × ln(1.1) = 1034.214177 ×  0.0953101798 =   98.571139
    # affluence:         1034.214177 × ln(1.2) = 1034.214177 ×  0.1823215568 =  188.559539
    # energy intensity:  1034.214177 × ln(0.9) = 1034.214177 × -0.1053605157 = -108.965339
    # carbon intensity:  1034.214177 × ln(0.9)                                 = -108.965339
    # sum: 98.571139 + 188.559539 - 108.965339 - 108.965339 = 69.200000
    start = KayaYear(2015, 1000, 100, 1000, 500)
    end = KayaYear(2020, 1069.2, 110, 1320, 594)
    assert log_mean(1069.2, 1000) == pytest.approx(1034.214177, abs=5e-7)
    result = decompose(start, end)
    assert result.change == pytest.approx(69.2, abs=1e-12)
    assert result.effects == pytest.approx(
        {
            "population": 98.571139,
            "affluence": 188.559539,
            "energy_intensity": -108.965339,
            "carbon_intensity": -108.965339,
        },
        abs=5e-7,
    )
    change, effects = rounded(result)
    assert change == Decimal("69.200000")
    assert effects == {
        "population": Decimal("98.571139"),
        "affluence": Decimal("188.559539"),
        "energy_intensity": Decimal("-108.965339"),
        "carbon_intensity": Decimal("-108.965339"),
    }


def test_the_rounding_residue_goes_to_the_largest_effect() -> None:
    # effects -3.4938197, 12.5647393, -1.3479467, -9.7229729 round to -3.493820, 12.564739,
    # -1.347947, -9.722973: they add up to -2.000001, not the change -2.000000; the
    # missing 0.000001 goes to the largest effect, affluence: 12.564740
    result = decompose(KayaYear(2005, 7, 9, 5, 3), KayaYear(2020, 5, 5, 23, 11))
    change, effects = rounded(result)
    assert change == Decimal("-2.000000")
    assert effects == {
        "population": Decimal("-3.493820"),
        "affluence": Decimal("12.564740"),
        "energy_intensity": Decimal("-1.347947"),
        "carbon_intensity": Decimal("-9.722973"),
    }
    assert sum(effects.values()) == change


def test_log_mean_of_equal_values_is_the_value() -> None:
    assert log_mean(5.0, 5.0) == 5.0
    no_change = decompose(KayaYear(2000, 10, 2, 8, 4), KayaYear(2001, 10, 2, 8, 4))
    assert no_change.change == 0
    assert all(value == 0 for value in no_change.effects.values())


def test_log_mean_of_values_one_unit_of_the_last_digit_apart() -> None:
    # ln(1e6) and ln(1e6 + 1 ulp) are the same float: the plain formula divides by zero.
    # L(a, b) lies between a and b, so it is one of the two (both print as 1e6).
    a, b = 1e6, math.nextafter(1e6, 2e6)
    assert log_mean(b, a) in (a, b)
    assert log_mean(a, b) in (a, b)
    result = decompose(KayaYear(2000, a, 2, 8, 4), KayaYear(2001, b, 2, 8, 4))
    assert result.effects["population"] == 0.0
    assert rounded(result) == (Decimal("0.000000"), dict.fromkeys(FACTORS, Decimal("0.000000")))


def test_non_positive_values_are_refused() -> None:
    with pytest.raises(InvalidInput, match="energy must be a positive number"):
        decompose(KayaYear(2000, 10, 2, 8, 0), KayaYear(2001, 10, 2, 8, 4))
    with pytest.raises(InvalidInput, match="positive"):
        log_mean(0.0, 1.0)


positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(
    st.tuples(positive, positive, positive, positive),
    st.tuples(positive, positive, positive, positive),
)
def test_effects_add_up_to_the_change(a: tuple[float, ...], b: tuple[float, ...]) -> None:
    result = decompose(KayaYear(2000, *a), KayaYear(2010, *b))
    total = math.fsum(result.effects.values())
    assert total == pytest.approx(result.change, rel=1e-9, abs=1e-9 * max(a[0], b[0]))
    change, effects = rounded(result)
    assert sum(effects.values()) == change
