"""Compliance use cases: surrender, status, closing a year with its penalties, an entity's
position. One function each; every state change runs in one transaction.

Who may (the actor is a :class:`~openets.auth.model.User` or the command-line operator, who may
take every step):

- surrender: the entity itself (an entity user acting for it) or the regulator;
- status and position: the regulator (every entity) and an entity user (its own entity);
- closing a year and extending a deadline: the regulator;
- coverage: the regulator; the deadlines: anyone.

Quantities are whole tonnes; money integer fen; prices fen per tonne, exact (``Decimal`` or
``Fraction``, never float).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.compliance.calendar import (
    YearCalendar,
    require_on_time,
    require_year_over,
    year_calendar,
)
from openets.compliance.coverage import CoverageLine, coverage
from openets.compliance.jurisdiction import (
    JurisdictionYear,
    OffsetBasis,
    jurisdictions,
    load_jurisdiction,
)
from openets.compliance.penalties import penalty_rule
from openets.compliance.rules import (
    ComplianceStatus,
    PenaltyRule,
    SurrenderContext,
    SurrenderLine,
    SurrenderRequest,
    check_surrender,
    offset_limit,
    penalty,
    status,
)
from openets.compliance.store import (
    ClosedYear,
    ComplianceStore,
    PenaltyRecord,
    StoredLine,
    StoredSurrender,
    Used,
)
from openets.errors import Conflict, InvalidInput, NotAuthorised, RuleViolation
from openets.mrv.entities import parse_jurisdiction
from openets.mrv.permissions import (
    Actor,
    actor_name,
    acts_for,
    acts_for_name,
    is_regulator,
    require_regulator,
    who,
)
from openets.mrv.store import MrvStore
from openets.offsets.store import OffsetStore
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    JournalEntry,
    SurrenderUnits,
    optional_key,
)
from openets.registry.services import balance, execute_in

__all__ = [
    "CloseOutcome",
    "EntityPosition",
    "EntityStatus",
    "Holding",
    "OffsetHeadroom",
    "PendingEntity",
    "SurrenderReceipt",
    "calendars",
    "close_year",
    "compliance_status",
    "coverage_lines",
    "deadlines_view",
    "entity_position",
    "jurisdictions_present",
    "surrender",
    "surrenders_of",
]

#: Longest idempotency key; the registry entry's key adds ``surrender:`` in front.
MAX_KEY = 180
_FIRST_YEAR, _LAST_YEAR = 2005, 2100


def _year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise InvalidInput(f"compliance year must be {_FIRST_YEAR}-{_LAST_YEAR}, got {year!r}")
    return year


def _may_see(actor: Actor, name: str) -> bool:
    """Whether the actor may see the compliance figures of the entity called ``name``."""
    return is_regulator(actor) or acts_for_name(actor, name)


def _require_see(actor: Actor, entity_id: str, name: str) -> None:
    if not _may_see(actor, name):
        raise NotAuthorised(f"{who(actor)} may not read the compliance of {entity_id!r}")


def _utc_date(text: str) -> date:
    return business_date(datetime.fromisoformat(text))


def jurisdictions_present(app: App) -> list[str]:
    """The jurisdictions of the entities in the database, sorted."""
    with app.reading() as connection:
        return ComplianceStore(connection).jurisdictions_present()


# --- surrender ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurrenderReceipt:
    """A recorded surrender: its registry entry and lines (offsets by project). ``replayed``
    is true when an idempotency key matched an earlier identical request."""

    id: int
    entity_id: str
    year: int
    entry_seq: int
    lines: tuple[StoredLine, ...]
    actor: str
    at: str
    key: str | None
    replayed: bool = False

    @property
    def allowances(self) -> int:
        return sum(line.quantity for line in self.lines if not line.is_offset)

    @property
    def offsets(self) -> int:
        return sum(line.quantity for line in self.lines if line.is_offset)


def _receipt(stored: StoredSurrender, replayed: bool) -> SurrenderReceipt:
    return SurrenderReceipt(
        id=stored.id,
        entity_id=stored.entity_id,
        year=stored.year,
        entry_seq=stored.entry_seq,
        lines=stored.lines,
        actor=stored.actor,
        at=stored.at,
        key=stored.key,
        replayed=replayed,
    )


def _units(units: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    if not units:
        raise InvalidInput("a surrender needs at least one instrument and quantity")
    lines = []
    for instrument, quantity in units:
        code = parse_instrument(instrument).code
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InvalidInput(
                f"{code}: quantity must be a whole number of tonnes > 0, not {quantity!r}"
            )
        lines.append((code, quantity))
    codes = [code for code, _ in lines]
    if len(set(codes)) != len(codes):
        raise InvalidInput("a surrender names each instrument once")
    return tuple(lines)


def _replay(stored: StoredSurrender, fingerprint: str, key: str) -> SurrenderReceipt:
    if stored.fingerprint != fingerprint:
        raise Conflict(f"idempotency key {key!r} was already used for a different surrender")
    return _receipt(stored, replayed=True)


def _context(
    config: JurisdictionYear, prior_verified: int, used: Used, market: int
) -> SurrenderContext:
    rules = config.offsets
    return SurrenderContext(
        prior_verified=prior_verified,
        offset_limit_share=rules.limit_share,
        local_share=rules.local_ccer_share,
        province=rules.local_province or "",
        excluded_types=frozenset(rules.excluded_types),
        market_cap=rules.market_cap_tonnes,
        market_used=market,
        entity_offsets_used=used.offsets,
        entity_ccer_used=used.ccer,
        entity_ccer_local_used=used.ccer_local,
        allowance_family=config.instrument,
    )


def _basis(config: JurisdictionYear, line: CoverageLine) -> tuple[int, int | None]:
    """The year the offset limit is a share of, and the entity's verified figure of it."""
    if config.offsets.basis is OffsetBasis.PRIOR_YEAR:
        return line.year - 1, line.verified_prior
    return line.year, line.verified_year


