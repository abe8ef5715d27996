"""Penalty rules taken from the shipped jurisdiction configurations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.compliance.jurisdiction import load_jurisdiction
from openets.compliance.penalties import penalty_rule
from openets.compliance.rules import Penalty, PenaltyKind, PenaltyRule, penalty
from openets.errors import InvalidInput


def test_guangdong_fixed_fine_and_double_deduction() -> None:
    rule = penalty_rule(load_jurisdiction("guangdong", 2024))
    assert rule == PenaltyRule(PenaltyKind.GUANGDONG, 2, 5_000_000)
    # 1,000 t short: 2 × 1,000 = 2,000 t off next year's allocation and ¥50,000
    assert penalty(rule, 1000) == Penalty(2000, 5_000_000)
    with pytest.raises(InvalidInput, match="fines are fixed"):
        penalty_rule(load_jurisdiction("guangdong", 2024), Decimal(3))


def test_shenzhen_three_times_the_average_price() -> None:
    rule = penalty_rule(load_jurisdiction("shenzhen", 2024))
    assert rule == PenaltyRule(PenaltyKind.SHENZHEN, 1, 0, Decimal(3))
    # 100 t short at an average of 3,000 fen/t: 100 × 3 × 3,000 = 900,000 fen; 100 t deducted
    assert penalty(rule, 100, 3000) == Penalty(100, 900_000)


def test_national_multiple_is_chosen_within_its_range() -> None:
    config = load_jurisdiction("national", 2024)
    with pytest.raises(InvalidInput, match="choose the fine multiple between 5 and 10"):
        penalty_rule(config)
    with pytest.raises(InvalidInput, match="between 5 and 10, not 11"):
        penalty_rule(config, Decimal(11))
    rule = penalty_rule(config, Decimal(5))
    # 200 t short at 9,000 fen/t: 5 × 200 × 9,000 = 9,000,000 fen; 200 t deducted
    assert penalty(rule, 200, 9000) == Penalty(200, 9_000_000)
