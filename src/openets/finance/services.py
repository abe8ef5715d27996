"""Allowance pledge use cases: create, value, release, default, list and show. One function
each; every state change runs in one transaction, its registry steps included.

Registry steps (each a journal entry, keyed ``finance:pledge:<id>:<step>`` so the journal
names the pledge; freeze and unfreeze entries carry no memo of their own):

- **create**: ``freeze`` of the pledged units in the borrower's account;
- **release** (the loan is repaid): ``unfreeze`` of exactly those units;
- **default**: ``unfreeze`` then ``transfer`` of the units to the lender, both in one
  transaction (both entries or neither).

The registry's frozen quantity of a position is shared: exchange order reservations and
pledges both freeze units there. A pledge unfreezes only the quantity it froze, and only
through these services; the registry refuses to unfreeze more than is frozen.

Valuations and warnings are rows of the finance tables, not journal entries: they move no
unit. The closing price comes from the exchange
(:func:`openets.exchange.market.closing_price`: the close of the business day, or of the last
trading day before it).

Who may (the actor is a :class:`~openets.auth.model.User` or the command-line operator):

- create: the regulator, or a user acting for the borrower account's owner (entity, member);
- value: the regulator (a daily job);
- release and default: the regulator, or a user acting for the lender account's owner;
- list and show: the regulator (every pledge); an entity or member user sees the pledges
  whose borrower or lender account its owner holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import utc_text
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.finance.rules import (
    DEFAULT_CALL,
    DEFAULT_LTV,
    DEFAULT_MARGIN,
    Level,
    PledgeStatus,
    PledgeTerms,
    assess,
    check_creation,
    check_default,
    coverage,
    loan_to_value,
    parse_ratio,
    pledge_value,
    status_after,
)
from openets.finance.store import FinanceStore, StoredPledge, StoredValuation
from openets.mrv.permissions import OPERATOR, Actor, actor_name, is_regulator, who
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    MAX_KEY,
    Account,
    FreezeUnits,
    RegistryCommand,
    TransferUnits,
    UnfreezeUnits,
    check_account_id,
    optional_key,
)
from openets.registry.services import execute_in
from openets.registry.store import LedgerStore

__all__ = [
    "OPERATOR",
    "PledgeDetail",
    "PledgeLine",
    "PledgeReceipt",
    "ValuationRun",
    "Valued",
    "closing_price_of",
    "create_pledge",
    "declare_default",
    "get_pledge",
    "list_pledges",
    "parse_status",
    "pledged_units",
    "release_pledge",
    "value_pledges",
]

#: The roles whose users act for one account owner in finance.
_OWNER_ROLES = frozenset({Role.ENTITY, Role.MEMBER})


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PledgeReceipt:
    """What a state change returns: the pledge after it, and whether it was a repeat."""

    pledge: StoredPledge
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class PledgeLine:
    """A pledge with its latest valuation (None before the first)."""

    pledge: StoredPledge
    latest: StoredValuation | None


@dataclass(frozen=True, slots=True)
class PledgeDetail:
    pledge: StoredPledge
    valuations: tuple[StoredValuation, ...]

    @property
    def latest(self) -> StoredValuation | None:
        return self.valuations[-1] if self.valuations else None


@dataclass(frozen=True, slots=True)
class Valued:
    """One pledge valued in a run; ``recorded`` is False when the day's row was already
    there with the same figures (a repeat)."""

    pledge: StoredPledge
    valuation: StoredValuation
    recorded: bool


@dataclass(frozen=True, slots=True)
class ValuationRun:
    """A day's valuation of every open pledge: those valued, and those left unvalued
    because their instrument never closed by that day."""

    day: date
    valued: tuple[Valued, ...]
    unpriced: tuple[StoredPledge, ...]

    @property
    def warnings(self) -> tuple[Valued, ...]:
        """The pledges valued below their margin level (warning or call)."""
        return tuple(v for v in self.valued if v.valuation.level is not Level.OK)


# --- helpers --------------------------------------------------------------------------------


def closing_price_of(app: App, instrument: str, day: date) -> int | None:
    """The exchange's closing price (fen per tonne) of ``instrument`` on ``day``, or of the
    last trading day before it; None when it never closed."""
    from openets.exchange.market import closing_price  # the exchange owns the close

    return closing_price(app, instrument, day)


def _owned(connection: Connection, owner: str) -> set[str]:
    accounts = schema.accounts
    query = select(accounts.c.id).where(accounts.c.owner == owner)
    return set(connection.execute(query).scalars())


def _acts_for(by: Actor, account: Account) -> bool:
    """Whether ``by`` is an entity or member user of the account's owner."""
    return (
        isinstance(by, User)
        and by.role in _OWNER_ROLES
        and by.owner is not None
        and by.owner == account.owner
    )


