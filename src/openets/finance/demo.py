"""Demo pledges: three demo companies pledge allowances to two demo banks, valued at each
exchange close since the pledge started. Idempotent: a second run creates no pledge and
records no valuation it already has.

Needs the exchange's closes (the exchange demo's trading history): an instrument that never
closed cannot be valued, so without any close no pledge is made.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from openets.bootstrap import App
from openets.db import schema
from openets.exchange.market import bars
from openets.finance import services
from openets.finance.store import StoredPledge
from openets.mrv.permissions import OPERATOR
from openets.registry.services import open_account

__all__ = ["DEMO_LENDERS", "demo_pledges"]

#: The demo's lenders: holding accounts of two banks.
DEMO_LENDERS = {
    "BANK-GZ-01": "Demo Bank of Guangzhou",
    "BANK-SZ-01": "Demo Bank of Shenzhen",
}
#: The company of the demo's company user (the first power company of :mod:`openets.demo`).
DEMO_COMPANY = "GD-POWER-001"
#: Instruments a demo pledge may use, in order of preference.
_INSTRUMENTS = ("GDEA-2025", "GDEA-2024")
#: Closed days valued per pledge (the pledge starts on the first of them).
_DAYS = 20


@dataclass(frozen=True, slots=True)
class _Plan:
    """One demo pledge: the share of the borrower's available units it freezes, and how much
    of their value is lent (the LTV at creation) with its LTV limit."""

    share: Fraction
    ltv_at_start: Fraction
    ltv_limit: Decimal


_PLANS = (
    _Plan(Fraction(1, 3), Fraction(2, 5), Decimal("0.5")),  # coverage 2.5
    _Plan(Fraction(1, 4), Fraction(1, 2), Decimal("0.5")),  # coverage 2.0, the most allowed
    _Plan(Fraction(1, 5), Fraction(3, 4), Decimal("0.75")),  # coverage 1.33, near the margin
)


def _available(app: App, instrument: str) -> list[tuple[str, int]]:
    """Demo companies' (account, available tonnes) of ``instrument``, by account id."""
    positions = schema.positions
    query = (
        select(positions.c.account_id, positions.c.quantity - positions.c.frozen)
        .where(positions.c.instrument == instrument)
        .where(positions.c.account_id.like("GD-%"))
        .order_by(positions.c.account_id)
    )
    with app.reading() as connection:
        return [(str(a), int(n)) for a, n in connection.execute(query) if int(n) >= 3_000]


def demo_pledges(app: App, seed: int) -> int:
    """Create the demo pledges (if missing) and value them at each close since their start;
    return how many demo pledges exist."""
    for account, owner in DEMO_LENDERS.items():
        open_account(app, account, "holding", owner)
    prefix = f"demo-{seed}-pledge-"
    existing = [
        line.pledge
        for line in services.list_pledges(app, by=OPERATOR)
        if (line.pledge.key or "").startswith(prefix)
    ]
    today = app.today()
    if not existing:
        existing = _create(app, seed, prefix, today)
    days = sorted({d for p in existing for d in _closed_days(app, p.terms.instrument, today)})
    for day in days:
        services.value_pledges(app, day, by=OPERATOR)
    return len(existing)


def _closed_days(app: App, instrument: str, today: date) -> list[date]:
    days = [date.fromisoformat(bar.day) for bar in bars(app, instrument)]
    return [d for d in days if d <= today][-_DAYS:]


def _create(app: App, seed: int, prefix: str, today: date) -> list[StoredPledge]:
    for code in _INSTRUMENTS:
        close = services.closing_price_of(app, code, today)
        days = _closed_days(app, code, today)
        holders = _available(app, code)
        if close is None or not days or len(holders) < len(_PLANS):
            continue
        rng = random.Random(f"{seed}-pledges")
        # the demo company user's company borrows first (when it holds units), then others
        holders.sort(key=lambda h: h[0] != DEMO_COMPANY)
        borrowers = [holders[0], *rng.sample(holders[1:], len(_PLANS) - 1)]
        lenders = sorted(DEMO_LENDERS)
        created = []
        for n, (plan, (account, available)) in enumerate(zip(_PLANS, borrowers, strict=True)):
            quantity = max(1_000, int(available * plan.share) // 1_000 * 1_000)
            loan = int(plan.ltv_at_start * quantity * close) // 100 * 100  # whole yuan
            receipt = services.create_pledge(
                app,
                account,
                lenders[n % len(lenders)],
                code,
                quantity,
                loan,
                days[0],
                today + timedelta(days=365),
                ltv=plan.ltv_limit,
                by=OPERATOR,
                key=f"{prefix}{n}",
            )
            created.append(receipt.pledge)
        return created
    return []
