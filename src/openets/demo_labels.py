"""The demo market: a few labelled products, enterprise evaluations and allowance pledges."""

from __future__ import annotations

from openets.bootstrap import App


def build(app: App, seed: int) -> None:
    """Add this part of the demo to ``app``'s database (idempotent)."""
