"""The ``--as-of`` clock: the wall clock's time of day on a chosen CST business date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from openets.clock import AsOfClock, FixedClock, business_date


def test_as_of_keeps_the_time_of_day_and_moves_the_date() -> None:
    wall = FixedClock(datetime(2026, 11, 24, 3, 15, tzinfo=UTC))  # 11:15 CST
    clock = AsOfClock(date(2025, 6, 20), wall)
    assert clock.now() == datetime(2025, 6, 20, 3, 15, tzinfo=UTC)
    assert business_date(clock.now()) == date(2025, 6, 20)
    wall.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2025, 6, 20, 3, 20, tzinfo=UTC)


def test_as_of_uses_the_cst_date_even_late_in_the_utc_day() -> None:
    wall = FixedClock(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))  # 04:00 CST on the 25th
    clock = AsOfClock(date(2025, 6, 20), wall)
    assert clock.now() == datetime(2025, 6, 19, 20, 0, tzinfo=UTC)
    assert business_date(clock.now()) == date(2025, 6, 20)


def test_as_of_with_a_time_of_day_starts_there_and_moves_with_the_wall() -> None:
    wall = FixedClock(datetime(2026, 11, 24, 22, 40, tzinfo=UTC))  # 06:40 CST: market closed
    clock = AsOfClock(date(2025, 7, 1), wall, at=time(10, 0))  # 10:00 CST = 02:00 UTC
    assert clock.now() == datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
    wall.advance(timedelta(seconds=90))
    assert clock.now() == datetime(2025, 7, 1, 2, 1, 30, tzinfo=UTC)
