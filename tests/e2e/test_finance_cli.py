"""The ``openets finance pledge`` command-line contract end to end, on SQLite and PostgreSQL.

The exchange's closes are made by its own services (members trade GDEA-2025, the regulator
closes the day): ¥50.00 on 2025-07-01 and ¥45.00 on 2025-07-02. The pledge: 10,000 t of
GD-STEEL-001's GDEA-2025 for a loan of ¥375,000 (37,500,000 fen) at an LTV limit of 0.75,
exactly 0.75 × 10,000 t × ¥50.00. Warning below 1.3 × loan = 48,750,000 fen: the ¥45.00
close values the units at 45,000,000 fen (coverage 1.2000, LTV 0.8333).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from openets import bootstrap
from openets.clock import FixedClock
from openets.exchange import services as exchange

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

CODE = "GDEA-2025"
CREATE = (
    "finance", "pledge", "create", "--borrower", "GD-STEEL-001", "--lender", "BANK-GZ-01",
    "--instrument", CODE, "--qty", "10000", "--loan", "375000.00", "--start", "2025-07-01",
    "--maturity", "2026-06-30", "--ltv", "0.75",
)  # fmt: skip


def create_with(option: str, value: str) -> tuple[str, ...]:
    """CREATE with ``option`` set to ``value``."""
    args = list(CREATE)
    args[args.index(option) + 1] = value
    return tuple(args)


def close_days(url: str, closes: list[tuple[date, int]]) -> None:
    """Trade 1,000 t between two members at each price on its day, and close the day."""
    clock = FixedClock(
        datetime.combine(closes[0][0], datetime.min.time(), UTC) + timedelta(hours=2)
    )
    app = bootstrap(url, clock=clock)
    try:
        exchange.add_member(app, "MEMBER-A", "Member A")
        exchange.add_member(app, "MEMBER-B", "Member B")
        exchange.list_instrument(app, CODE, closes[0][1])
        exchange.deposit(app, "MEMBER-B", 100_000_000)
        from openets.registry.model import IssueUnits
        from openets.registry.services import execute

        execute(app, IssueUnits(CODE, 10_000, "MEMBER-A"))
        for day, price in closes:
            clock.instant = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
            exchange.place_order(app, "MEMBER-A", CODE, "sell", 1_000, price)
            exchange.place_order(app, "MEMBER-B", CODE, "buy", 1_000, price)
            clock.advance(timedelta(hours=6))  # 16:00 CST: after the session
            exchange.close_day(app, day)
    finally:
        app.dispose()


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    runner.ok("registry", "account", "open", "GD-STEEL-001", "--kind", "holding",
              "--owner", "Guangzhou Steel")  # fmt: skip
    runner.ok("registry", "account", "open", "BANK-GZ-01", "--kind", "holding",
              "--owner", "Bank of Guangzhou")  # fmt: skip
    runner.ok("registry", "issue", CODE, "30000", "--to", "GD-STEEL-001")
    close_days(database_url, [(date(2025, 7, 1), 5_000), (date(2025, 7, 2), 4_500)])
    return runner


def at(cli: Cli, day: str, *args: str) -> Any:
    return cli.json("--as-of", day, *args)


def position(cli: Cli, account: str) -> tuple[int, int]:
    document = cli.json("registry", "balance", account)
    for b in document["balances"]:
        if b["instrument"] == CODE:
            return b["quantity"], b["frozen"]
    return 0, 0


def test_create_value_show_list_and_default(cli: Cli) -> None:
    # created on 2025-07-01 after its close: valued at ¥50.00
    created = at(cli, "2025-07-01", *CREATE, "--key", "loan-1")
    assert {k: created[k] for k in ("id", "status", "quantity", "loan_fen", "ltv_limit",
            "margin", "call", "margin_level_fen", "call_level_fen", "replayed")} == {
        "id": 1, "status": "active", "quantity": 10_000, "loan_fen": 37_500_000,
        "ltv_limit": "0.75", "margin": "1.3", "call": "1.1", "margin_level_fen": 48_750_000,
        "call_level_fen": 41_250_000, "replayed": False,
    }  # fmt: skip
    assert created["created"]["close_fen"] == 5_000
    assert created["created"]["value_fen"] == 50_000_000
    assert position(cli, "GD-STEEL-001") == (30_000, 10_000)
    again = at(cli, "2025-07-01", *CREATE, "--key", "loan-1")
    assert (again["id"], again["replayed"]) == (1, True)
    assert position(cli, "GD-STEEL-001") == (30_000, 10_000)

    run = at(cli, "2025-07-02", "finance", "pledge", "value")
    assert run["day"] == "2025-07-02"
    assert [(v["pledge"], v["close_fen"], v["value_fen"], v["ltv"], v["coverage"], v["level"],
             v["status"], v["recorded"]) for v in run["valued"]] == [
        (1, 4_500, 45_000_000, "0.8333", "1.2000", "warning", "warning", True)
    ]  # fmt: skip
    assert (run["warnings"], run["unpriced"]) == ([1], [])
    repeat = cli.json("finance", "pledge", "value", "--date", "2025-07-02")
    assert [v["recorded"] for v in repeat["valued"]] == [False]
    cli.json("finance", "pledge", "value", "--date", "2025-07-01")  # an earlier day

    shown = cli.json("finance", "pledge", "show", "1")
    assert shown["status"] == "warning"  # the latest day's level
    assert [(v["day"], v["level"]) for v in shown["valuations"]] == [
        ("2025-07-01", "ok"),
        ("2025-07-02", "warning"),
    ]
    listed = cli.json("finance", "pledge", "list", "--status", "warning")
    assert [(p["id"], p["latest_valuation"]["day"]) for p in listed["pledges"]] == [
        (1, "2025-07-02")
    ]
    assert cli.json("finance", "pledge", "list", "--status", "released")["pledges"] == []

    # in warning, not at the call level and not overdue: no default yet
    error = cli.fails(1, "--as-of", "2025-07-02", "finance", "pledge", "default", "1")
    assert "not in default: pledge 1 matures on 2026-06-30" in error
    done = at(cli, "2026-07-01", "finance", "pledge", "default", "1")  # overdue
    assert done["status"] == "defaulted"
    assert done["journal"]["transfer"] == done["journal"]["unfreeze"] + 1
    assert position(cli, "GD-STEEL-001") == (20_000, 0)
    assert position(cli, "BANK-GZ-01") == (10_000, 0)
    journal = cli.json("registry", "journal", "--limit", "3")
    kinds = [(e["kind"], e["key"]) for e in journal["items"]]
    assert ("transfer", "finance:pledge:1:default-transfer") in kinds
    assert ("unfreeze", "finance:pledge:1:default-unfreeze") in kinds
    assert cli.json("audit", "verify")["ok"] is True


def test_release_and_refusals(cli: Cli) -> None:
    at(cli, "2025-07-01", *CREATE)
    released = at(cli, "2025-07-01", "finance", "pledge", "release", "1")
    assert (released["status"], released["journal"]["transfer"]) == ("released", None)
    assert position(cli, "GD-STEEL-001") == (30_000, 0)
    out = cli.ok("--as-of", "2025-07-01", "finance", "pledge", "release", "1")
    assert "already released" in out

    # LTV limit: ¥375,000.01 is more than 0.75 × 10,000 t × ¥50.00
    error = cli.fails(1, "--as-of", "2025-07-01", *create_with("--loan", "375000.01"))
    assert "LTV limit exceeded: a loan of ¥375,000.01" in error
    error = cli.fails(1, "--as-of", "2025-07-01", *create_with("--qty", "30001"))
    assert "insufficient balance" in error
    error = cli.fails(3, "--as-of", "2025-07-01", *create_with("--lender", "NO-BANK"))
    assert "the lender account 'NO-BANK' does not exist" in error
    assert "--loan '1.001'" in cli.fails(2, *create_with("--loan", "1.001"))
    assert "--start 'July'" in cli.fails(2, *create_with("--start", "July"))
    assert "the LTV limit" in cli.fails(2, *create_with("--ltv", "zero"))
    assert "pledge 9 does not exist" in cli.fails(3, "finance", "pledge", "show", "9")
    assert "unknown pledge status" in cli.fails(2, "finance", "pledge", "list", "--status", "x")
    assert position(cli, "GD-STEEL-001") == (30_000, 0)
    assert len(cli.json("finance", "pledge", "list")["pledges"]) == 1


def test_human_output(cli: Cli) -> None:
    out = cli.ok("--as-of", "2025-07-01", *CREATE)
    assert "pledge 1 (active): 10,000 t GDEA-2025 of GD-STEEL-001 for BANK-GZ-01" in out
    assert "worth ¥500,000.00 at a close of ¥50.00/t" in out
    out = cli.ok("finance", "pledge", "value", "--date", "2025-07-02")
    assert "1 valued, 1 below margin, 0 without a closing price" in out
    assert "pledges" in cli.ok("finance", "pledge", "list")
    assert "2025-07-02" in cli.ok("finance", "pledge", "show", "1")
    json.loads(cli.run("finance", "pledge", "show", "1", "--json")[1])
