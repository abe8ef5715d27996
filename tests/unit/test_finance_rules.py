"""The pure rules of allowance pledges: value, LTV, coverage, creation, levels, default.

Figures worked by hand: 10,000 t at a close of ¥50.00 (5,000 fen) are worth 50,000,000 fen
(¥500,000); with the default LTV limit 0.5 the loan may be at most 25,000,000 fen; a loan of
25,000,000 fen is in warning below 1.3 × 25,000,000 = 32,500,000 fen and at the call level
below 1.1 × 25,000,000 = 27,500,000 fen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openets.errors import InvalidInput, RuleViolation
from openets.finance.rules import (
    DEFAULT_CALL,
    DEFAULT_LTV,
    DEFAULT_MARGIN,
    Level,
    PledgeStatus,
    PledgeTerms,
    assess,
    check_creation,
    check_default,
    coverage,
    loan_to_value,
    parse_ratio,
    pledge_value,
    status_after,
)

START, MATURITY = date(2025, 7, 1), date(2026, 6, 30)


def terms(loan_fen: int = 25_000_000, **changes: Decimal) -> PledgeTerms:
    return PledgeTerms("GDEA-2025", 10_000, loan_fen, START, MATURITY, **changes)


def test_defaults_are_the_documented_ones() -> None:
    assert (
        Decimal("0.5"),
        Decimal("1.3"),
        Decimal("1.1"),
    ) == (DEFAULT_LTV, DEFAULT_MARGIN, DEFAULT_CALL)
    t = terms()
    assert (t.ltv_limit, t.margin, t.call) == (Decimal("0.5"), Decimal("1.3"), Decimal("1.1"))


def test_value_is_tonnes_times_the_close_in_fen() -> None:
    assert pledge_value(10_000, 5_000) == 50_000_000
    assert pledge_value(1, 1) == 1


def test_ltv_and_coverage_to_four_places() -> None:
    assert loan_to_value(25_000_000, 50_000_000) == Decimal("0.5000")
    assert coverage(50_000_000, 25_000_000) == Decimal("2.0000")
    # 25,000,000 / 27,490,000 = 0.909421...; 27,490,000 / 25,000,000 = 1.0996
    assert loan_to_value(25_000_000, 27_490_000) == Decimal("0.9094")
    assert coverage(27_490_000, 25_000_000) == Decimal("1.0996")
    assert loan_to_value(1, 0) is None
    # half to even: 1 / 32 = 0.03125 exactly -> 0.0312 (half up would give 0.0313)
    assert loan_to_value(1, 32) == Decimal("0.0312")
    assert loan_to_value(3, 32) == Decimal("0.0938")  # 0.09375 -> to the even 8


def test_creation_allows_a_loan_up_to_the_limit_exactly() -> None:
    assert check_creation(terms(25_000_000), 5_000) == 50_000_000


def test_creation_refuses_one_fen_over_the_limit() -> None:
    with pytest.raises(RuleViolation) as refusal:
        check_creation(terms(25_000_001), 5_000)
    assert refusal.value.message == (
        "LTV limit exceeded: a loan of ¥250,000.01 is more than 0.5 × 10,000 t × ¥50.00 "
        "= ¥250,000.00 (the units are worth ¥500,000.00 at the close)"
    )


def test_creation_refuses_without_a_close() -> None:
    with pytest.raises(RuleViolation, match="no closing price: GDEA-2025 has never closed"):
        check_creation(terms(), None)


def test_creation_with_another_limit() -> None:
    tight = terms(20_000_000, ltv_limit=Decimal("0.4"), margin=Decimal("2.5"))
    assert check_creation(tight, 5_000) == 50_000_000  # 0.4 x 50,000,000 = 20,000,000
    with pytest.raises(RuleViolation):
        check_creation(terms(20_000_001, ltv_limit=Decimal("0.4")), 5_000)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (50_000_000, Level.OK),
        (32_500_000, Level.OK),  # exactly at the margin level: not below it
        (32_499_999, Level.WARNING),
        (27_500_000, Level.WARNING),  # exactly at the call level
        (27_499_999, Level.CALL),
        (0, Level.CALL),
    ],
)
def test_levels_against_margin_and_call(value: int, level: Level) -> None:
    assert assess(value, 25_000_000, Decimal("1.3"), Decimal("1.1")) is level


def test_status_follows_the_latest_level() -> None:
    assert status_after(Level.OK) is PledgeStatus.ACTIVE
    assert status_after(Level.WARNING) is PledgeStatus.WARNING
    assert status_after(Level.CALL) is PledgeStatus.WARNING
    assert PledgeStatus.ACTIVE.is_open
    assert PledgeStatus.WARNING.is_open
    assert not PledgeStatus.RELEASED.is_open
    assert not PledgeStatus.DEFAULTED.is_open


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ltv_limit": Decimal("1.01")}, "the LTV limit must be in"),
        ({"ltv_limit": Decimal("0.8")}, "the margin level \\(1.3\\) must be at most 1 / LTV"),
        ({"call": Decimal("1.4")}, "the call level \\(1.4\\) must be > 0 and at most"),
    ],
)
def test_inconsistent_terms_are_refused(changes: dict[str, Decimal], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        terms(**changes)


def test_terms_need_tonnes_a_loan_and_ordered_dates() -> None:
    with pytest.raises(InvalidInput, match="positive number of tonnes"):
        PledgeTerms("GDEA-2025", 0, 1, START, MATURITY)
    with pytest.raises(InvalidInput, match="the loan must be more than 0 fen"):
        PledgeTerms("GDEA-2025", 1, 0, START, MATURITY)
    with pytest.raises(InvalidInput, match="the maturity 2025-06-30 is before the start"):
        PledgeTerms("GDEA-2025", 1, 1, START, date(2025, 6, 30))
    assert PledgeTerms("GDEA-2025", 1, 1, START, START).maturity == START  # a one-day loan


def test_ratios_parse_exactly() -> None:
    assert parse_ratio("0.5", "x") == Decimal("0.5")
    assert parse_ratio(" 1.300 ", "x") == Decimal("1.300")
    assert parse_ratio("2", "x") == Decimal("2")
    for bad in ("abc", "0", "-0.5", "NaN", "Infinity"):
        with pytest.raises(InvalidInput):
            parse_ratio(bad, "the LTV limit")
    with pytest.raises(InvalidInput, match="at most 6 decimal places"):
        parse_ratio("0.1234567", "the LTV limit")


def test_default_needs_an_overdue_loan_or_a_call() -> None:
    maturity = date(2026, 6, 30)
    check_default(1, PledgeStatus.ACTIVE, maturity, date(2026, 7, 1), Level.OK)  # overdue
    check_default(1, PledgeStatus.WARNING, maturity, date(2025, 9, 1), Level.CALL)
    with pytest.raises(RuleViolation) as refusal:
        check_default(1, PledgeStatus.WARNING, maturity, date(2026, 6, 30), Level.WARNING)
    assert refusal.value.message == (
        "not in default: pledge 1 matures on 2026-06-30 (today is 2026-06-30) and its latest "
        "valuation is warning, not below the call level"
    )
    with pytest.raises(RuleViolation, match="latest valuation is missing"):
        check_default(1, PledgeStatus.ACTIVE, maturity, date(2025, 9, 1), None)
    with pytest.raises(RuleViolation, match="pledge 2 is released: nothing is pledged"):
        check_default(2, PledgeStatus.RELEASED, maturity, date(2027, 1, 1), Level.CALL)