def _offset_lines(
    connection: Connection, entry: JournalEntry, offsets: set[str]
) -> list[StoredLine]:
    """The credits ``entry`` moved to the cancellation account, split by the offset issuances
    their serials come from: one line per instrument and project, in serial order."""
    store = ComplianceStore(connection)
    projects = OffsetStore(connection)
    amounts: dict[tuple[str, str], int] = {}
    for posting in entry.postings:
        if posting.account != CANCELLATION_ACCOUNT or posting.instrument not in offsets:
            continue
        first, last = posting.serial_start, posting.serial_end
        assert first is not None
        assert last is not None
        at = first
        for start, end, project_id in store.issuance_ranges(posting.instrument, first, last):
            if start > at:
                break
            upto = min(end, last)
            key = (posting.instrument, project_id)
            amounts[key] = amounts.get(key, 0) + upto - at + 1
            at = upto + 1
            if at > last:
                break
        if at <= last:
            raise RuleViolation(
                f"unknown origin: {last - at + 1:,} t of {posting.instrument} (serials "
                f"{at}–{last}) were not issued to a registered offset project, so their type "
                "and province are unknown and they cannot be surrendered"
            )
    lines = []
    for (instrument, project_id), quantity in amounts.items():
        project = projects.load_project(project_id)
        assert project is not None  # an issuance row refers to its project
        lines.append(
            StoredLine(
                instrument, quantity, True, project.id, project.project_type, project.province
            )
        )
    return lines


