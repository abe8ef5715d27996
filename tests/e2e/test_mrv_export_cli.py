"""``openets mrv report export``: the XLSX reads back as the report's lines, the PDF goes to a
file or stdout, refusals exit with their codes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from openets import bootstrap, cli
from openets.auth import add_user
from openets.cli import mrv_export
from openets.db.migrate import upgrade
from openets.mrv import services
from openets.mrv.activity_file import read_activity_file
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.registry.services import ensure_system_accounts

REPORT = "ACME-2023-v1"
LINES = [
    ActivityLine(2, "ACME-F1", 2023, SourceKind.COMBUSTION, "raw_coal", Decimal(1000), Unit.TONNE),
    ActivityLine(3, "ACME-F1", 2023, SourceKind.ELECTRICITY, "grid", Decimal("480.5"), Unit.MWH),
]


@pytest.fixture(scope="module", autouse=True)
def export_command() -> None:
    """The command, registered once (the CLI wires it too; this keeps the test independent)."""
    from openets.cli.mrv_reports import report_app

    if not any(c.name == "export" for c in report_app.registered_commands):
        mrv_export.register(cli.mrv_app)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database with ACME's approved 2023 report and two entity users."""
    database = f"sqlite:///{tmp_path}/cli.db"
    app = bootstrap(database)
    try:
        upgrade(app)
        ensure_system_accounts(app)
        add_user(app, "acme", "entity", owner="Acme Steel")
        add_user(app, "beta", "entity", owner="Beta Cement")
        add_user(app, "ver", "verifier")
        services.add_entity(app, "ACME", "Acme Steel", "steel", by=OPERATOR)
        services.add_facility(app, "ACME-F1", "ACME", "Plant", by=OPERATOR)
        report = services.create_report(app, "ACME", 2023, LINES, by=OPERATOR).report
        services.assign_verifier(app, report.id, "ver", by=OPERATOR)
        services.submit_report(app, report.id, by=OPERATOR)
        services.verify_report(app, report.id, by=OPERATOR)
        services.approve_report(app, report.id, by=OPERATOR)
    finally:
        app.dispose()
    return database


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as ended:
        cli.main(list(args))
    return int(ended.value.code or 0)


def test_xlsx_export_reads_back_as_the_report_lines(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "report.xlsx"
    assert run("--db", url, "mrv", "report", "export", REPORT, "-o", str(output), "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "report": REPORT,
        "format": "xlsx",
        "output": str(output),
        "bytes": output.stat().st_size,
    }
    assert read_activity_file(output) == LINES


def test_pdf_to_a_file_and_to_stdout(
    url: str, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    output = tmp_path / "report.pdf"
    assert run("--db", url, "mrv", "report", "export", REPORT, "--output", str(output)) == 0
    assert output.read_bytes().startswith(b"%PDF-")
    capfdbinary.readouterr()
    code = run("--db", url, "mrv", "report", "export", REPORT, "-o", "-", "--format", "pdf",
               "--as", "acme")  # fmt: skip
    assert code == 0
    assert capfdbinary.readouterr().out == output.read_bytes()


def test_refusals_exit_with_their_codes(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(tmp_path / "x.pdf")
    assert run("--db", url, "mrv", "report", "export", REPORT, "-o", target, "--as", "beta") == 1
    assert "may not read report ACME-2023-v1" in capsys.readouterr().err
    assert run("--db", url, "mrv", "report", "export", "NOPE-2023-v1", "-o", target) == 3
    assert run("--db", url, "mrv", "report", "export", REPORT, "-o", str(tmp_path / "x.txt")) == 2
    assert "give --format xlsx or --format pdf" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
