"""MRV use cases: one function each, run in one transaction.

Every function takes the actor (``by``): a :class:`~openets.auth.model.User` of the API or
web, or :data:`~openets.mrv.permissions.OPERATOR` for the command line. The rules of
:mod:`openets.mrv.permissions` decide what each may do, inside the same transaction that
reads the state they depend on. Times come from ``app.clock``.

Bad input (a malformed id, an unknown fuel, a line of another facility or year) is refused
before or inside the transaction, so nothing is stored; data-quality findings only flag.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.clock import utc_text
from openets.errors import Conflict, InvalidInput, NotFound, RuleViolation
from openets.mrv import permissions as may
from openets.mrv.calc import calculate, decimal_text
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.entities import (
    DEFAULT_JURISDICTION,
    MAX_METHOD,
    Entity,
    Facility,
    MonitoringPlan,
    SourceStream,
    check_id,
    check_item,
    check_name,
    parse_jurisdiction,
    parse_sector,
    parse_source,
)
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityLine
from openets.mrv.permissions import Actor, actor_role
from openets.mrv.quality import DEFAULT_RULES, QualityRules, check_report
from openets.mrv.reports import (
    OPEN_STATUSES,
    Adjustment,
    AdjustmentRecord,
    Calculation,
    QualityFlag,
    Report,
    ReportAction,
    ReportLine,
    ReportReceipt,
    ReportStatus,
    ReportSummary,
    Transition,
    VerifiedEmissions,
    apply_adjustments,
    assemble,
    check_figure,
    check_lines,
    check_year,
    next_status,
    request_fingerprint,
)
from openets.mrv.reports import report_id as make_report_id
from openets.mrv.store import MrvStore
from openets.registry.model import Page, optional_key
from openets.registry.services import open_account

R = TypeVar("R")


def _now(app: App) -> str:
    return utc_text(app.clock.now())


def _facility(store: MrvStore, facility_id: str) -> Facility:
    facility = store.load_facility(facility_id)
    if facility is None:
        raise NotFound(f"facility {facility_id!r} does not exist")
    return facility


def _header(store: MrvStore, report_id: str, lock: bool = False) -> Report:
    report = store.load_header(report_id, lock=lock)
    if report is None:
        raise NotFound(f"report {report_id!r} does not exist")
    return report


def _full(store: MrvStore, report_id: str) -> Report:
    report = store.load_report(report_id)
    if report is None:  # pragma: no cover - callers load it in the same transaction
        raise NotFound(f"report {report_id!r} does not exist")
    return report


# --- entities, facilities and monitoring plans ----------------------------------------------


def add_entity(
    app: App,
    entity_id: str,
    name: str,
    sector: str,
    jurisdiction: str = DEFAULT_JURISDICTION.value,
    *,
    by: Actor,
) -> Entity:
    """Add a covered entity and open its compliance account (same id, owner = ``name``).

    Repeating the same call returns the entity; the same id with another name, sector or
    jurisdiction is a :class:`Conflict` (so is an existing account of another kind or owner).
    The account is opened first, in its own transaction; opening is idempotent, so a retry
    after a failure in between completes the entity.
    """
    may.require_add_entity(by)
    check_id("entity", entity_id)
    name = check_name("entity name", name)
    wanted = Entity(
        entity_id, name, parse_sector(sector), parse_jurisdiction(jurisdiction), _now(app)
    )

    def same(existing: Entity) -> Entity:
        if (existing.name, existing.sector, existing.jurisdiction) == (
            wanted.name,
            wanted.sector,
            wanted.jurisdiction,
        ):
            return existing
        raise Conflict(
            f"entity {entity_id!r} already exists as {existing.name!r} "
            f"({existing.sector}, {existing.jurisdiction})"
        )

    with app.reading() as connection:
        existing = MrvStore(connection).load_entity(entity_id)
    if existing is not None:
        return same(existing)
    open_account(app, entity_id, "compliance", owner=name)

    def work(connection: Connection) -> Entity:
        store = MrvStore(connection)
        existing = store.load_entity(entity_id)
        if existing is not None:
            return same(existing)
        store.insert_entity(wanted)
        return wanted

    return app.write_unique(work)


def get_entity(app: App, entity_id: str, *, by: Actor) -> Entity:
    with app.reading() as connection:
        entity = MrvStore(connection).existing_entity(entity_id)
    may.require_read_entity(by, entity)
    return entity


def list_entities(app: App, *, by: Actor, sector: str | None = None) -> list[Entity]:
    """Covered entities by id (an entity user sees only its own)."""
    name = may.entity_scope(by)
    wanted = parse_sector(sector) if sector else None
    with app.reading() as connection:
        return MrvStore(connection).entities(name=name, sector=wanted)


def add_facility(
    app: App,
    facility_id: str,
    entity_id: str,
    name: str,
    city: str = "",
    *,
    by: Actor,
) -> Facility:
    """Add a facility to an entity; the same call again returns it, anything else conflicts."""
    check_id("facility", facility_id)
    name = check_name("facility name", name)
    city = city.strip()
    if len(city) > 100:
        raise InvalidInput("a city has at most 100 characters")

    def work(connection: Connection) -> Facility:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        may.require_edit_facilities(by, entity)
        existing = store.load_facility(facility_id)
        if existing is not None:
            if (existing.entity_id, existing.name, existing.city) == (entity_id, name, city):
                return existing
            raise Conflict(
                f"facility {facility_id!r} already exists as {existing.name!r} of entity "
                f"{existing.entity_id!r}"
            )
        facility = Facility(facility_id, entity_id, name, city, _now(app))
        store.insert_facility(facility)
        return facility

    return app.write_unique(work)


def add_stream(
    app: App, facility_id: str, source: str, item: str, method: str, *, by: Actor
) -> SourceStream:
    """Add a source stream to a facility's monitoring plan, with how it is measured.

    ``method`` is free text (see :data:`~openets.mrv.entities.MEASUREMENT_METHODS`). The same
    stream again with the same method is a no-op; with another method, a :class:`Conflict`.
    """
    stream = SourceStream(
        facility_id,
        parse_source(source),
        check_item(item),
        check_name("measurement method", method, MAX_METHOD),
    )

    def work(connection: Connection) -> SourceStream:
        store = MrvStore(connection)
        facility = _facility(store, facility_id)
        may.require_edit_facilities(by, store.existing_entity(facility.entity_id))
        for existing in store.streams_of([facility_id]):
            if (existing.source, existing.item) == (stream.source, stream.item):
                if existing.method == stream.method:
                    return existing
                raise Conflict(
                    f"facility {facility_id} already monitors {stream.source}/{stream.item} "
                    f"by {existing.method!r}"
                )
        store.insert_stream(stream, _now(app))
        return stream

    return app.write_unique(work)


def monitoring_plan(app: App, facility_id: str, *, by: Actor) -> MonitoringPlan:
    """A facility and its source streams."""
    with app.reading() as connection:
        store = MrvStore(connection)
        facility = _facility(store, facility_id)
        entity = store.existing_entity(facility.entity_id)
        streams = store.streams_of([facility_id])
    may.require_read_entity(by, entity)
    return MonitoringPlan(facility, tuple(streams))


def list_facilities(app: App, entity_id: str, *, by: Actor) -> list[MonitoringPlan]:
    """An entity's facilities, each with its monitoring plan, by facility id."""
    with app.reading() as connection:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        facilities = store.facilities_of(entity_id)
        streams = store.streams_of(f.id for f in facilities)
    may.require_read_entity(by, entity)
    return [
        MonitoringPlan(f, tuple(s for s in streams if s.facility_id == f.id)) for f in facilities
    ]


