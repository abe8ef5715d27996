"""``openets user``: users of the REST API and dashboard, and their API keys."""

from __future__ import annotations

import typer
from rich.table import Table

from openets.auth import add_user, issue_api_key, list_users, revoke_api_key
from openets.cli.context import console, get_app, print_json

app = typer.Typer(
    help="Users (regulator, entity, verifier, member, project_owner, public) and API keys.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print one JSON document.")


def _show_key(key: str) -> None:
    console.print(f"API key (shown once, keep it secret): [bold]{key}[/bold]", highlight=False)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name (letters, digits, . _ @ -)."),
    role: str = typer.Option(
        ..., "--role", help="regulator, entity, verifier, member, project_owner or public."
    ),
    owner: str | None = typer.Option(
        None,
        "--owner",
        help="Account owner the user acts for (required for entity, member, project_owner).",
    ),
    password: str | None = typer.Option(
        None, "--password", help="Password for the login (8+ characters); omit for keys only."
    ),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="Lifetime of the API key."),
    as_json: bool = JSON,
) -> None:
    """Create a user and issue their first API key (printed once)."""
    application = get_app(ctx)
    user = add_user(application, name, role, owner=owner, password=password)
    key = issue_api_key(application, user.name, "cli", days=days)
    if as_json:
        print_json(
            {"name": user.name, "role": user.role.value, "owner": user.owner, "api_key": key}
        )
        return
    owner_text = f" for {user.owner}" if user.owner else ""
    console.print(f"user {user.name} ({user.role}){owner_text}", highlight=False)
    _show_key(key)


@app.command("key")
def key(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name."),
    label: str = typer.Option("cli", "--label", help="What the key is for."),
    days: int = typer.Option(90, "--days", min=1, max=3650, help="Lifetime of the key."),
    as_json: bool = JSON,
) -> None:
    """Issue another API key for a user (printed once)."""
    issued = issue_api_key(get_app(ctx), name, label, days=days)
    if as_json:
        print_json({"name": name, "label": label, "api_key": issued})
        return
    _show_key(issued)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: str = typer.Argument(..., help="The key's id (the part after oets_) or the key."),
) -> None:
    """Revoke an API key (takes effect in a running server within the key-cache lifetime)."""
    revoke_api_key(get_app(ctx), key_id)
    console.print("key revoked", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List users."""
    users = list_users(get_app(ctx))
    if as_json:
        print_json(
            [
                {"name": u.name, "role": u.role.value, "owner": u.owner, "created_at": u.created_at}
                for u in users
            ]
        )
        return
    table = Table("name", "role", "owner", "created at")
    for u in users:
        table.add_row(u.name, u.role.value, u.owner or "", u.created_at)
    console.print(table)
