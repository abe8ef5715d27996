"""The CLI's per-invocation context: which database, and the wired application."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import typer
from rich.console import Console

from openets.bootstrap import App, bootstrap
from openets.clock import AsOfClock

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    database_url: str | None
    #: business date of this run (``--as-of``); None means today
    as_of: date | None = None
    #: the CST time of day the run starts at (``--as-of DATE'T'HH:MM``); None: the wall's
    as_of_time: time | None = None
    _app: App | None = field(default=None, repr=False)

    def app(self) -> App:
        if self._app is None:
            clock = AsOfClock(self.as_of, at=self.as_of_time) if self.as_of is not None else None
            self._app = bootstrap(self.database_url, clock=clock)
            _opened.append(self._app)
        return self._app


#: applications built during this invocation; ``main`` closes their pools on the way out
_opened: list[App] = []


def close_apps() -> None:
    while _opened:
        _opened.pop().dispose()


def get_app(ctx: typer.Context) -> App:
    """The application for this invocation (built on first use, from ``--db``)."""
    root = ctx.find_root()
    state = root.obj
    if not isinstance(state, CliState):
        state = root.obj = CliState(None)
    return state.app()


def print_json(document: Any) -> None:
    """Print one JSON document on stdout (UTF-8, not escaped)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
