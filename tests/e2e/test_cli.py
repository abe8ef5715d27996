"""The command-line contract, end to end on SQLite and PostgreSQL.

Most calls run ``openets.cli.main`` in-process (same code as the console script, minus
the interpreter start-up); ``TestConsoleScript`` runs the installed ``openets`` for real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from openets import __version__
from openets.clock import business_date
from openets.db.migrate import head_revision

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

OPENETS = str(Path(sys.executable).parent / "openets")


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    assert runner.json("db", "upgrade") == {"revision": head_revision()}
    for account, owner in (("A", "Alpha Steel"), ("B", "Beta Cement"), ("C", "Gamma Power")):
        runner.ok("registry", "account", "open", account, "--kind", "compliance", "--owner", owner)
    return runner


def test_issue_transfer_balance_supply_history(cli: Cli) -> None:
    receipt = cli.json("registry", "issue", "GDEA-2024", "1000", "--to", "A", "--key", "k1")
    assert receipt["seq"] == 1
    assert receipt["replayed"] is False
    assert [
        (p["account"], p["amount"], p["serial_start"], p["serial_end"]) for p in receipt["postings"]
    ] == [
        ("SYS-ISSUANCE", -1000, 1, 1000),
        ("A", 1000, 1, 1000),
    ]
    moved = cli.json("registry", "transfer", "GDEA-2024", "300", "--from", "A", "--to", "B")
    assert moved["seq"] == 2
    assert [
        (p["account"], p["amount"], p["serial_start"], p["serial_end"]) for p in moved["postings"]
    ] == [
        ("A", -300, 1, 300),
        ("B", 300, 1, 300),
    ]
    balance = cli.json("registry", "balance", "A")
    assert balance["account"] == "A"
    assert balance["balances"] == [{"instrument": "GDEA-2024", "quantity": 700, "frozen": 0}]
    cli.ok("registry", "retire", "GDEA-2024", "50", "--from", "B", "--reason", "Canton Fair 2025")
    cli.ok("registry", "freeze", "GDEA-2024", "100", "--account", "B")
    assert cli.json("registry", "balance", "B")["balances"] == [
        {"instrument": "GDEA-2024", "quantity": 250, "frozen": 100}
    ]
    cli.ok("registry", "unfreeze", "GDEA-2024", "40", "--account", "B")
    assert cli.json("registry", "balance", "B")["balances"] == [
        {"instrument": "GDEA-2024", "quantity": 250, "frozen": 60}
    ]
    assert cli.json("registry", "supply", "GDEA-2024") == {
        "instrument": "GDEA-2024",
        "issued": 1000,
        "retired": 50,
        "cancelled": 0,
        "outstanding": 950,
    }
    history = cli.json("registry", "history", "GDEA-2024", "20")
    assert [
        (h["seq"], h["kind"], h["from"], h["to"], h["serial_start"], h["serial_end"])
        for h in history
    ] == [
        (1, "issue", "SYS-ISSUANCE", "A", 1, 1000),
        (2, "transfer", "A", "B", 1, 300),
        (3, "retire", "B", "SYS-RETIREMENT", 1, 50),
    ]
    assert cli.json("audit", "verify") == {"ok": True, "entries": 5}


def test_idempotency_key_replays_and_conflicts(cli: Cli) -> None:
    first = cli.json("registry", "issue", "CCER", "500", "--to", "C", "--key", "alloc-1")
    again = cli.json("registry", "issue", "CCER", "500", "--to", "C", "--key", "alloc-1")
    assert again["seq"] == first["seq"] == 1
    assert again["replayed"] is True
    assert cli.json("registry", "supply", "CCER")["issued"] == 500
    code, out, err = cli.run("registry", "issue", "CCER", "501", "--to", "C", "--key", "alloc-1")
    assert (code, out) == (4, "")
    assert "idempotency key 'alloc-1' was already used for a different request" in err


def test_exit_codes_and_one_line_errors(cli: Cli) -> None:
    cli.ok("registry", "issue", "GDEA-2024", "100", "--to", "A")
    code, _, err = cli.run("registry", "transfer", "GDEA-2024", "101", "--from", "A", "--to", "B")
    assert code == 1
    assert err.strip() == (
        "error: insufficient balance: account 'A' has 100 t of GDEA-2024 available "
        "(100 t held, 0 t frozen), 101 t requested"
    )
    code, _, err = cli.run("registry", "transfer", "GDEA-2024", "1", "--from", "A", "--to", "NOPE")
    assert (code, err.strip()) == (3, "error: account 'NOPE' does not exist")
    code, _, err = cli.run("registry", "issue", "GDEA-24", "1", "--to", "A")
    assert code == 2
    assert "unknown instrument code 'GDEA-24'" in err
    code, _, err = cli.run("registry", "issue", "GDEA-2024", "0", "--to", "A")
    assert code == 2
    assert "positive whole number" in err
    code, _, err = cli.run("registry", "transfer", "GDEA-2024", "1", "--from", "A")
    assert code == 2
    assert err.strip() == "error: Missing option '--to'. (see `openets --help`)"
    code, _, err = cli.run("registry", "issue", "GDEA-2024", "-5", "--to", "A")
    assert (code, err.strip()) == (2, "error: No such option: -5 (see `openets --help`)")
    code, _, err = cli.run("registry", "balance", "GHOST", "--json")
    assert (code, err.strip()) == (3, "error: account 'GHOST' does not exist")
    code, _, err = cli.run(
        "registry", "account", "open", "A", "--kind", "holding", "--owner", "Someone Else"
    )
    assert code == 4
    assert "already exists" in err
    assert "Traceback" not in err


def test_transfer_batch_is_atomic_and_names_the_line(cli: Cli, tmp_path: Path) -> None:
    cli.ok("registry", "issue", "GDEA-2024", "1000", "--to", "A")
    good = tmp_path / "good.csv"
    good.write_text(
        "instrument,quantity,from,to,key\n"
        "GDEA-2024,100,A,B,t1\n"
        "GDEA-2024,50,B,C,t2\n"
        "GDEA-2024,25,A,C,\n"
    )
    assert cli.json("registry", "transfer-batch", str(good)) == {
        "applied": 3,
        "replayed": 0,
        "first_seq": 2,
        "last_seq": 4,
    }
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "instrument,quantity,from,to,key\n"
        "GDEA-2024,10,A,B,t3\n"
        "GDEA-2024,10,B,C,t4\n"
        "GDEA-2024,999,C,A,t5\n"
    )
    code, _, err = cli.run("registry", "transfer-batch", str(bad))
    assert code == 1
    # rows 2 and 3 applied inside the transaction before line 4 failed: C had 75 + 10 t
    assert "bad.csv: line 4: insufficient balance: account 'C' has 85 t" in err
    balances = {a: cli.json("registry", "balance", a)["balances"] for a in "ABC"}
    assert balances == {
        "A": [{"instrument": "GDEA-2024", "quantity": 875, "frozen": 0}],
        "B": [{"instrument": "GDEA-2024", "quantity": 50, "frozen": 0}],
        "C": [{"instrument": "GDEA-2024", "quantity": 75, "frozen": 0}],
    }
    # the good file again: every row is a repeat of its key, nothing moves
    assert cli.json("registry", "transfer-batch", str(good))["applied"] == 1  # the keyless row
    malformed = tmp_path / "malformed.csv"
    malformed.write_text("instrument,quantity,from,to,key\nGDEA-2024,1.5,A,B,x\n")
    code, _, err = cli.run("registry", "transfer-batch", str(malformed))
    assert code == 2
    assert "malformed.csv: line 2: quantity '1.5' is not a whole number of tonnes" in err


def test_correction_reverses_an_entry(cli: Cli) -> None:
    cli.ok("registry", "issue", "PHCER", "80", "--to", "A")
    cli.ok("registry", "transfer", "PHCER", "30", "--from", "A", "--to", "B")
    reversal = cli.json("registry", "correct", "2", "--reason", "wrong recipient")
    assert reversal["kind"] == "correction"
    assert reversal["memo"] == {"reason": "wrong recipient", "reverses": 2}
    assert cli.json("registry", "balance", "A")["balances"] == [
        {"instrument": "PHCER", "quantity": 80, "frozen": 0}
    ]
    assert cli.json("registry", "balance", "B")["balances"] == []
    code, _, err = cli.run("registry", "correct", "2", "--reason", "again")
    assert code == 1
    assert "entry 2 has already been corrected" in err


def test_audit_verify_detects_an_edited_entry(cli: Cli, database_url: str) -> None:
    cli.ok("registry", "issue", "SINK", "10", "--to", "A")
    cli.ok("registry", "transfer", "SINK", "4", "--from", "A", "--to", "B")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE postings SET amount = 5 WHERE seq = 2 AND amount = 4")
    engine.dispose()
    code, out, _ = cli.run("audit", "verify", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["first_bad_seq"] == 2


class TestConsoleScript:
    """The installed ``openets`` command itself (interpreter start-up included)."""

    def test_version(self) -> None:
        done = subprocess.run([OPENETS, "--version"], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout.strip()) == (0, f"openets {__version__}")

    def test_refusal_is_one_line_on_stderr(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path}/m.db"
        for args in (
            ["db", "upgrade"],
            ["registry", "account", "open", "A", "--kind", "holding", "--owner", "x"],
            ["registry", "account", "open", "B", "--kind", "holding", "--owner", "y"],
        ):
            subprocess.run([OPENETS, "--db", url, *args], check=True, capture_output=True)
        done = subprocess.run(
            [
                OPENETS,
                "--db",
                url,
                "registry",
                "transfer",
                "CEA-2024",
                "5",
                "--from",
                "A",
                "--to",
                "B",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.strip().splitlines() == [
            "error: insufficient balance: account 'A' has 0 t of CEA-2024 available "
            "(0 t held, 0 t frozen), 5 t requested"
        ]

    def test_database_not_upgraded(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [OPENETS, "--db", f"sqlite:///{tmp_path}/new.db", "registry", "balance", "A"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1
        assert "run `openets db upgrade` first" in done.stderr
        assert "Traceback" not in done.stderr


def test_as_of_sets_the_business_date_of_one_run(cli: Cli) -> None:
    # a global option, before the sub-command; 2025-06-20 is the Guangdong surrender deadline
    args = ["--as-of", "2025-06-20", "registry", "issue", "CEA-2024", "5", "--to", "A"]
    recorded = datetime.fromisoformat(cli.json(*args)["recorded_at"].replace("Z", "+00:00"))
    assert business_date(recorded) == date(2025, 6, 20)
    code, _, err = cli.run("--as-of", "2025-13-01", "registry", "supply")
    assert code == 2
    assert "is not a date" in err
