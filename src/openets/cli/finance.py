"""``openets finance``: carbon finance: allowance pledges."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Carbon finance: allowance pledges.",
    no_args_is_help=True,
)
