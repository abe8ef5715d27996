"""The MRV command-line contract end to end, on SQLite and PostgreSQL: entities, facilities,
plans and the emission-report lifecycle (``openets.cli.main`` in-process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

HEADER = "facility_id,year,source,item,quantity,unit,ncv,cc,of,ef\n"


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    return runner


def activity(tmp_path: Path, *rows: str, name: str = "activity.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return str(path)


def test_the_report_lifecycle_from_an_activity_file(cli: Cli, tmp_path: Path) -> None:
    entity = cli.json(
        "entity", "add", "GD-STEEL-001", "--name", "Example Steel", "--sector", "steel"
    )
    assert (entity["id"], entity["sector"], entity["jurisdiction"]) == (
        "GD-STEEL-001",
        "steel",
        "guangdong",
    )
    # the compliance account came with it
    account = cli.json("registry", "balance", "GD-STEEL-001")
    assert (account["kind"], account["owner"]) == ("compliance", "Example Steel")
    cli.ok("facility", "add", "BF-1", "--entity", "GD-STEEL-001", "--name", "Blast furnace 1")
    cli.ok(
        "facility", "add", "EAF-1", "--entity", "GD-STEEL-001", "--name", "EAF", "--city", "Foshan"
    )
    stream = cli.json(
        "facility", "stream", "add", "BF-1", "--source", "combustion", "--item", "raw_coal",
        "--method", "weighbridge",
    )  # fmt: skip
    assert stream == {
        "facility_id": "BF-1",
        "source": "combustion",
        "item": "raw_coal",
        "method": "weighbridge",
    }
    file = activity(
        tmp_path,
        "BF-1,2022,combustion,raw_coal,1000,t,,,,",
        "EAF-1,2022,electricity,grid,1000,MWh,,,,",
    )
    draft = cli.json("mrv", "report", "create", "GD-STEEL-001", "2022", "--file", file)
    # 1,000 t raw coal × 20.908 × 0.02637 × 0.94 × 44/12 = 1,900.2988488 t
    # 1,000 MWh × 0.5703 = 570.3 t
    assert (draft["id"], draft["status"], draft["replayed"]) == (
        "GD-STEEL-001-2022-v1",
        "draft",
        False,
    )
    assert (draft["total_tco2"], draft["compliance_tco2"]) == ("2470.5988488", 2471)
    assert [(ln["row"], ln["tco2"]) for ln in draft["lines"]] == [(2, "1900.2988488"), (3, "570.3")]
    rid = draft["id"]

    code, _, err = cli.run("mrv", "emissions", "GD-STEEL-001", "2022", "--json")
    assert code == 3
    assert "no approved emission report for 2022" in err
    assert "is draft" in cli.fails(1, "mrv", "report", "approve", rid)

    assert cli.json("mrv", "report", "submit", rid)["status"] == "submitted"
    verified = cli.json(
        "mrv", "report", "verify", rid,
        "--adjust", "3=1100:meter reading of 31 Dec",
        "--adjust", "2.ncv=21:lab report no. 17: NCV measured",
    )  # fmt: skip
    # 1,000 t × 21 × 0.02637 × 0.94 × 44/12 = 1,908.6606 t; 1,100 MWh × 0.5703 = 627.33 t
    assert [(ln["row"], ln["tco2"]) for ln in verified["lines"]] == [
        (2, "1908.6606"),
        (3, "627.33"),
    ]
    assert (verified["total_tco2"], verified["compliance_tco2"]) == ("2535.9906", 2536)
    adjustments = [
        (a["row"], a["field"], a["original"], a["adjusted"], a["reason"])
        for a in verified["adjustments"]
    ]
    assert adjustments == [
        (3, "quantity", "1000", "1100", "meter reading of 31 Dec"),
        (2, "ncv", "20.908", "21", "lab report no. 17: NCV measured"),
    ]
    approved = cli.json("mrv", "report", "approve", rid)
    assert approved["status"] == "approved"
    assert [(t["action"], t["by"], t["role"]) for t in approved["transitions"]] == [
        ("create", "operator", "operator"),
        ("submit", "operator", "operator"),
        ("verify", "operator", "operator"),
        ("approve", "operator", "operator"),
    ]
    assert cli.json("mrv", "emissions", "GD-STEEL-001", "2022") == {
        "entity": "GD-STEEL-001",
        "year": 2022,
        "verified_tco2": 2536,
        "report": rid,
        "version": 1,
        "total_tco2": "2535.9906",
        "by_source": {"combustion": "1908.6606", "electricity": "627.33"},
    }
    assert cli.json("mrv", "report", "show", rid) == approved
    listed = cli.json("mrv", "report", "list", "--status", "approved", "--entity", "GD-STEEL-001")
    assert [r["id"] for r in listed["reports"]] == [rid]
    assert cli.json("mrv", "report", "list", "--status", "draft")["reports"] == []
    # people get tables, not JSON
    assert "GD-STEEL-001-2022-v1" in cli.ok("mrv", "report", "show", rid)
    assert "2,536" in cli.ok("mrv", "emissions", "GD-STEEL-001", "2022")

    # a correction is version 2, superseding version 1 once approved
    v2 = cli.json(
        "mrv", "report", "create", "GD-STEEL-001", "2022", "--file",
        activity(tmp_path, "EAF-1,2022,electricity,grid,2000,MWh,,,,", name="v2.csv"),
    )  # fmt: skip
    assert (v2["id"], v2["supersedes"]) == ("GD-STEEL-001-2022-v2", rid)
    for step in ("submit", "verify", "approve"):
        cli.ok("mrv", "report", step, v2["id"])
    # 2,000 MWh × 0.5703 = 1,140.6 t
    assert cli.json("mrv", "emissions", "GD-STEEL-001", "2022")["verified_tco2"] == 1141
    assert cli.json("mrv", "report", "show", rid)["status"] == "superseded"


def test_acting_as_a_user_checks_the_role(cli: Cli, tmp_path: Path) -> None:
    cli.ok("entity", "add", "ACME", "--name", "Acme Steel", "--sector", "steel")
    cli.ok("entity", "add", "BETA", "--name", "Beta Cement", "--sector", "cement")
    cli.ok("facility", "add", "ACME-F1", "--entity", "ACME", "--name", "Plant 1")
    for name, role, owner in [("acme", "entity", "Acme Steel"), ("ver", "verifier", None)]:
        cli.ok("user", "add", name, "--role", role, *(["--owner", owner] if owner else []))
    file = activity(tmp_path, "ACME-F1,2022,electricity,grid,10,MWh,,,,")
    assert "only the entity itself may" in cli.fails(
        1, "mrv", "report", "create", "BETA", "2022", "--file", file, "--as", "acme"
    )
    report = cli.json("mrv", "report", "create", "ACME", "2022", "--file", file, "--as", "acme")
    rid = report["id"]
    assert report["transitions"][0]["by"] == "acme"
    cli.ok("mrv", "report", "submit", rid, "--as", "acme")
    assert "only a regulator may" in cli.fails(1, "mrv", "report", "approve", rid, "--as", "acme")
    assert "no verifier is assigned" in cli.fails(1, "mrv", "report", "verify", rid, "--as", "ver")
    cli.ok("mrv", "report", "assign", rid, "--verifier", "ver")
    assert cli.json("mrv", "report", "list", "--as", "ver")["reports"][0]["id"] == rid
    cli.ok("mrv", "report", "verify", rid, "--as", "ver")
    assert "user 'nobody' does not exist" in cli.fails(3, "entity", "list", "--as", "nobody")
    assert [e["id"] for e in cli.json("entity", "list", "--as", "acme")["entities"]] == ["ACME"]


def test_bad_input_exit_codes_and_nothing_stored(cli: Cli, tmp_path: Path) -> None:
    cli.ok("entity", "add", "ACME", "--name", "Acme Steel", "--sector", "steel")
    cli.ok("facility", "add", "ACME-F1", "--entity", "ACME", "--name", "Plant 1")
    negative = activity(
        tmp_path,
        "ACME-F1,2022,electricity,grid,10,MWh,,,,",
        "ACME-F1,2022,combustion,raw_coal,-5,t,,,,",
    )
    assert "row 3" in cli.fails(2, "mrv", "report", "create", "ACME", "2022", "--file", negative)
    unknown = activity(tmp_path, "ACME-F1,2022,combustion,unobtainium,5,t,,,,", name="u.csv")
    error = cli.fails(2, "mrv", "report", "create", "ACME", "2022", "--file", unknown)
    assert error.startswith("error: u.csv: row 2: ")
    other_year = activity(tmp_path, "ACME-F1,2023,electricity,grid,5,MWh,,,,", name="y.csv")
    assert "row 2: year 2023 is not the report's year 2022" in cli.fails(
        2, "mrv", "report", "create", "ACME", "2022", "--file", other_year
    )
    assert cli.json("mrv", "report", "list")["reports"] == []

    assert "unknown sector 'mining'" in cli.fails(
        2, "entity", "add", "X", "--name", "X", "--sector", "mining"
    )
    assert "already exists" in cli.fails(
        4, "entity", "add", "ACME", "--name", "Acme Steel", "--sector", "cement"
    )
    assert (
        cli.json("entity", "add", "ACME", "--name", "Acme Steel", "--sector", "steel")["id"]
        == "ACME"
    )
    assert "does not exist" in cli.fails(3, "mrv", "report", "show", "NOPE", "--json")
    assert "--adjust 'x' is malformed" in cli.fails(
        2, "mrv", "report", "verify", "R", "--adjust", "x"
    )
    assert "cannot adjust 'unit'" in cli.fails(
        2, "mrv", "report", "verify", "R", "--adjust", "2.unit=5:why"
    )
    shown = cli.json("entity", "show", "ACME")
    assert [f["id"] for f in shown["facilities"]] == ["ACME-F1"]
    assert cli.json("facility", "list", "--entity", "ACME")["facilities"][0]["name"] == "Plant 1"
