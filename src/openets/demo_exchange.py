"""The demo market: a few months of simulated trading on the exchange, so the
market charts have history."""

from __future__ import annotations

from openets.bootstrap import App


def build(app: App, seed: int) -> None:
    """Add this part of the demo to ``app``'s database (idempotent)."""
