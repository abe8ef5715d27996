"""The trading calendar and the trading hours (China Standard Time).

- A trading day is a Monday to Friday that is not a public holiday. The holidays are data
  (``data/holidays.toml``: the State Council's yearly notices, 2024-2026). The weekend days a
  notice makes working days (调休上班) are NOT trading days: Chinese exchanges stay closed on
  weekends whatever the notice says.
- Continuous trading runs in two sessions, 09:30-11:30 and 13:00-15:00 CST. Each session
  includes its opening instant and excludes its closing one: 09:30:00 <= t < 11:30:00 and
  13:00:00 <= t < 15:00:00 (09:29:59 and 11:30:00 are outside, 09:30:00 and 11:29:59 inside).
- A day outside the years the data covers is refused rather than guessed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources

from openets.clock import CST
from openets.errors import InvalidInput, RuleViolation

__all__ = [
    "SESSIONS",
    "Holidays",
    "holidays",
    "in_session",
    "is_trading_day",
    "previous_trading_day",
    "require_in_session",
    "session_text",
    "trading_days",
]

#: The continuous-trading sessions, each ``[start, end)`` in CST.
SESSIONS: tuple[tuple[time, time], ...] = (
    (time(9, 30), time(11, 30)),
    (time(13, 0), time(15, 0)),
)
#: The end of the last session: the day's close.
CLOSE = SESSIONS[-1][1]


@dataclass(frozen=True, slots=True)
class Holidays:
    """Days off by year, and the weekend make-up working days (never trading days)."""

    closed: frozenset[date]
    make_up: frozenset[date]
    years: frozenset[int]


def _dates(values: object, where: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise InvalidInput(f"holiday data: {where} must be a list of dates")
    try:
        return frozenset(date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise InvalidInput(f"holiday data: {where}: {exc}") from None


def parse_holidays(text: str) -> Holidays:
    """Read a holiday file: one table per year with ``closed`` and ``make_up`` date lists."""
    data = tomllib.loads(text)
    closed: set[date] = set()
    make_up: set[date] = set()
    years: set[int] = set()
    for year, table in data.items():
        if not year.isdigit() or not isinstance(table, dict):
            raise InvalidInput(f"holiday data: [{year}] is not a year table")
        years.add(int(year))
        closed |= _dates(table.get("closed", []), f"[{year}] closed")
        make_up |= _dates(table.get("make_up", []), f"[{year}] make_up")
    return Holidays(frozenset(closed), frozenset(make_up), frozenset(years))


@cache
def holidays() -> Holidays:
    """The holidays shipped with OpenETS."""
    text = (resources.files("openets.exchange") / "data" / "holidays.toml").read_text("utf-8")
    return parse_holidays(text)


def is_trading_day(day: date, calendar: Holidays | None = None) -> bool:
    """Monday-Friday and not a public holiday. Refuses a year the data does not cover."""
    calendar = calendar or holidays()
    if day.year not in calendar.years:
        covered = ", ".join(str(y) for y in sorted(calendar.years))
        raise RuleViolation(
            f"the trading calendar covers {covered}; {day.isoformat()} is outside it "
            "(add the year's holidays to the calendar data)"
        )
    return day.weekday() < 5 and day not in calendar.closed


def previous_trading_day(day: date, calendar: Holidays | None = None) -> date | None:
    """The last trading day before ``day``, or None before the calendar's first year."""
    calendar = calendar or holidays()
    first = date(min(calendar.years), 1, 1)
    candidate = day - timedelta(days=1)
    while candidate >= first:
        if is_trading_day(candidate, calendar):
            return candidate
        candidate -= timedelta(days=1)
    return None


def trading_days(start: date, end: date, calendar: Holidays | None = None) -> list[date]:
    """The trading days from ``start`` to ``end``, both included."""
    days: list[date] = []
    day = start
    while day <= end:
        if is_trading_day(day, calendar):
            days.append(day)
        day += timedelta(days=1)
    return days


def in_session(instant: datetime, calendar: Holidays | None = None) -> bool:
    """Whether continuous trading is open at ``instant`` (timezone-aware)."""
    local = instant.astimezone(CST)
    if not is_trading_day(local.date(), calendar):
        return False
    moment = local.time().replace(tzinfo=None)
    return any(start <= moment < end for start, end in SESSIONS)


def session_text() -> str:
    return " and ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in SESSIONS) + " CST on trading days"


def require_in_session(instant: datetime, what: str, calendar: Holidays | None = None) -> None:
    """Refuse ``what`` (e.g. "an order") outside the trading sessions, saying why."""
    local = instant.astimezone(CST)
    stamp = f"{local:%Y-%m-%d %H:%M:%S} CST"
    if not is_trading_day(local.date(), calendar):
        kind = "a weekend" if local.weekday() >= 5 else "a public holiday"
        raise RuleViolation(
            f"the market is closed: {local.date().isoformat()} is {kind}, not a trading day; "
            f"{what} is refused"
        )
    if not in_session(instant, calendar):
        raise RuleViolation(
            f"the market is closed at {stamp}: continuous trading runs {session_text()}; "
            f"{what} is refused"
        )


def after_close(instant: datetime) -> bool:
    """Whether ``instant`` is at or after the day's close (15:00 CST) on its business date."""
    return instant.astimezone(CST).time().replace(tzinfo=None) >= CLOSE
