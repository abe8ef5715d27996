"""``openets audit``: integrity checks."""

from __future__ import annotations

import typer

from openets.cli.context import console, err_console, get_app, print_json
from openets.registry.audit import verify as verify_registry
from openets.registry.views import chain_view

app = typer.Typer(help="Integrity checks of the journal.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Check the hash chain, balances against postings, and serial blocks (exit 1 if broken)."""
    report = verify_registry(get_app(ctx))
    if as_json:
        print_json(chain_view(report))
    elif report.ok:
        console.print(f"[green]ok[/green]: {report.entries} entries, chain intact")
    else:
        err_console.print(f"[red]broken[/red]: {report.problem}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)
