"""Allocation use cases: preview, pre-allocation, true-up, new entrants, closures, reads.

Each state change is one transaction that writes the allocation rows and moves the units in
the registry (:func:`~openets.registry.services.execute_in`), so both happen or neither does.
Every write is the regulator's (or the command-line operator's); an entity user reads its own
lines. Tonnes are whole numbers, factors ``Decimal``; the pure rules are
:mod:`openets.allocation.rules`.

Where the figures come from (approved MRV reports, calculated or imported):

- **pre-allocation of year N**: the output of year N-1 (benchmark, intensity, data centres);
  base-period intensity = Σ verified emissions / Σ output over the configured base years with
  both known, and base-period emissions = the mean of the base years' verified emissions, each
  rounded half-up to 4 decimal places;
- **true-up of year N**: the same stored factors with the output of year N (historical
  emissions: unchanged), scaled within what the cap leaves; the free difference is issued or
  taken back.

Every service takes ``config``, the jurisdiction loader (default: the shipped configuration),
so a caller or a test can change a year's figures without editing files. Coverage (who takes
part) is decided by :func:`openets.compliance.coverage.coverage` on the shipped configuration.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Connection

from openets.allocation import rules
from openets.allocation.rules import AllocationInput, Method
from openets.allocation.store import (
    PHASES,
    AllocationLine,
    AllocationRound,
    AllocationStore,
    Figures,
    OutstandingDeduction,
)
from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import utc_text
from openets.compliance.coverage import CoverageLine, coverage
from openets.compliance.jurisdiction import (
    AllocationMethod,
    JurisdictionYear,
    SectorAllocation,
    load_jurisdiction,
)
from openets.errors import Conflict, InvalidInput, NotAuthorised, RuleViolation
from openets.mrv.calc import EXACT, decimal_text
from openets.mrv.entities import Sector, parse_sector
from openets.mrv.permissions import Actor, is_regulator, require_regulator, who
from openets.mrv.store import MrvStore
from openets.registry.model import (
    AccountKind,
    CancelUnits,
    IssueUnits,
    JournalEntry,
    RegistryCommand,
)
from openets.registry.services import execute_in
from openets.registry.store import LedgerStore

__all__ = [
    "AllocationLine",
    "AllocationRound",
    "AllocationRun",
    "AllocationTable",
    "ConfigLoader",
    "Holding",
    "JurisdictionTotals",
    "LineReceipt",
    "Missing",
    "RoundPlan",
    "allocate_entrant",
    "allocation_table",
    "auction_account",
    "auction_account_of",
    "base_emissions",
    "base_intensity",
    "close_entity",
    "compute",
    "entity_lines",
    "holdings",
    "issue",
    "plan_round",
    "require_regulator",
    "true_up",
]

#: loads a jurisdiction's configuration for a year (default: the shipped TOML files)
ConfigLoader = Callable[[str, int], JurisdictionYear]

_BASE_PLACES = 4  # base-period intensity and emissions: half-up to 4 decimal places


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Missing:
    """A covered entity that gets nothing this round, and why."""

    entity: str
    jurisdiction: str
    reason: str


@dataclass(frozen=True, slots=True)
class JurisdictionTotals:
    """One jurisdiction's round: the cap and the sums of its lines (tonnes).

    ``scaled`` says whether the entitlements exceeded what the cap left and were scaled down.
    For a stored round, ``replayed`` says it had been issued before this call (nothing moved)
    and ``reserve_entry_seq`` is the registry entry that moved the auction reserve.
    """

    name: str
    cap: int
    entitlement: int
    allocated: int
    free: int
    reserve: int
    scaled: bool
    replayed: bool = False
    reserve_entry_seq: int | None = None
    at: str = ""


@dataclass(frozen=True, slots=True)
class AllocationRun:
    """A preview (``stored`` false) or an issued round (pre-allocation or true-up)."""

    year: int
    phase: str  # pre | true_up
    jurisdictions: tuple[JurisdictionTotals, ...]
    lines: tuple[AllocationLine, ...]
    missing: tuple[Missing, ...]
    stored: bool

    @property
    def replayed(self) -> bool:
        """Whether every jurisdiction's round had already been issued (nothing changed)."""
        return bool(self.jurisdictions) and all(j.replayed for j in self.jurisdictions)


@dataclass(frozen=True, slots=True)
class LineReceipt:
    """A new entrant's or a closure's stored line; ``replayed``: recorded before, unchanged."""

    line: AllocationLine
    replayed: bool


@dataclass(frozen=True, slots=True)
class AllocationTable:
    """The stored rounds and lines of a year (rounds: for the regulator only)."""

    year: int
    rounds: tuple[AllocationRound, ...]
    lines: tuple[AllocationLine, ...]


# --- permissions ------------------------------------------------------------------------------


def _reader_scope(store: AllocationStore, actor: Actor) -> set[str] | None:
    """The entity ids a reader may see; None means all (the regulator)."""
    if is_regulator(actor):
        return None
    if isinstance(actor, User) and actor.role is Role.ENTITY and actor.owner:
        return store.entity_ids_named(actor.owner)
    raise NotAuthorised(f"{who(actor)} may not read allocations")


# --- pure helpers -----------------------------------------------------------------------------


def _half_up(value: Fraction, places: int = _BASE_PLACES) -> Decimal:
    """``value`` (≥ 0) rounded half-up to ``places`` decimals, computed exactly."""
    scaled = math.floor(value * 10**places + Fraction(1, 2))
    return EXACT.scaleb(Decimal(scaled), -places)


