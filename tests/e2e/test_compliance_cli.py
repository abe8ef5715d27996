"""The ``openets compliance`` command-line contract end to end, on SQLite and PostgreSQL.

Compliance year 2024: Guangdong's offset-request deadline is 2025-06-10 and its surrender
deadline 2025-06-20; Shenzhen's surrender deadline is 2025-06-30. ``--as-of`` sets the
business date of each run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

EMISSIONS = """entity,year,verified_tco2
GD-STEEL,2023,123456
GD-STEEL,2024,130000
GD-CEMENT,2023,20000
GD-CEMENT,2024,20000
SZ-POWER,2024,10000
"""


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli], tmp_path: Path) -> Cli:
    """GD-STEEL holds 200,000 GDEA-2024 and 20,000 PHCER (a Guangdong solar project),
    GD-CEMENT 19,000 GDEA-2024, SZ-POWER 9,000 SZEA-2024."""
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    for entity_id, name, sector, where in [
        ("GD-STEEL", "Guangdong Steel", "steel", "guangdong"),
        ("GD-CEMENT", "Guangdong Cement", "cement", "guangdong"),
        ("SZ-POWER", "Shenzhen Power", "power", "shenzhen"),
    ]:
        runner.ok("entity", "add", entity_id, "--name", name, "--sector", sector,
                  "--jurisdiction", where)  # fmt: skip
    emissions = tmp_path / "emissions.csv"
    emissions.write_text(EMISSIONS, encoding="utf-8")
    runner.ok("mrv", "emissions", "import", str(emissions))
    runner.ok("registry", "issue", "GDEA-2024", "200000", "--to", "GD-STEEL")
    runner.ok("registry", "issue", "GDEA-2024", "19000", "--to", "GD-CEMENT")
    runner.ok("registry", "issue", "SZEA-2024", "9000", "--to", "SZ-POWER")
    runner.ok("registry", "account", "open", "OWNER", "--kind", "holding", "--owner", "Owner")
    runner.ok(
        "offsets", "project", "add", "PV-GD", "--scheme", "PHCER", "--type", "distributed_solar",
        "--province", "Guangdong", "--city", "Meizhou", "--owner", "OWNER",
        "--methodology", "PHCER-PV",
    )  # fmt: skip
    runner.ok("offsets", "issue", "PV-GD", "--year", "2024", "--quantity", "20000")
    runner.ok("registry", "transfer", "PHCER", "20000", "--from", "OWNER", "--to", "GD-STEEL")
    return runner


def at(cli: Cli, day: str, *args: str) -> Any:
    """The JSON answer of a command run on business date ``day``."""
    return cli.json("--as-of", day, *args)


def held(cli: Cli, account: str) -> dict[str, int]:
    document = cli.json("registry", "balance", account)
    return {b["instrument"]: b["quantity"] for b in document["balances"]}


def test_surrender_status_deadlines_and_extension(cli: Cli) -> None:
    receipt = at(
        cli, "2025-06-01", "compliance", "surrender", "GD-STEEL", "2024",
        "--units", "GDEA-2024=117655", "--units", "PHCER=12345", "--key", "k-1",
    )  # fmt: skip
    assert (receipt["allowances"], receipt["offsets"], receipt["replayed"]) == (
        117_655,
        12_345,
        False,
    )
    assert [(x["instrument"], x["quantity"], x["project"]) for x in receipt["lines"]] == [
        ("GDEA-2024", 117_655, None),
        ("PHCER", 12_345, "PV-GD"),
    ]
    again = at(
        cli, "2025-06-01", "compliance", "surrender", "GD-STEEL", "2024",
        "--units", "PHCER=12345", "--units", "GDEA-2024=117655", "--key", "k-1",
    )  # fmt: skip
    assert (again["id"], again["replayed"]) == (receipt["id"], True)
    before = held(cli, "GD-STEEL")
    # floor(10% × 123,456) = 12,345 t already used: one more tonne is refused
    error = cli.fails(
        1, "--as-of", "2025-06-01", "compliance", "surrender", "GD-STEEL", "2024",
        "--units", "PHCER=1",
    )  # fmt: skip
    assert "offset limit" in error
    assert "12,345 t" in error
    assert held(cli, "GD-STEEL") == before
    assert "INSTRUMENT=QUANTITY" in cli.fails(
        2, "compliance", "surrender", "GD-STEEL", "2024", "--units", "PHCER"
    )
    assert "k-1" in cli.fails(
        4, "--as-of", "2025-06-01", "compliance", "surrender", "GD-STEEL", "2024",
        "--units", "GDEA-2024=1", "--key", "k-1",
    )  # fmt: skip

    status = at(cli, "2025-06-01", "compliance", "status", "2024")
    assert status["year"] == 2024
    rows = {r["entity"]: r for r in status["entities"]}
    assert {k: rows["GD-STEEL"][k] for k in ("verified_tco2", "surrendered_allowances",
            "surrendered_offsets", "shortfall", "status")} == {
        "verified_tco2": 130_000, "surrendered_allowances": 117_655,
        "surrendered_offsets": 12_345, "shortfall": 0, "status": "compliant",
    }  # fmt: skip
    # short, but the deadline has not passed: pending
    assert (rows["GD-CEMENT"]["shortfall"], rows["GD-CEMENT"]["status"]) == (20_000, "pending")
    only = at(cli, "2025-06-01", "compliance", "status", "2024", "--entity", "GD-CEMENT")
    assert [r["entity"] for r in only["entities"]] == ["GD-CEMENT"]

    # the day after the surrender deadline: refused, until the regulator extends it
    late = cli.fails(
        1, "--as-of", "2025-06-21", "compliance", "surrender", "GD-CEMENT", "2024",
        "--units", "GDEA-2024=19000",
    )  # fmt: skip
    assert "surrender deadline of guangdong 2024 (2025-06-20)" in late
    assert "regulator can extend" in late
    extended = cli.json(
        "compliance", "extend", "2024", "--deadline", "surrender", "--until", "2025-06-30",
        "--reason", "typhoon", "--jurisdiction", "guangdong",
    )  # fmt: skip
    assert extended["extensions"][0]["until"] == "2025-06-30"
    at(cli, "2025-06-21", "compliance", "surrender", "GD-CEMENT", "2024",
       "--units", "GDEA-2024=19000")  # fmt: skip
    board = at(cli, "2025-06-21", "compliance", "deadlines", "2024", "--jurisdiction", "guangdong")
    (calendar,) = board["jurisdictions"]
    surrender = next(d for d in calendar["deadlines"] if d["name"] == "surrender")
    assert surrender == {
        "name": "surrender", "date": "2025-06-30", "configured": "2025-06-20",
        "extended": True, "reason": "typhoon", "days_left": 9,
    }  # fmt: skip
    # every jurisdiction present by default
    board = at(cli, "2025-06-21", "compliance", "deadlines", "2024")
    assert [c["jurisdiction"] for c in board["jurisdictions"]] == ["guangdong", "shenzhen"]


def test_close_with_penalties_is_idempotent(cli: Cli) -> None:
    at(cli, "2025-06-01", "compliance", "surrender", "GD-CEMENT", "2024",
       "--units", "GDEA-2024=19000")  # fmt: skip
    at(cli, "2025-06-01", "compliance", "surrender", "SZ-POWER", "2024",
       "--units", "SZEA-2024=9000")  # fmt: skip
    at(cli, "2025-06-01", "compliance", "surrender", "GD-STEEL", "2024",
       "--units", "GDEA-2024=130000")  # fmt: skip
    # Shenzhen's deadline (06-30) has not passed: closing every jurisdiction is refused whole
    assert "too early" in cli.fails(1, "--as-of", "2025-06-25", "compliance", "close", "2024")
    guangdong = at(cli, "2025-06-25", "compliance", "close", "2024", "--jurisdiction", "guangdong")
    # GD-CEMENT: shortfall 20,000 - 19,000 = 1,000 t → 2 × 1,000 = 2,000 t deducted, ¥50,000
    assert [
        {k: p[k] for k in ("entity", "shortfall", "deduction_next_year", "fine_fen")}
        for p in guangdong["penalties"]
    ] == [{"entity": "GD-CEMENT", "shortfall": 1_000, "deduction_next_year": 2_000,
           "fine_fen": 5_000_000}]  # fmt: skip
    # Shenzhen's fine needs a price
    assert "--price" in cli.fails(2, "--as-of", "2025-07-01", "compliance", "close", "2024")
    closed = at(cli, "2025-07-01", "compliance", "close", "2024", "--price", "45.20")
    # SZ-POWER: 1,000 t × 3 × 4,520 fen = 13,560,000 fen; 1 × 1,000 t deducted
    assert [
        (p["entity"], p["shortfall"], p["deduction_next_year"], p["fine_fen"])
        for p in closed["penalties"]
    ] == [("GD-CEMENT", 1_000, 2_000, 5_000_000), ("SZ-POWER", 1_000, 1_000, 13_560_000)]
    assert closed["year"] == 2024
    again = at(cli, "2025-07-02", "compliance", "close", "2024", "--price", "45.20")
    assert again["penalties"] == closed["penalties"]
    status = at(cli, "2025-07-02", "compliance", "status", "2024")
    assert {r["entity"]: r["status"] for r in status["entities"]} == {
        "GD-CEMENT": "shortfall",
        "GD-STEEL": "compliant",
        "SZ-POWER": "shortfall",
    }


def test_coverage_and_position(cli: Cli) -> None:
    coverage = at(cli, "2025-06-01", "compliance", "coverage", "2024", "--jurisdiction", "shenzhen")
    assert coverage == {
        "year": 2024,
        "entities": [{
            "entity": "SZ-POWER", "name": "Shenzhen Power", "sector": "power",
            "jurisdiction": "shenzhen", "covered": True,
            "reason": "2024 verified 10,000 tCO2 ≥ 3,000", "verified_prior": None,
            "verified_year": 10_000,
        }],
    }  # fmt: skip
    position = at(cli, "2025-06-01", "compliance", "position", "GD-STEEL", "2024")
    assert (position["obligation"], position["status"], position["shortfall"]) == (
        130_000,
        "pending",
        130_000,
    )
    assert (position["offsets"]["limit"], position["offsets"]["headroom"]) == (12_345, 12_345)
    days = {d["name"]: d["days_left"] for d in position["deadlines"]}
    assert (days["offset_request"], days["surrender"]) == (9, 19)
    assert json.dumps(position, ensure_ascii=False)  # one JSON document
    assert "NOBODY" in cli.fails(3, "compliance", "position", "NOBODY", "2024")