# --- reports --------------------------------------------------------------------------------


def _quality(
    store: MrvStore,
    entity: Entity,
    year: int,
    lines: Sequence[ReportLine],
    total: Decimal,
    output: Decimal | None,
    rules: QualityRules,
) -> tuple[QualityFlag, ...]:
    previous = store.approved(entity.id, year - 1)
    facilities = [f.id for f in store.facilities_of(entity.id)]
    return check_report(
        sector=entity.sector,
        year=year,
        lines=lines,
        total=total,
        output=output,
        previous=previous.total_tco2 if previous is not None else None,
        facilities=facilities,
        plan=store.streams_of(facilities),
        rules=rules,
    )


def _calculate(
    entity_id: str, lines: Sequence[ActivityLine], library: FactorLibrary | None
) -> Calculation:
    """Each line's emissions, and the entity's totals from the exact sum of all lines."""
    factors = library or FactorLibrary.default()
    per_facility = calculate(lines, factors)
    # the same lines as one facility: the calculation sums them exactly and rounds once
    whole = calculate([dataclasses.replace(a, facility_id=entity_id) for a in lines], factors)
    return assemble(lines, per_facility, whole[0])


def _check_facilities(store: MrvStore, entity: Entity, lines: Sequence[ActivityLine]) -> None:
    """Every line must name a facility of the entity."""
    owned = {f.id for f in store.facilities_of(entity.id)}
    for line in sorted(lines, key=lambda a: a.row):
        if line.facility_id not in owned:
            facility = store.load_facility(line.facility_id)
            if facility is None:
                raise InvalidInput(f"row {line.row}: facility {line.facility_id!r} does not exist")
            raise InvalidInput(
                f"row {line.row}: facility {line.facility_id!r} belongs to entity "
                f"{facility.entity_id!r}, not {entity.id!r}"
            )


