"""Offset projects, monitoring reports, issuances, sales and certificates: value types and the
pure rules over them (no I/O).

A project's credits are units of its scheme's registry instrument (``CCER``, ``PHCER`` or
``SINK``); its issuances keep serial ranges, so any credit traces back to its project and
vintage. Quantities are whole tCO2e; money is integer fen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from openets.errors import InvalidInput, RuleViolation
from openets.offsets.methodologies import PROJECT_TYPES, get_methodology

__all__ = [
    "AREA_TAGS",
    "SCHEMES",
    "Certificate",
    "CertificateBlock",
    "Issuance",
    "MonitoringReport",
    "Period",
    "Project",
    "ProjectStatus",
    "ReportStatus",
    "Sale",
    "check_issuance",
    "check_period",
    "check_project_id",
    "check_sale",
    "check_transition",
    "parse_crediting",
    "parse_period",
    "parse_scheme",
    "parse_tags",
    "parse_type",
]

#: Registry instruments a project's credits may be.
SCHEMES = ("CCER", "PHCER", "SINK")
#: Area tags: poverty-alleviation, old revolutionary and ethnic-minority areas.
AREA_TAGS = ("poverty", "old_revolutionary", "ethnic")

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_YEAR, MAX_YEAR = 2005, 2100


class ProjectStatus(StrEnum):
    """registered → validated → active → closed; only active projects get credits."""

    REGISTERED = "registered"
    VALIDATED = "validated"
    ACTIVE = "active"
    CLOSED = "closed"


#: The one status each may move to.
_NEXT = {
    ProjectStatus.REGISTERED: ProjectStatus.VALIDATED,
    ProjectStatus.VALIDATED: ProjectStatus.ACTIVE,
    ProjectStatus.ACTIVE: ProjectStatus.CLOSED,
}


class ReportStatus(StrEnum):
    """submitted → verified → approved → credited (when an issuance used it)."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    APPROVED = "approved"
    CREDITED = "credited"


def check_project_id(project_id: str) -> str:
    if not _ID.match(project_id):
        raise InvalidInput(
            f"project id {project_id!r} is malformed: use 1-64 letters, digits or . _ -"
        )
    return project_id


def parse_scheme(text: str) -> str:
    scheme = text.strip().upper()
    if scheme not in SCHEMES:
        raise InvalidInput(f"unknown scheme {text!r}: expected one of {', '.join(SCHEMES)}")
    return scheme


def parse_type(text: str) -> str:
    kind = text.strip().lower()
    if kind not in PROJECT_TYPES:
        raise InvalidInput(
            f"unknown project type {text!r}: expected one of {', '.join(PROJECT_TYPES)}"
        )
    return kind


def parse_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Area tags, deduplicated, in the order of :data:`AREA_TAGS`."""
    wanted = {t.strip().lower() for t in tags if t.strip()}
    unknown = sorted(wanted - set(AREA_TAGS))
    if unknown:
        raise InvalidInput(
            f"unknown area tag {unknown[0]!r}: expected one of {', '.join(AREA_TAGS)}"
        )
    return tuple(t for t in AREA_TAGS if t in wanted)


def _year(text: str, where: str) -> int:
    if not text.strip().isdigit():
        raise InvalidInput(f"{where}: {text!r} is not a year")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"{where}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def parse_crediting(text: str) -> tuple[int, int]:
    """``START:END`` (years, inclusive) as a pair."""
    start, colon, end = text.partition(":")
    if not colon:
        raise InvalidInput(f"crediting period {text!r} is malformed: write START_YEAR:END_YEAR")
    first, last = _year(start, "crediting start"), _year(end, "crediting end")
    if last < first:
        raise InvalidInput(f"crediting period {text!r} ends before it starts")
    return first, last


@dataclass(frozen=True, slots=True)
class Project:
    """An offset project. ``owner`` is the owner of ``account`` (whom project-owner users act
    for); ``crediting`` None means no crediting-period limit."""

    id: str
    account: str
    owner: str
    scheme: str
    project_type: str
    methodology: str
    province: str
    city: str
    county: str
    tags: tuple[str, ...]
    crediting: tuple[int, int] | None
    status: ProjectStatus
    created_at: str

    def covers(self, year: int) -> bool:
        return self.crediting is None or self.crediting[0] <= year <= self.crediting[1]


def check_methodology(code: str, project_type: str) -> str:
    """The methodology's code, if it exists and applies to ``project_type``."""
    methodology = get_methodology(code)
    if project_type not in methodology.types:
        raise InvalidInput(
            f"methodology {methodology.code} applies to {', '.join(methodology.types)}, "
            f"not to {project_type}"
        )
    return methodology.code


