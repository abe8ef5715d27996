"""The ``openets exchange auction`` and ``openets exchange block`` command-line contract end
to end, on SQLite and PostgreSQL. ``--at`` (CST) sets each command's instant.

GDEA-AUCTION holds 100,000 t of GDEA-2025; members A and B hold ¥200,000.00 and
¥4,000,000.00; member S holds 300,000 t. GDEA-2025 is listed at ¥25.00, so the block band
is 17.50-32.50.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

DAY = "2025-07-01"  # a Tuesday, a trading day


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    runner.ok("registry", "account", "open", "GDEA-AUCTION", "--kind", "auction",
              "--owner", "guangdong")  # fmt: skip
    runner.ok("registry", "issue", "GDEA-2025", "100000", "--to", "GDEA-AUCTION")
    for account, name in [("A", "Alpha Co"), ("B", "Beta Co"), ("S", "Seller Co")]:
        runner.ok("exchange", "member", "add", account, "--name", name)
    runner.ok("exchange", "funds", "deposit", "A", "200000.00")
    runner.ok("exchange", "funds", "deposit", "B", "4000000.00")
    runner.ok("registry", "issue", "GDEA-2025", "300000", "--to", "S")
    runner.ok("exchange", "list-instrument", "GDEA-2025", "--ref-price", "25.00")
    return runner


def held(cli: Cli, account: str) -> dict[str, tuple[int, int]]:
    document = cli.json("registry", "balance", account)
    return {b["instrument"]: (b["quantity"], b["frozen"]) for b in document["balances"]}


def at(time: str) -> tuple[str, str]:
    return ("--at", f"{DAY}T{time}")


def test_an_auction_from_announcement_to_results(cli: Cli) -> None:
    announced = cli.json(
        "exchange", "auction", "announce", "--instrument", "GDEA-2025", "--qty", "10000",
        "--reserve", "20.00", "--opens", f"{DAY}T09:30", "--closes", f"{DAY}T11:30", *at("09:00"),
    )  # fmt: skip
    auction = str(announced["id"])
    assert announced["reserve_fen"] == 2_000
    assert (announced["phase"], announced["max_per_bidder"]) == ("upcoming", 5_000)
    assert held(cli, "GDEA-AUCTION")["GDEA-2025"] == (100_000, 10_000)

    error = cli.fails(1, "exchange", "auction", "bid", auction, "--account", "A", "--qty", "1000",
                      "--price", "25.00", *at("09:00"))  # fmt: skip
    assert "opens at 2025-07-01 09:30 CST" in error
    for account, qty, price in [("A", "6000", "25.00"), ("B", "5000", "24.00")]:
        bid = cli.json("exchange", "auction", "bid", auction, "--account", account,
                       "--qty", qty, "--price", price, *at("10:00"))  # fmt: skip
        assert bid["reserved_fen"] == int(qty) * int(price.replace(".", ""))
    error = cli.fails(1, "exchange", "auction", "bid", auction, "--account", "A", "--qty", "999",
                      "--price", "25.00", *at("10:00"))  # fmt: skip
    assert error == "error: a bid is at least 1,000 t, this one is 999 t"
    error = cli.fails(1, "exchange", "auction", "bid", auction, "--account", "A", "--qty", "1000",
                      "--price", "19.99", *at("10:00"))  # fmt: skip
    assert "below the reserve price of 20.00 yuan/t" in error

    # A wins its cap of 5,000 t, B the other 5,000 t; everyone pays B's 24.00
    result = cli.json("exchange", "auction", "clear", auction, *at("12:00"))
    assert (result["clearing_price_fen"], result["sold"], result["unsold"]) == (2_400, 10_000, 0)
    assert [(a["account"], a["qty"], a["paid_fen"]) for a in result["allocation"]] == [
        ("A", 5_000, 12_000_000),
        ("B", 5_000, 12_000_000),
    ]
    assert held(cli, "A") == {"CNY": (8_000_000, 0), "GDEA-2025": (5_000, 0)}
    assert held(cli, "B") == {"CNY": (388_000_000, 0), "GDEA-2025": (5_000, 0)}
    assert held(cli, "GDEA-AUCTION") == {"CNY": (24_000_000, 0), "GDEA-2025": (90_000, 0)}
    shown = cli.json("exchange", "auction", "show", auction)
    assert [b["filled"] for b in shown["bids"]] == [5_000, 5_000]
    [listed] = cli.json("exchange", "auction", "list")
    assert (listed["id"], listed["state"], listed["value_fen"]) == (1, "cleared", 24_000_000)


def test_auction_refusals_and_exit_codes(cli: Cli) -> None:
    error = cli.fails(1, "exchange", "auction", "announce", "--instrument", "GDEA-2025",
                      "--qty", "100001", "--reserve", "20.00", "--opens", f"{DAY}T09:30",
                      "--closes", f"{DAY}T11:30", *at("09:00"))  # fmt: skip
    assert "insufficient units" in error
    error = cli.fails(2, "exchange", "auction", "announce", "--instrument", "CCER", "--qty", "1",
                      "--opens", f"{DAY}T09:30", "--closes", f"{DAY}T11:30")  # fmt: skip
    assert error == "error: only allowances are auctioned, not CCER"
    cli.fails(3, "exchange", "auction", "show", "7")
    cli.fails(2, "exchange", "auction", "announce", "--instrument", "GDEA-2025", "--qty", "1",
              "--opens", "soon", "--closes", f"{DAY}T11:30")  # fmt: skip


def test_a_block_trade_proposed_confirmed_and_listed(cli: Cli) -> None:
    error = cli.fails(1, "exchange", "block", "propose", "--seller", "S", "--buyer", "B",
                      "--instrument", "GDEA-2025", "--qty", "99999", "--price", "25.00",
                      *at("10:00"))  # fmt: skip
    assert error == "error: a block trade is at least 100,000 t, this one is 99,999 t"
    error = cli.fails(1, "exchange", "block", "propose", "--seller", "S", "--buyer", "B",
                      "--instrument", "GDEA-2025", "--qty", "100000", "--price", "32.51",
                      *at("10:00"))  # fmt: skip
    assert "outside the block band 17.50–32.50 yuan/t" in error
    proposed = cli.json("exchange", "block", "propose", "--seller", "S", "--buyer", "B",
                        "--instrument", "GDEA-2025", "--qty", "100000", "--price", "32.50",
                        *at("10:00"))  # fmt: skip
    block = str(proposed["id"])
    assert (proposed["state"], proposed["proposer"]) == ("proposed", "seller")
    assert held(cli, "S")["GDEA-2025"] == (300_000, 100_000)
    error = cli.fails(1, "exchange", "block", "confirm", block, "--as", "A", *at("10:05"))
    assert "only its counterparty 'B' may" in error
    confirmed = cli.json("exchange", "block", "confirm", block, "--as", "B", *at("10:05"))
    assert confirmed["state"] == "confirmed"
    assert held(cli, "S") == {"CNY": (325_000_000, 0), "GDEA-2025": (200_000, 0)}
    assert held(cli, "B") == {"CNY": (75_000_000, 0), "GDEA-2025": (100_000, 0)}
    listed = cli.json("exchange", "block", "list", "--date", DAY)
    assert [t["id"] for t in listed["trades"]] == [1]
    assert listed["statistics"] == [
        {
            "instrument": "GDEA-2025",
            "date": DAY,
            "trades": 1,
            "volume": 100_000,
            "value_fen": 325_000_000,
            "cumulative_volume": 100_000,
            "cumulative_value_fen": 325_000_000,
        }
    ]


def test_reject_withdraw_and_hours(cli: Cli) -> None:
    args = ("exchange", "block", "propose", "--seller", "S", "--buyer", "B", "--instrument",
            "GDEA-2025", "--qty", "100000", "--price", "25.00")  # fmt: skip
    error = cli.fails(1, *args, *at("12:00"))
    assert "the market is closed at 2025-07-01 12:00:00 CST" in error
    first = cli.json(*args, *at("10:00"))
    rejected = cli.json("exchange", "block", "reject", str(first["id"]), *at("10:01"))
    assert rejected["state"] == "rejected"
    second = cli.json(*args, "--as", "B", *at("10:02"))
    assert held(cli, "B")["CNY"] == (400_000_000, 250_000_000)
    withdrawn = cli.json("exchange", "block", "withdraw", str(second["id"]), *at("10:03"))
    assert withdrawn["state"] == "withdrawn"
    assert held(cli, "B")["CNY"] == (400_000_000, 0)
    assert held(cli, "S")["GDEA-2025"] == (300_000, 0)
    third = cli.json(*args, *at("14:00"))
    error = cli.fails(1, "exchange", "block", "confirm", str(third["id"]), "--as", "B",
                      *at("15:00"))  # fmt: skip
    assert "expired at the close of 2025-07-01" in error
    assert held(cli, "S")["GDEA-2025"] == (300_000, 0)
