"""A runner for the CLI contract tests: ``openets.cli.main`` in-process, same code as the
console script minus the interpreter start-up."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from openets.cli import main


class Cli:
    """Runs ``openets --db URL ...`` and captures exit code, stdout and stderr."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            main(["--db", self.url, *args])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def ok(self, *args: str) -> str:
        code, out, err = self.run(*args)
        assert code == 0, err
        return out

    def fails(self, code: int, *args: str) -> str:
        """Run a command that must fail with ``code``; return its one-line error."""
        got, out, err = self.run(*args)
        assert got == code, (out, err)
        assert out == ""
        assert err.startswith("error: ")
        assert len(err.strip().splitlines()) == 1, err
        return err.strip()


@pytest.fixture
def cli_at(capsys: pytest.CaptureFixture[str]) -> Callable[[str], Cli]:
    """Make a CLI runner for a database URL."""
    return lambda url: Cli(url, capsys)