def base_intensity(years: Iterable[Figures | None]) -> Decimal | None:
    """Σ verified emissions / Σ output over the base years with both known (tCO2 per unit of
    output), rounded half-up to 4 decimal places; None without such a year or output."""
    pairs = [(f.verified_tco2, f.output) for f in years if f is not None and f.output is not None]
    output = sum((Fraction(o) for _, o in pairs), Fraction(0))
    if not pairs or output == 0:
        return None
    return _half_up(Fraction(sum(e for e, _ in pairs)) / output)


def base_emissions(years: Iterable[Figures | None]) -> Decimal | None:
    """The mean verified emissions of the base years known (tCO2), rounded half-up to 4
    decimal places; None when no base year is known."""
    known = [f.verified_tco2 for f in years if f is not None]
    if not known:
        return None
    return _half_up(Fraction(sum(known), len(known)))


@dataclass(frozen=True, slots=True)
class Holding:
    """What an entity holds of a year's allocation now (tonnes)."""

    allocated: int
    free: int
    reserve: int


_NOTHING = Holding(0, 0, 0)
_RANK = {phase: n for n, phase in enumerate(PHASES)}


def holdings(lines: Iterable[AllocationLine]) -> dict[str, Holding]:
    """Each entity's current allocation of a year: its latest line (pre or entrant, then
    true-up, then closure) says what it holds."""
    latest: dict[str, AllocationLine] = {}
    for line in lines:
        before = latest.get(line.entity)
        if before is None or _RANK[line.phase] >= _RANK[before.phase]:
            latest[line.entity] = line
    return {e: Holding(x.allocated, x.free, x.reserve) for e, x in latest.items()}


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """A round's allocation within the cap, and what changes against the holdings before.

    ``available`` = cap − what the entities outside the round hold; ``free_change`` per
    entity = new free − free held (> 0 issue, < 0 take back); ``reserve_change`` the same for
    the auction reserve of the round's entities together.
    """

    available: int
    allocation: rules.Allocation
    free_change: Mapping[str, int]
    reserve_change: int


def plan_round(
    cap: int, current: Mapping[str, Holding], inputs: Sequence[AllocationInput]
) -> RoundPlan:
    """Allocate ``inputs`` within what ``cap`` leaves after the entities outside the round.

    The round's entities replace what they held (``current``); the others keep theirs, so
    afterwards Σ allocated ≤ cap and Σ (free + reserve) ≤ cap for the jurisdiction-year.
    """
    inside = {item.entity for item in inputs}
    used = sum(h.allocated for entity, h in current.items() if entity not in inside)
    available = max(0, cap - used)
    allocation = rules.allocate(inputs, available)
    changes = {
        line.entity: line.free - current.get(line.entity, _NOTHING).free
        for line in allocation.entities
    }
    before = sum(current.get(entity, _NOTHING).reserve for entity in inside)
    return RoundPlan(available, allocation, changes, allocation.reserve_total - before)


def auction_account(config: JurisdictionYear) -> str:
    """The account of a jurisdiction's auction reserve (``GDEA-AUCTION``)."""
    return f"{config.instrument}-AUCTION"


def auction_account_of(
    jurisdiction: str, year: int, *, config: ConfigLoader = load_jurisdiction
) -> str:
    """The auction account of a jurisdiction in ``year`` (``guangdong`` → ``GDEA-AUCTION``);
    it is opened by the first allocation that sets a reserve aside."""
    return auction_account(config(jurisdiction, year))


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    entity: str
    sector: str
    method: Method
    free_share: Decimal
    inputs: dict[str, Decimal]


