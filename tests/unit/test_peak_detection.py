"""Peak detection on hand-made series: each status, short and flat series, a one-year dip or
spike, ties for the maximum, missing years; the NumPy path against the plain one.

Unless a test says otherwise the rule is RULE: peaked when the peak year is at least 3 years
before the last year and both the last value and the robust level of the year before it are
at least 5% below the robust peak level M; plateau when every robust level of the last 3
years is within 2% of M. The robust level of a year is the median of it and its neighbours
(first year: the lower of the first two; last year: its own value); the peak year is, among
the years at level M and their neighbours, the one with the highest value (the latest on a
tie).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from openets.errors import InvalidInput
from openets.peak.detection import (
    PeakFinding,
    PeakRule,
    PeakStatus,
    detect,
    detect_many,
    robust_levels,
)
from openets.peak.series_file import owid_columns

RULE = PeakRule(min_years_after=3, min_decline_pct=5.0, plateau_pct=2.0)


def years(first: int, count: int) -> list[int]:
    return list(range(first, first + count))


def test_a_rise_and_a_sustained_decline_is_peaked() -> None:
    values = [10, 12, 14, 16, 18, 20, 19, 18, 17, 16, 15]
    # levels 10 12 14 16 18 | 19 19 | 18 17 16 15: M = 19 in 2005 and 2006; among 2004-2007
    # the highest value is 20 (2005). 2010 - 2005 = 5 ≥ 3; max(16, 15) = 16 ≤ 0.95 × 19 = 18.05
    found = detect(years(2000, 11), values, RULE)
    assert found == PeakFinding(PeakStatus.PEAKED, 2005, 20.0, 2010, 15.0, 25.0, 19.0)


def test_a_flattened_series_is_a_plateau() -> None:
    values = [10, 12, 14, 16, 18, 20, 20, 19.8, 20, 19.9]
    # levels ... 18 | 20 20 20 | 19.9 19.9; M = 20 (2005-2007), neighbours 2004-2008: the
    # highest value 20 in 2005, 2006 and 2008, the latest is 2008: 1 year before the end.
    # Levels of 2006-2009 (20, 20, 19.9, 19.9) are within 2% (0.4) of 20: plateau.
    found = detect(years(2000, 10), values, RULE)
    assert found.status is PeakStatus.PLATEAU
    assert (found.peak_year, found.peak_value, found.last_year, found.last_value) == (
        2008, 20.0, 2009, 19.9,
    )  # fmt: skip
    assert found.decline_from_peak_pct == pytest.approx(0.5, abs=1e-12)


def test_a_rising_series_has_not_peaked() -> None:
    found = detect(years(2000, 5), [1, 2, 3, 4, 5], RULE)
    assert found == PeakFinding(PeakStatus.NOT_PEAKED, 2004, 5.0, 2004, 5.0, 0.0, 5.0)


def test_short_series_cannot_show_a_peak() -> None:
    assert detect([2020], [5.0], RULE) == PeakFinding(
        PeakStatus.NOT_PEAKED, 2020, 5.0, 2020, 5.0, 0.0, 5.0
    )
    # levels min(10, 8) = 8 and 8: M = 8, the highest value near it is 10 (2020); only one
    # year after it (< 3) and the series spans 1 year (< 3): not peaked despite a 20% fall
    assert detect([2020, 2021], [10.0, 8.0], RULE) == PeakFinding(
        PeakStatus.NOT_PEAKED, 2020, 10.0, 2021, 8.0, 20.0, 8.0
    )


def test_a_flat_series_is_a_plateau_peaking_in_its_last_year() -> None:
    found = detect(years(2000, 5), [7, 7, 7, 7, 7], RULE)
    assert found == PeakFinding(PeakStatus.PLATEAU, 2004, 7.0, 2004, 7.0, 0.0, 7.0)


def test_a_one_year_dip_after_a_rise_is_not_a_peak_even_one_year_after() -> None:
    values = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 18]  # 2011 drops 10% (a 2009)
    lenient = PeakRule(min_years_after=1, min_decline_pct=5.0, plateau_pct=2.0)
    # levels ... 19 (2009), 19 (2010), 18 (2011): M = 19, the highest value near it is 20
    # (2010); one year after it, but max(20, 18) = 20 > 0.95 × 19: not peaked. Levels of
    # 2010-2011 (19, 18) differ by more than 2% of 19 (0.38): no plateau either.
    found = detect(years(2000, 12), values, lenient)
    assert found == PeakFinding(PeakStatus.NOT_PEAKED, 2010, 20.0, 2011, 18.0, 10.0, 19.0)
    assert detect(years(2000, 12), values).status is PeakStatus.NOT_PEAKED


def test_a_one_year_spike_does_not_make_a_false_peak() -> None:
    values = [10, 11, 12, 13, 30, 14, 15, 15.5, 16, 16.5]  # 2004 spikes to 30
    # without smoothing 30 would be a maximum 5 years before the end with every later value
    # far below it. Levels: 10 11 12 13 14 15 15 15.5 16 16.5: M = 16.5, the last year.
    found = detect(years(2000, 10), values, RULE)
    assert found == PeakFinding(PeakStatus.NOT_PEAKED, 2009, 16.5, 2009, 16.5, 0.0, 16.5)
    assert robust_levels(values) == [10, 11, 12, 13, 14, 15, 15, 15.5, 16, 16.5]


def test_a_tie_for_the_maximum_counts_from_the_later_year() -> None:
    values = [10, 15, 20, 20, 18, 17, 16, 15]
    # levels 10 15 20 20 18 17 16 15: M = 20 in 2002 and 2003, both with value 20: the later,
    # 2003, is the peak year. 2007 - 2003 = 4 ≥ 3; max(16, 15) ≤ 19: peaked.
    found = detect(years(2000, 8), values, RULE)
    assert found == PeakFinding(PeakStatus.PEAKED, 2003, 20.0, 2007, 15.0, 25.0, 20.0)


def test_missing_years_are_left_out_and_years_count_as_calendar_years() -> None:
    found = detect(
        [2000, 2001, 2002, 2003, 2004, 2008, 2009],
        [10, 12, None, 13, 12, 11, 10.5],
        RULE,
    )
    # kept: 2000 10, 2001 12, 2003 13, 2004 12, 2008 11, 2009 10.5; levels 10 12 12 12 11
    # 10.5: M = 12, the highest value near it is 13 (2003); 2009 - 2003 = 6 ≥ 3;
    # max(11, 10.5) = 11 ≤ 0.95 × 12 = 11.4: peaked; decline (13 - 10.5) / 13 = 19.23%
    assert found.status is PeakStatus.PEAKED
    assert (found.peak_year, found.peak_value, found.peak_level) == (2003, 13.0, 12.0)
    assert found.decline_from_peak_pct == pytest.approx(2.5 / 13 * 100, rel=1e-15)
    assert detect([2000, 2001, 2002], [1.0, math.nan, 2.0], RULE).peak_year == 2002


def test_the_decline_must_hold_in_both_last_years() -> None:
    values = [10, 12, 14, 16, 18, 20, 19, 19, 19, 19, 15]
    # M = 19; the last value 15 is far below, but 2009's 19 is not ≥ 5% below: not peaked
    assert detect(years(2000, 11), values, RULE).status is PeakStatus.NOT_PEAKED


def test_a_one_year_spike_in_the_year_before_the_last_does_not_hide_a_peak() -> None:
    values = [10, 12, 14, 16, 18, 20, 19, 18, 17, 30, 15]  # 2009 spikes to 30
    # levels 10 12 14 16 18 | 19 19 | 18 18 17 15: M = 19, the highest value near it is 20
    # (2005); 2010 - 2005 = 5 ≥ 3; the last value 15 and 2009's level median(17, 30, 15) =
    # 17 are both ≤ 0.95 × 19 = 18.05: peaked (the raw 30 of 2009 does not count)
    found = detect(years(2000, 11), values, RULE)
    assert found == PeakFinding(PeakStatus.PEAKED, 2005, 20.0, 2010, 15.0, 25.0, 19.0)


def test_the_decline_of_a_net_sink_is_positive_when_its_emissions_fall() -> None:
    # net removals growing: -3 in 2000 down to -10 in 2003. Levels -5 -5 -6 -10: M = -5,
    # the highest value near it is -3 (2000). Decline (-3 - -10) / |-3| = 233.33%; a peak
    # needs M > 0: not peaked; the levels leave the 2% band: no plateau
    found = detect(years(2000, 4), [-3, -5, -6, -10], RULE)
    assert (found.status, found.peak_year, found.peak_value, found.peak_level) == (
        PeakStatus.NOT_PEAKED, 2000, -3.0, -5.0,
    )  # fmt: skip
    assert found.decline_from_peak_pct == pytest.approx(700 / 3, rel=1e-15)


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInput, match="appears twice"):
        detect([2000, 2000], [1.0, 2.0])
    with pytest.raises(InvalidInput, match="at least one year"):
        detect([2000], [None])
    with pytest.raises(InvalidInput, match="min_years_after"):
        PeakRule(min_years_after=0)
    with pytest.raises(InvalidInput, match="plateau_pct"):
        PeakRule(plateau_pct=100.0)
    with pytest.raises(InvalidInput, match="appears twice in series 'A'"):
        detect_many(["A", "A"], [2000, 2000], [1.0, 2.0])


HAND_MADE = {
    "peaked": (years(2000, 11), [10, 12, 14, 16, 18, 20, 19, 18, 17, 16, 15]),
    "plateau": (years(2000, 10), [10, 12, 14, 16, 18, 20, 20, 19.8, 20, 19.9]),
    "rising": (years(2000, 5), [1, 2, 3, 4, 5]),
    "single": ([2020], [5.0]),
    "pair": ([2020, 2021], [10.0, 8.0]),
    "flat": (years(2000, 5), [7, 7, 7, 7, 7]),
    "dip": (years(2000, 12), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 18]),
    "spike": (years(2000, 10), [10, 11, 12, 13, 30, 14, 15, 15.5, 16, 16.5]),
    "tie": (years(2000, 8), [10, 15, 20, 20, 18, 17, 16, 15]),
    "late_spike": (years(2000, 11), [10, 12, 14, 16, 18, 20, 19, 18, 17, 30, 15]),
    "sink": (years(2000, 4), [-3, -5, -6, -10]),
}


def test_the_numpy_path_agrees_with_the_plain_one_on_the_hand_made_series() -> None:
    labels, ys, xs = [], [], []
    # rows shuffled: detect_many sorts by series and year itself
    for name, (series_years, values) in reversed(HAND_MADE.items()):
        for year, value in reversed(list(zip(series_years, values, strict=True))):
            labels.append(name)
            ys.append(year)
            xs.append(float(value))
    table = detect_many(labels, ys, xs, RULE)
    assert table.labels == tuple(sorted(HAND_MADE))
    for index, name in enumerate(table.labels):
        series_years, values = HAND_MADE[name]
        assert table.finding(index) == detect(series_years, values, RULE), name


def test_the_numpy_path_agrees_with_the_plain_one_on_every_country() -> None:
    data = owid_columns(("co2",))
    table = detect_many(data.regions, data.years, data.numbers["co2"])
    series: dict[str, tuple[list[int], list[float]]] = {}
    for region, year, value in zip(data.regions, data.years, data.numbers["co2"], strict=True):
        series.setdefault(region, ([], []))
        series[region][0].append(year)
        series[region][1].append(value)
    with_data = {name for name, (_, v) in series.items() if not all(map(math.isnan, v))}
    assert set(table.labels) == with_data
    assert len(with_data) > 200
    for index, name in enumerate(table.labels):
        assert table.finding(index) == detect(*series[name]), name
    # two well-known cases of the shipped data (GCB 2024): the UK peaked in 1971 at
    # 660.388 Mt; China's highest year is its last, 2023
    uk = table.finding(table.labels.index("United Kingdom"))
    assert (uk.status, uk.peak_year, uk.peak_value) == (PeakStatus.PEAKED, 1971, 660.388)
    china = table.finding(table.labels.index("China"))
    assert (china.status, china.peak_year) == (PeakStatus.NOT_PEAKED, 2023)
    assert np.all(np.isfinite(table.decline_from_peak_pct))
