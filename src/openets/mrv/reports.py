"""Emission reports: their lifecycle, verifiers' adjustments and totals (pure rules).

A report is one entity's emissions for one year, in one version:

    draft ──submit──▶ submitted ──verify──▶ verified ──approve──▶ approved
                                                                    │ a newer version approved
                                                                    ▼
                                                                superseded

An approved report is never edited. A correction is a new version of the same entity and
year (``E-2024-v2``) that goes through the same steps; when it is approved, the version it
supersedes turns ``superseded``. The compliance total of the one approved version is the
entity's verified emissions for the year.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from openets.errors import InvalidInput, RuleViolation
from openets.mrv.calc import decimal_text
from openets.mrv.model import ActivityLine, FacilityResult, LineResult, SourceKind, Unit

#: Earliest and latest reporting year accepted.
FIRST_YEAR = 2005
LAST_YEAR = 2100
MAX_REASON = 500
#: figures (activity data, factors) stay below 10^(MAX_MAGNITUDE + 1) with MAX_PLACES decimals
MAX_MAGNITUDE = 14
MAX_PLACES = 30
#: wide enough that normalising any stored figure never rounds it


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # an approved report a newer approved version replaced


class ReportAction(StrEnum):
    """What a transition record says happened to a report."""

    CREATE = "create"
    SUBMIT = "submit"
    ASSIGN = "assign"  # the regulator assigns a verifier; the status stays
    VERIFY = "verify"
    APPROVE = "approve"
    SUPERSEDE = "supersede"  # recorded on the older version when a newer one is approved
    IMPORT = "import"  # verified emissions taken over from an earlier system, approved as is


#: The status each action needs, and the status it leads to.
_STEPS: dict[ReportAction, tuple[frozenset[ReportStatus], ReportStatus | None]] = {
    ReportAction.SUBMIT: (frozenset({ReportStatus.DRAFT}), ReportStatus.SUBMITTED),
    ReportAction.VERIFY: (frozenset({ReportStatus.SUBMITTED}), ReportStatus.VERIFIED),
    ReportAction.APPROVE: (frozenset({ReportStatus.VERIFIED}), ReportStatus.APPROVED),
    ReportAction.SUPERSEDE: (frozenset({ReportStatus.APPROVED}), ReportStatus.SUPERSEDED),
    # a verifier can be (re)assigned until the report is verified
    ReportAction.ASSIGN: (frozenset({ReportStatus.DRAFT, ReportStatus.SUBMITTED}), None),
}

#: Statuses of a version still in progress: only one per entity and year at a time.
OPEN_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.VERIFIED})

#: Fields of an activity line a verifier may adjust.
ADJUSTABLE = ("quantity", "ncv", "cc", "of", "ef")


def next_status(report_id: str, current: ReportStatus, action: ReportAction) -> ReportStatus:
    """The status after ``action``; :class:`RuleViolation` naming the current status if the
    action does not apply to it."""
    if action is ReportAction.CREATE:
        raise RuleViolation("a report is created, never transitioned into")
    allowed, after = _STEPS[action]
    if current not in allowed:
        needed = " or ".join(sorted(s.value for s in allowed))
        raise RuleViolation(
            f"report {report_id} is {current}: it can only {action.value} a {needed} report"
            if action is not ReportAction.SUPERSEDE
            else f"report {report_id} is {current}: only an approved report is superseded"
        )
    return current if after is None else after


def report_id(entity_id: str, year: int, version: int) -> str:
    """The id of a report: ``<entity>-<year>-v<version>`` (``GD-STEEL-001-2024-v1``)."""
    return f"{entity_id}-{year}-v{version}"


def check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"reporting year must be {FIRST_YEAR}-{LAST_YEAR}, got {year!r}")
    return year


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput("an adjustment needs a reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters")
    return text


def check_figure(what: str, value: Decimal) -> Decimal:
    """Return ``value`` if it is finite, below 10^15 and has at most 30 decimal places: far
    beyond any real activity datum or factor, and short enough to store and show as text."""
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a finite number, got {value}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if value and (value.adjusted() > MAX_MAGNITUDE or exponent < -MAX_PLACES):
        raise InvalidInput(
            f"{what} is out of range: below 10^{MAX_MAGNITUDE + 1}, at most {MAX_PLACES} "
            "decimal places"
        )
    return value


def parse_decimal(what: str, text: str | int | Decimal) -> Decimal:
    """An exact decimal from text or an integer (never from a float), see :func:`check_figure`."""
    if isinstance(text, bool | float):
        raise InvalidInput(f"{what} must be a decimal number written as text, got {text!r}")
    try:
        value = Decimal(text) if not isinstance(text, str) else Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {text!r} is not a number") from None
    return check_figure(what, value)


def optional_text(value: Decimal | None) -> str | None:
    """:func:`decimal_text` of a value that may be absent."""
    return None if value is None else decimal_text(value)


# --- value types ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportLine:
    """An activity line of a report with the emissions computed for it."""

    row: int
    facility_id: str
    source: SourceKind
    item: str
    quantity: Decimal
    unit: Unit
    ncv: Decimal | None
    cc: Decimal | None
    of: Decimal | None
    ef: Decimal | None
    tco2: Decimal
    counted: bool  # False for biomass CO2: reported, not counted
    factors: Mapping[str, Decimal]
    measured: tuple[str, ...]
    factor_version: str

    def activity(self, year: int) -> ActivityLine:
        """The line as activity data (for recalculation)."""
        return ActivityLine(
            row=self.row,
            facility_id=self.facility_id,
            year=year,
            source=self.source,
            item=self.item,
            quantity=self.quantity,
            unit=self.unit,
            ncv=self.ncv,
            cc=self.cc,
            of=self.of,
            ef=self.ef,
        )


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A verifier's change to one field of one line: the new value and why."""

    row: int
    value: Decimal
    reason: str
    field: str = "quantity"


