"""Time is injected, never read from the wall inside domain code.

Business dates are in China Standard Time (UTC+8); instants are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol

CST = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    """Source of the current instant (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and reproducible demos: returns a set instant, moved by hand."""

    instant: datetime = field(default_factory=lambda: datetime(2025, 7, 1, 2, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta


def business_date(instant: datetime) -> date:
    """The business date (CST) of a UTC instant."""
    return instant.astimezone(CST).date()


def utc_text(instant: datetime) -> str:
    """Canonical UTC text of an instant, microsecond precision (used in the hash chain)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AsOfClock:
    """The wall clock's time of day on another business date (``--as-of``).

    For an operator replaying a past year, building a demo or testing a deadline from the
    command line: instants keep moving forward within a run, on the chosen CST date. With
    ``at`` (a CST time of day, ``--as-of 2025-07-01T10:00``) the run starts at that instant
    instead and moves on with the wall clock from there (a trading session, say).
    """

    as_of: date
    wall: Clock = field(default_factory=SystemClock)
    at: time | None = None
    #: the wall clock's instant when this clock was made (the origin of ``at``)
    started: datetime = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "started", self.wall.now())

    def now(self) -> datetime:
        wall = self.wall.now()
        if self.at is not None:
            start = datetime.combine(self.as_of, self.at, tzinfo=CST)
            return (start + (wall - self.started)).astimezone(UTC)
        local = wall.astimezone(CST)
        return datetime.combine(self.as_of, local.timetz()).astimezone(UTC)