def surrender(
    app: App,
    entity_id: str,
    year: int,
    units: Sequence[tuple[str, int]],
    *,
    by: Actor,
    key: str | None = None,
) -> SurrenderReceipt:
    """Surrender allowances and offset credits from ``entity_id``'s compliance account for
    compliance year ``year``: ``units`` are ``(instrument, tonnes)`` pairs (``GDEA-2024``,
    ``CCER``, ``PHCER``, ``SINK``), each instrument once.

    One transaction moves every unit to the cancellation account (one registry entry of kind
    ``surrender``) and records the surrender, its offsets split by project. Refused
    (:class:`RuleViolation`, naming the rule and the figures; nothing changes) when the entity
    is not covered in ``year``, the year is not over, the surrender or offset-request deadline
    has passed, the year is closed, an allowance is borrowed or of another jurisdiction, an
    offset scheme is not eligible, an offset project's type is excluded, the offset limit,
    local CCER share or market cap would be exceeded, or the balance does not suffice.
    A retry with the same ``key`` and request returns the first receipt (``replayed``); the
    same key with another request is a :class:`Conflict`.
    """
    _year(year)
    request = _units(units)
    key = optional_key(key, MAX_KEY)
    fingerprint = f"surrender|{entity_id}|{year}|" + ",".join(
        f"{code}={quantity}" for code, quantity in sorted(request)
    )

    def work(connection: Connection) -> SurrenderReceipt:
        store = ComplianceStore(connection)
        entity = MrvStore(connection).existing_entity(entity_id)
        if not (is_regulator(by) or acts_for(by, entity)):
            raise NotAuthorised(
                f"{who(by)} may not surrender for {entity.id!r}: only the entity itself or "
                "the regulator may"
            )
        if key is not None:
            earlier = store.surrender_by_key(key)
            if earlier is not None:
                return _replay(earlier, fingerprint, key)
        config = load_jurisdiction(entity.jurisdiction.value, year)
        (line,) = coverage(connection, year, entity_id=entity.id)
        if not line.covered:
            raise RuleViolation(
                f"not covered: {entity.id} is not covered in {year} ({line.reason}), so it has "
                "nothing to surrender for that year"
            )
        on = app.today()
        require_year_over(year, on)
        if config.name in store.closed_years(year):
            raise RuleViolation(f"{config.name} {year} is closed: no more surrenders for it")
        calendar = year_calendar(connection, config.name, year)
        require_on_time(calendar, "surrender", on, "a surrender")
        offsets = {code for code, _ in request if not parse_instrument(code).is_allowance}
        allowances = [
            SurrenderLine(code, None, quantity) for code, quantity in request if code not in offsets
        ]
        # the rules on allowances need no data: refuse before any unit moves
        if allowances:
            check_surrender(
                SurrenderRequest(year, tuple(allowances)), _context(config, 0, Used(), 0)
            )
        basis_verified = 0
        if offsets:
            require_on_time(calendar, "offset_request", on, "offsets in a surrender")
            for code in sorted(offsets):
                if code not in config.offsets.schemes:
                    raise RuleViolation(
                        f"offset scheme not eligible: {code} cannot be surrendered in "
                        f"{config.name} for {year} (eligible: {', '.join(config.offsets.schemes)})"
                    )
            basis_year, figure = _basis(config, line)
            if figure is None:
                share = (config.offsets.limit_share * 100).normalize()
                raise RuleViolation(
                    f"offset limit unknown until the {basis_year} emissions of {entity.id} are "
                    f"verified (the limit is {share:f}% of them)"
                )
            basis_verified = figure
        command = SurrenderUnits(
            entity.id, request, f"compliance {year}", key=f"surrender:{key}" if key else None
        )
        (entry,) = execute_in(app, connection, [command])
        if key is not None:  # a concurrent retry may have committed while we waited
            earlier = store.surrender_by_key(key)
            if earlier is not None:
                return _replay(earlier, fingerprint, key)
        lines = [
            StoredLine(code, quantity, False) for code, quantity in request if code not in offsets
        ]
        lines += _offset_lines(connection, entry, offsets)
        used = store.used(entity.id, year, config.offsets.local_province)
        market = store.market_offsets(config.name, year) if offsets else 0
        check_surrender(
            SurrenderRequest(
                year,
                tuple(
                    SurrenderLine(x.instrument, None, x.quantity, x.province, x.project_type)
                    for x in lines
                ),
            ),
            _context(config, basis_verified, used, market),
        )
        at = utc_text(app.clock.now())
        surrender_id = store.insert_surrender(
            entity_id=entity.id,
            year=year,
            entry_seq=entry.seq,
            key=key,
            fingerprint=fingerprint,
            actor=actor_name(by),
            at=at,
            lines=lines,
        )
        return SurrenderReceipt(
            surrender_id, entity.id, year, entry.seq, tuple(lines), actor_name(by), at, key
        )

    return app.write_unique(work)


