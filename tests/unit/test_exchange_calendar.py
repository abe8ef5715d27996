"""The trading calendar and hours: holidays from the State Council's notices, make-up working
weekends that are not trading days, and the session edges (start inclusive, end exclusive)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from openets.errors import RuleViolation
from openets.exchange.calendar import (
    holidays,
    in_session,
    is_trading_day,
    parse_holidays,
    previous_trading_day,
    trading_days,
)


def cst(text: str) -> datetime:
    return (datetime.fromisoformat(text) - timedelta(hours=8)).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "trading"),
    [
        (date(2025, 7, 1), True),  # a Tuesday
        (date(2025, 7, 5), False),  # a Saturday
        (date(2025, 1, 28), False),  # Spring Festival eve, a holiday from 2025
        (date(2025, 1, 26), False),  # a make-up working Sunday: exchanges stay closed
        (date(2025, 10, 8), False),  # National Day and Mid-Autumn, 1-8 Oct 2025
        (date(2025, 10, 9), True),
        (date(2024, 2, 9), True),  # 2024: the eve was a working day (Feb 10-17 off)
        (date(2024, 6, 10), False),  # Dragon Boat 2024
        (date(2026, 2, 23), False),  # Spring Festival 2026: 15-23 Feb
        (date(2026, 2, 24), True),
        (date(2026, 1, 2), False),  # New Year 2026: 1-3 Jan
    ],
)
def test_trading_days(day: date, trading: bool) -> None:
    assert is_trading_day(day) is trading


def test_every_listed_holiday_is_in_its_year_and_no_make_up_day_is_a_weekday() -> None:
    calendar = holidays()
    assert calendar.years == {2024, 2025, 2026}
    assert {d.year for d in calendar.closed} == {2024, 2025, 2026}
    assert all(d.weekday() >= 5 for d in calendar.make_up)
    assert len(calendar.closed) == 28 + 28 + 33


def test_a_year_outside_the_data_is_refused() -> None:
    with pytest.raises(RuleViolation, match="the trading calendar covers 2024, 2025, 2026"):
        is_trading_day(date(2027, 3, 1))


def test_trading_days_around_national_day_2025() -> None:
    assert trading_days(date(2025, 9, 26), date(2025, 10, 13)) == [
        date(2025, 9, 26), date(2025, 9, 29), date(2025, 9, 30), date(2025, 10, 9),
        date(2025, 10, 10), date(2025, 10, 13),
    ]  # fmt: skip
    assert previous_trading_day(date(2025, 10, 9)) == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        ("2025-07-01T09:29:59.999999", False),
        ("2025-07-01T09:30:00", True),
        ("2025-07-01T11:29:59.999999", True),
        ("2025-07-01T11:30:00", False),
        ("2025-07-01T13:00:00", True),
        ("2025-07-01T15:00:00", False),
        ("2025-10-01T10:00:00", False),
    ],
)
def test_sessions(at: str, open_: bool) -> None:
    assert in_session(cst(at)) is open_


def test_holiday_files_are_checked() -> None:
    calendar = parse_holidays('[2030]\nclosed = ["2030-01-01"]\n')
    assert not is_trading_day(date(2030, 1, 1), calendar)
    assert is_trading_day(date(2030, 1, 2), calendar)
