"""The demo market: guangzhou-, Shenzhen- and Zhaoqing-like carbon-peak pilots."""

from __future__ import annotations

from openets.bootstrap import App


def build(app: App, seed: int) -> None:
    """Add this part of the demo to ``app``'s database (idempotent)."""