def surrenders_of(app: App, entity_id: str, year: int, *, by: Actor) -> list[SurrenderReceipt]:
    """The surrenders recorded for ``entity_id`` and ``year``, oldest first."""
    with app.reading() as connection:
        entity = MrvStore(connection).existing_entity(entity_id)
        _require_see(by, entity.id, entity.name)
        stored = ComplianceStore(connection).surrenders_of(entity.id, year)
    return [_receipt(s, replayed=False) for s in stored]


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityStatus:
    """One entity's compliance for one year. ``closed``: the year is closed for its
    jurisdiction or its surrender deadline has passed; ``report_late``: its approved report
    was created after the (extended) report deadline."""

    entity_id: str
    name: str
    sector: str
    jurisdiction: str
    year: int
    covered: bool
    reason: str
    verified_tco2: int | None
    surrendered_allowances: int
    surrendered_offsets: int
    shortfall: int
    status: ComplianceStatus
    closed: bool
    report_late: bool


class _Calendars:
    """Calendars and closed years of one compliance year, loaded once per jurisdiction."""

    def __init__(self, connection: Connection, year: int) -> None:
        self.connection = connection
        self.year = year
        self.closed = ComplianceStore(connection).closed_years(year)
        self._cache: dict[str, YearCalendar] = {}

    def __call__(self, jurisdiction: str) -> YearCalendar:
        if jurisdiction not in self._cache:
            self._cache[jurisdiction] = year_calendar(self.connection, jurisdiction, self.year)
        return self._cache[jurisdiction]

    def is_closed(self, jurisdiction: str, on: date) -> bool:
        return jurisdiction in self.closed or on > self(jurisdiction)["surrender"].date


def _statuses(
    connection: Connection, year: int, lines: Sequence[CoverageLine], on: date
) -> list[EntityStatus]:
    store = ComplianceStore(connection)
    totals = store.totals(year)
    created = store.approved_created(year)
    calendars = _Calendars(connection, year)
    result = []
    for line in lines:
        allowances, offsets = totals.get(line.entity_id, (0, 0))
        closed = calendars.is_closed(line.jurisdiction, on)
        shortfall, state = status(
            line.verified_year, allowances, offsets, required=line.covered, closed=closed
        )
        made = created.get(line.entity_id)
        late = made is not None and _utc_date(made) > calendars(line.jurisdiction)["report"].date
        result.append(
            EntityStatus(
                entity_id=line.entity_id,
                name=line.name,
                sector=line.sector,
                jurisdiction=line.jurisdiction,
                year=year,
                covered=line.covered,
                reason=line.reason,
                verified_tco2=line.verified_year,
                surrendered_allowances=allowances,
                surrendered_offsets=offsets,
                shortfall=shortfall,
                status=state,
                closed=closed,
                report_late=late,
            )
        )
    return result


def _scoped(
    connection: Connection,
    year: int,
    *,
    entity_id: str | None,
    jurisdiction: str | None,
    by: Actor,
) -> list[CoverageLine]:
    """Coverage lines of the entities the actor may see (one entity, one jurisdiction)."""
    if entity_id is not None:
        entity = MrvStore(connection).existing_entity(entity_id)
        _require_see(by, entity.id, entity.name)
    elif not is_regulator(by) and not (
        isinstance(by, User) and by.role is Role.ENTITY and by.owner
    ):
        raise NotAuthorised(f"{who(by)} may not read compliance status")
    name = parse_jurisdiction(jurisdiction).value if jurisdiction else None
    lines = coverage(connection, year, jurisdiction=name, entity_id=entity_id)
    return [line for line in lines if _may_see(by, line.name)]


