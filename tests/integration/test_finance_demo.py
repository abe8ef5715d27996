"""The demo pledges (:func:`openets.finance.demo.demo_pledges`) on a small market, on SQLite
and PostgreSQL: three pledges on demo companies' GDEA-2025, valued at each close since their
start; a second run adds nothing.

Four companies hold 30,000, 12,000, 9,000 and 6,000 t; GDEA-2025 closed at ¥50.00, ¥48.00
and ¥46.00 on 2025-06-27, -30 and 2025-07-01 (the clock's day). The first company (the demo
company user's) pledges a third of its 30,000 t: 10,000 t, for 2/5 of their value at the
latest close (10,000 × ¥46.00 × 0.4 = ¥184,000).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from openets import App
from openets.db import tables_finance
from openets.exchange.model import Bar
from openets.exchange.store import ExchangeStore
from openets.finance import services
from openets.finance.demo import demo_pledges
from openets.mrv.permissions import OPERATOR
from openets.registry.model import IssueUnits
from openets.registry.services import execute, open_account

HOLDINGS = {"GD-POWER-001": 30_000, "GD-STEEL-001": 12_000, "GD-CEMEN-001": 9_000,
            "GD-PAPER-001": 6_000}  # fmt: skip
CLOSES = [(date(2025, 6, 27), 5_000), (date(2025, 6, 30), 4_800), (date(2025, 7, 1), 4_600)]


def rows(app: App) -> tuple[int, int]:
    with app.reading() as connection:
        count = lambda t: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # noqa: E731
        return int(count(tables_finance.pledges)), int(count(tables_finance.pledge_valuations))


def test_demo_pledges_are_made_once_and_valued(app: App) -> None:
    assert demo_pledges(app, 2024) == 0  # no close yet: no pledge
    for account, quantity in HOLDINGS.items():
        open_account(app, account, "compliance", f"Demo {account}")
        execute(app, IssueUnits("GDEA-2025", quantity, account))
    for day, close in CLOSES:
        bar = Bar("GDEA-2025", day.isoformat(), close, close, close, close, 1, close, 1)
        app.write(
            lambda c, bar=bar: ExchangeStore(c).insert_bar(bar, "2025-07-01T07:00:00.000000Z")
        )

    assert demo_pledges(app, 2024) == 3
    assert rows(app) == (3, 9)  # three pledges, three closed days each
    lines = services.list_pledges(app, by=OPERATOR)
    first = lines[0].pledge
    assert (first.borrower, first.terms.quantity, first.terms.loan_fen) == (
        "GD-POWER-001", 10_000, 18_400_000
    )  # fmt: skip
    assert first.terms.start == date(2025, 6, 27)
    assert {line.pledge.lender for line in lines} == {"BANK-GZ-01", "BANK-SZ-01"}
    assert all(line.latest is not None and line.latest.day == date(2025, 7, 1) for line in lines)

    assert demo_pledges(app, 2024) == 3
    assert rows(app) == (3, 9)
