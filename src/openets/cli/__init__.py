"""The ``openets`` command line.

Exit codes: 0 ok, 1 refused by a rule, 2 usage or malformed input, 3 not found, 4 conflict.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from typing import NoReturn

import typer
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

from openets import __version__
from openets.cli import (
    allocation,
    audit,
    compliance,
    db,
    entities,
    evaluate,
    events,
    exchange,
    exchange_auction,
    exchange_replay,
    finance,
    jurisdiction,
    labels,
    mrv_calc,
    mrv_export,
    mrv_reports,
    offsets,
    offsets_calc,
    peak,
    registry,
    server,
    sim,
    users,
)
from openets.cli.context import CliState, close_apps, err_console
from openets.errors import OpenETSError

app = typer.Typer(
    name="openets",
    help="OpenETS: run a regional carbon emissions trading system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"openets {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    db_url: str | None = typer.Option(
        None,
        "--db",
        envvar="OPENETS_DATABASE_URL",
        help="SQLAlchemy database URL (default sqlite:///openets.db in the working directory).",
        show_default=False,
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        envvar="OPENETS_AS_OF",
        help=(
            "Business date (YYYY-MM-DD, CST) for this run: replay a past year, test a "
            "deadline; YYYY-MM-DDTHH:MM also sets the time of day it starts at (CST)."
        ),
        show_default=False,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """OpenETS command line; one sub-command group per capability."""
    ctx.obj = CliState(db_url, *_business_date(as_of))


def _business_date(text: str | None) -> tuple[date | None, time | None]:
    """``--as-of``: a CST business date, optionally with the time of day the run starts at."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    try:
        if "T" in text or " " in text:
            instant = datetime.fromisoformat(text.replace(" ", "T"))
            if instant.tzinfo is not None:
                raise ValueError("a time zone")
            return instant.date(), instant.time()
        return date.fromisoformat(text), None
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD) or a CST date and time (YYYY-MM-DDTHH:MM)",
            param_hint="--as-of",
        ) from None


app.add_typer(db.app, name="db")
app.add_typer(registry.app, name="registry")
app.add_typer(audit.app, name="audit")
app.add_typer(users.app, name="user")
app.add_typer(entities.app, name="entity")
app.add_typer(entities.facility_app, name="facility")
mrv_app = typer.Typer(
    help="MRV: emissions from activity data, the factor library, emission reports.",
    no_args_is_help=True,
)
mrv_calc.register(mrv_app)
mrv_reports.register(mrv_app)
mrv_export.register(mrv_app)
app.add_typer(mrv_app, name="mrv")
offsets_calc.register(offsets.app)
app.add_typer(offsets.app, name="offsets")
app.add_typer(jurisdiction.app, name="jurisdiction")
app.add_typer(allocation.app, name="allocation")
app.add_typer(compliance.app, name="compliance")
exchange_replay.register(exchange.app)
events.register(exchange.app)
exchange_auction.register(exchange.app)
app.add_typer(exchange.app, name="exchange")
app.add_typer(peak.app, name="peak")
app.add_typer(sim.app, name="sim")
app.add_typer(labels.app, name="label")
app.add_typer(evaluate.app, name="evaluate")
app.add_typer(finance.app, name="finance")
app.command("serve")(server.serve)
app.command("demo")(server.demo)

_SCHEMA_MISSING = ("no such table", "does not exist", "undefinedtable")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and map errors to exit codes.

    Every error is one line on stderr: usage errors (exit 2) as Click words them, OpenETS
    errors with the exit code of their kind, database errors with exit 1.
    """
    try:
        result = app(args=argv, prog_name="openets", standalone_mode=False)
    except OpenETSError as error:
        _fail(f"[red]error:[/red] {escape(error.message)}", error.exit_code)
    except DBAPIError as error:
        text = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if any(marker in text.lower() for marker in _SCHEMA_MISSING):
            text += " (run `openets db upgrade` first)"
        _fail(f"[red]database error:[/red] {escape(text)}", 1)
    except Exception as error:
        # Click's usage errors (Typer vendors Click, so they are matched by their shape)
        code = getattr(error, "exit_code", None)
        if hasattr(error, "format_message") and isinstance(code, int):
            message = " ".join(str(error.format_message()).split())
            _fail(f"[red]error:[/red] {escape(message)} (see `openets --help`)", code)
        if type(error).__name__ == "Abort":
            _fail("aborted", 1)
        raise
    finally:
        close_apps()
    sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    err_console.print(message, highlight=False, soft_wrap=True)
    sys.exit(code)
