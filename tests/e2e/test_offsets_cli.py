"""The ``openets offsets`` command-line contract end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
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
    runner.ok("registry", "account", "open", "SUN", "--kind", "holding", "--owner", "Sunny")
    runner.ok("registry", "account", "open", "BUY", "--kind", "holding", "--owner", "Buyer")
    return runner


def add(cli: Cli, project_id: str, *extra: str) -> None:
    cli.ok(
        "offsets", "project", "add", project_id, "--scheme", "PHCER", "--type",
        "distributed_solar", "--province", "Guangdong", "--city", "Meizhou", "--tag", "poverty",
        "--tag", "ethnic", "--owner", "SUN", "--methodology", "PHCER-PV", "--crediting",
        "2020:2029", *extra,
    )  # fmt: skip


def test_add_issue_show_stats_retire(cli: Cli, tmp_path: Path) -> None:
    add(cli, "PV-1")
    issued = cli.json("offsets", "issue", "PV-1", "--year", "2024", "--quantity", "1000")
    assert (issued["serial_start"], issued["serial_end"], issued["provenance"]) == (
        1,
        1000,
        "direct",
    )
    assert "already been issued credits for 2024" in cli.fails(
        1, "offsets", "issue", "PV-1", "--year", "2024", "--quantity", "5"
    )
    assert "PV-2" in cli.fails(3, "offsets", "issue", "PV-2", "--year", "2024", "--quantity", "5")

    cli.ok("registry", "transfer", "PHCER", "400", "--from", "SUN", "--to", "BUY")
    cli.ok(
        "offsets", "sale", "record", "PV-1", "--quantity", "400", "--price-fen", "3000",
        "--buyer", "Buyer", "--date", "2025-06-30",
    )  # fmt: skip
    out = cli.ok(
        "offsets", "retire", "BUY", "PHCER", "150", "--beneficiary", "Canton Expo",
        "--purpose", "event neutrality",
    )  # fmt: skip
    certificate_id = out.strip()
    assert re.fullmatch(r"RC-20\d\d-000001", certificate_id)
    cert = cli.json("offsets", "certificate", "show", certificate_id)
    assert cert["quantity"] == 150
    assert cert["blocks"] == [
        {"serial_start": 1, "serial_end": 150, "project": "PV-1", "vintage": 2024}
    ]

    shown = cli.json("offsets", "project", "show", "PV-1")
    assert shown["project"]["tags"] == ["poverty", "ethnic"]
    assert [(i["year"], i["quantity"]) for i in shown["issuances"]] == [(2024, 1000)]
    assert (shown["issued"], shown["outstanding"], shown["sold"]) == (1000, 850, 400)

    stats = cli.json("offsets", "stats")
    assert stats["issued"] == 1000
    assert stats["sold"] == 400
    assert stats["income_fen"] == 1_200_000
    assert stats["by_tag"] == {"poverty": 1000, "old_revolutionary": 0, "ethnic": 1000}
    assert stats["tagged_total"] == 1000
    assert stats["by_city"] == {"Meizhou": 1000}
    assert stats["by_scheme"] == {"PHCER": 1000}

    origin = cli.json("offsets", "origin", "PHCER", "999")
    assert (origin["project"]["id"], origin["vintage"]) == ("PV-1", 2024)

    inputs = tmp_path / "pv.json"
    inputs.write_text('{"generation_mwh": 100, "grid_factor": "0.5"}', encoding="utf-8")
    report = cli.json(
        "offsets", "report", "submit", "PV-1", "--input", str(inputs), "--claim", "50",
        "--year", "2025",
    )  # fmt: skip
    assert (report["id"], report["computed"], report["status"]) == ("PV-1-MR1", 50, "submitted")
    assert "claim of 51 t exceeds the 50 t" in cli.fails(
        1, "offsets", "report", "submit", "PV-1", "--input", str(inputs), "--claim", "51",
        "--year", "2026",
    )  # fmt: skip
    cli.ok("offsets", "report", "verify", "PV-1-MR1")
    cli.ok("offsets", "report", "approve", "PV-1-MR1")
    issued = cli.json("offsets", "issue", "PV-1", "--year", "2025", "--quantity", "50")
    assert issued["provenance"] == "monitoring report PV-1-MR1"


def test_lifecycle_from_registered(cli: Cli) -> None:
    add(cli, "PV-9", "--status", "registered")
    assert "only active projects" in cli.fails(
        1, "offsets", "issue", "PV-9", "--year", "2024", "--quantity", "5"
    )
    cli.ok("offsets", "project", "validate", "PV-9")
    cli.ok("offsets", "project", "activate", "PV-9")
    cli.json("offsets", "issue", "PV-9", "--year", "2024", "--quantity", "5")
    listed = cli.json("offsets", "project", "list", "--tag", "ethnic")
    assert [p["id"] for p in listed] == ["PV-9"]
    cli.fails(
        2, "offsets", "project", "add", "X", "--scheme", "EUA", "--type", "forestry",
        "--province", "G", "--city", "C", "--owner", "SUN", "--methodology", "PHCER-FOREST",
    )  # fmt: skip