def _years(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


def _base(params: SectorAllocation, figures: Callable[[int], Figures | None]) -> Decimal | str:
    """Base-period intensity or emissions from the base years, or why it is missing."""
    years = [figures(y) for y in params.base_years]
    if params.method is AllocationMethod.HISTORICAL_EMISSIONS:
        emissions = base_emissions(years)
        if emissions is None:
            return f"no verified emissions in the base years {_years(params.base_years)}"
        return emissions
    intensity = base_intensity(years)
    if intensity is None:
        return f"no base year ({_years(params.base_years)}) with both verified emissions and output"
    return intensity


def _formula(
    params: SectorAllocation, output: Decimal | None, base: Decimal | None
) -> dict[str, Decimal]:
    """The method's inputs by name, in the order of its formula; ``base`` is the base-period
    emissions or intensity of the historical methods."""
    method = params.method

    def need(value: Decimal | None, name: str) -> Decimal:
        if value is None:  # the configuration's validation requires it: a guard, not a rule
            raise InvalidInput(f"the {params.sector} allocation ({method}) has no {name}")
        return value

    if method is AllocationMethod.BENCHMARK:
        return {
            "output": need(output, "output"),
            "benchmark": need(params.benchmark, "benchmark"),
            "adjustment_factor": need(params.adjustment_factor, "adjustment factor"),
        }
    if method is AllocationMethod.HISTORICAL_INTENSITY:
        return {
            "output": need(output, "output"),
            "base_intensity": need(base, "base intensity"),
            "decline_factor": need(params.decline_factor, "decline factor"),
        }
    if method is AllocationMethod.HISTORICAL_EMISSIONS:
        return {
            "base_emissions": need(base, "base emissions"),
            "decline_factor": need(params.decline_factor, "decline factor"),
        }
    return {
        "output": need(output, "output"),
        "electricity_factor": need(params.electricity_factor, "electricity factor"),
        "decline_factor": need(params.decline_factor, "decline factor"),
    }


def _method_inputs(
    params: SectorAllocation, figures: Callable[[int], Figures | None], output_year: int
) -> dict[str, Decimal] | str:
    """The method's inputs from the verified figures, or the reason they are missing."""
    output = None
    if params.method is not AllocationMethod.HISTORICAL_EMISSIONS:
        current = figures(output_year)
        if current is None or current.output is None:
            return f"no verified output for {output_year}"
        output = current.output
    base = None
    if params.method in _HISTORICAL:
        found = _base(params, figures)
        if isinstance(found, str):
            return found
        base = found
    return _formula(params, output, base)


_HISTORICAL = (AllocationMethod.HISTORICAL_INTENSITY, AllocationMethod.HISTORICAL_EMISSIONS)


#: The fields of the rule's input each method fills, from the inputs named in ``_formula``.
_RULE_FIELDS: dict[Method, dict[str, str]] = {
    Method.BENCHMARK: {
        "output": "output",
        "factor": "benchmark",
        "adjustment": "adjustment_factor",
    },
    Method.HISTORICAL_INTENSITY: {
        "output": "output",
        "factor": "base_intensity",
        "adjustment": "decline_factor",
    },
    Method.HISTORICAL_EMISSIONS: {"factor": "base_emissions", "adjustment": "decline_factor"},
    Method.DATA_CENTRE: {
        "output": "output",
        "adjustment": "decline_factor",
        "data_centre_factor": "electricity_factor",
    },
}


def _rule_input(c: _Candidate) -> AllocationInput:
    fields = {field: c.inputs[name] for field, name in _RULE_FIELDS[c.method].items()}
    return AllocationInput(c.entity, c.method, c.free_share, **fields)


def _texts(inputs: Mapping[str, Decimal]) -> dict[str, str]:
    return {name: decimal_text(value) for name, value in inputs.items()}


def _lookup(
    figures: Mapping[tuple[str, int], Figures], entity: str
) -> Callable[[int], Figures | None]:
    return lambda year: figures.get((entity, year))


# --- shared steps -----------------------------------------------------------------------------


def _now(app: App) -> str:
    return utc_text(app.clock.now())


def _config(loader: ConfigLoader, name: str, year: int) -> tuple[JurisdictionYear, int]:
    config = loader(name, year)
    if config.cap.tonnes is None:
        raise InvalidInput(
            f"the {year} cap of {config.name} is not set in its configuration: the regulator "
            "sets it (cap.tonnes) before allocating"
        )
    return config, config.cap.tonnes


def _scope(
    connection: Connection, year: int, jurisdiction: str | None, loader: ConfigLoader
) -> dict[str, tuple[JurisdictionYear, int, list[CoverageLine]]]:
    """The jurisdictions of a round with their configuration, cap and covered entities:
    the one named, or every jurisdiction with at least one entity covered in ``year``."""
    named = _config(loader, jurisdiction, year)[0].name if jurisdiction is not None else None
    covered: dict[str, list[CoverageLine]] = {}
    for line in coverage(connection, year, named):
        if line.covered:
            covered.setdefault(line.jurisdiction, []).append(line)
    names = [named] if named is not None else sorted(covered)
    scope = {}
    for name in names:
        config, cap = _config(loader, name, year)
        scope[name] = (config, cap, sorted(covered.get(name, []), key=lambda c: c.entity_id))
    return scope


def _base_years(configs: Iterable[JurisdictionYear]) -> set[int]:
    return {y for c in configs for p in c.allocation.values() for y in p.base_years}


def _candidates(
    config: JurisdictionYear,
    covered: Sequence[CoverageLine],
    figures: Mapping[tuple[str, int], Figures],
    output_year: int,
    skip: set[str],
    closed: Mapping[str, int],
) -> tuple[list[_Candidate], list[Missing]]:
    """Covered entities with the data for their method, and those without (with why)."""
    candidates: list[_Candidate] = []
    missing: list[Missing] = []
    for c in covered:
        entity = c.entity_id
        if entity in skip:
            continue
        if entity in closed:
            missing.append(
                Missing(
                    entity,
                    config.name,
                    f"closed in {closed[entity]}: allocate to it again as a new entrant",
                )
            )
            continue
        params = config.allocation.get(Sector(c.sector))
        if params is None:
            reason = f"sector {c.sector} has no allocation method in {config.name} {config.year}"
            missing.append(Missing(entity, config.name, reason))
            continue
        got = _method_inputs(params, _lookup(figures, entity), output_year)
        if isinstance(got, str):
            missing.append(Missing(entity, config.name, got))
            continue
        candidates.append(
            _Candidate(entity, c.sector, Method(params.method.value), params.free_share, got)
        )
    return candidates, missing


@dataclass(frozen=True, slots=True)
class _PrePlan:
    config: JurisdictionYear
    cap: int
    candidates: tuple[_Candidate, ...]
    plan: RoundPlan
    deducted: Mapping[str, int]  # earlier deductions to take off each entity's free part
    owed: Mapping[str, list[OutstandingDeduction]]  # the deductions outstanding, oldest first
    missing: tuple[Missing, ...]


def _plan_pre(
    store: AllocationStore,
    year: int,
    config: JurisdictionYear,
    cap: int,
    covered: Sequence[CoverageLine],
    figures: Mapping[tuple[str, int], Figures],
    closed: Mapping[str, int],
) -> _PrePlan:
    existing = store.lines(year=year, jurisdiction=config.name)
    # entities already allocated to as new entrants keep that, and it counts against the cap
    entrants = {line.entity for line in existing if line.phase == "entrant"}
    candidates, missing = _candidates(config, covered, figures, year - 1, entrants, closed)
    plan = plan_round(cap, holdings(existing), [_rule_input(c) for c in candidates])
    owed = store.outstanding(year, [c.entity for c in candidates])
    deducted = {
        line.entity: rules.apply_deduction(
            line.free, sum(d.outstanding for d in owed.get(line.entity, []))
        ).deducted
        for line in plan.allocation.entities
    }
    return _PrePlan(config, cap, tuple(candidates), plan, deducted, owed, tuple(missing))


def _lines_of(
    year: int,
    phase: str,
    config: JurisdictionYear,
    candidates: Sequence[_Candidate],
    plan: RoundPlan,
) -> list[AllocationLine]:
    """Preview lines of a round (nothing deducted, issued or stored yet)."""
    return [
        AllocationLine(
            year=year,
            entity=c.entity,
            phase=phase,
            jurisdiction=config.name,
            sector=c.sector,
            method=c.method.value,
            inputs=_texts(c.inputs),
            exact=line.exact,
            entitlement=line.entitlement,
            allocated=line.allocated,
            free=line.free,
            reserve=line.reserve,
            deducted=0,
            issued=0,
            owed=0,
            entry_seq=None,
            at="",
        )
        for c, line in zip(candidates, plan.allocation.entities, strict=True)
    ]


def _totals(
    name: str,
    cap: int,
    lines: Sequence[AllocationLine],
    *,
    replayed: bool = False,
    reserve_entry_seq: int | None = None,
    at: str = "",
) -> JurisdictionTotals:
    entitlement = sum(x.entitlement for x in lines)
    allocated = sum(x.allocated for x in lines)
    return JurisdictionTotals(
        name=name,
        cap=cap,
        entitlement=entitlement,
        allocated=allocated,
        free=sum(x.free for x in lines),
        reserve=sum(x.reserve for x in lines),
        scaled=entitlement > allocated,
        replayed=replayed,
        reserve_entry_seq=reserve_entry_seq,
        at=at,
    )


def _key(config: JurisdictionYear, phase: str, entity: str | None = None) -> str:
    """Registry idempotency key of an allocation entry; the auction reserve's has no
    ``:entity`` part, so no entity id can collide with it."""
    base = f"allocation:{config.name}:{config.year}:{phase}"
    return f"{base}:{entity}" if entity is not None else f"{base}-reserve"


def _provenance(phase: str, year: int, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("allocation", phase), ("year", str(year)), *extra)


_RESERVE = ("part", "auction reserve")


def _replay(store: AllocationStore, stored: AllocationRound) -> list[AllocationLine]:
    return store.lines(year=stored.year, jurisdiction=stored.jurisdiction, phases=(stored.phase,))


def _stored_totals(stored: AllocationRound, lines: Sequence[AllocationLine]) -> JurisdictionTotals:
    return _totals(
        stored.jurisdiction,
        stored.cap,
        lines,
        replayed=True,
        reserve_entry_seq=stored.reserve_entry_seq,
        at=stored.at,
    )


# --- preview and pre-allocation ---------------------------------------------------------------


def compute(
    app: App,
    year: int,
    jurisdiction: str | None = None,
    *,
    by: Actor,
    config: ConfigLoader = load_jurisdiction,
) -> AllocationRun:
    """Preview the pre-allocation of ``year`` (nothing is stored or issued).

    Jurisdictions: the one named, or every one with an entity covered in ``year``; each needs
    its cap configured (InvalidInput otherwise). Covered entities without the figures their
    method needs are listed in ``missing`` with the reason and do not block the others.
    ``deducted`` is what earlier deductions will take off each free part, ``issued`` what
    would be issued (free − deducted).
    """
    require_regulator(by, "compute allocations")
    with app.reading() as connection:
        store = AllocationStore(connection)
        scope = _scope(connection, year, jurisdiction, config)
        figures = store.figures({year - 1} | _base_years(c for c, _, _ in scope.values()))
        closed = store.closed_before(year)
        totals: list[JurisdictionTotals] = []
        lines: list[AllocationLine] = []
        missing: list[Missing] = []
        for name, (cfg, cap, covered) in scope.items():
            pre = _plan_pre(store, year, cfg, cap, covered, figures, closed)
            these = [
                _with_deduction(line, deducted=pre.deducted[line.entity])
                for line in _lines_of(year, "pre", cfg, pre.candidates, pre.plan)
            ]
            totals.append(_totals(name, cap, these))
            lines.extend(these)
            missing.extend(pre.missing)
    return AllocationRun(year, "pre", tuple(totals), tuple(lines), tuple(missing), stored=False)


def _with_deduction(line: AllocationLine, *, deducted: int) -> AllocationLine:
    return replace(line, deducted=deducted, issued=line.free - deducted)


def issue(
    app: App,
    year: int,
    jurisdiction: str | None = None,
    *,
    by: Actor,
    config: ConfigLoader = load_jurisdiction,
) -> AllocationRun:
    """Issue the pre-allocation of ``year``, one round per jurisdiction, in one transaction.

    Each entity's free part, less the outstanding deductions of earlier years (oldest first),
    is issued as ``{instrument}-{year}`` into its compliance account (key
    ``allocation:{jurisdiction}:{year}:pre:{entity}``); the auction reserve of the round goes
    in one issuance to ``{instrument}-AUCTION`` (opened if needed). A jurisdiction whose round
    was issued before is not issued again: its stored round comes back with ``replayed``.
    """
    require_regulator(by, "issue allocations")

    def work(connection: Connection) -> AllocationRun:
        LedgerStore(connection).lock_head()  # allocation rounds are written one at a time
        store = AllocationStore(connection)
        now = _now(app)
        scope = _scope(connection, year, jurisdiction, config)
        issued = {name: store.load_round(name, year, "pre") for name in scope}
        fresh = [cfg for name, (cfg, _, _) in scope.items() if issued[name] is None]
        figures = store.figures({year - 1} | _base_years(fresh))
        closed = store.closed_before(year)
        totals: list[JurisdictionTotals] = []
        lines: list[AllocationLine] = []
        missing: list[Missing] = []
        for name, (cfg, cap, covered) in scope.items():
            stored = issued[name]
            if stored is not None:
                these = _replay(store, stored)
                totals.append(_stored_totals(stored, these))
            else:
                pre = _plan_pre(store, year, cfg, cap, covered, figures, closed)
                these, round_ = _issue_pre(app, connection, store, pre, by.name, now)
                totals.append(
                    _totals(name, cap, these, reserve_entry_seq=round_.reserve_entry_seq, at=now)
                )
                missing.extend(pre.missing)
            lines.extend(these)
        return AllocationRun(year, "pre", tuple(totals), tuple(lines), tuple(missing), True)

    return app.write_unique(work)


def _issue_pre(
    app: App,
    connection: Connection,
    store: AllocationStore,
    pre: _PrePlan,
    actor: str,
    now: str,
) -> tuple[list[AllocationLine], AllocationRound]:
    cfg, year = pre.config, pre.config.year
    code = cfg.allowance_code
    lines = _lines_of(year, "pre", cfg, pre.candidates, pre.plan)
    commands: list[RegistryCommand] = []
    owners: list[str | None] = []  # the entity of each command; None: the auction reserve
    for line in lines:
        amount = line.free - pre.deducted[line.entity]
        if amount > 0:
            commands.append(
                IssueUnits(
                    code,
                    amount,
                    line.entity,
                    key=_key(cfg, "pre", line.entity),
                    provenance=_provenance("pre", year),
                )
            )
            owners.append(line.entity)
    reserve = pre.plan.allocation.reserve_total
    if reserve > 0:
        store.ensure_account(auction_account(cfg), AccountKind.AUCTION, cfg.name, now)
        commands.append(
            IssueUnits(
                code,
                reserve,
                auction_account(cfg),
                key=_key(cfg, "pre"),
                provenance=_provenance("pre", year, _RESERVE),
            )
        )
        owners.append(None)
    entries = execute_in(app, connection, commands) if commands else []
    seqs = {owner: entry.seq for owner, entry in zip(owners, entries, strict=True)}
    _take_deductions(store, pre.owed, pre.deducted)
    stored = [
        _with_stored(
            line,
            deducted=pre.deducted[line.entity],
            issued=line.free - pre.deducted[line.entity],
            entry_seq=seqs.get(line.entity),
            at=now,
        )
        for line in lines
    ]
    store.insert_lines(stored)
    round_ = AllocationRound(
        jurisdiction=cfg.name,
        year=year,
        phase="pre",
        cap=pre.cap,
        free_total=pre.plan.allocation.free_total,
        reserve_total=reserve,
        reserve_entry_seq=seqs.get(None),
        actor=actor,
        at=now,
    )
    store.insert_round(round_)
    return stored, round_


def _with_stored(
    line: AllocationLine,
    *,
    deducted: int = 0,
    issued: int,
    owed: int = 0,
    entry_seq: int | None,
    at: str,
) -> AllocationLine:
    return replace(line, deducted=deducted, issued=issued, owed=owed, entry_seq=entry_seq, at=at)


def _take_deductions(
    store: AllocationStore,
    owed: Mapping[str, list[OutstandingDeduction]],
    deducted: Mapping[str, int],
) -> None:
    """Record the deductions taken off this year's free allocation, oldest first."""
    for entity, tonnes in deducted.items():
        left = tonnes
        for item in owed.get(entity, []):
            if left == 0:
                break
            taken = min(left, item.outstanding)
            store.set_deducted(item.id, item.deducted + taken)
            left -= taken


# --- true-up ----------------------------------------------------------------------------------


def true_up(
    app: App,
    year: int,
    jurisdiction: str | None = None,
    *,
    by: Actor,
    config: ConfigLoader = load_jurisdiction,
) -> AllocationRun:
    """True up the allocation of ``year`` from its verified output, per jurisdiction.

    Each pre-allocated entity (not closed) gets its final entitlement from the factors stored
    with its pre-allocation and the output of ``year`` (historical emissions: unchanged);
    covered entities without any allocation of ``year`` but with the figures get their full
    allocation now. The final entitlements are scaled within what the cap leaves after the
    others (entities without the year's output keep their pre-allocation). The difference of
    free parts is issued (> 0) or taken back (< 0, key ``allocation:{j}:{year}:true_up:{e}``)
    up to the units available; the rest is owed, a ``true_up`` deduction from a later
    allocation. The auction reserve moves by the difference of reserves. Needs the
    pre-allocation round; a round trued up before comes back with ``replayed``.
    """
    require_regulator(by, "true up allocations")

    def work(connection: Connection) -> AllocationRun:
        LedgerStore(connection).lock_head()
        store = AllocationStore(connection)
        now = _now(app)
        scope = _scope(connection, year, jurisdiction, config)
        for name in scope:
            if store.load_round(name, year, "pre") is None:
                raise RuleViolation(
                    f"the {year} pre-allocation of {name} has not been issued: issue it "
                    "before the true-up"
                )
        figures = store.figures({year} | _base_years(c for c, _, _ in scope.values()))
        closed = store.closed_before(year)
        totals: list[JurisdictionTotals] = []
        lines: list[AllocationLine] = []
        missing: list[Missing] = []
        for name, (cfg, cap, covered) in scope.items():
            stored = store.load_round(name, year, "true_up")
            if stored is not None:
                these = _replay(store, stored)
                totals.append(_stored_totals(stored, these))
            else:
                these, round_, gaps = _true_up_one(
                    app, connection, store, cfg, cap, covered, figures, closed, by.name, now
                )
                totals.append(
                    _totals(name, cap, these, reserve_entry_seq=round_.reserve_entry_seq, at=now)
                )
                missing.extend(gaps)
            lines.extend(these)
        return AllocationRun(year, "true_up", tuple(totals), tuple(lines), tuple(missing), True)

    return app.write_unique(work)


def _true_up_candidates(
    cfg: JurisdictionYear,
    existing: Sequence[AllocationLine],
    covered: Sequence[CoverageLine],
    figures: Mapping[tuple[str, int], Figures],
    closed: Mapping[str, int],
) -> tuple[list[_Candidate], list[Missing]]:
    """The entities of a true-up, by id: the pre-allocated (not closed) with the year's
    output, and the covered ones without any allocation of the year (late entrants)."""
    phases: dict[str, set[str]] = {}
    pre: dict[str, AllocationLine] = {}
    for line in existing:
        phases.setdefault(line.entity, set()).add(line.phase)
        if line.phase == "pre":
            pre[line.entity] = line
    candidates: list[_Candidate] = []
    missing: list[Missing] = []
    for entity, line in sorted(pre.items()):
        if phases[entity] & {"closure", "true_up"}:
            continue
        got = _final_inputs(cfg, line, _lookup(figures, entity))
        if isinstance(got, str):
            missing.append(Missing(entity, cfg.name, got))
        else:
            candidates.append(got)
    late, late_missing = _candidates(cfg, covered, figures, cfg.year, set(phases), closed)
    return sorted([*candidates, *late], key=lambda c: c.entity), [*missing, *late_missing]


@dataclass
class _Moves:
    """Registry commands of a round, who each is for (None: the auction reserve), and what
    each entity got (> 0) or gave back (< 0) and still owes."""

    commands: list[RegistryCommand]
    owners: list[str | None]
    moved: dict[str, tuple[int, int]]

    def add(self, command: RegistryCommand, owner: str | None) -> None:
        self.commands.append(command)
        self.owners.append(owner)


def _true_up_moves(
    cfg: JurisdictionYear, plan: RoundPlan, held: Mapping[tuple[str, str], int]
) -> _Moves:
    year, code = cfg.year, cfg.allowance_code
    moves = _Moves([], [], {})
    for entity, change in plan.free_change.items():
        key = _key(cfg, "true_up", entity)
        if change > 0:
            provenance = _provenance("true_up", year)
            moves.add(IssueUnits(code, change, entity, key=key, provenance=provenance), entity)
            moves.moved[entity] = (change, 0)
        elif change < 0:
            taken = min(held[(entity, code)], -change)
            if taken > 0:
                reason = f"true-up {year}"
                moves.add(CancelUnits(code, taken, entity, reason=reason, key=key), entity)
            moves.moved[entity] = (-taken, -change - taken)
    auction, key = auction_account(cfg), _key(cfg, "true_up")
    if plan.reserve_change > 0:
        provenance = _provenance("true_up", year, _RESERVE)
        moves.add(
            IssueUnits(code, plan.reserve_change, auction, key=key, provenance=provenance), None
        )
    elif plan.reserve_change < 0:
        # reserve units already sold at auction cannot be taken back: they stay sold
        taken = min(held[(auction, code)], -plan.reserve_change)
        if taken > 0:
            reason = f"true-up {year} auction reserve"
            moves.add(CancelUnits(code, taken, auction, reason=reason, key=key), None)
    return moves


def _true_up_one(
    app: App,
    connection: Connection,
    store: AllocationStore,
    cfg: JurisdictionYear,
    cap: int,
    covered: Sequence[CoverageLine],
    figures: Mapping[tuple[str, int], Figures],
    closed: Mapping[str, int],
    actor: str,
    now: str,
) -> tuple[list[AllocationLine], AllocationRound, list[Missing]]:
    year, code = cfg.year, cfg.allowance_code
    existing = store.lines(year=year, jurisdiction=cfg.name)
    candidates, missing = _true_up_candidates(cfg, existing, covered, figures, closed)
    plan = plan_round(cap, holdings(existing), [_rule_input(c) for c in candidates])
    lines = _lines_of(year, "true_up", cfg, candidates, plan)
    auction = auction_account(cfg)
    held = store.available([(line.entity, code) for line in lines] + [(auction, code)])
    moves = _true_up_moves(cfg, plan, held)
    if plan.reserve_change > 0:
        store.ensure_account(auction, AccountKind.AUCTION, cfg.name, now)
    entries = execute_in(app, connection, moves.commands) if moves.commands else []
    seqs = {owner: entry.seq for owner, entry in zip(moves.owners, entries, strict=True)}
    stored: list[AllocationLine] = []
    for line in lines:
        issued, owed = moves.moved.get(line.entity, (0, 0))
        if owed > 0:
            store.insert_deduction(line.entity, "true_up", year, owed, now)
        stored.append(
            _with_stored(line, issued=issued, owed=owed, entry_seq=seqs.get(line.entity), at=now)
        )
    store.insert_lines(stored)
    round_ = AllocationRound(
        jurisdiction=cfg.name,
        year=year,
        phase="true_up",
        cap=cap,
        free_total=plan.allocation.free_total,
        reserve_total=plan.allocation.reserve_total,
        reserve_entry_seq=seqs.get(None),
        actor=actor,
        at=now,
    )
    store.insert_round(round_)
    return stored, round_, missing


def _final_inputs(
    cfg: JurisdictionYear, pre: AllocationLine, figures: Callable[[int], Figures | None]
) -> _Candidate | str:
    """A pre-allocated entity's true-up inputs: the stored factors, the year's own output."""
    params = cfg.allocation.get(Sector(pre.sector))
    if params is None:
        return f"sector {pre.sector} has no allocation method in {cfg.name} {cfg.year}"
    inputs = {name: Decimal(text) for name, text in pre.inputs.items()}
    method = Method(pre.method)
    if method is not Method.HISTORICAL_EMISSIONS:
        current = figures(cfg.year)
        if current is None or current.output is None:
            return f"no verified output for {cfg.year}: the pre-allocation stands"
        inputs["output"] = current.output
    return _Candidate(pre.entity, pre.sector, method, params.free_share, inputs)


# --- new entrants and closures ----------------------------------------------------------------


def _days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def allocate_entrant(
    app: App,
    entity_id: str,
    year: int,
    first_day: date,
    annual_output: Decimal,
    *,
    by: Actor,
    config: ConfigLoader = load_jurisdiction,
) -> LineReceipt:
    """Allocate to a new entrant of ``year`` operating from ``first_day`` (counted).

    The annual entitlement is the sector's method on the expected annual output
    (historical emissions: ``annual_output`` is the expected annual emissions, tCO2;
    historical intensity needs the entity's base-year figures); the year's allocation is
    :func:`~openets.allocation.rules.new_entrant` of it (pro rata by days, rounded down). It
    must fit the cap's headroom (cap − what the jurisdiction's entities hold for the year),
    else :class:`RuleViolation` naming the figures. The free part is issued to the entity,
    the reserve to the auction account. The same call again returns the stored line.
    """
    require_regulator(by, "allocate to new entrants")
    if not isinstance(annual_output, Decimal) or not annual_output.is_finite() or annual_output < 0:
        raise InvalidInput(f"the expected annual output must be a number ≥ 0, not {annual_output}")
    if first_day > date(year, 12, 31):
        raise InvalidInput(f"{first_day} is after {year}: there is nothing to allocate for {year}")

    def work(connection: Connection) -> LineReceipt:
        LedgerStore(connection).lock_head()
        store = AllocationStore(connection)
        now = _now(app)
        entity = MrvStore(connection).existing_entity(entity_id)
        cfg, cap = _config(config, entity.jurisdiction.value, year)
        params = cfg.allocation.get(entity.sector)
        if params is None:
            raise RuleViolation(
                f"sector {entity.sector} is not covered in {cfg.name} {year}: no method to "
                "allocate by"
            )
        figures = store.figures(params.base_years)
        got = _entrant_inputs(params, annual_output, _lookup(figures, entity_id))
        candidate = _Candidate(
            entity_id, entity.sector.value, Method(params.method.value), params.free_share, got
        )
        exact = rules.method_result(_rule_input(candidate))
        annual = rules.entitlement(exact)
        amount = rules.new_entrant(annual, first_day, year)
        days = (date(year + 1, 1, 1) - max(first_day, date(year, 1, 1))).days
        inputs = {**_texts(got), "days": str(days), "days_in_year": str(_days_in_year(year))}
        existing = store.lines(year=year, entity_ids=[entity_id])
        for line in existing:
            if line.phase == "entrant" and dict(line.inputs) == inputs:
                return LineReceipt(line, replayed=True)
            if line.phase == "entrant":
                raise Conflict(
                    f"{entity_id} was already allocated to as a new entrant of {year} "
                    "with other figures"
                )
        if existing:
            raise RuleViolation(
                f"{entity_id} already has a {year} allocation ({existing[0].phase}): a new "
                "entrant is an entity without one"
            )
        if amount == 0:
            raise RuleViolation(f"the {year} allocation of {entity_id} would be 0 t")
        held = sum(
            h.allocated for h in holdings(store.lines(year=year, jurisdiction=cfg.name)).values()
        )
        headroom = max(0, cap - held)
        if amount > headroom:
            raise RuleViolation(
                f"new entrant {entity_id}: {amount:,} t requested exceeds the headroom under "
                f"the {year} cap of {cfg.name}: cap {cap:,} t, already allocated {held:,} t, "
                f"headroom {headroom:,} t"
            )
        free, reserve = rules.split_free(amount, params.free_share)
        code = cfg.allowance_code
        commands: list[RegistryCommand] = []
        if free > 0:
            commands.append(
                IssueUnits(
                    code,
                    free,
                    entity_id,
                    key=_key(cfg, "entrant", entity_id),
                    provenance=_provenance("entrant", year),
                )
            )
        if reserve > 0:
            store.ensure_account(auction_account(cfg), AccountKind.AUCTION, cfg.name, now)
            commands.append(
                IssueUnits(
                    code,
                    reserve,
                    auction_account(cfg),
                    key=f"allocation:{cfg.name}:{year}:entrant-reserve:{entity_id}",
                    provenance=_provenance("entrant", year, _RESERVE, ("entity", entity_id)),
                )
            )
        entries = execute_in(app, connection, commands) if commands else []
        line = AllocationLine(
            year=year,
            entity=entity_id,
            phase="entrant",
            jurisdiction=cfg.name,
            sector=entity.sector.value,
            method=candidate.method.value,
            inputs=inputs,
            exact=exact,
            entitlement=annual,
            allocated=amount,
            free=free,
            reserve=reserve,
            deducted=0,
            issued=free,
            owed=0,
            entry_seq=entries[0].seq if free > 0 else None,
            at=now,
        )
        store.insert_lines([line])
        return LineReceipt(line, replayed=False)

    return app.write_unique(work)


def _entrant_inputs(
    params: SectorAllocation, annual_output: Decimal, figures: Callable[[int], Figures | None]
) -> dict[str, Decimal]:
    """A new entrant's inputs: the expected annual output (historical emissions: the expected
    annual emissions); historical intensity takes the entity's base-year intensity."""
    if params.method is AllocationMethod.HISTORICAL_EMISSIONS:
        return _formula(params, None, annual_output)
    base = None
    if params.method is AllocationMethod.HISTORICAL_INTENSITY:
        found = _base(params, figures)
        if isinstance(found, str):
            raise RuleViolation(
                f"the {params.sector} sector allocates by historical intensity and this entity "
                f"has {found}"
            )
        base = found
    return _formula(params, annual_output, base)


def close_entity(
    app: App,
    entity_id: str,
    year: int,
    closed_on: date,
    *,
    by: Actor,
    config: ConfigLoader = load_jurisdiction,
) -> LineReceipt:
    """Record that an entity closed on ``closed_on`` (the first day not in operation).

    It keeps :func:`~openets.allocation.rules.closure` of the free part it holds for ``year``
    (pro rata by days operated, rounded down); the rest is taken back from its compliance
    account up to the units available (key ``allocation:{j}:{year}:closure:{entity}``), and
    what cannot be taken is owed as a ``closure`` deduction. The auction reserve stays. The
    same closure again returns the stored line; another date is a :class:`Conflict`.
    """
    require_regulator(by, "record closures")
    if closed_on > date(year, 12, 31):
        raise InvalidInput(f"{closed_on} is after {year}: the entity operated all of {year}")

    def work(connection: Connection) -> LineReceipt:
        LedgerStore(connection).lock_head()
        store = AllocationStore(connection)
        now = _now(app)
        MrvStore(connection).existing_entity(entity_id)
        existing = store.lines(year=year, entity_ids=[entity_id])
        days = min(max(0, (closed_on - date(year, 1, 1)).days), _days_in_year(year))
        for line in existing:
            if line.phase == "closure":
                if line.inputs.get("days_operated") == str(days):
                    return LineReceipt(line, replayed=True)
                raise Conflict(
                    f"{entity_id} was already closed in {year} after "
                    f"{line.inputs.get('days_operated')} days of operation"
                )
        if not existing:
            raise RuleViolation(f"{entity_id} has no {year} allocation to close")
        base = existing[-1]  # the latest: what the entity holds now
        cfg = config(base.jurisdiction, year)
        code = cfg.allowance_code
        kept = rules.closure(base.free, closed_on, year)
        held = store.available([(entity_id, code)])[(entity_id, code)]
        taken = min(held, kept.taken_back)
        owed = kept.taken_back - taken
        entries: list[JournalEntry] = []
        if taken > 0:
            entries = execute_in(
                app,
                connection,
                [
                    CancelUnits(
                        code,
                        taken,
                        entity_id,
                        reason=f"closure {year}",
                        key=_key(cfg, "closure", entity_id),
                    )
                ],
            )
        if owed > 0:
            store.insert_deduction(entity_id, "closure", year, owed, now)
        line = AllocationLine(
            year=year,
            entity=entity_id,
            phase="closure",
            jurisdiction=base.jurisdiction,
            sector=base.sector,
            method=base.method,
            inputs={
                "free_before": str(base.free),
                "days_operated": str(days),
                "days_in_year": str(_days_in_year(year)),
            },
            exact=base.exact,
            entitlement=base.entitlement,
            allocated=base.allocated - kept.taken_back,
            free=kept.kept,
            reserve=base.reserve,
            deducted=0,
            issued=-taken,
            owed=owed,
            entry_seq=entries[0].seq if entries else None,
            at=now,
        )
        store.insert_lines([line])
        return LineReceipt(line, replayed=False)

    return app.write_unique(work)


# --- reads ------------------------------------------------------------------------------------


def allocation_table(
    app: App,
    year: int,
    jurisdiction: str | None = None,
    sector: str | None = None,
    *,
    entity_id: str | None = None,
    by: Actor,
) -> AllocationTable:
    """The stored rounds and lines of ``year`` (optionally one jurisdiction, sector or
    entity), with each line's method and inputs: everything for the regulator, an entity
    user's own lines (and no rounds) for it."""
    sector_name = parse_sector(sector).value if sector else None
    name = jurisdiction.strip().lower() if jurisdiction else None
    with app.reading() as connection:
        store = AllocationStore(connection)
        scope = _reader_scope(store, by)
        wanted: set[str] | None = scope
        if entity_id is not None:
            wanted = {entity_id} if scope is None else scope & {entity_id}
        lines = store.lines(year=year, jurisdiction=name, sector=sector_name, entity_ids=wanted)
        rounds = store.rounds(year, name) if scope is None else []
    return AllocationTable(year, tuple(rounds), tuple(lines))


def entity_lines(
    app: App, entity_id: str, *, by: Actor, year: int | None = None
) -> list[AllocationLine]:
    """An entity's stored lines (of ``year``, or every year), for the regulator or itself."""
    with app.reading() as connection:
        MrvStore(connection).existing_entity(entity_id)
        store = AllocationStore(connection)
        scope = _reader_scope(store, by)
        if scope is not None and entity_id not in scope:
            raise NotAuthorised(f"{who(by)} may not read the allocations of {entity_id!r}")
        return store.lines(year=year, entity_ids=[entity_id])