def check_transition(project: Project, to: ProjectStatus) -> None:
    """A project moves one step forward only."""
    if _NEXT.get(project.status) is not to:
        raise RuleViolation(f"project {project.id} is {project.status}: it cannot become {to}")


@dataclass(frozen=True, slots=True)
class Period:
    """A monitoring period, dates inclusive, within one calendar year (its vintage)."""

    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


def parse_period(start: str | None, end: str | None, year: int | None) -> Period:
    """A period from ISO dates, or a whole calendar year."""
    if year is not None:
        if start or end:
            raise InvalidInput("give either a year or period start and end dates, not both")
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidInput(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
        return Period(date(year, 1, 1), date(year, 12, 31))
    if not start or not end:
        raise InvalidInput("a monitoring period needs a start and an end date (or a year)")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise InvalidInput(f"period {start}..{end}: dates are YYYY-MM-DD") from None
    return check_period(Period(first, last))


def check_period(period: Period) -> Period:
    if period.end < period.start:
        raise InvalidInput(f"period {period.start}..{period.end} ends before it starts")
    if period.start.year != period.end.year:
        raise InvalidInput(
            f"period {period.start}..{period.end} spans two years: a monitoring period lies "
            "within one calendar year (its vintage)"
        )
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise InvalidInput(f"year {period.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return period


@dataclass(frozen=True, slots=True)
class MonitoringReport:
    """A project's monitoring report: the methodology's reductions and the claim (whole t)."""

    id: str
    project_id: str
    period: Period
    inputs: str  # JSON, as submitted
    claimed: int
    computed: int
    exact: str
    detail: dict[str, str]
    status: ReportStatus
    submitted_by: str
    verified_by: str | None
    approved_by: str | None
    created_at: str


def check_report(
    project: Project,
    period: Period,
    claimed: int,
    computed: int,
    earlier: Sequence[MonitoringReport],
    issued_years: Iterable[int],
) -> None:
    """The checks of a new monitoring report; each refusal names the figures."""
    if claimed <= 0:
        raise InvalidInput(f"the claimed quantity must be a positive whole number, got {claimed}")
    if project.status is not ProjectStatus.ACTIVE:
        raise RuleViolation(f"project {project.id} is {project.status}, not active")
    if not project.covers(period.year):
        assert project.crediting is not None
        raise RuleViolation(
            f"period {period.start}..{period.end} is outside the crediting period "
            f"{project.crediting[0]}-{project.crediting[1]} of project {project.id}"
        )
    for report in earlier:
        if report.period.overlaps(period):
            raise RuleViolation(
                f"period {period.start}..{period.end} overlaps report {report.id} "
                f"({report.period.start}..{report.period.end})"
            )
    if period.year in set(issued_years):
        raise RuleViolation(f"year {period.year} of project {project.id} has already been credited")
    if claimed > computed:
        raise RuleViolation(
            f"the claim of {claimed} t exceeds the {computed} t the methodology "
            f"{project.methodology} allows"
        )


@dataclass(frozen=True, slots=True)
class Issuance:
    """Credits issued to a project for one vintage year, with their serial range."""

    project_id: str
    year: int
    instrument: str
    quantity: int
    entry_seq: int
    serial_start: int
    serial_end: int
    provenance: str  # "monitoring report <id>[, <id>]" or "direct"
    issued_at: str
    key: str | None = None


def check_issuance(
    project: Project,
    year: int,
    quantity: int,
    issued_years: Iterable[int],
    approved: Sequence[MonitoringReport],
) -> str:
    """Refuse a bad issuance; return its provenance (the approved reports, or ``direct``)."""
    if quantity <= 0:
        raise InvalidInput(f"the quantity must be a positive whole number, got {quantity}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if project.status is not ProjectStatus.ACTIVE:
        raise RuleViolation(
            f"project {project.id} is {project.status}: only active projects get credits"
        )
    if not project.covers(year):
        assert project.crediting is not None
        raise RuleViolation(
            f"year {year} is outside the crediting period {project.crediting[0]}-"
            f"{project.crediting[1]} of project {project.id}"
        )
    if year in set(issued_years):
        raise RuleViolation(f"project {project.id} has already been issued credits for {year}")
    if not approved:
        return "direct"
    allowed = sum(r.claimed for r in approved)
    if quantity > allowed:
        raise RuleViolation(
            f"{quantity} t exceeds the {allowed} t of the approved monitoring reports "
            f"for {year} of project {project.id}"
        )
    return "monitoring report " + ", ".join(r.id for r in approved)


@dataclass(frozen=True, slots=True)
class Sale:
    """Credits of a project sold: ``price_fen`` per tonne; ``income_fen`` = quantity × price."""

    id: int
    project_id: str
    quantity: int
    price_fen: int
    income_fen: int
    buyer: str
    date: str
    recorded_by: str
    recorded_at: str


def check_sale(
    project_id: str, quantity: int, price_fen: int, buyer: str, issued: int, sold: int
) -> None:
    if quantity <= 0:
        raise InvalidInput(f"the quantity sold must be a positive whole number, got {quantity}")
    if price_fen < 0:
        raise InvalidInput(f"the price must not be negative, got {price_fen} fen")
    if not buyer.strip():
        raise InvalidInput("a sale needs a buyer")
    if sold + quantity > issued:
        raise RuleViolation(
            f"project {project_id} has {issued} t issued and {sold} t sold: "
            f"{quantity} t more cannot be sold"
        )


@dataclass(frozen=True, slots=True)
class CertificateBlock:
    """A retired serial range of one project and vintage."""

    serial_start: int
    serial_end: int
    project_id: str | None
    vintage: int | None


@dataclass(frozen=True, slots=True)
class Certificate:
    """A public retirement certificate for voluntary carbon neutrality."""

    id: str
    account: str
    instrument: str
    quantity: int
    beneficiary: str
    purpose: str
    entry_seq: int
    retired_at: str
    blocks: tuple[CertificateBlock, ...]


def certificate_id(year: int, n: int) -> str:
    """``RC-2025-000001``: the n-th certificate of the year."""
    return f"RC-{year}-{n:06d}"


def trace_blocks(
    blocks: Iterable[tuple[int, int]], issuances: Sequence[Issuance]
) -> tuple[CertificateBlock, ...]:
    """Split serial ranges by the issuances they come from (one instrument)."""
    ordered = sorted(issuances, key=lambda i: i.serial_start)
    pieces: list[CertificateBlock] = []
    for start, end in sorted(blocks):
        at = start
        for issuance in ordered:
            if issuance.serial_end < at or issuance.serial_start > end:
                continue
            if issuance.serial_start > at:
                pieces.append(CertificateBlock(at, issuance.serial_start - 1, None, None))
                at = issuance.serial_start
            last = min(end, issuance.serial_end)
            pieces.append(CertificateBlock(at, last, issuance.project_id, issuance.year))
            at = last + 1
            if at > end:
                break
        if at <= end:
            pieces.append(CertificateBlock(at, end, None, None))
    return tuple(pieces)


def overlap(ranges: Iterable[tuple[int, int]], start: int, end: int) -> int:
    """How many serials of ``ranges`` fall in ``start..end``."""
    return sum(max(0, min(e, end) - max(s, start) + 1) for s, e in ranges)
