"""The compliance calendar: the deadlines of year N for one jurisdiction, with the
regulator's extensions applied.

The configured deadlines are month-days of year N+1 (:mod:`openets.compliance.jurisdiction`);
the regulator may move one later for a jurisdiction and year (:func:`extend_deadline`). A
deadline is met on its own day: an action is late from the day after (business dates, CST).

Which deadlines refuse a late action: ``surrender`` (no surrender after it) and
``offset_request`` (no offsets in a surrender after it). Surrender for year N opens on 1 January
of N+1 (the year must be over). The MRV ``report`` and ``verification`` deadlines refuse
nothing (a late report must still be filed); status views mark an approved report created after
the report deadline as late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.clock import utc_text
from openets.compliance.jurisdiction import load_jurisdiction
from openets.compliance.store import ComplianceStore, Extension
from openets.errors import InvalidInput, RuleViolation
from openets.mrv.entities import parse_jurisdiction
from openets.mrv.permissions import Actor, actor_name, require_regulator

__all__ = [
    "DEADLINES",
    "Deadline",
    "YearCalendar",
    "deadlines",
    "extend_deadline",
    "extend_deadlines",
    "parse_deadline",
    "require_on_time",
    "require_year_over",
    "year_calendar",
]

#: The deadlines of a compliance year, in calendar order.
DEADLINES = ("report", "verification", "offset_request", "surrender", "allocation")
_LABELS = {
    "report": "emission report",
    "verification": "verification report",
    "offset_request": "offset request",
    "surrender": "surrender",
    "allocation": "allocation",
}
MAX_REASON = 500


# --- who may --------------------------------------------------------------------------------


# --- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline of a jurisdiction's compliance year: the configured date and the date in
    force (later when the regulator extended it, with the reason)."""

    jurisdiction: str
    year: int
    name: str
    configured: date
    date: date
    reason: str | None = None
    extended_by: str | None = None
    extended_at: str | None = None

    @property
    def extended(self) -> bool:
        return self.date != self.configured

    @property
    def label(self) -> str:
        return _LABELS[self.name]


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """The deadlines of compliance year ``year`` for ``jurisdiction``."""

    jurisdiction: str
    year: int
    deadlines: tuple[Deadline, ...]
    source: str

    def __getitem__(self, name: str) -> Deadline:
        for deadline in self.deadlines:
            if deadline.name == name:
                return deadline
        raise KeyError(name)


def parse_deadline(text: str) -> str:
    name = text.strip().lower().replace("-", "_")
    if name not in DEADLINES:
        raise InvalidInput(f"unknown deadline {text!r}: expected one of {', '.join(DEADLINES)}")
    return name


def _jurisdiction(name: str) -> str:
    return parse_jurisdiction(name).value


def year_calendar(connection: Connection, jurisdiction: str, year: int) -> YearCalendar:
    """The calendar of ``year`` for ``jurisdiction``, extensions applied (on a connection)."""
    config = load_jurisdiction(jurisdiction, year)
    extensions = ComplianceStore(connection).extensions(config.name, year)
    items = []
    for name, configured in config.deadlines.dates(year).items():
        extension = extensions.get(name)
        if extension is None:
            items.append(Deadline(config.name, year, name, configured, configured))
        else:
            items.append(
                Deadline(
                    config.name,
                    year,
                    name,
                    configured,
                    extension.until,
                    extension.reason,
                    extension.actor,
                    extension.at,
                )
            )
    return YearCalendar(config.name, year, tuple(items), config.deadlines.source)


def deadlines(app: App, jurisdiction: str, year: int) -> YearCalendar:
    """The calendar of ``year`` for ``jurisdiction`` (public)."""
    name = _jurisdiction(jurisdiction)
    with app.reading() as connection:
        return year_calendar(connection, name, year)


# --- refusing late actions ------------------------------------------------------------------


def require_year_over(year: int, on: date) -> None:
    """Surrender for year N opens on 1 January of N+1."""
    if on <= date(year, 12, 31):
        raise RuleViolation(
            f"the year is not over: surrender for {year} opens on {year + 1}-01-01 "
            f"(today is {on.isoformat()})"
        )


def require_on_time(calendar: YearCalendar, name: str, on: date, action: str) -> None:
    """Refuse ``action`` after deadline ``name`` (met on its own day)."""
    deadline = calendar[name]
    if on <= deadline.date:
        return
    extended = f", extended from {deadline.configured.isoformat()}" if deadline.extended else ""
    raise RuleViolation(
        f"deadline passed: {action} after the {deadline.label} deadline of "
        f"{calendar.jurisdiction} {calendar.year} ({deadline.date.isoformat()}{extended}) is "
        f"refused; today is {on.isoformat()}. The regulator can extend the deadline "
        "(openets compliance extend)"
    )


# --- extensions -----------------------------------------------------------------------------


def _check_until(until: date | str) -> date:
    if isinstance(until, date):
        return until
    try:
        return date.fromisoformat(until.strip())
    except ValueError:
        raise InvalidInput(f"{until!r} is not a date (YYYY-MM-DD)") from None


def extend_deadline(
    app: App,
    jurisdiction: str,
    year: int,
    deadline: str,
    until: date | str,
    reason: str,
    *,
    by: Actor,
) -> Deadline:
    """Move deadline ``deadline`` of ``year`` for ``jurisdiction`` to ``until`` (regulator).

    ``until`` must be after the configured date; a later call replaces an earlier extension.
    The surrender deadline of a closed year cannot be moved. Returns the deadline in force.
    """
    (moved,) = extend_deadlines(app, [jurisdiction], year, deadline, until, reason, by=by)
    return moved


def extend_deadlines(
    app: App,
    jurisdictions: Sequence[str],
    year: int,
    deadline: str,
    until: date | str,
    reason: str,
    *,
    by: Actor,
) -> list[Deadline]:
    """:func:`extend_deadline` for several jurisdictions at once: all in one transaction, or
    none when one of them is refused."""
    require_regulator(by, "extend deadlines")
    name = parse_deadline(deadline)
    new_date = _check_until(until)
    why = reason.strip()
    if not why:
        raise InvalidInput("an extension needs a reason")
    if len(why) > MAX_REASON:
        raise InvalidInput(f"the reason has at most {MAX_REASON} characters")
    names = sorted({_jurisdiction(j) for j in jurisdictions})
    if not names:
        raise InvalidInput("name the jurisdiction whose deadline is extended")

    def work(connection: Connection) -> list[Deadline]:
        store = ComplianceStore(connection)
        closed = store.closed_years(year)
        now = utc_text(app.clock.now())
        moved = []
        for jurisdiction in names:
            calendar = year_calendar(connection, jurisdiction, year)
            current = calendar[name]
            if new_date <= current.configured:
                raise InvalidInput(
                    f"an extension moves a deadline later: {new_date.isoformat()} is not after "
                    f"the configured {current.label} deadline of {jurisdiction} {year} "
                    f"({current.configured.isoformat()})"
                )
            if jurisdiction in closed and name in {"surrender", "offset_request"}:
                raise RuleViolation(
                    f"{jurisdiction} {year} is closed: its {current.label} deadline can no "
                    "longer be extended"
                )
            store.save_extension(
                Extension(jurisdiction, year, name, new_date, why, actor_name(by), now)
            )
            moved.append(year_calendar(connection, jurisdiction, year)[name])
        return moved

    return app.write(work)