def _account(connection: Connection, account_id: str, role: str) -> Account:
    account = LedgerStore(connection).load_accounts([account_id]).get(account_id)
    if account is None:
        raise NotFound(f"the {role} account {account_id!r} does not exist")
    if account.is_system:
        raise RuleViolation(f"account {account_id!r} is a registry system account, not a {role}")
    return account


def _existing(store: FinanceStore, pledge_id: int) -> StoredPledge:
    pledge = store.pledge(pledge_id)
    if pledge is None:
        raise NotFound(f"pledge {pledge_id} does not exist")
    return pledge


def _registry_key(pledge_id: int, step: str) -> str:
    return f"finance:pledge:{pledge_id}:{step}"


def _may_see(connection: Connection, by: Actor, pledge: StoredPledge) -> bool:
    if is_regulator(by):
        return True
    if isinstance(by, User) and by.role in _OWNER_ROLES and by.owner:
        return bool({pledge.borrower, pledge.lender} & _owned(connection, by.owner))
    return False


def _scope(connection: Connection, by: Actor) -> set[str] | None:
    """The accounts whose pledges ``by`` may list; None means every pledge."""
    if is_regulator(by):
        return None
    if isinstance(by, User) and by.role in _OWNER_ROLES and by.owner:
        return _owned(connection, by.owner)
    raise NotAuthorised(
        f"{who(by)} may not read pledges: only the regulator and the borrowers' and lenders' "
        "entity or member users may"
    )


def _ratio(value: Decimal | str | None, default: Decimal, name: str) -> Decimal:
    return default if value is None else parse_ratio(value, name)


# --- create ---------------------------------------------------------------------------------


def create_pledge(
    app: App,
    borrower: str,
    lender: str,
    instrument: str,
    quantity: int,
    loan_fen: int,
    start: date,
    maturity: date,
    *,
    ltv: Decimal | str | None = None,
    margin: Decimal | str | None = None,
    call: Decimal | str | None = None,
    by: Actor,
    key: str | None = None,
) -> PledgeReceipt:
    """Pledge ``quantity`` tonnes of ``instrument`` in ``borrower``'s account to ``lender`` for
    a loan of ``loan_fen`` fen from ``start`` to ``maturity``.

    One transaction freezes the units (one journal entry of kind ``freeze``) and records the
    pledge. Refused (nothing changes) when an account does not exist (NotFound), borrower and
    lender are the same, the maturity has passed, the instrument never closed, the loan
    exceeds ``ltv`` × quantity × the latest close, or the borrower lacks available units
    (RuleViolation). ``ltv``, ``margin`` and ``call`` default to 0.5, 1.3 and 1.1. A retry
    with the same ``key`` and request returns the first pledge (``replayed``); the same key
    with another request is a :class:`Conflict`.
    """
    check_account_id(borrower)
    check_account_id(lender)
    code = parse_instrument(instrument).code
    terms = PledgeTerms(
        instrument=code,
        quantity=quantity,
        loan_fen=loan_fen,
        start=start,
        maturity=maturity,
        ltv_limit=_ratio(ltv, DEFAULT_LTV, "the LTV limit"),
        margin=_ratio(margin, DEFAULT_MARGIN, "the margin level"),
        call=_ratio(call, DEFAULT_CALL, "the call level"),
    )
    if borrower == lender:
        raise InvalidInput("the borrower and the lender must be different accounts")
    key = optional_key(key, MAX_KEY)
    fingerprint = (
        f"pledge|{borrower}|{lender}|{code}|{quantity}|{loan_fen}|{start}|{maturity}|"
        f"{terms.ltv_limit}|{terms.margin}|{terms.call}"
    )
    on = app.today()
    close = closing_price_of(app, code, on)  # read before the write: the exchange's own query

    def replay(earlier: StoredPledge) -> PledgeReceipt:
        if earlier.fingerprint != fingerprint:
            raise Conflict(f"idempotency key {key!r} was already used for a different pledge")
        return PledgeReceipt(earlier, replayed=True)

    def work(connection: Connection) -> PledgeReceipt:
        store = FinanceStore(connection)
        giver = _account(connection, borrower, "borrower")
        _account(connection, lender, "lender")
        if not (is_regulator(by) or _acts_for(by, giver)):  # checked before a replay, too
            raise NotAuthorised(
                f"{who(by)} may not pledge the units of {borrower!r}: only the borrower's "
                "own users or the regulator may"
            )
        if key is not None:
            earlier = store.pledge_by_key(key)
            if earlier is not None:
                return replay(earlier)
        if maturity < on:
            raise RuleViolation(f"the maturity {maturity} has passed (today is {on})")
        value = check_creation(terms, close)
        pledge_id = store.insert_pledge(
            borrower=borrower,
            lender=lender,
            terms=terms,
            close_fen=close or 0,
            value_fen=value,
            key=key,
            fingerprint=fingerprint,
            actor=actor_name(by),
            at=utc_text(app.clock.now()),
        )
        freeze = FreezeUnits(code, quantity, borrower, key=_registry_key(pledge_id, "freeze"))
        (entry,) = execute_in(app, connection, [freeze])
        store.set_freeze_seq(pledge_id, entry.seq)
        return PledgeReceipt(_existing(store, pledge_id))

    return app.write_unique(work)


