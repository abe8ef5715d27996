"""The ``openets exchange`` command-line contract end to end, on SQLite and PostgreSQL.

Member S holds 1,000 t of GDEA-2025, member B ¥100,000.00; GDEA-2025 is listed at ¥45.00
(band 40.50-49.50 on its first day). Order commands run at ``--at`` (CST) on 2025-07-01, a
Tuesday.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

AT = "2025-07-01T10:00"


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    runner.ok("exchange", "member", "add", "S", "--name", "Seller Co")
    runner.ok("exchange", "member", "add", "B", "--name", "Buyer Co")
    runner.ok("exchange", "list-instrument", "GDEA-2025", "--ref-price", "45.00")
    runner.ok("registry", "issue", "GDEA-2025", "1000", "--to", "S")
    runner.ok("exchange", "funds", "deposit", "B", "100000")
    return runner


def place(
    cli: Cli, account: str, side: str, qty: int, price: str, *extra: str
) -> dict[str, object]:
    document: dict[str, object] = cli.json(
        "exchange", "order", "place", "--account", account, "--side", side,
        "--instrument", "GDEA-2025", "--qty", str(qty), "--price", price, "--at", AT, *extra,
    )  # fmt: skip
    return document


def test_place_trade_book_and_trades(cli: Cli) -> None:
    sell = place(cli, "S", "sell", 100, "45.20")
    assert sell == {
        "order": {
            "id": 1,
            "account": "S",
            "instrument": "GDEA-2025",
            "side": "sell",
            "price": "45.20",
            "qty": 100,
            "remaining": 100,
            "tif": "GTC",
            "status": "open",
            "placed_at": "2025-07-01T02:00:00.000000Z",
            "reserved": 100,
            "date": "2025-07-01",
        },
        "trades": [],
        "replayed": False,
    }
    buy = place(cli, "B", "buy", 150, "46", "--tif", "GTC", "--key", "b-1")
    assert buy["trades"] == [
        {"trade": 1, "buy": 2, "sell": 1, "price": "45.20", "qty": 100,
         "at": "2025-07-01T02:00:00.000000Z"}
    ]  # fmt: skip
    assert place(cli, "B", "buy", 150, "46", "--key", "b-1")["replayed"] is True
    assert cli.json("exchange", "book", "GDEA-2025") == {
        "instrument": "GDEA-2025",
        "bids": [["46.00", 50]],
        "asks": [],
    }
    assert cli.json("exchange", "trades", "GDEA-2025", "--date", "2025-07-01") == {
        "instrument": "GDEA-2025",
        "date": "2025-07-01",
        "trades": [buy["trades"][0]],  # type: ignore[index]
    }
    assert cli.json("exchange", "funds", "show", "B") == {
        "account": "B",
        "held": "95480.00",
        "reserved": "2300.00",
        "available": "93180.00",
    }
    cancelled = cli.json("exchange", "order", "cancel", "2")
    assert (cancelled["status"], cancelled["remaining"], cancelled["reserved"]) == (
        "cancelled",
        50,
        0,
    )
    assert cli.fails(4, "exchange", "order", "cancel", "2") == (
        "error: order 2 is cancelled, not open"
    )
    assert [
        o["id"] for o in cli.json("exchange", "order", "list", "--status", "cancelled")["orders"]
    ] == [2]


def test_refusals(cli: Cli) -> None:
    assert cli.fails(
        1, "exchange", "order", "place", "--account", "B", "--side", "buy",
        "--instrument", "GDEA-2025", "--qty", "10", "--price", "49.51", "--at", AT,
    ) == (
        "error: price 49.51 is outside the price band 40.50-49.50 "
        "(±10% of the previous close 45.00)"
    )  # fmt: skip
    early = cli.fails(
        1, "exchange", "order", "place", "--account", "B", "--side", "buy",
        "--instrument", "GDEA-2025", "--qty", "10", "--price", "45", "--at", "2025-07-01T09:29:59",
    )  # fmt: skip
    assert early.startswith("error: the market is closed at 2025-07-01 09:29:59 CST")
    cli.fails(
        2, "exchange", "order", "place", "--account", "B", "--side", "buy",
        "--instrument", "GDEA-2025", "--qty", "10", "--price", "45.001", "--at", AT,
    )  # fmt: skip
    assert cli.fails(1, "exchange", "funds", "withdraw", "B", "100000.01") == (
        "error: insufficient funds: account 'B' has ¥100000.00 available (¥100000.00 held, "
        "¥0.00 reserved for orders), ¥100000.01 requested"
    )


def test_amend_close_day_bars_and_stats(cli: Cli) -> None:
    place(cli, "S", "sell", 1, "45.20")
    place(cli, "S", "sell", 1, "45.21")
    resting = place(cli, "B", "buy", 10, "45.00")
    amended = cli.json("exchange", "order", "amend", "3", "--qty", "4", "--at", AT)
    assert (amended["order"]["remaining"], amended["order"]["reserved"]) == (4, 18_000)
    assert resting["order"]["reserved"] == 45_000  # type: ignore[index]
    lifted = cli.json("exchange", "order", "lift", "1", "--account", "B", "--qty", "1", "--at", AT)
    assert lifted["trades"][0]["price"] == "45.20"
    place(cli, "B", "buy", 1, "45.21", "--tif", "IOC")
    closed = cli.json("exchange", "close-day", "--date", "2025-07-01", "--at", "2025-07-01T15:00")
    assert closed == {
        "date": "2025-07-01",
        "closes": [
            {
                "instrument": "GDEA-2025",
                "date": "2025-07-01",
                "open": "45.20",
                "high": "45.21",
                "low": "45.20",
                "close": "45.21",  # 9,041 fen / 2 t = 4,520.5, half up
                "volume": 2,
                "value": "90.41",
                "trades": 2,
            }
        ],
        "expired": 1,
        "expired_blocks": 0,
    }
    assert cli.json("exchange", "bars", "GDEA-2025")["bars"] == [
        {k: v for k, v in closed["closes"][0].items() if k != "instrument"}
    ]
    stats = cli.json("exchange", "stats")
    assert (stats["volume"], stats["value"], stats["trades"]) == (2, "90.41", 2)
    assert cli.ok("audit", "verify").startswith("ok:")


def test_as_of_with_a_time_of_day_places_an_order_inside_trading_hours(
    cli_at: Callable[[str], Cli], tmp_path: Path
) -> None:
    cli = cli_at(f"sqlite:///{tmp_path / 'as-of.db'}")
    cli.ok("db", "upgrade")
    cli.ok("exchange", "member", "add", "MEMBER-01", "--name", "Member One")
    cli.ok("exchange", "funds", "deposit", "MEMBER-01", "100000")
    cli.ok("exchange", "list-instrument", "GDEA-2025", "--ref-price", "35.00")
    placed = cli.json(
        "--as-of", "2025-07-01T10:00", "exchange", "order", "place", "--account", "MEMBER-01",
        "--side", "buy", "--instrument", "GDEA-2025", "--qty", "1000", "--price", "35.20",
    )  # fmt: skip
    assert placed["order"]["status"] == "open"
    assert placed["order"]["date"] == "2025-07-01"
    assert placed["order"]["reserved"] == 3_520_000  # 1,000 t × 3,520 fen
    error = cli.fails(2, "--as-of", "2025-07-01T10:00+08:00", "exchange", "book", "GDEA-2025")
    assert "is not a date (YYYY-MM-DD) or a CST date and time (YYYY-MM-DDTHH:MM)" in error


def test_registry_supply_of_the_exchange_funds(
    cli_at: Callable[[str], Cli], tmp_path: Path
) -> None:
    cli = cli_at(f"sqlite:///{tmp_path / 'funds.db'}")
    cli.ok("db", "upgrade")
    cli.ok("exchange", "member", "add", "MEMBER-01", "--name", "Member One")
    cli.ok("exchange", "funds", "deposit", "MEMBER-01", "1000.50")
    cli.ok("exchange", "funds", "withdraw", "MEMBER-01", "0.50")
    supply = cli.json("registry", "supply", "CNY")
    # fen: 100,050 deposited, 50 withdrawn (back to the issuance account), 100,000 held
    assert supply == {
        "instrument": "CNY",
        "issued": 100_000,
        "retired": 0,
        "cancelled": 0,
        "outstanding": 100_000,
    }
