"""Offsets use cases: one function each, run in one transaction.

Every state change takes the actor (``by``): a :class:`~openets.auth.model.User` of the API
or web, or :data:`~openets.offsets.permissions.OPERATOR` for the command line; the rules of
:mod:`openets.offsets.permissions` decide. Issuance and retirement change the registry through
:func:`~openets.registry.services.execute_in`, in the same transaction as their own rows, so
both happen or neither does. Reads of projects, statistics, credit origins and certificates
are public. Quantities are whole tCO2e; money is integer fen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.errors import Conflict, InvalidInput, NotFound, RuleViolation
from openets.mrv.calc import decimal_text
from openets.mrv.permissions import actor_name
from openets.offsets import permissions as may
from openets.offsets.methodologies import get_methodology
from openets.offsets.permissions import Actor
from openets.offsets.projects import (
    SCHEMES,
    Certificate,
    Issuance,
    MonitoringReport,
    Period,
    Project,
    ProjectStatus,
    ReportStatus,
    Sale,
    certificate_id,
    check_issuance,
    check_methodology,
    check_project_id,
    check_report,
    check_sale,
    check_transition,
    overlap,
    parse_scheme,
    parse_tags,
    parse_type,
    trace_blocks,
)
from openets.offsets.stats import ProjectFigures, summarise
from openets.offsets.store import OffsetStore
from openets.registry.instruments import parse_instrument
from openets.registry.model import RETIREMENT_ACCOUNT, IssueUnits, RetireUnits
from openets.registry.services import execute_in
from openets.registry.store import LedgerStore

__all__ = [
    "ProjectDetail",
    "advance_project",
    "approve_report",
    "certificate",
    "credit_origin",
    "get_project",
    "get_report",
    "issue",
    "list_projects",
    "project_detail",
    "record_sale",
    "register_project",
    "retire_for_neutrality",
    "stats",
    "submit_report",
    "verify_report",
]

R = TypeVar("R")
MAX_TEXT = 200


def _now(app: App) -> str:
    return utc_text(app.clock.now())


def _text(what: str, value: str, limit: int = 100, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"a project needs a {what}")
    if len(value) > limit:
        raise InvalidInput(f"a {what} has at most {limit} characters")
    return value


def _project(store: OffsetStore, project_id: str) -> Project:
    project = store.load_project(project_id)
    if project is None:
        raise NotFound(f"project {project_id!r} does not exist")
    return project


# --- projects -------------------------------------------------------------------------------


def register_project(
    app: App,
    project_id: str,
    *,
    scheme: str,
    project_type: str,
    methodology: str,
    owner_account: str,
    province: str,
    city: str,
    county: str = "",
    tags: Iterable[str] = (),
    crediting: tuple[int, int] | None = None,
    status: str = ProjectStatus.REGISTERED.value,
    by: Actor,
) -> Project:
    """Register a project whose credits go to ``owner_account`` (an existing registry account).

    ``status`` is ``registered`` for the REST API; the command-line operator may register a
    project straight as ``active``. Repeating the same call returns the project; the same id
    with other details is a :class:`Conflict`.
    """
    may.require_manage_projects(by)
    check_project_id(project_id)
    kind = parse_type(project_type)
    try:
        wanted_status = ProjectStatus(status.strip().lower())
    except ValueError:
        raise InvalidInput(f"unknown project status {status!r}") from None
    if crediting is not None and crediting[1] < crediting[0]:
        raise InvalidInput(f"crediting period {crediting[0]}:{crediting[1]} ends before it starts")
    fields = {
        "scheme": parse_scheme(scheme),
        "project_type": kind,
        "methodology": check_methodology(methodology, kind),
        "province": _text("province", province),
        "city": _text("city", city),
        "county": _text("county", county, required=False),
        "tags": parse_tags(tags),
        "crediting": crediting,
    }

    def work(connection: Connection) -> Project:
        store = OffsetStore(connection)
        existing = store.load_project(project_id)
        if existing is not None:
            same = existing.account == owner_account and all(
                getattr(existing, k) == v for k, v in fields.items()
            )
            if same:
                return existing
            raise Conflict(f"project {project_id!r} already exists with other details")
        account = LedgerStore(connection).load_accounts([owner_account]).get(owner_account)
        if account is None:
            raise NotFound(f"account {owner_account!r} does not exist")
        project = Project(
            id=project_id,
            account=owner_account,
            owner=account.owner,
            status=wanted_status,
            created_at=_now(app),
            **fields,  # type: ignore[arg-type]
        )
        store.insert_project(project)
        return project

    return app.write_unique(work)


def advance_project(app: App, project_id: str, status: str, *, by: Actor) -> Project:
    """Move a project one step: registered → validated → active → closed (regulator)."""
    may.require_manage_projects(by)
    try:
        to = ProjectStatus(status.strip().lower())
    except ValueError:
        raise InvalidInput(f"unknown project status {status!r}") from None

    def work(connection: Connection) -> Project:
        store = OffsetStore(connection)
        project = _project(store, project_id)
        if project.status is to:
            return project
        check_transition(project, to)
        store.set_status(project_id, to)
        return replace(project, status=to)

    return app.write(work)


def get_project(app: App, project_id: str) -> Project:
    """A project (public)."""
    with app.reading() as connection:
        return _project(OffsetStore(connection), project_id)


def list_projects(
    app: App,
    *,
    scheme: str | None = None,
    project_type: str | None = None,
    city: str | None = None,
    tag: str | None = None,
) -> list[Project]:
    """Projects by id, filtered (public)."""
    scheme = parse_scheme(scheme) if scheme else None
    project_type = parse_type(project_type) if project_type else None
    tag = parse_tags([tag])[0] if tag else None
    with app.reading() as connection:
        return OffsetStore(connection).projects(scheme, project_type, city, tag)


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    """A project with its issuances, sales and figures (tCO2e, fen).

    ``outstanding`` = issued − those of its serials retired or cancelled (traced by serial
    ranges in the registry's postings).
    """

    project: Project
    issuances: tuple[Issuance, ...]
    sales: tuple[Sale, ...]
    issued: int
    retired: int
    outstanding: int
    sold: int
    income_fen: int


def project_detail(app: App, project_id: str) -> ProjectDetail:
    """A project, its issuances, sales and outstanding credits (public)."""
    with app.reading() as connection:
        store = OffsetStore(connection)
        project = _project(store, project_id)
        issuances = store.issuances(project_id=project_id)
        sales = store.sales(project_id)
        removed = store.removed_ranges(project.scheme) if issuances else []
    issued = sum(i.quantity for i in issuances)
    retired = sum(
        sign * overlap([(start, end)], i.serial_start, i.serial_end)
        for start, end, sign in removed
        for i in issuances
    )
    return ProjectDetail(
        project=project,
        issuances=tuple(issuances),
        sales=tuple(sales),
        issued=issued,
        retired=retired,
        outstanding=issued - retired,
        sold=sum(s.quantity for s in sales),
        income_fen=sum(s.income_fen for s in sales),
    )


# --- monitoring reports ---------------------------------------------------------------------


def submit_report(
    app: App,
    project_id: str,
    period: Period,
    inputs: Mapping[str, object],
    claimed: int,
    *,
    by: Actor,
) -> MonitoringReport:
    """Submit a monitoring report: the methodology computes the reductions from ``inputs``.

    Refused, storing nothing: a project that is not active, a period outside the crediting
    period, overlapping an earlier report or in a year already credited, and a claim larger
    than the methodology's whole tonnes (the message names both figures).
    """
    try:
        inputs_text = json.dumps(dict(inputs), sort_keys=True, default=str)
    except TypeError:
        raise InvalidInput("methodology inputs must be an object of name -> number") from None

    def work(connection: Connection) -> MonitoringReport:
        store = OffsetStore(connection)
        project = _project(store, project_id)
        may.require_submit_report(by, project)
        reduction = get_methodology(project.methodology).calculate(inputs)
        issued_years = [i.year for i in store.issuances(project_id=project_id)]
        check_report(
            project, period, claimed, reduction.tonnes, store.reports(project_id), issued_years
        )
        report = MonitoringReport(
            id=f"{project_id}-MR{store.report_count(project_id) + 1}",
            project_id=project_id,
            period=period,
            inputs=inputs_text,
            claimed=claimed,
            computed=reduction.tonnes,
            exact=decimal_text(reduction.exact),
            detail=dict(reduction.detail),
            status=ReportStatus.SUBMITTED,
            submitted_by=actor_name(by),
            verified_by=None,
            approved_by=None,
            created_at=_now(app),
        )
        store.insert_report(report)
        return report

    return app.write_unique(work)


def get_report(app: App, report_id: str, *, by: Actor) -> MonitoringReport:
    with app.reading() as connection:
        store = OffsetStore(connection)
        report = store.load_report(report_id)
        if report is None:
            raise NotFound(f"monitoring report {report_id!r} does not exist")
        may.require_read_report(by, _project(store, report.project_id))
    return report


def _step(
    app: App, report_id: str, frm: ReportStatus, to: ReportStatus, column: str, by: Actor
) -> MonitoringReport:
    def work(connection: Connection) -> MonitoringReport:
        store = OffsetStore(connection)
        report = store.load_report(report_id)
        if report is None:
            raise NotFound(f"monitoring report {report_id!r} does not exist")
        if report.status is not frm:
            raise RuleViolation(f"monitoring report {report_id} is {report.status}, not {frm}")
        store.update_report(report_id, status=to.value, **{column: actor_name(by)})
        updated = store.load_report(report_id)
        assert updated is not None
        return updated

    return app.write(work)


def verify_report(app: App, report_id: str, *, by: Actor) -> MonitoringReport:
    """submitted → verified (a verifier)."""
    may.require_verify_report(by)
    return _step(app, report_id, ReportStatus.SUBMITTED, ReportStatus.VERIFIED, "verified_by", by)


def approve_report(app: App, report_id: str, *, by: Actor) -> MonitoringReport:
    """verified → approved (the regulator); issuance for its year then draws on it."""
    may.require_approve_report(by)
    return _step(app, report_id, ReportStatus.VERIFIED, ReportStatus.APPROVED, "approved_by", by)


# --- issuance -------------------------------------------------------------------------------


def issue(
    app: App,
    project_id: str,
    year: int,
    quantity: int,
    *,
    by: Actor,
    key: str | None = None,
) -> Issuance:
    """Issue ``quantity`` credits (t) of vintage ``year`` into the project owner's account.

    The registry entry (provenance: project, vintage, report ids or ``direct``) and the
    issuance row are one transaction. With approved monitoring reports for the year the
    quantity may not exceed their claims, and they become ``credited``; without, it is a
    direct issuance. A second issuance for the same project and year is a
    :class:`RuleViolation`; a retry with the same ``key`` returns the first issuance.
    """
    may.require_issue(by)
    key = key.strip() if key and key.strip() else None

    def work(connection: Connection) -> Issuance:
        store = OffsetStore(connection)
        if key is not None:
            earlier = store.issuance_by_key(key)
            if earlier is not None:
                if (earlier.project_id, earlier.year, earlier.quantity) == (
                    project_id,
                    year,
                    quantity,
                ):
                    return earlier
                raise Conflict(f"idempotency key {key!r} was already used for another issuance")
        project = _project(store, project_id)
        approved = [
            r
            for r in store.reports(project_id)
            if r.period.year == year and r.status is ReportStatus.APPROVED
        ]
        issued_years = [i.year for i in store.issuances(project_id=project_id)]
        provenance = check_issuance(project, year, quantity, issued_years, approved)
        source = ",".join(r.id for r in approved) if approved else "direct"
        command = IssueUnits(
            project.scheme,
            quantity,
            project.account,
            key=f"offsets-issue:{key}" if key else None,
            provenance=(("project", project.id), ("vintage", str(year)), ("source", source)),
        )
        (entry,) = execute_in(app, connection, [command])
        posting = next(p for p in entry.postings if p.account == project.account)
        assert posting.serial_start is not None
        assert posting.serial_end is not None
        issuance = Issuance(
            project_id=project.id,
            year=year,
            instrument=project.scheme,
            quantity=quantity,
            entry_seq=entry.seq,
            serial_start=posting.serial_start,
            serial_end=posting.serial_end,
            provenance=provenance,
            issued_at=_now(app),
            key=key,
        )
        store.insert_issuance(issuance)
        for report in approved:
            store.update_report(report.id, status=ReportStatus.CREDITED.value)
        return issuance

    return app.write_unique(work)


@dataclass(frozen=True, slots=True)
class CreditOrigin:
    """Where one credit comes from: its project, vintage and issuance."""

    instrument: str
    serial: int
    project: Project
    vintage: int
    issuance: Issuance


def credit_origin(app: App, instrument: str, serial: int) -> CreditOrigin:
    """The project, vintage and issuance of one credit, by its serial number (public)."""
    code = parse_instrument(instrument).code
    if serial <= 0:
        raise InvalidInput(f"serial numbers start at 1, got {serial}")
    with app.reading() as connection:
        store = OffsetStore(connection)
        issuance = store.issuance_at(code, serial)
        if issuance is None:
            raise NotFound(f"serial {serial} of {code} was not issued to an offset project")
        project = _project(store, issuance.project_id)
    return CreditOrigin(code, serial, project, issuance.year, issuance)


# --- revenue and statistics -----------------------------------------------------------------


def record_sale(
    app: App,
    project_id: str,
    quantity: int,
    price_fen: int,
    buyer: str,
    date_: str | date,
    *,
    by: Actor,
) -> Sale:
    """Record a sale of a project's credits at ``price_fen`` per tonne (owner or regulator).

    The project's sold quantity may not exceed its issued credits.
    """
    try:
        day = date_ if isinstance(date_, date) else date.fromisoformat(str(date_).strip())
    except ValueError:
        raise InvalidInput(f"sale date {date_!r}: write YYYY-MM-DD") from None
    buyer = buyer.strip()
    if len(buyer) > MAX_TEXT:
        raise InvalidInput(f"a buyer has at most {MAX_TEXT} characters")

    def work(connection: Connection) -> Sale:
        store = OffsetStore(connection)
        project = _project(store, project_id)
        may.require_record_sale(by, project)
        issued = store.issued_by_project().get(project_id, 0)
        sold = sum(s.quantity for s in store.sales(project_id))
        check_sale(project_id, quantity, price_fen, buyer, issued, sold)
        sale = Sale(
            id=0,
            project_id=project_id,
            quantity=quantity,
            price_fen=price_fen,
            income_fen=quantity * price_fen,
            buyer=buyer,
            date=day.isoformat(),
            recorded_by=actor_name(by),
            recorded_at=_now(app),
        )
        return replace(sale, id=store.insert_sale(sale))

    return app.write(work)


def stats(app: App) -> dict[str, Any]:
    """Credits issued and sold (t) and income (fen), by scheme, area tag and city (public).

    A credit of a project with several tags counts in each tag, once in ``tagged_total``.
    """
    with app.reading() as connection:
        store = OffsetStore(connection)
        projects = store.projects()
        issued = store.issued_by_project()
        sold = store.sold_by_project()
    return summarise(
        ProjectFigures(p, issued.get(p.id, 0), *sold.get(p.id, (0, 0))) for p in projects
    )


# --- retirement for carbon neutrality -------------------------------------------------------


def retire_for_neutrality(
    app: App,
    account: str,
    instrument: str,
    quantity: int,
    beneficiary: str,
    purpose: str,
    *,
    by: Actor,
    key: str | None = None,
) -> Certificate:
    """Retire offset credits for voluntary carbon neutrality and issue a public certificate.

    The registry retirement and the certificate (id ``RC-<year>-<n>``, the serial blocks
    retired and their projects) are one transaction. A retry with the same ``key`` returns the
    first certificate.
    """
    code = parse_instrument(instrument).code
    if code not in SCHEMES:
        raise InvalidInput(f"only offset credits ({', '.join(SCHEMES)}) are retired this way")
    beneficiary = beneficiary.strip()
    purpose = purpose.strip()
    if not beneficiary or not purpose:
        raise InvalidInput("a neutrality retirement needs a beneficiary and a purpose")
    if len(beneficiary) > MAX_TEXT or len(purpose) > 500:
        raise InvalidInput("the beneficiary has at most 200 characters, the purpose 500")
    key = key.strip() if key and key.strip() else None

    def work(connection: Connection) -> Certificate:
        store = OffsetStore(connection)
        holder = LedgerStore(connection).load_accounts([account]).get(account)
        if holder is None:
            raise NotFound(f"account {account!r} does not exist")
        may.require_retire(by, account, holder.owner)
        command = RetireUnits(
            code,
            quantity,
            account,
            reason=f"carbon neutrality: {purpose}",
            beneficiary=beneficiary,
            key=f"offsets-retire:{key}" if key else None,
        )
        (entry,) = execute_in(app, connection, [command])
        earlier = store.certificate_by_entry(entry.seq)
        if earlier is not None:
            return earlier
        blocks = [
            (p.serial_start, p.serial_end)
            for p in entry.postings
            if p.account == RETIREMENT_ACCOUNT
            and p.serial_start is not None
            and p.serial_end is not None
        ]
        year = business_date(app.clock.now()).year
        certificate = Certificate(
            id=certificate_id(year, store.certificate_count(year) + 1),
            account=account,
            instrument=code,
            quantity=quantity,
            beneficiary=beneficiary,
            purpose=purpose,
            entry_seq=entry.seq,
            retired_at=_now(app),
            blocks=trace_blocks(blocks, store.issuances(instrument=code)),
        )
        store.insert_certificate(certificate, year)
        return certificate

    return app.write_unique(work)


def certificate(app: App, certificate_id: str) -> Certificate:
    """A retirement certificate by id (public: no login)."""
    with app.reading() as connection:
        found = OffsetStore(connection).load_certificate(certificate_id.strip().upper())
    if found is None:
        raise NotFound(f"retirement certificate {certificate_id!r} does not exist")
    return found