# --- value ----------------------------------------------------------------------------------


def _valuation(pledge: StoredPledge, day: date, close_fen: int, at: str) -> StoredValuation:
    terms = pledge.terms
    value = pledge_value(terms.quantity, close_fen)
    cover = coverage(value, terms.loan_fen)
    assert cover is not None  # the loan is positive
    return StoredValuation(
        pledge_id=pledge.id,
        day=day,
        close_fen=close_fen,
        value_fen=value,
        ltv=loan_to_value(terms.loan_fen, value),
        coverage=cover,
        level=assess(value, terms.loan_fen, terms.margin, terms.call),
        at=at,
    )


def _same(a: StoredValuation, b: StoredValuation) -> bool:
    return (a.close_fen, a.value_fen, a.level) == (b.close_fen, b.value_fen, b.level)


def value_pledges(app: App, day: date | None = None, *, by: Actor) -> ValuationRun:
    """Value every open pledge (started by ``day``) at the closing price of ``day`` (default:
    today), record one valuation per pledge and day, and set each pledge's status from its
    latest valued day: ``warning`` below the margin level, else ``active``.

    Valuing a day again records nothing new when the figures are unchanged; a close that
    changed since (the day was valued before the exchange closed it) replaces that day's row.
    """
    if not is_regulator(by):
        raise NotAuthorised(f"{who(by)} may not value pledges: only the regulator may")
    on = day or app.today()
    with app.reading() as connection:
        candidates = FinanceStore(connection).pledges(
            statuses=(PledgeStatus.ACTIVE, PledgeStatus.WARNING)
        )
    candidates = [p for p in candidates if p.terms.start <= on]
    closes = {
        code: closing_price_of(app, code, on)
        for code in sorted({p.terms.instrument for p in candidates})
    }
    wanted = {p.id for p in candidates}

    def work(connection: Connection) -> ValuationRun:
        store = FinanceStore(connection)
        at = utc_text(app.clock.now())
        valued: list[Valued] = []
        unpriced: list[StoredPledge] = []
        current = store.pledges(statuses=(PledgeStatus.ACTIVE, PledgeStatus.WARNING))
        latest = store.latest_valuations([p.id for p in current])
        for pledge in current:
            if pledge.id not in wanted:
                continue  # started after the day, or created after the prices were read
            close = closes.get(pledge.terms.instrument)
            if close is None:
                unpriced.append(pledge)
                continue
            valuation = _valuation(pledge, on, close, at)
            earlier = store.valuation(pledge.id, on)
            recorded = earlier is None or not _same(earlier, valuation)
            if recorded:
                store.save_valuation(valuation, replace=earlier is not None)
            else:
                assert earlier is not None
                valuation = earlier
            last = latest.get(pledge.id)
            if last is None or last.day <= on:
                status = status_after(valuation.level)
                if status is not pledge.status:
                    store.set_status(pledge.id, status)
            valued.append(Valued(_existing(store, pledge.id), valuation, recorded))
        return ValuationRun(on, tuple(valued), tuple(unpriced))

    return app.write(work)


# --- release and default --------------------------------------------------------------------


def _require_lender(connection: Connection, by: Actor, pledge: StoredPledge, action: str) -> None:
    if is_regulator(by):
        return
    lender = _account(connection, pledge.lender, "lender")
    if not _acts_for(by, lender):
        raise NotAuthorised(
            f"{who(by)} may not {action} pledge {pledge.id}: only the lender's own users or "
            "the regulator may"
        )


