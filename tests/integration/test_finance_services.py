"""Allowance pledges through the services, on SQLite and PostgreSQL: create, value, warn,
release, default; refusals that change nothing; one journal entry per registry step; the
hash chain stays intact; idempotent creation; who may see and do what.

Closes are set as closed exchange days (:func:`close_at`); ``test_finance_exchange.py`` goes
through real trades and the exchange's own day close. Figures worked by hand: 10,000 t of
GDEA-2025 at ¥50.00 are worth 50,000,000 fen; the loan of 25,000,000 fen (¥250,000) is the
most the LTV limit 0.5 allows; warning below 32,500,000 fen (1.3 × loan), call below
27,500,000 fen (1.1 × loan).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from openets import App
from openets.auth.model import Role, User
from openets.clock import FixedClock
from openets.db import tables_finance
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.exchange.model import Bar
from openets.exchange.store import ExchangeStore
from openets.finance import services
from openets.finance.rules import Level, PledgeStatus
from openets.mrv.permissions import OPERATOR
from openets.registry import audit
from openets.registry.model import EntryKind, IssueUnits
from openets.registry.services import balance, execute, journal_page, open_account

BORROWER, LENDER, OTHER = "GD-STEEL-001", "BANK-GZ-01", "GD-CEMENT-001"
CODE = "GDEA-2025"
DAY1, DAY2, DAY3 = date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 3)
LOAN = 25_000_000
MATURITY = date(2026, 6, 30)


def close_at(app: App, instrument: str, day: date, close_fen: int) -> None:
    """Record ``day`` as a closed exchange day of ``instrument`` at ``close_fen``."""
    bar = Bar(instrument, day.isoformat(), close_fen, close_fen, close_fen, close_fen, 1, 1, 1)
    app.write(lambda c: ExchangeStore(c).insert_bar(bar, f"{day}T07:00:00.000000Z"))


def position(app: App, account: str) -> tuple[int, int]:
    """(held, frozen) tonnes of GDEA-2025 in ``account``."""
    for p in balance(app, account).balances:
        if p.instrument == CODE:
            return p.quantity, p.frozen
    return 0, 0


def head(app: App) -> int:
    return journal_page(app, limit=1).items[0].seq


def pledge_rows(app: App) -> int:
    with app.reading() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(tables_finance.pledges)
            ).scalar_one()
        )


@pytest.fixture
def market(app: App) -> App:
    open_account(app, BORROWER, "holding", "Guangzhou Steel")
    open_account(app, LENDER, "holding", "Bank of Guangzhou")
    open_account(app, OTHER, "holding", "Guangzhou Cement")
    execute(app, IssueUnits(CODE, 30_000, BORROWER))
    close_at(app, CODE, DAY1, 5_000)
    return app


def create(
    app: App, loan: int = LOAN, qty: int = 10_000, **options: object
) -> services.PledgeReceipt:
    by = options.pop("by", OPERATOR)
    return services.create_pledge(
        app,
        BORROWER,
        LENDER,
        CODE,
        qty,
        loan,
        DAY1,
        MATURITY,
        by=by,
        **options,  # type: ignore[arg-type]
    )


def test_a_pledge_through_valuation_warning_and_default(market: App, clock: FixedClock) -> None:
    app = market
    receipt = create(app)
    pledge = receipt.pledge
    assert not receipt.replayed
    assert (pledge.status, pledge.close_fen, pledge.value_fen) == (
        PledgeStatus.ACTIVE,
        5_000,
        50_000_000,
    )
    assert position(app, BORROWER) == (30_000, 10_000)
    freeze = journal_page(app, limit=1).items[0]
    assert (freeze.seq, freeze.kind, freeze.key, freeze.memo) == (
        pledge.freeze_seq,
        EntryKind.FREEZE,
        f"finance:pledge:{pledge.id}:freeze",
        "{}",
    )
    assert [(p.account, p.instrument, p.amount, p.frozen) for p in freeze.postings] == [
        (BORROWER, CODE, 0, 10_000)
    ]

    run = services.value_pledges(app, DAY1, by=OPERATOR)
    (valued,) = run.valued
    v = valued.valuation
    assert (v.day, v.close_fen, v.value_fen, v.ltv, v.coverage, v.level) == (
        DAY1,
        5_000,
        50_000_000,
        Decimal("0.5000"),
        Decimal("2.0000"),
        Level.OK,
    )
    assert run.warnings == ()
    assert run.unpriced == ()

    close_at(app, CODE, DAY2, 3_249)  # 32,490,000 fen: 10,000 fen below the margin level
    clock.advance(timedelta(days=1))
    run = services.value_pledges(app, by=OPERATOR)  # today: 2025-07-02
    (valued,) = run.valued
    v = valued.valuation
    assert (run.day, v.value_fen, v.ltv, v.coverage, v.level) == (
        DAY2,
        32_490_000,
        Decimal("0.7695"),
        Decimal("1.2996"),
        Level.WARNING,
    )
    assert valued.pledge.status is PledgeStatus.WARNING
    assert [w.pledge.id for w in run.warnings] == [pledge.id]

    with pytest.raises(RuleViolation, match="not in default"):  # a warning is not a default
        services.declare_default(app, pledge.id, by=OPERATOR)

    close_at(app, CODE, DAY3, 2_749)  # 27,490,000 fen: below the call level
    clock.advance(timedelta(days=1))
    (valued,) = services.value_pledges(app, by=OPERATOR).valued
    assert (valued.valuation.level, valued.valuation.coverage) == (Level.CALL, Decimal("1.0996"))

    before = head(app)
    defaulted = services.declare_default(app, pledge.id, by=OPERATOR).pledge
    assert defaulted.status is PledgeStatus.DEFAULTED
    assert position(app, BORROWER) == (20_000, 0)
    assert position(app, LENDER) == (10_000, 0)
    entries = journal_page(app, limit=2).items
    assert head(app) == before + 2
    unfreeze, transfer = entries[1], entries[0]
    assert (unfreeze.seq, unfreeze.kind, unfreeze.key) == (
        defaulted.unfreeze_seq,
        EntryKind.UNFREEZE,
        f"finance:pledge:{pledge.id}:default-unfreeze",
    )
    assert [(p.account, p.amount, p.frozen) for p in unfreeze.postings] == [(BORROWER, 0, -10_000)]
    assert (transfer.seq, transfer.kind, transfer.key) == (
        defaulted.transfer_seq,
        EntryKind.TRANSFER,
        f"finance:pledge:{pledge.id}:default-transfer",
    )
    assert sorted((p.account, p.amount) for p in transfer.postings) == [
        (LENDER, 10_000),
        (BORROWER, -10_000),
    ]
    detail = services.get_pledge(app, pledge.id, by=OPERATOR)
    assert [(x.day, x.level) for x in detail.valuations] == [
        (DAY1, Level.OK),
        (DAY2, Level.WARNING),
        (DAY3, Level.CALL),
    ]
    # a repeat changes nothing
    again = services.declare_default(app, pledge.id, by=OPERATOR)
    assert again.replayed
    assert head(app) == before + 2
    report = audit.verify(app)
    assert report.ok
    assert report.entries == head(app)


def test_creation_refused_above_the_ltv_limit_changes_nothing(market: App) -> None:
    before = head(market)
    with pytest.raises(RuleViolation, match=r"LTV limit exceeded: a loan of ¥250,000\.01"):
        create(market, loan=LOAN + 1)
    with pytest.raises(RuleViolation, match="LTV limit exceeded"):
        create(market, loan=20_000_001, ltv="0.4", margin="2.5")  # 0.4 x 50,000,000
    assert (head(market), pledge_rows(market), position(market, BORROWER)) == (
        before,
        0,
        (30_000, 0),
    )


def test_creation_refused_when_the_borrower_lacks_available_units(market: App) -> None:
    create(market, loan=1_000, qty=25_000)
    before = head(market)
    with pytest.raises(
        RuleViolation, match="insufficient balance: account 'GD-STEEL-001' has 5000 t"
    ):
        create(market, loan=1_000, qty=5_001)
    assert (head(market), pledge_rows(market), position(market, BORROWER)) == (
        before,
        1,
        (30_000, 25_000),
    )


def test_creation_refused_for_a_missing_account_or_close(market: App) -> None:
    with pytest.raises(NotFound, match="the lender account 'NO-BANK' does not exist"):
        services.create_pledge(market, BORROWER, "NO-BANK", CODE, 1, 1, DAY1, MATURITY, by=OPERATOR)
    with pytest.raises(NotFound, match="the borrower account 'NOBODY' does not exist"):
        services.create_pledge(market, "NOBODY", LENDER, CODE, 1, 1, DAY1, MATURITY, by=OPERATOR)
    execute(market, IssueUnits("GDEA-2026", 100, BORROWER))
    with pytest.raises(RuleViolation, match="no closing price: GDEA-2026 has never closed"):
        services.create_pledge(
            market, BORROWER, LENDER, "GDEA-2026", 1, 1, DAY1, MATURITY, by=OPERATOR
        )
    with pytest.raises(InvalidInput, match="different accounts"):
        services.create_pledge(market, BORROWER, BORROWER, CODE, 1, 1, DAY1, MATURITY, by=OPERATOR)
    with pytest.raises(RuleViolation, match="the maturity 2025-06-30 has passed"):
        services.create_pledge(
            market, BORROWER, LENDER, CODE, 1, 1, date(2025, 6, 1), date(2025, 6, 30), by=OPERATOR
        )
    assert pledge_rows(market) == 0


def test_release_restores_the_available_units(market: App) -> None:
    pledge = create(market).pledge
    assert position(market, BORROWER) == (30_000, 10_000)
    before = head(market)
    released = services.release_pledge(market, pledge.id, by=OPERATOR).pledge
    assert released.status is PledgeStatus.RELEASED
    assert released.transfer_seq is None
    assert position(market, BORROWER) == (30_000, 0)
    assert position(market, LENDER) == (0, 0)
    (entry,) = journal_page(market, limit=1).items
    assert (entry.seq, entry.kind, entry.key) == (
        before + 1,
        EntryKind.UNFREEZE,
        f"finance:pledge:{pledge.id}:release",
    )
    assert released.unfreeze_seq == entry.seq
    again = services.release_pledge(market, pledge.id, by=OPERATOR)
    assert again.replayed
    assert head(market) == before + 1
    with pytest.raises(RuleViolation, match=f"pledge {pledge.id} is released: nothing is pledged"):
        services.declare_default(market, pledge.id, by=OPERATOR)
    # the released pledge is valued no more
    assert services.value_pledges(market, DAY1, by=OPERATOR).valued == ()
    assert audit.verify(market).ok


def test_release_unfreezes_only_what_the_pledge_froze(market: App) -> None:
    first = create(market, loan=1_000, qty=4_000).pledge
    create(market, loan=1_000, qty=6_000)
    assert position(market, BORROWER) == (30_000, 10_000)
    services.release_pledge(market, first.id, by=OPERATOR)
    assert position(market, BORROWER) == (30_000, 6_000)


def test_default_after_maturity(market: App, clock: FixedClock) -> None:
    pledge = services.create_pledge(
        market, BORROWER, LENDER, CODE, 1_000, 100_000, DAY1, date(2025, 7, 2), by=OPERATOR
    ).pledge
    clock.advance(timedelta(days=1))  # 2025-07-02: due today, not yet overdue
    with pytest.raises(RuleViolation, match="not in default: pledge 1 matures on 2025-07-02"):
        services.declare_default(market, pledge.id, by=OPERATOR)
    clock.advance(timedelta(days=1))
    assert (
        services.declare_default(market, pledge.id, by=OPERATOR).pledge.status
        is PledgeStatus.DEFAULTED
    )
    assert (position(market, BORROWER), position(market, LENDER)) == ((29_000, 0), (1_000, 0))


def test_creation_is_idempotent_with_a_key(market: App) -> None:
    first = create(market, key="loan-2025-001")
    before = head(market)
    again = create(market, key="loan-2025-001")
    assert again.replayed
    assert again.pledge == first.pledge
    assert (head(market), pledge_rows(market), position(market, BORROWER)) == (
        before,
        1,
        (30_000, 10_000),
    )
    with pytest.raises(Conflict, match="already used for a different pledge"):
        create(market, key="loan-2025-001", qty=9_999)
    assert create(market, key="loan-2025-002").pledge.id == first.pledge.id + 1


def test_valuation_is_idempotent_per_day(market: App) -> None:
    create(market)
    first = services.value_pledges(market, DAY1, by=OPERATOR)
    again = services.value_pledges(market, DAY1, by=OPERATOR)
    assert [v.recorded for v in first.valued] == [True]
    assert [v.recorded for v in again.valued] == [False]
    assert again.valued[0].valuation == first.valued[0].valuation
    # a close that changed (the day was valued before the exchange closed it) replaces the row
    close_at(market, CODE, DAY2, 4_000)
    early = services.value_pledges(market, DAY2, by=OPERATOR).valued[0].valuation
    assert (early.close_fen, early.value_fen, early.ltv) == (4_000, 40_000_000, Decimal("0.6250"))
    detail = services.get_pledge(market, 1, by=OPERATOR)
    assert [(v.day, v.close_fen) for v in detail.valuations] == [(DAY1, 5_000), (DAY2, 4_000)]


def test_valuing_an_earlier_day_keeps_the_status_of_the_latest(market: App) -> None:
    create(market)
    close_at(market, CODE, DAY2, 3_000)  # warning
    services.value_pledges(market, DAY2, by=OPERATOR)
    run = services.value_pledges(market, DAY1, by=OPERATOR)  # ok, but an earlier day
    assert run.valued[0].valuation.level is Level.OK
    assert run.valued[0].pledge.status is PledgeStatus.WARNING


def test_valuation_skips_pledges_without_a_close_and_not_yet_started(market: App) -> None:
    create(market)
    execute(market, IssueUnits("GDEA-2026", 1_000, BORROWER))
    close_at(market, "GDEA-2026", DAY1, 6_000)
    later = services.create_pledge(
        market, BORROWER, LENDER, "GDEA-2026", 1_000, 1_000, DAY2, MATURITY, by=OPERATOR
    ).pledge
    run = services.value_pledges(market, DAY1, by=OPERATOR)
    assert [v.pledge.id for v in run.valued] == [1]  # the second starts on DAY2
    # before any close of GDEA-2025, the first pledge is unpriced
    run = services.value_pledges(market, date(2025, 6, 30), by=OPERATOR)
    assert (run.valued, run.unpriced) == ((), ())  # nothing had started by then
    assert later.terms.start == DAY2


def test_valuation_falls_back_on_the_last_close(market: App) -> None:
    create(market)
    run = services.value_pledges(market, date(2025, 7, 5), by=OPERATOR)  # a Saturday
    assert run.valued[0].valuation.close_fen == 5_000


# --- who may ---------------------------------------------------------------------------------


def user(name: str, role: Role, owner: str | None = None) -> User:
    return User(name, role, owner, "2025-01-01T00:00:00.000000Z")


STEEL = user("steel", Role.ENTITY, "Guangzhou Steel")
BANK = user("bank", Role.MEMBER, "Bank of Guangzhou")
CEMENT = user("cement", Role.ENTITY, "Guangzhou Cement")
REGULATOR = user("reg", Role.REGULATOR)
VERIFIER = user("ver", Role.VERIFIER)


def test_who_may_create_value_release_and_default(market: App) -> None:
    with pytest.raises(NotAuthorised, match="only the borrower's own users or the regulator"):
        create(market, by=CEMENT)
    with pytest.raises(NotAuthorised):
        create(market, by=BANK)  # the lender cannot pledge the borrower's units
    pledge = create(market, by=STEEL).pledge
    assert pledge.actor == "steel"
    with pytest.raises(NotAuthorised, match="only the regulator may"):
        services.value_pledges(market, DAY1, by=STEEL)
    services.value_pledges(market, DAY1, by=REGULATOR)
    with pytest.raises(NotAuthorised, match="only the lender's own users or the regulator"):
        services.release_pledge(market, pledge.id, by=STEEL)
    assert services.release_pledge(market, pledge.id, by=BANK).pledge.ended_by == "bank"


def test_who_sees_which_pledges(market: App) -> None:
    execute(market, IssueUnits(CODE, 1_000, OTHER))
    mine = create(market, by=STEEL).pledge
    theirs = services.create_pledge(
        market, OTHER, LENDER, CODE, 1_000, 1_000, DAY1, MATURITY, by=OPERATOR
    ).pledge
    ids = lambda who: [line.pledge.id for line in services.list_pledges(market, by=who)]  # noqa: E731
    assert ids(REGULATOR) == [mine.id, theirs.id]
    assert ids(STEEL) == [mine.id]
    assert ids(CEMENT) == [theirs.id]
    assert ids(BANK) == [mine.id, theirs.id]  # the lender of both
    assert [line.pledge.id for line in services.list_pledges(market, by=BANK, account=OTHER)] == [
        theirs.id
    ]
    assert [line.pledge.id for line in services.list_pledges(market, by=STEEL, account=OTHER)] == []
    with pytest.raises(NotAuthorised):
        services.list_pledges(market, by=VERIFIER)
    with pytest.raises(NotAuthorised, match=f"may not read pledge {theirs.id}"):
        services.get_pledge(market, theirs.id, by=STEEL)
    assert services.get_pledge(market, theirs.id, by=CEMENT).pledge == theirs
    with pytest.raises(NotFound, match="pledge 99 does not exist"):
        services.get_pledge(market, 99, by=REGULATOR)
    assert [
        line.pledge.id for line in services.list_pledges(market, by=REGULATOR, status="active")
    ] == [mine.id, theirs.id]
    assert services.list_pledges(market, by=REGULATOR, status="released") == []
    with pytest.raises(InvalidInput, match="unknown pledge status 'open'"):
        services.list_pledges(market, by=REGULATOR, status="open")
