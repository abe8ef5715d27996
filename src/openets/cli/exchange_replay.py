"""``openets exchange replay``: the matching engine alone over a file of commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the ``exchange`` group."""
