"""``openets serve`` and ``openets demo``: the REST API and web dashboard."""

from __future__ import annotations

import time

import typer

from openets.bootstrap import App
from openets.cli.context import CliState, console, get_app


def _run(application: App, host: str, port: int) -> None:
    import uvicorn

    from openets.api.app import create_api

    console.print(
        f"dashboard on [bold]http://{host}:{port}/[/bold], API on http://{host}:{port}/api/v1 "
        f"(OpenAPI: /docs); Ctrl+C stops",
        highlight=False,
    )
    uvicorn.run(create_api(application), host=host, port=port, log_level="warning")


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
) -> None:
    """Serve the REST API and the web dashboard."""
    _run(get_app(ctx), host, port)


def demo(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    seed: int = typer.Option(2024, "--seed", help="Seed of the synthetic market."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the market, do not serve."),
) -> None:
    """Build a demo market (synthetic, seeded) and serve its dashboard."""
    from openets.demo import DEMO_PASSWORD, build_demo

    state = ctx.find_root().obj
    if isinstance(state, CliState) and state.database_url is None:
        state.database_url = "sqlite:///openets-demo.db"
    application = get_app(ctx)
    started = time.perf_counter()
    summary = build_demo(application, seed=seed, public_url=f"http://{host}:{port}")
    console.print(
        f"demo market: {summary.companies} covered companies, {summary.accounts} accounts, "
        f"{summary.entries} journal entries, {len(summary.reports)} approved emission reports, "
        f"{summary.projects} offset projects "
        f"({time.perf_counter() - started:.1f} s) "
        f"in {application.engine.url.render_as_string(hide_password=True)}",
        highlight=False,
    )
    users = ", ".join(f"{name} ({role})" for name, role in summary.users.items())
    console.print(f"log in as {users} with password [bold]{DEMO_PASSWORD}[/bold]", highlight=False)
    if not no_serve:
        _run(application, host, port)
