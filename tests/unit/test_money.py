"""Fen as yuan text: exact, for files (no separators) and for people (grouped, with ¥)."""

from __future__ import annotations

from openets.money import money, yuan, yuan_grouped


def test_yuan_for_files_and_messages() -> None:
    assert [yuan(f) for f in (4520, 5, 0, -150, 123456789)] == [
        "45.20",
        "0.05",
        "0.00",
        "-1.50",
        "1234567.89",
    ]


def test_grouped_and_with_the_currency_for_people() -> None:
    assert yuan_grouped(123456789) == "1,234,567.89"
    assert yuan_grouped(-100000) == "-1,000.00"
    assert money(100000000) == "¥1,000,000.00"
    assert money(-5) == "-¥0.05"
