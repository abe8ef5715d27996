"""The ``openets allocation`` command-line contract end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

HISTORY = """entity,year,verified_tco2,output
STEEL-1,2023,190000,100000
CEM-1,2023,30000,
"""
YEAR_2024 = """entity,year,verified_tco2,output
STEEL-1,2024,200000,110000
CEM-1,2024,30000,35000
"""


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli], tmp_path: Path) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    for entity_id, name, sector in (
        ("STEEL-1", "Steel One", "steel"),
        ("CEM-1", "Cement One", "cement"),
        ("NEW-1", "New Steel", "steel"),
    ):
        runner.ok("entity", "add", entity_id, "--name", name, "--sector", sector)
    history = tmp_path / "history.csv"
    history.write_text(HISTORY, encoding="utf-8")
    runner.ok("mrv", "emissions", "import", str(history))
    return runner


def held(cli: Cli, account: str) -> dict[str, int]:
    document = cli.json("registry", "balance", account)
    return {b["instrument"]: b["quantity"] for b in document["balances"]}


def test_compute_json_contract(cli: Cli) -> None:
    # steel: 100,000 t × 1.8 × 1 = 180,000 t; free floor(180,000 × 0.97) = 174,600, reserve 5,400
    assert cli.json("allocation", "compute", "2024") == {
        "year": 2024,
        "jurisdictions": [
            {
                "name": "guangdong",
                "cap": 270_000_000,
                "entitlement": 180_000,
                "allocated": 180_000,
                "free": 174_600,
                "reserve": 5_400,
                "scaled": False,
            }
        ],
        "entities": [
            {
                "entity": "STEEL-1",
                "jurisdiction": "guangdong",
                "sector": "steel",
                "method": "benchmark",
                "inputs": {"output": "100000", "benchmark": "1.8", "adjustment_factor": "1"},
                "exact": "180000",
                "entitlement": 180_000,
                "allocated": 180_000,
                "free": 174_600,
                "reserve": 5_400,
                "deduction": 0,
                "issue": 174_600,
            }
        ],
        "missing": [{"entity": "CEM-1", "reason": "no verified output for 2023"}],
    }
    assert cli.json("allocation", "compute", "2024", "--jurisdiction", "guangdong")["year"] == 2024
    out = cli.ok("allocation", "compute", "2024")
    assert "STEEL-1" in out
    assert "cap 270,000,000 t" in out
    assert "missing CEM-1: no verified output for 2023" in out
    assert "cap of national is not set" in cli.fails(
        2, "allocation", "compute", "2024", "--jurisdiction", "national"
    )
    cli.fails(3, "allocation", "compute", "2024", "--jurisdiction", "atlantis")


def test_issue_true_up_show(cli: Cli, tmp_path: Path) -> None:
    issued = cli.json("allocation", "issue", "2024")
    assert (issued["phase"], issued["replayed"]) == ("pre", False)
    (steel,) = issued["entities"]
    assert (steel["entity"], steel["issue"], steel["phase"]) == ("STEEL-1", 174_600, "pre")
    assert issued["jurisdictions"][0]["reserve_entry_seq"] is not None
    assert held(cli, "STEEL-1") == {"GDEA-2024": 174_600}
    assert held(cli, "GDEA-AUCTION") == {"GDEA-2024": 5_400}

    out = cli.ok("allocation", "issue", "2024")
    assert "the 2024 pre-allocation of guangdong was already issued" in out
    assert cli.json("allocation", "issue", "2024")["replayed"] is True
    assert held(cli, "STEEL-1") == {"GDEA-2024": 174_600}

    year = tmp_path / "2024.csv"
    year.write_text(YEAR_2024, encoding="utf-8")
    cli.ok("mrv", "emissions", "import", str(year))
    trued = cli.json("allocation", "true-up", "2024")
    lines = {x["entity"]: x for x in trued["entities"]}
    # steel: 110,000 × 1.8 = 198,000; free 192,060; + 17,460 issued
    assert (lines["STEEL-1"]["free"], lines["STEEL-1"]["issue"]) == (192_060, 17_460)
    # cement, not pre-allocated: 35,000 × 0.85 = 29,750; free floor(28,857.5) = 28,857 in full
    assert (lines["CEM-1"]["free"], lines["CEM-1"]["issue"]) == (28_857, 28_857)
    assert held(cli, "STEEL-1") == {"GDEA-2024": 192_060}
    assert "already issued" in cli.ok("allocation", "true-up", "2024")

    shown = cli.json("allocation", "show", "2024")
    assert [(r["phase"], r["free_total"]) for r in shown["rounds"]] == [
        ("pre", 174_600),
        ("true_up", 192_060 + 28_857),
    ]
    assert [(x["entity"], x["phase"]) for x in shown["lines"]] == [
        ("CEM-1", "true_up"),
        ("STEEL-1", "pre"),
        ("STEEL-1", "true_up"),
    ]
    only = cli.json("allocation", "show", "2024", "--entity", "STEEL-1")
    assert {x["entity"] for x in only["lines"]} == {"STEEL-1"}
    assert "STEEL-1" in cli.ok("allocation", "show", "2024")
    assert "no allocation is recorded for 2023" in cli.ok("allocation", "show", "2023")


def test_entrant_and_closure(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("allocation", "issue", "2024")
    # 50,000 t × 1.8 = 90,000 a year; 184 of 366 days from 1 July → 45,245; free 43,887
    entrant = cli.json(
        "allocation", "entrant", "NEW-1", "2024", "--from", "2024-07-01", "--output", "50000"
    )
    assert (entrant["phase"], entrant["allocated"], entrant["free"], entrant["replayed"]) == (
        "entrant",
        45_245,
        43_887,
        False,
    )
    again = cli.ok(
        "allocation", "entrant", "NEW-1", "2024", "--from", "2024-07-01", "--output", "50000"
    )
    assert "already recorded" in again
    assert held(cli, "NEW-1") == {"GDEA-2024": 43_887}
    cli.fails(2, "allocation", "entrant", "NEW-1", "2024", "--from", "July", "--output", "1")
    cli.fails(2, "allocation", "entrant", "NEW-1", "2024", "--from", "2024-07-01", "--output", "x")
    cli.fails(3, "allocation", "entrant", "NONE", "2024", "--from", "2024-07-01", "--output", "1")

    # closing on 1 July (182 of 366 days): keeps floor(174,600 × 182 / 366) = 86,822
    closed = cli.json("allocation", "closure", "STEEL-1", "2024", "--on", "2024-07-01")
    assert (closed["phase"], closed["free"], closed["issue"]) == ("closure", 86_822, -87_778)
    assert held(cli, "STEEL-1") == {"GDEA-2024": 86_822}
    assert "taken back" in cli.ok("allocation", "closure", "STEEL-1", "2024", "--on", "2024-07-01")
    assert "no 2024 allocation to close" in cli.fails(
        1, "allocation", "closure", "CEM-1", "2024", "--on", "2024-07-01"
    )

    # an entity user may read its own lines but not issue
    monkeypatch.setenv("OPENETS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("OPENETS_ARGON2_MEMORY_KIB", "8")
    monkeypatch.setenv("OPENETS_ARGON2_PARALLELISM", "1")
    cli.ok("user", "add", "steel", "--role", "entity", "--owner", "Steel One")
    assert "only a regulator may" in cli.fails(1, "allocation", "issue", "2024", "--as", "steel")
    mine = cli.json("allocation", "show", "2024", "--as", "steel")
    assert {x["entity"] for x in mine["lines"]} == {"STEEL-1"}
    assert mine["rounds"] == []