def create_report(
    app: App,
    entity_id: str,
    year: int,
    lines: Sequence[ActivityLine],
    *,
    by: Actor,
    output: Decimal | None = None,
    key: str | None = None,
    rules: QualityRules = DEFAULT_RULES,
    library: FactorLibrary | None = None,
) -> ReportReceipt:
    """Create a draft report of an entity's emissions for ``year`` from activity lines.

    The lines' emissions are computed with the factor library (default: the shipped sets)
    and stored with the factor version of each line; nothing is stored if any line is refused.
    The first report of an entity and year is version 1; a new version may follow only an
    approved one (it supersedes it once approved). ``output`` is the production in the
    sector's unit, for the intensity check. With ``key``, a repeat of the same request returns
    the first report (``replayed``); the key with another request is a :class:`Conflict`.
    """
    check_year(year)
    check_id("entity", entity_id)
    key = optional_key(key)
    check_lines(entity_id, year, lines)
    if output is not None and (check_figure("output", output) <= 0):
        raise InvalidInput("output must be a positive number (in the sector's unit)")
    computed = _calculate(entity_id, lines, library)
    fingerprint = request_fingerprint(entity_id, year, lines, output)

    def work(connection: Connection) -> ReportReceipt:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        may.require_create_report(by, entity)
        if key is not None:
            used = store.report_key(key)
            if used is not None:
                if used.fingerprint != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another report")
                return ReportReceipt(_full(store, used.report_id), replayed=True)
        _check_facilities(store, entity, lines)
        latest = store.latest_version(entity_id, year)
        if latest is not None and latest.status in OPEN_STATUSES:
            raise _still_open(latest)
        version = 1 if latest is None else latest.version + 1
        now = _now(app)
        report = Report(
            id=make_report_id(entity_id, year, version),
            entity_id=entity_id,
            year=year,
            version=version,
            status=ReportStatus.DRAFT,
            total_tco2=computed.total_tco2,
            compliance_tco2=computed.compliance_tco2,
            biomass_tco2=computed.biomass_tco2,
            output=output,
            supersedes=latest.id if latest is not None else None,
            verifier=None,
            created_at=now,
            by_source=computed.by_source,
            facilities=computed.facilities,
        )
        store.insert_report(report, key, fingerprint if key is not None else None)
        store.insert_lines(report.id, computed.lines)
        flags = _quality(store, entity, year, computed.lines, computed.total_tco2, output, rules)
        store.replace_flags(report.id, flags)
        note = f"version {version}" + (f", superseding {report.supersedes}" if version > 1 else "")
        step = Transition(
            ReportAction.CREATE, None, ReportStatus.DRAFT, by.name, actor_role(by), now, note
        )
        store.add_transition(report.id, step)
        return ReportReceipt(_full(store, report.id))

    return app.write_unique(work)


@dataclasses.dataclass(frozen=True, slots=True)
class ImportResult:
    """How many rows an emissions import recorded, and how many it already had."""

    imported: int
    unchanged: int


