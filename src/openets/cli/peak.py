"""``openets peak``: inventories, peak detection, decomposition, projections, scorecards."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Carbon-peak analytics: inventories, peaks, decomposition, projections, scorecards.",
    no_args_is_help=True,
)