@dataclass(frozen=True, slots=True)
class AdjustmentRecord:
    """A stored adjustment: what the field was, what it became, why, by whom and when."""

    row: int
    field: str
    original: Decimal | None
    adjusted: Decimal
    reason: str
    by: str
    role: str
    at: str


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of a report's life: who did what, when."""

    action: ReportAction
    from_status: ReportStatus | None
    to_status: ReportStatus
    by: str
    role: str
    at: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """A data-quality finding: shown with the report, never a refusal."""

    code: str
    message: str
    facility_id: str | None = None


@dataclass(frozen=True, slots=True)
class FacilityTotal:
    facility_id: str
    total_tco2: Decimal
    compliance_tco2: int
    biomass_tco2: Decimal


@dataclass(frozen=True, slots=True)
class Report:
    """An emission report with its lines, adjustments, transitions and quality flags.

    ``total_tco2`` is the counted emissions (biomass excluded) and ``compliance_tco2`` that
    total rounded half-up to whole tonnes, both from the exact sum (see :class:`Calculation`);
    ``by_source`` and ``facilities`` break the total down the same way.
    """

    id: str
    entity_id: str
    year: int
    version: int
    status: ReportStatus
    total_tco2: Decimal
    compliance_tco2: int
    biomass_tco2: Decimal
    output: Decimal | None  # production in the sector's unit, for the intensity check
    supersedes: str | None
    verifier: str | None
    created_at: str
    by_source: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    facilities: tuple[FacilityTotal, ...] = ()
    lines: tuple[ReportLine, ...] = ()
    adjustments: tuple[AdjustmentRecord, ...] = ()
    transitions: tuple[Transition, ...] = ()
    flags: tuple[QualityFlag, ...] = ()
    #: "calculated" from activity lines here, or "imported" from an earlier system
    provenance: str = "calculated"
    energy_tce: Decimal | None = None  # energy use in tonnes of standard coal, when known

    @property
    def factor_versions(self) -> tuple[str, ...]:
        """The factor versions its lines used."""
        return tuple(sorted({line.factor_version for line in self.lines}))


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """A report without its lines and history: what a listing shows."""

    id: str
    entity_id: str
    entity_name: str
    year: int
    version: int
    status: ReportStatus
    total_tco2: Decimal
    compliance_tco2: int
    biomass_tco2: Decimal
    supersedes: str | None
    verifier: str | None
    created_at: str
    flags: int  # how many quality flags it carries


@dataclass(frozen=True, slots=True)
class ReportReceipt:
    """What creating a report returns; ``replayed`` when an idempotency key matched."""

    report: Report
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class VerifiedEmissions:
    """An entity's verified emissions for a year: the approved report's compliance total
    (whole tCO2), with the exact total and its breakdown by source kind."""

    entity_id: str
    year: int
    tco2: int
    report_id: str
    version: int
    total_tco2: Decimal = Decimal(0)
    by_source: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)


# --- rules over lines ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Calculation:
    """A report's lines with their emissions, and its totals.

    Every total comes from the calculation's exact sum, rounded once (never from adding
    rounded line figures), so the compliance total is the exact total rounded half-up.
    """

    lines: tuple[ReportLine, ...]
    total_tco2: Decimal
    compliance_tco2: int
    biomass_tco2: Decimal
    by_source: Mapping[str, Decimal]
    facilities: tuple[FacilityTotal, ...]