def compliance_status(
    app: App,
    year: int,
    *,
    entity_id: str | None = None,
    jurisdiction: str | None = None,
    include_not_required: bool = False,
    by: Actor,
) -> list[EntityStatus]:
    """The compliance of each covered entity (every entity with ``include_not_required``)
    for ``year``, by entity id.

    ``pending`` while no verified figure exists, or while the entity is short before its
    surrender deadline (extensions included) has passed and the year is not closed;
    then ``compliant`` or ``shortfall``. The regulator sees every entity, an entity user its
    own.
    """
    _year(year)
    on = app.today()
    with app.reading() as connection:
        lines = _scoped(connection, year, entity_id=entity_id, jurisdiction=jurisdiction, by=by)
        if not include_not_required:
            lines = [line for line in lines if line.covered]
        return _statuses(connection, year, lines, on)


def coverage_lines(
    app: App, year: int, *, jurisdiction: str | None = None, by: Actor
) -> list[CoverageLine]:
    """Every entity (of ``jurisdiction``) with its coverage decision for ``year`` (regulator)."""
    _year(year)
    require_regulator(by, "read the coverage of every entity")
    name = parse_jurisdiction(jurisdiction).value if jurisdiction else None
    with app.reading() as connection:
        return coverage(connection, year, jurisdiction=name)


# --- closing a year -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingEntity:
    """A covered entity without verified emissions when its year was closed: not penalised."""

    entity_id: str
    jurisdiction: str
    reason: str


@dataclass(frozen=True, slots=True)
class CloseOutcome:
    """The jurisdictions closed for ``year``, the penalties recorded (ever, for them) and the
    covered entities still pending. ``newly_closed`` names those this call closed."""

    year: int
    closed: tuple[ClosedYear, ...]
    penalties: tuple[PenaltyRecord, ...]
    pending: tuple[PendingEntity, ...]
    newly_closed: tuple[str, ...]


Price = int | Decimal | Fraction


def _price(price_fen: Price | None) -> Fraction | None:
    if price_fen is None:
        return None
    if isinstance(price_fen, bool) or not isinstance(price_fen, int | Decimal | Fraction):
        raise InvalidInput(f"the price must be a number of fen per tonne, not {price_fen!r}")
    if isinstance(price_fen, Decimal) and not price_fen.is_finite():
        raise InvalidInput(f"the price must be a number of fen per tonne, not {price_fen}")
    price = Fraction(price_fen)
    if price < 0:
        raise InvalidInput(f"the price must be ≥ 0 fen per tonne, not {price_fen}")
    return price


def _price_text(price: Fraction) -> str:
    """Exact text of a price in fen: ``4520``, ``4520.5`` or a fraction ``18251/6``."""
    if price.denominator == 1:
        return str(price.numerator)
    exact = Decimal(price.numerator) / Decimal(price.denominator)
    if Fraction(exact) == price:
        return f"{exact:f}"
    return f"{price.numerator}/{price.denominator}"


def _multiple(multiple: Decimal | int | str | None) -> Decimal | None:
    if multiple is None:
        return None
    try:
        value = Decimal(str(multiple).strip()) if isinstance(multiple, str) else Decimal(multiple)
    except InvalidOperation:
        raise InvalidInput(f"the fine multiple must be a number, not {multiple!r}") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"the fine multiple must be a number > 0, not {multiple}")
    return value


