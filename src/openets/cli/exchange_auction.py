"""``openets exchange auction ...`` and ``openets exchange block ...``: allowance auctions and
negotiated block trades."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the auction and block-trade commands to the ``exchange`` group."""