def assemble(
    activity: Sequence[ActivityLine],
    per_facility: Sequence[FacilityResult],
    whole: FacilityResult,
) -> Calculation:
    """Join activity lines with their results (by row, in row order) and the totals.

    ``per_facility`` is the calculation of ``activity``; ``whole`` the calculation of the same
    lines as if they were all one facility's: the entity's exact totals.
    """
    by_row: dict[int, LineResult] = {r.row: r for fr in per_facility for r in fr.lines}
    lines = []
    for a in sorted(activity, key=lambda line: line.row):
        result = by_row.get(a.row)
        if result is None:  # pragma: no cover - the calculation answers every row
            raise AssertionError(f"the calculation returned no result for row {a.row}")
        lines.append(
            ReportLine(
                row=a.row,
                facility_id=a.facility_id,
                source=a.source,
                item=a.item,
                quantity=a.quantity,
                unit=a.unit,
                ncv=a.ncv,
                cc=a.cc,
                of=a.of,
                ef=a.ef,
                tco2=result.tco2,
                counted=result.counted,
                factors=dict(result.factors),
                measured=tuple(result.measured),
                factor_version=result.factor_version,
            )
        )
    facilities = tuple(
        FacilityTotal(f.facility_id, f.total_tco2, f.compliance_tco2, f.biomass_tco2)
        for f in sorted(per_facility, key=lambda f: f.facility_id)
    )
    return Calculation(
        lines=tuple(lines),
        total_tco2=whole.total_tco2,
        compliance_tco2=whole.compliance_tco2,
        biomass_tco2=whole.biomass_tco2,
        by_source=dict(sorted(whole.by_source.items())),
        facilities=facilities,
    )


def check_lines(entity_id: str, year: int, lines: Sequence[ActivityLine]) -> None:
    """Refuse an empty report, repeated row numbers and lines of another year."""
    if not lines:
        raise InvalidInput(f"a report of {entity_id} for {year} needs at least one activity line")
    seen: set[int] = set()
    for line in lines:
        if line.row in seen:
            raise InvalidInput(f"row {line.row}: the row number appears twice")
        seen.add(line.row)
        if line.year != year:
            raise InvalidInput(f"row {line.row}: year {line.year} is not the report's year {year}")
        for name in ("quantity", "ncv", "cc", "of", "ef"):
            value = getattr(line, name)
            if value is not None:
                check_figure(f"row {line.row}: {name}", value)


def _with(line: ActivityLine, field: str, value: Decimal) -> ActivityLine:
    """The line with one adjustable field set to ``value``."""
    match field:
        case "quantity":
            return dataclasses.replace(line, quantity=value)
        case "ncv":
            return dataclasses.replace(line, ncv=value)
        case "cc":
            return dataclasses.replace(line, cc=value)
        case "of":
            return dataclasses.replace(line, of=value)
        case "ef":
            return dataclasses.replace(line, ef=value)
    raise InvalidInput(f"cannot adjust {field!r}")  # pragma: no cover - checked by the caller


def apply_adjustments(
    year: int, lines: Sequence[ReportLine], adjustments: Sequence[Adjustment]
) -> tuple[list[ActivityLine], list[tuple[Adjustment, Decimal | None]]]:
    """The activity lines after the adjustments, and each adjustment with its original value.

    Refuses an unknown row or field, a field adjusted twice, a missing reason, a negative
    value and a value equal to the current one.
    """
    stored = {line.row: line for line in lines}
    current = {row: line.activity(year) for row, line in stored.items()}
    changed: list[tuple[Adjustment, Decimal | None]] = []
    seen: set[tuple[int, str]] = set()
    for adjustment in adjustments:
        where = f"adjustment of row {adjustment.row}"
        if adjustment.field not in ADJUSTABLE:
            fields = ", ".join(ADJUSTABLE)
            raise InvalidInput(f"{where}: cannot adjust {adjustment.field!r} (only {fields})")
        if adjustment.row not in current:
            raise InvalidInput(f"{where}: the report has no row {adjustment.row}")
        if (adjustment.row, adjustment.field) in seen:
            raise InvalidInput(f"{where}: {adjustment.field} is adjusted twice")
        seen.add((adjustment.row, adjustment.field))
        check_reason(adjustment.reason)
        check_figure(f"{where}: {adjustment.field}", adjustment.value)
        if adjustment.value < 0:
            raise InvalidInput(f"{where}: {adjustment.field} must be a number ≥ 0")
        line = current[adjustment.row]
        given: Decimal | None = getattr(line, adjustment.field)
        if given is not None and given == adjustment.value:
            raise InvalidInput(
                f"{where}: {adjustment.field} is already {decimal_text(adjustment.value)}"
            )
        # a factor that was not measured keeps, as its original, the default that was used
        used = stored[adjustment.row].factors.get(adjustment.field)
        original = given if given is not None else used
        current[adjustment.row] = _with(line, adjustment.field, adjustment.value)
        changed.append((adjustment, original))
    return [current[row] for row in sorted(current)], changed


def request_fingerprint(
    entity_id: str, year: int, lines: Sequence[ActivityLine], output: Decimal | None
) -> str:
    """A digest of a report-creation request, to tell an idempotent repeat from a new one."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else decimal_text(value)

    document = {
        "entity": entity_id,
        "year": year,
        "output": text(output),
        "lines": [
            [
                a.row,
                a.facility_id,
                a.year,
                a.source.value,
                a.item,
                text(a.quantity),
                a.unit.value,
                text(a.ncv),
                text(a.cc),
                text(a.of),
                text(a.ef),
            ]
            for a in sorted(lines, key=lambda line: line.row)
        ],
    }
    canonical = json.dumps(document, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
