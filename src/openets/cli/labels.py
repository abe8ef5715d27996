"""``openets label``: carbon labels: product footprints and signed label certificates."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Carbon labels: product footprints and signed label certificates.",
    no_args_is_help=True,
)