def import_emissions(app: App, rows: Sequence[ImportedEmissions], *, by: Actor) -> ImportResult:
    """Record historical verified emissions as approved reports with provenance "imported"
    (the regulator only), all rows in one transaction.

    Each row becomes the next version of the entity's report for its year, approved at once,
    superseding an approved calculated report if there is one. A row equal to the imported
    report already there changes nothing (so a file can be imported again); a report of that
    year still in progress is a :class:`Conflict` naming the row, and nothing is recorded.
    """
    may.require_approve_report(by)
    if not rows:
        raise InvalidInput("an emissions import needs at least one row")

    def work(connection: Connection) -> ImportResult:
        store = MrvStore(connection)
        now = _now(app)
        imported = unchanged = 0
        for row in rows:
            store.existing_entity(row.entity_id)
            latest = store.latest_version(row.entity_id, row.year)
            if latest is not None and latest.status in OPEN_STATUSES:
                raise Conflict(
                    f"{row.entity_id} {row.year}: report {latest.id} is still "
                    f"{latest.status.value}; finish it before importing that year"
                )
            if latest is not None and _same_import(latest, row):
                unchanged += 1
                continue
            version = 1 if latest is None else latest.version + 1
            value = Decimal(row.verified_tco2)
            report = Report(
                id=make_report_id(row.entity_id, row.year, version),
                entity_id=row.entity_id,
                year=row.year,
                version=version,
                status=ReportStatus.APPROVED,
                total_tco2=value,
                compliance_tco2=row.verified_tco2,
                biomass_tco2=Decimal(0),
                output=row.output,
                supersedes=latest.id if latest is not None else None,
                verifier=None,
                created_at=now,
                provenance="imported",
                energy_tce=row.energy_tce,
            )
            store.insert_report(report, None, None)
            if latest is not None:
                store.set_status(latest.id, ReportStatus.SUPERSEDED)
                store.add_transition(
                    latest.id,
                    Transition(
                        ReportAction.SUPERSEDE,
                        ReportStatus.APPROVED,
                        ReportStatus.SUPERSEDED,
                        by.name,
                        actor_role(by),
                        now,
                        f"superseded by imported {report.id}",
                    ),
                )
            store.add_transition(
                report.id,
                Transition(
                    ReportAction.IMPORT,
                    None,
                    ReportStatus.APPROVED,
                    by.name,
                    actor_role(by),
                    now,
                    "verified emissions imported from an earlier system",
                ),
            )
            imported += 1
        return ImportResult(imported, unchanged)

    return app.write(work)


def _same_import(report: Report, row: ImportedEmissions) -> bool:
    return (
        report.status is ReportStatus.APPROVED
        and report.provenance == "imported"
        and report.compliance_tco2 == row.verified_tco2
        and report.output == row.output
        and report.energy_tce == row.energy_tce
    )


def _still_open(latest: Report) -> RuleViolation:
    return RuleViolation(
        f"report {latest.id} of {latest.entity_id} for {latest.year} is {latest.status}: "
        "a new version may only follow an approved report"
    )


