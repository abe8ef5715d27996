"""Money as people and documents read it. Amounts are integer fen everywhere in OpenETS; these
turn fen into yuan text exactly (integer arithmetic, no float on the way)."""

from __future__ import annotations

__all__ = ["money", "yuan", "yuan_grouped"]


def yuan(fen: int) -> str:
    """Yuan with two decimals, as prices are written in files and JSON: ``4520`` -> ``45.20``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_grouped(fen: int) -> str:
    """Yuan with thousands separators, for people: ``123456789`` -> ``1,234,567.89``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def money(fen: int) -> str:
    """An amount for people, with its currency: ``123456789`` -> ``¥1,234,567.89``."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{yuan_grouped(abs(int(fen)))}"
