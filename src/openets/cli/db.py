"""``openets db``: schema migrations."""

from __future__ import annotations

import typer

from openets.cli.context import console, get_app, print_json
from openets.db.migrate import upgrade as upgrade_schema
from openets.registry.services import ensure_system_accounts

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Migrate the schema to the newest revision and create the system accounts."""
    application = get_app(ctx)
    revision = upgrade_schema(application)
    ensure_system_accounts(application)
    if as_json:
        print_json({"revision": revision})
    else:
        console.print(f"database at revision {revision}")