def close_year(
    app: App,
    year: int,
    *,
    jurisdiction: str | None = None,
    price_fen: Price | None = None,
    multiple: Decimal | int | str | None = None,
    by: Actor,
) -> CloseOutcome:
    """Close compliance year ``year`` for ``jurisdiction`` (default: every jurisdiction with
    covered entities) and penalise each covered entity with verified emissions that is short
    (regulator only; one transaction).

    Refused before the (extended) surrender deadline has passed. Each shortfall gets the
    jurisdiction's penalty (:func:`~openets.compliance.penalties.penalty_rule` with
    ``multiple`` where the regulation gives a range; ``price_fen`` per tonne, needed by the
    Shenzhen and national fines): a ``penalties`` row and a ``penalty`` deduction of next
    year's free allocation. Covered entities without verified emissions are listed as pending,
    not penalised. Closing again returns the recorded outcome and never penalises twice; an
    entity pending at the first close whose emissions have been verified since is penalised
    then.
    """
    require_regulator(by, "close a compliance year")
    _year(year)
    price = _price(price_fen)
    chosen = _multiple(multiple)
    wanted = parse_jurisdiction(jurisdiction).value if jurisdiction else None

    def work(connection: Connection) -> CloseOutcome:
        store = ComplianceStore(connection)
        lines = [line for line in coverage(connection, year, jurisdiction=wanted) if line.covered]
        names = [wanted] if wanted else sorted({line.jurisdiction for line in lines})
        on = app.today()
        closed = store.closed_years(year)
        penalised = {p.entity_id for p in store.penalties(year)}
        totals = store.totals(year)
        now = utc_text(app.clock.now())
        pending: list[PendingEntity] = []
        newly: list[str] = []
        for name in names:
            calendar = year_calendar(connection, name, year)
            if name not in closed:
                deadline = calendar["surrender"]
                if on <= deadline.date:
                    extended = " (extended)" if deadline.extended else ""
                    raise RuleViolation(
                        f"too early: {name} {year} cannot be closed before its surrender "
                        f"deadline {deadline.date.isoformat()}{extended} has passed "
                        f"(today is {on.isoformat()})"
                    )
            config = load_jurisdiction(name, year)
            rule: PenaltyRule | None = None
            for line in lines:
                if line.jurisdiction != name:
                    continue
                if line.verified_year is None:
                    pending.append(
                        PendingEntity(
                            line.entity_id,
                            name,
                            f"no approved emission report for {year}: not penalised until its "
                            "emissions are verified",
                        )
                    )
                    continue
                if line.entity_id in penalised:
                    continue
                allowances, offsets = totals.get(line.entity_id, (0, 0))
                shortfall, _ = status(line.verified_year, allowances, offsets)
                if not shortfall:
                    continue
                if rule is None:
                    rule = penalty_rule(config, chosen)
                if rule.price_multiple and price is None:
                    raise InvalidInput(
                        f"the {name} penalty is shortfall × {rule.price_multiple} × the price per "
                        "tonne: pass the price (--price YUAN, e.g. 45.20)"
                    )
                result = penalty(rule, shortfall, price)
                record = PenaltyRecord(
                    year=year,
                    entity_id=line.entity_id,
                    jurisdiction=name,
                    verified=line.verified_year,
                    surrendered=allowances + offsets,
                    shortfall=shortfall,
                    deduction_next_year=result.deduction_next_year,
                    fine_fen=result.fine_fen,
                    price_fen=_price_text(price)
                    if rule.price_multiple and price is not None
                    else None,
                    multiple=str(rule.price_multiple) if rule.price_multiple else None,
                    at=now,
                )
                store.insert_penalty(record)
                if result.deduction_next_year:
                    store.insert_deduction(
                        line.entity_id, "penalty", year, result.deduction_next_year, now
                    )
            if name not in closed:
                store.insert_closed(ClosedYear(name, year, actor_name(by), now))
                newly.append(name)
        after = store.closed_years(year)
        return CloseOutcome(
            year=year,
            closed=tuple(after[name] for name in names),
            penalties=tuple(store.penalties(year, names)),
            pending=tuple(pending),
            newly_closed=tuple(newly),
        )

    return app.write_unique(work)