def release_pledge(app: App, pledge_id: int, *, by: Actor) -> PledgeReceipt:
    """Release a pledge on repayment: unfreeze exactly the pledged units (one journal entry
    of kind ``unfreeze``) and mark it ``released``. Releasing a released pledge again answers
    it unchanged (``replayed``); a defaulted one is refused."""

    def work(connection: Connection) -> PledgeReceipt:
        store = FinanceStore(connection)
        pledge = _existing(store, pledge_id)
        _require_lender(connection, by, pledge, "release")
        if pledge.status is PledgeStatus.RELEASED:
            return PledgeReceipt(pledge, replayed=True)
        if not pledge.status.is_open:
            raise RuleViolation(f"pledge {pledge_id} is {pledge.status}: nothing to release")
        terms = pledge.terms
        unfreeze = UnfreezeUnits(
            terms.instrument,
            terms.quantity,
            pledge.borrower,
            key=_registry_key(pledge.id, "release"),
        )
        (entry,) = execute_in(app, connection, [unfreeze])
        store.end(
            pledge.id,
            PledgeStatus.RELEASED,
            unfreeze_seq=entry.seq,
            transfer_seq=None,
            actor=actor_name(by),
            at=utc_text(app.clock.now()),
        )
        return PledgeReceipt(_existing(store, pledge.id))

    return app.write(work)


def declare_default(app: App, pledge_id: int, *, by: Actor) -> PledgeReceipt:
    """Declare a default: unfreeze the pledged units and transfer them to the lender, two
    journal entries (``unfreeze``, ``transfer``) in one transaction, and mark the pledge
    ``defaulted``. Refused unless the loan is overdue (today after the maturity) or the
    latest valuation is at the call level. A repeat on a defaulted pledge answers it
    unchanged (``replayed``)."""

    def work(connection: Connection) -> PledgeReceipt:
        store = FinanceStore(connection)
        pledge = _existing(store, pledge_id)
        _require_lender(connection, by, pledge, "declare the default of")
        if pledge.status is PledgeStatus.DEFAULTED:
            return PledgeReceipt(pledge, replayed=True)
        latest = store.latest_valuations([pledge.id]).get(pledge.id)
        check_default(
            pledge.id,
            pledge.status,
            pledge.terms.maturity,
            app.today(),
            None if latest is None else latest.level,
        )
        terms = pledge.terms
        commands: list[RegistryCommand] = [
            UnfreezeUnits(
                terms.instrument,
                terms.quantity,
                pledge.borrower,
                key=_registry_key(pledge.id, "default-unfreeze"),
            ),
            TransferUnits(
                terms.instrument,
                terms.quantity,
                pledge.borrower,
                pledge.lender,
                key=_registry_key(pledge.id, "default-transfer"),
            ),
        ]
        unfreeze, transfer = execute_in(app, connection, commands)
        store.end(
            pledge.id,
            PledgeStatus.DEFAULTED,
            unfreeze_seq=unfreeze.seq,
            transfer_seq=transfer.seq,
            actor=actor_name(by),
            at=utc_text(app.clock.now()),
        )
        return PledgeReceipt(_existing(store, pledge.id))

    return app.write(work)


# --- reads ----------------------------------------------------------------------------------


def parse_status(text: str | None) -> PledgeStatus | None:
    """A status filter (``active``, ``warning``, ``released``, ``defaulted``); None for none."""
    if text is None or not text.strip():
        return None
    try:
        return PledgeStatus(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in PledgeStatus)
        raise InvalidInput(f"unknown pledge status {text!r}: expected one of {names}") from None


def list_pledges(
    app: App,
    *,
    by: Actor,
    status: str | None = None,
    account: str | None = None,
    instrument: str | None = None,
) -> list[PledgeLine]:
    """The pledges ``by`` may see, by id, each with its latest valuation; filtered by status,
    by an account (as borrower or lender) and by instrument."""
    wanted = parse_status(status)
    code = None if instrument is None else parse_instrument(instrument).code
    with app.reading() as connection:
        store = FinanceStore(connection)
        pledges = store.pledges(
            statuses=None if wanted is None else (wanted,),
            accounts=_scope(connection, by),
            instrument=code,
        )
        if account is not None:
            pledges = [p for p in pledges if account in (p.borrower, p.lender)]
        latest = store.latest_valuations([p.id for p in pledges])
    return [PledgeLine(p, latest.get(p.id)) for p in pledges]


def get_pledge(app: App, pledge_id: int, *, by: Actor) -> PledgeDetail:
    """One pledge with its valuation history (oldest day first)."""
    with app.reading() as connection:
        store = FinanceStore(connection)
        pledge = _existing(store, pledge_id)
        if not _may_see(connection, by, pledge):
            raise NotAuthorised(f"{who(by)} may not read pledge {pledge_id}")
        valuations = store.valuations(pledge.id)
    return PledgeDetail(pledge, tuple(valuations))


def pledged_units(lines: Sequence[PledgeLine]) -> int:
    """Tonnes still pledged (frozen) among ``lines``."""
    return sum(line.pledge.terms.quantity for line in lines if line.pledge.status.is_open)