def _step_fingerprint(report_id: str, action: ReportAction, detail: object = None) -> str:
    canonical = json.dumps([report_id, action.value, detail], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(
    store: MrvStore, key: str | None, report_id: str, action: ReportAction, fingerprint: str
) -> Report | None:
    """The report if ``key`` was used before for this very step; Conflict if for another."""
    if key is None:
        return None
    used = store.transition_key(key)
    if used is None:
        return None
    if (used.report_id, used.action, used.fingerprint) != (report_id, action.value, fingerprint):
        raise Conflict(f"idempotency key {key!r} was already used for a different request")
    return _full(store, report_id)


def _record(
    store: MrvStore,
    app: App,
    report: Report,
    action: ReportAction,
    to: ReportStatus,
    by: Actor,
    note: str = "",
    key: str | None = None,
    fingerprint: str | None = None,
) -> None:
    if to is not report.status:
        store.set_status(report.id, to)
    step = Transition(action, report.status, to, by.name, actor_role(by), _now(app), note)
    store.add_transition(report.id, step, key, fingerprint if key is not None else None)


def submit_report(app: App, report_id: str, *, by: Actor, key: str | None = None) -> Report:
    """Submit a draft for verification (the entity itself)."""
    key = optional_key(key)
    fingerprint = _step_fingerprint(report_id, ReportAction.SUBMIT)

    def work(connection: Connection) -> Report:
        store = MrvStore(connection)
        report = _header(store, report_id, lock=True)
        may.require_submit_report(by, store.existing_entity(report.entity_id))
        replay = _replay(store, key, report.id, ReportAction.SUBMIT, fingerprint)
        if replay is not None:
            return replay
        to = next_status(report.id, report.status, ReportAction.SUBMIT)
        _record(store, app, report, ReportAction.SUBMIT, to, by, key=key, fingerprint=fingerprint)
        return _full(store, report.id)

    return app.write_unique(work)


def assign_verifier(app: App, report_id: str, verifier: str, *, by: Actor) -> Report:
    """Assign a verifier (a user with the verifier role) to a draft or submitted report.

    Only the assigned verifier sees and verifies the report; assigning again replaces it.
    """
    may.require_assign_verifier(by)

    def work(connection: Connection) -> Report:
        store = MrvStore(connection)
        report = _header(store, report_id, lock=True)
        role = store.user_role(verifier)
        if role is None:
            raise NotFound(f"user {verifier!r} does not exist")
        if role != "verifier":
            raise InvalidInput(f"user {verifier!r} is a {role}, not a verifier")
        to = next_status(report.id, report.status, ReportAction.ASSIGN)
        if report.verifier == verifier:
            return _full(store, report.id)  # already assigned: nothing to record
        store.set_verifier(report.id, verifier)
        _record(store, app, report, ReportAction.ASSIGN, to, by, note=f"verifier {verifier}")
        return _full(store, report.id)

    return app.write_unique(work)


def verify_report(
    app: App,
    report_id: str,
    adjustments: Sequence[Adjustment] = (),
    *,
    by: Actor,
    key: str | None = None,
    rules: QualityRules = DEFAULT_RULES,
    library: FactorLibrary | None = None,
) -> Report:
    """Verify a submitted report, adjusting lines if needed (the assigned verifier).

    Each adjustment sets one field (``quantity``, or a measured ``ncv``, ``cc``, ``of``,
    ``ef``) of one row, with a reason; the original value is kept in the adjustment record.
    The adjusted lines are recalculated, the totals and quality flags recomputed.
    """
    key = optional_key(key)
    for a in adjustments:
        check_figure(f"adjustment of row {a.row}: {a.field}", a.value)
    detail = [[a.row, a.field, decimal_text(a.value), a.reason.strip()] for a in adjustments]
    fingerprint = _step_fingerprint(report_id, ReportAction.VERIFY, detail)

    def work(connection: Connection) -> Report:
        store = MrvStore(connection)
        report = _header(store, report_id, lock=True)
        may.require_verify_report(by, report.id, report.verifier)
        replay = _replay(store, key, report.id, ReportAction.VERIFY, fingerprint)
        if replay is not None:
            return replay
        to = next_status(report.id, report.status, ReportAction.VERIFY)
        if adjustments:
            now, role = _now(app), actor_role(by)
            lines = store.load_lines(report.id)
            activity, changed = apply_adjustments(report.year, lines, adjustments)
            computed = _calculate(report.entity_id, activity, library)
            store.set_calculation(report.id, computed)
            lines, total = computed.lines, computed.total_tco2
            store.add_adjustments(
                report.id,
                [
                    AdjustmentRecord(
                        a.row, a.field, original, a.value, a.reason.strip(), by.name, role, now
                    )
                    for a, original in changed
                ],
            )
        else:
            lines, total = store.load_lines(report.id), report.total_tco2
        entity = store.existing_entity(report.entity_id)
        flags = _quality(store, entity, report.year, lines, total, report.output, rules)
        store.replace_flags(report.id, flags)
        note = f"{len(adjustments)} adjustment(s)" if adjustments else "no adjustment"
        _record(store, app, report, ReportAction.VERIFY, to, by, note, key, fingerprint)
        return _full(store, report.id)

    return app.write_unique(work)


def approve_report(app: App, report_id: str, *, by: Actor, key: str | None = None) -> Report:
    """Approve a verified report (the regulator); it becomes the entity's verified emissions
    for the year, and the version it supersedes, if any, turns ``superseded``."""
    may.require_approve_report(by)
    key = optional_key(key)
    fingerprint = _step_fingerprint(report_id, ReportAction.APPROVE)

    def work(connection: Connection) -> Report:
        store = MrvStore(connection)
        report = _header(store, report_id, lock=True)
        replay = _replay(store, key, report.id, ReportAction.APPROVE, fingerprint)
        if replay is not None:
            return replay
        to = next_status(report.id, report.status, ReportAction.APPROVE)
        if report.supersedes is not None:
            older = _header(store, report.supersedes, lock=True)
            after = next_status(older.id, older.status, ReportAction.SUPERSEDE)
            _record(store, app, older, ReportAction.SUPERSEDE, after, by, f"by {report.id}")
        _record(store, app, report, ReportAction.APPROVE, to, by, key=key, fingerprint=fingerprint)
        return _full(store, report.id)

    return app.write_unique(work)


# --- reads ----------------------------------------------------------------------------------


def get_report(app: App, report_id: str, *, by: Actor) -> Report:
    """A report with its lines, adjustments, transitions and quality flags."""
    with app.reading() as connection:
        store = MrvStore(connection)
        report = _header(store, report_id)
        may.require_read_report(
            by, report.id, store.existing_entity(report.entity_id), report.verifier
        )
        return _full(store, report.id)


def list_reports(
    app: App,
    *,
    by: Actor,
    status: str | None = None,
    entity_id: str | None = None,
    year: int | None = None,
    after: str | None = None,
    limit: int = 100,
) -> Page[ReportSummary]:
    """Reports by id, ``limit`` at a time (``after``: the last page's ``next_cursor``).

    The regulator sees every report, an entity user its entity's, a verifier those assigned
    to it.
    """
    scope = may.report_scope(by)
    wanted = _parse_status(status) if status else None
    with app.reading() as connection:
        rows = MrvStore(connection).summaries(
            entity_name=scope.entity_name,
            verifier=scope.verifier,
            status=wanted,
            entity_id=entity_id,
            year=year,
            after=after,
            limit=limit,
        )
    items = tuple(rows[:limit])
    return Page(items, items[-1].id if len(rows) > limit else None)


def _parse_status(text: str) -> ReportStatus:
    try:
        return ReportStatus(text.strip().lower())
    except ValueError:
        options = ", ".join(s.value for s in ReportStatus)
        raise InvalidInput(f"unknown report status {text!r}: expected one of {options}") from None


def verified_emissions(app: App, entity_id: str, year: int, *, by: Actor) -> VerifiedEmissions:
    """The compliance total (whole tCO2) of the entity's approved report for ``year``.

    :class:`NotFound` until a report of that year is approved.
    """
    with app.reading() as connection:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        may.require_read_emissions(by, entity)
        report = store.approved(entity_id, year)
    if report is None:
        raise NotFound(f"entity {entity_id!r} has no approved emission report for {year}")
    return _verified(report)


def _verified(report: Report) -> VerifiedEmissions:
    return VerifiedEmissions(
        entity_id=report.entity_id,
        year=report.year,
        tco2=report.compliance_tco2,
        report_id=report.id,
        version=report.version,
        total_tco2=report.total_tco2,
        by_source=report.by_source,
    )


def emissions_history(app: App, entity_id: str, *, by: Actor) -> list[VerifiedEmissions]:
    """The entity's verified emissions of every year with an approved report, by year."""
    with app.reading() as connection:
        store = MrvStore(connection)
        entity = store.existing_entity(entity_id)
        may.require_read_emissions(by, entity)
        reports = store.approved_of(entity_id)
    return [_verified(r) for r in reports]


__all__ = [
    "ImportResult",
    "add_entity",
    "add_facility",
    "add_stream",
    "approve_report",
    "assign_verifier",
    "create_report",
    "emissions_history",
    "get_entity",
    "get_report",
    "import_emissions",
    "list_entities",
    "list_facilities",
    "list_reports",
    "monitoring_plan",
    "submit_report",
    "verified_emissions",
    "verify_report",
]