# --- an entity's position -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    """Units held in the compliance account; ``usable``: they may be surrendered for the year
    (an allowance of the jurisdiction's family and vintage ≤ N, or an eligible offset scheme;
    an offset's project type and province are checked when it is surrendered)."""

    instrument: str
    vintage: int | None
    quantity: int
    frozen: int
    usable: bool

    @property
    def available(self) -> int:
        return self.quantity - self.frozen


@dataclass(frozen=True, slots=True)
class OffsetHeadroom:
    """How many more offsets the entity may surrender for the year.

    ``limit`` is ``floor(limit_share × basis_verified)`` (None while the basis year is not
    verified); ``headroom = max(0, limit − used)``, also bounded by what the market cap leaves.
    ``local_ccer_needed``: if the whole headroom were used as CCER, how many of those tonnes
    would have to come from projects in the local province (ceil(share × all CCER) − local
    CCER used).
    """

    basis: str
    basis_year: int
    basis_verified: int | None
    limit_share: Decimal
    limit: int | None
    used: int
    headroom: int | None
    schemes: tuple[str, ...]
    excluded_types: tuple[str, ...]
    local_province: str | None
    local_ccer_share: Decimal
    ccer_used: int
    ccer_local_used: int
    local_ccer_needed: int | None
    market_cap: int | None
    market_used: int


@dataclass(frozen=True, slots=True)
class EntityPosition:
    status: EntityStatus
    holdings: tuple[Holding, ...]
    offsets: OffsetHeadroom
    calendar: YearCalendar
    today: date


def _headroom(
    config: JurisdictionYear, line: CoverageLine, used: Used, market: int
) -> OffsetHeadroom:
    rules = config.offsets
    basis_year, figure = _basis(config, line)
    limit = offset_limit(figure, rules.limit_share) if figure is not None else None
    headroom = None
    needed = None
    if limit is not None:
        headroom = max(0, limit - used.offsets)
        if rules.market_cap_tonnes is not None:
            headroom = min(headroom, max(0, rules.market_cap_tonnes - market))
        total = Fraction(rules.local_ccer_share) * (used.ccer + headroom)
        needed = max(0, math.ceil(total) - used.ccer_local)
    return OffsetHeadroom(
        basis=rules.basis.value,
        basis_year=basis_year,
        basis_verified=figure,
        limit_share=rules.limit_share,
        limit=limit,
        used=used.offsets,
        headroom=headroom,
        schemes=rules.schemes,
        excluded_types=rules.excluded_types,
        local_province=rules.local_province,
        local_ccer_share=rules.local_ccer_share,
        ccer_used=used.ccer,
        ccer_local_used=used.ccer_local,
        local_ccer_needed=needed,
        market_cap=rules.market_cap_tonnes,
        market_used=market,
    )


def _usable(config: JurisdictionYear, instrument: str, year: int) -> bool:
    parsed = parse_instrument(instrument)
    if parsed.is_allowance:
        assert parsed.vintage is not None
        return parsed.family.value == config.instrument and parsed.vintage <= year
    return parsed.code in config.offsets.schemes


def entity_position(app: App, entity_id: str, year: int, *, by: Actor) -> EntityPosition:
    """What ``entity_id`` holds, owes and has surrendered for ``year``, its offset headroom and
    its deadlines (the entity itself or the regulator)."""
    _year(year)
    on = app.today()
    with app.reading() as connection:
        entity = MrvStore(connection).existing_entity(entity_id)
        _require_see(by, entity.id, entity.name)
        config = load_jurisdiction(entity.jurisdiction.value, year)
        (line,) = coverage(connection, year, entity_id=entity.id)
        (state,) = _statuses(connection, year, [line], on)
        store = ComplianceStore(connection)
        used = store.used(entity.id, year, config.offsets.local_province)
        market = store.market_offsets(config.name, year)
        calendar = year_calendar(connection, config.name, year)
    held = balance(app, entity.id)
    holdings = tuple(
        Holding(
            p.instrument,
            parse_instrument(p.instrument).vintage,
            p.quantity,
            p.frozen,
            _usable(config, p.instrument, year),
        )
        for p in held.balances
    )
    return EntityPosition(state, holdings, _headroom(config, line, used, market), calendar, on)


# --- reads for the board --------------------------------------------------------------------


def calendars(app: App, year: int, jurisdiction: str | None = None) -> list[YearCalendar]:
    """The deadlines of ``year`` for ``jurisdiction``, or for every jurisdiction with entities
    (every shipped one when there is none yet); public."""
    _year(year)
    with app.reading() as connection:
        if jurisdiction:
            names = [parse_jurisdiction(jurisdiction).value]
        else:
            names = ComplianceStore(connection).jurisdictions_present() or jurisdictions()
        return [year_calendar(connection, name, year) for name in names]


def deadlines_view(app: App, jurisdiction: str, year: int) -> dict[str, Any]:
    """The JSON document of one jurisdiction's deadlines for ``year``, with the days left
    from the business date (for the board)."""
    from openets.compliance.views import calendar_view

    (calendar,) = calendars(app, year, jurisdiction)
    return calendar_view(calendar, app.today())
