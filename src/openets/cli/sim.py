"""``openets sim``: policy simulation: ETS, carbon tax or both; scenarios and sweeps."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Policy simulation: ETS, carbon tax or both; scenarios and sweeps.",
    no_args_is_help=True,
)
