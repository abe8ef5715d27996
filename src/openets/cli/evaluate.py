"""``openets evaluate``: near-zero (low) carbon enterprise and factory evaluation."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Near-zero (low) carbon enterprise and factory evaluation.",
    no_args_is_help=True,
)
