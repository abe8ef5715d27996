"""``openets mrv emissions import FILE.csv``: historical verified emissions taken over from an
earlier system, recorded as approved reports with provenance "imported" (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    runner.ok("entity", "add", "GD-STEEL-001", "--name", "Example Steel", "--sector", "steel")
    runner.ok("entity", "add", "GD-CEM-001", "--name", "Example Cement", "--sector", "cement")
    return runner


def csv_file(tmp_path: Path, text: str, name: str = "emissions.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_records_approved_imported_reports(cli: Cli, tmp_path: Path) -> None:
    file = csv_file(
        tmp_path,
        "entity,year,verified_tco2,output,energy_tce\n"
        "GD-STEEL-001,2022,1200345,650000.5,\n"
        "GD-STEEL-001,2023,1100000,,420000\n"
        "GD-CEM-001,2023,80000,,\n",
    )
    assert cli.json("mrv", "emissions", "import", file) == {"imported": 3, "unchanged": 0}
    assert cli.json("mrv", "emissions", "GD-STEEL-001", "2022")["verified_tco2"] == 1_200_345
    report = cli.json("mrv", "report", "show", "GD-STEEL-001-2022-v1")
    assert (report["status"], report["provenance"], report["output"], report["energy_tce"]) == (
        "approved",
        "imported",
        "650000.5",
        None,
    )
    assert report["compliance_tco2"] == 1_200_345
    assert [t["action"] for t in report["transitions"]] == ["import"]
    assert cli.json("mrv", "report", "show", "GD-STEEL-001-2023-v1")["energy_tce"] == "420000"
    # importing the same file again changes nothing
    assert cli.json("mrv", "emissions", "import", file) == {"imported": 0, "unchanged": 3}
    # a corrected figure becomes version 2 and supersedes the first
    fixed = csv_file(tmp_path, "year,verified_tco2,entity\n2023,81000,GD-CEM-001\n", "fix.csv")
    assert cli.json("mrv", "emissions", "import", fixed) == {"imported": 1, "unchanged": 0}
    assert cli.json("mrv", "emissions", "show", "GD-CEM-001", "2023")["verified_tco2"] == 81_000
    assert cli.json("mrv", "report", "show", "GD-CEM-001-2023-v1")["status"] == "superseded"


def test_a_bad_row_refuses_the_whole_file(cli: Cli, tmp_path: Path) -> None:
    cases = {
        "entity,year\nGD-CEM-001,2023\n": "row 1: missing column verified_tco2",
        "entity,year,verified_tco2,colour\nGD-CEM-001,2023,1,red\n": "unknown column colour",
        "entity,year,verified_tco2\nGD-CEM-001,2023,10\nGD-CEM-001,2022,1.5\n": (
            "row 3: verified_tco2 '1.5' is not a whole number"
        ),
        "entity,year,verified_tco2\nGD-CEM-001,2023,10\nGD-CEM-001,2023,11\n": (
            "row 3: GD-CEM-001 2023 is already on row 2"
        ),
        "entity,year,verified_tco2,output\nGD-CEM-001,2023,10,-4\n": "output must be a number ≥ 0",
    }
    for text, message in cases.items():
        assert message in cli.fails(2, "mrv", "emissions", "import", csv_file(tmp_path, text))
    # a row naming an unknown entity: nothing of the file is kept
    file = csv_file(tmp_path, "entity,year,verified_tco2\nGD-CEM-001,2023,10\nNOPE,2023,5\n")
    assert "entity 'NOPE' does not exist" in cli.fails(3, "mrv", "emissions", "import", file)
    assert "no approved emission report" in cli.fails(3, "mrv", "emissions", "GD-CEM-001", "2023")


def test_only_the_regulator_imports(cli: Cli, tmp_path: Path) -> None:
    cli.ok("user", "add", "steel", "--role", "entity", "--owner", "Example Steel")
    file = csv_file(tmp_path, "entity,year,verified_tco2\nGD-STEEL-001,2023,10\n")
    assert "only a regulator may" in cli.fails(
        1, "mrv", "emissions", "import", file, "--as", "steel"
    )
