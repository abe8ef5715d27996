"""A full compliance year through the CLI contract, on SQLite and PostgreSQL: imported history
→ 2024 allocation → reports → true-up → surrender → close → 2025 allocation with the deduction.

Figures (steel, Guangdong: benchmark 1.8 tCO2/t × adjustment 1, free share 97%):
- 2024 pre-allocation from 2023 output 100,000 t: 180,000 t; free floor(180,000 × 0.97) =
  174,600, reserve 5,400 (cement: 0.85 × 50,000 = 42,500; free 41,225, reserve 1,275).
- true-up with 2024 output 110,000 t: 198,000; free 192,060 → +17,460 issued (cement 2024
  output 50,000: no change).
- steel verified 2024: 200,000; it holds 192,060 and surrenders them all: shortfall 7,940;
  cement verified 40,000, surrenders 40,000: compliant.
- close: Guangdong penalty: 2 × 7,940 = 15,880 t deducted, fine ¥50,000 = 5,000,000 fen.
- 2025 pre-allocation from 2024 output 110,000: 198,000, free 192,060; issued 192,060 − 15,880
  = 176,180.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py


def test_a_year_from_allocation_to_next_years_deduction(
    database_url: str, cli_at: Callable[[str], Cli], tmp_path: Path
) -> None:
    cli = cli_at(database_url)
    cli.ok("db", "upgrade")
    cli.ok("entity", "add", "STEEL", "--name", "Steel Co", "--sector", "steel")
    cli.ok("entity", "add", "CEM", "--name", "Cement Co", "--sector", "cement")
    history = tmp_path / "history.csv"
    history.write_text(
        "entity,year,verified_tco2,output\nSTEEL,2023,185000,100000\nCEM,2023,43000,50000\n"
    )
    cli.ok("mrv", "emissions", "import", str(history))

    july = ("--as-of", "2024-07-01")
    pre = cli.json(*july, "allocation", "issue", "2024")
    lines = {line["entity"]: line for line in pre["entities"]}
    assert (lines["STEEL"]["free"], lines["STEEL"]["reserve"]) == (174_600, 5_400)
    assert (lines["CEM"]["free"], lines["CEM"]["reserve"]) == (41_225, 1_275)
    assert cli.json("registry", "balance", "GDEA-AUCTION")["balances"] == [
        {"instrument": "GDEA-2024", "quantity": 6_675, "frozen": 0}
    ]

    figures = tmp_path / "2024.csv"
    figures.write_text(
        "entity,year,verified_tco2,output\nSTEEL,2024,200000,110000\nCEM,2024,40000,50000\n"
    )
    cli.ok("--as-of", "2025-04-30", "mrv", "emissions", "import", str(figures))
    trued = cli.json("--as-of", "2025-05-15", "allocation", "true-up", "2024")
    issued = {line["entity"]: line["issue"] for line in trued["entities"]}
    assert issued == {"STEEL": 17_460, "CEM": 0}
    steel = cli.json("registry", "balance", "STEEL")["balances"]
    assert steel == [{"instrument": "GDEA-2024", "quantity": 192_060, "frozen": 0}]

    june = ("--as-of", "2025-06-20")  # the surrender deadline itself
    cli.ok(*june, "compliance", "surrender", "STEEL", "2024", "--units", "GDEA-2024=192060")
    cli.ok(*june, "compliance", "surrender", "CEM", "2024", "--units", "GDEA-2024=40000")
    status = cli.json(*june, "compliance", "status", "2024")
    assert status == {
        "year": 2024,
        "entities": [
            {**status["entities"][0], "entity": "CEM", "verified_tco2": 40_000,
             "surrendered_allowances": 40_000, "surrendered_offsets": 0, "shortfall": 0,
             "status": "compliant"},
            {**status["entities"][1], "entity": "STEEL", "verified_tco2": 200_000,
             "surrendered_allowances": 192_060, "surrendered_offsets": 0, "shortfall": 7_940,
             "status": "pending"},  # short, but the deadline has not passed yet
        ],
    }  # fmt: skip
    assert "surrender" in cli.fails(
        1, "--as-of", "2025-06-21", "compliance", "surrender", "CEM", "2024",
        "--units", "GDEA-2024=1",
    )  # fmt: skip

    closed = cli.json("--as-of", "2025-06-21", "compliance", "close", "2024")
    assert [
        {k: p[k] for k in ("entity", "shortfall", "deduction_next_year", "fine_fen")}
        for p in closed["penalties"]
    ] == [{"entity": "STEEL", "shortfall": 7_940, "deduction_next_year": 15_880,
           "fine_fen": 5_000_000}]  # fmt: skip
    after = cli.json("compliance", "status", "2024", "--entity", "STEEL")["entities"][0]
    assert after["status"] == "shortfall"

    nxt = cli.json("--as-of", "2025-07-01", "allocation", "issue", "2025")
    steel_2025 = next(line for line in nxt["entities"] if line["entity"] == "STEEL")
    assert (steel_2025["free"], steel_2025["deduction"], steel_2025["issue"]) == (
        192_060,
        15_880,
        176_180,
    )
    assert cli.json("registry", "balance", "STEEL")["balances"] == [
        {"instrument": "GDEA-2025", "quantity": 176_180, "frozen": 0}
    ]
    assert cli.json("audit", "verify")["ok"] is True
