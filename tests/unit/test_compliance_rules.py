"""Pure compliance rules: every surrender rule at its boundary (allowed) and one past it
(refused), status per entity and the three penalty rules worked by hand."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from openets.compliance.rules import (
    ComplianceStatus,
    Penalty,
    PenaltyKind,
    PenaltyRule,
    SurrenderContext,
    SurrenderLine,
    SurrenderRequest,
    average_price_fen,
    check_surrender,
    offset_limit,
    penalty,
    status,
)
from openets.errors import InvalidInput, RuleViolation

D = Decimal
YEAR = 2024

#: prior-year (2023) verified emissions 12,345 t: the offset limit is floor(1,234.5) = 1,234 t
CONTEXT = SurrenderContext(
    prior_verified=12_345,
    offset_limit_share=D("0.10"),
    local_share=D("0.70"),
    province="Guangdong",
    excluded_types=frozenset({"hydropower", "fuel_switch"}),
    market_cap=1_000_000,
    market_used=0,
    allowance_family="GDEA",
)


def allowance(code: str, quantity: int) -> SurrenderLine:
    return SurrenderLine(code, None, quantity)


def offset(
    quantity: int, code: str = "CCER", province: str = "Guangdong", kind: str = "forestry"
) -> SurrenderLine:
    return SurrenderLine(code, None, quantity, province, kind)


def check(*lines: SurrenderLine, context: SurrenderContext = CONTEXT) -> None:
    check_surrender(SurrenderRequest(YEAR, lines), context)


def refused(*lines: SurrenderLine, context: SurrenderContext = CONTEXT) -> str:
    with pytest.raises(RuleViolation) as refusal:
        check(*lines, context=context)
    return refusal.value.message


def test_banking_allowed_borrowing_refused() -> None:
    check(allowance("GDEA-2024", 10_000))  # vintage N: at the boundary
    check(allowance("GDEA-2013", 1), SurrenderLine("GDEA-2023", 2023, 5))  # banked vintages
    message = refused(allowance("GDEA-2025", 1))  # vintage N + 1
    assert message == (
        "borrowing refused: GDEA-2025 has vintage 2025, after compliance year 2024 "
        "(only vintages ≤ 2024 may be surrendered)"
    )


def test_other_jurisdictions_allowances_refused() -> None:
    assert "only GDEA allowances" in refused(allowance("SZEA-2024", 1))
    check(allowance("SZEA-2024", 1), context=replace(CONTEXT, allowance_family=None))


def test_offset_limit_at_and_past_the_boundary() -> None:
    # 10% × 12,345 = 1,234.5 → floor 1,234 t
    assert offset_limit(12_345, D("0.10")) == 1_234
    check(offset(1_234))
    assert refused(offset(1_235)) == (
        "offset limit: offsets may cover at most 10% of the 2023 verified emissions 12,345 t "
        "= 1,234 t; already surrendered 0 t + requested 1,235 t = 1,235 t"
    )
    # the limit counts what the entity already surrendered this year, across credit types
    earlier = replace(CONTEXT, entity_offsets_used=1_000)
    check(offset(200, "PHCER"), offset(34, "SINK"), context=earlier)
    assert "already surrendered 1,000 t + requested 235 t" in refused(
        offset(200, "PHCER"), offset(35, "SINK"), context=earlier
    )
    # allowances do not count towards the offset limit
    check(allowance("GDEA-2024", 50_000), offset(1_234))


def test_local_ccer_share_at_and_past_the_boundary() -> None:
    # 700 of 1,000 CCER from Guangdong = 70%: allowed; 699 of 1,000: refused
    check(offset(700), offset(300, province="Hubei"))
    assert refused(offset(699), offset(301, province="Hubei")) == (
        "local CCER share: at least 70% of the CCER used must come from projects in "
        "Guangdong; 699 t of 1,000 t do"
    )
    # the province matches whatever its case; PHCER and SINK are not part of the CCER share
    check(offset(7, province=" guangdong"), offset(3, province="Hubei"), offset(500, "PHCER"))
    # earlier CCER of the year count: 60 of 100 local before; + 10 local now = 70 of 110
    # needs 77 → refused; + 40 local = 100 of 140 ≥ 98 → allowed
    earlier = replace(
        CONTEXT, entity_offsets_used=100, entity_ccer_used=100, entity_ccer_local_used=60
    )
    assert "70 t of 110 t do" in refused(offset(10), context=earlier)
    check(offset(40), context=earlier)


def test_excluded_project_types_refused() -> None:
    check(offset(10, kind="biogas"))
    assert refused(offset(10, kind="hydropower")) == (
        "excluded project type: 10 t of CCER come from a hydropower project, a type excluded "
        "this year (fuel_switch, hydropower)"
    )
    assert "fuel_switch" in refused(offset(1, "PHCER", kind="Fuel_Switch"))


def test_market_cap_at_and_past_the_boundary() -> None:
    # cap 1,000,000 t; 999,000 already used market-wide: 1,000 more allowed, 1,001 refused
    near = replace(CONTEXT, market_used=999_000)
    check(offset(1_000), context=near)
    assert refused(offset(1_001), context=near) == (
        "market offset cap: at most 1,000,000 t of offsets for 2024 market-wide; "
        "already used 999,000 t + requested 1,001 t = 1,000,001 t"
    )
    check(offset(1_001), context=replace(near, market_cap=None))
    # a surrender without offsets is not held to the offset caps
    check(allowance("GDEA-2024", 5), context=replace(near, market_used=2_000_000))


def test_malformed_requests() -> None:
    with pytest.raises(InvalidInput, match="at least one line"):
        check()
    with pytest.raises(InvalidInput, match="unknown instrument"):
        check(allowance("XYZ", 1))
    with pytest.raises(InvalidInput, match="quantity must be a whole number"):
        check(allowance("GDEA-2024", 0))
    with pytest.raises(InvalidInput, match="contradicts"):
        check(SurrenderLine("GDEA-2024", 2023, 1))
    with pytest.raises(InvalidInput, match="no vintage"):
        check(SurrenderLine("CCER", 2024, 1, "Guangdong", "forestry"))
    with pytest.raises(InvalidInput, match="project type"):
        check(SurrenderLine("CCER", None, 1, "Guangdong"))
    with pytest.raises(InvalidInput, match="province"):
        check(SurrenderLine("CCER", None, 1, None, "forestry"))
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        check(offset(1), context=replace(CONTEXT, local_share=D("1.5")))


def test_status() -> None:
    # verified 10,000; 9,000 allowances + 1,000 offsets: compliant
    assert status(10_000, 9_000, 1_000) == (0, ComplianceStatus.COMPLIANT)
    # one tonne short, year closed: shortfall 1
    assert status(10_000, 9_000, 999) == (1, ComplianceStatus.SHORTFALL)
    # short while the year is open: pending, the outstanding tonnes reported
    assert status(10_000, 4_000, 0, closed=False) == (6_000, ComplianceStatus.PENDING)
    assert status(10_000, 10_000, 0, closed=False) == (0, ComplianceStatus.COMPLIANT)
    assert status(None, 0, 0) == (0, ComplianceStatus.PENDING)  # not yet verified
    assert status(10_000, 0, 0, required=False) == (0, ComplianceStatus.NOT_REQUIRED)
    assert status(10, 20, 0) == (0, ComplianceStatus.COMPLIANT)  # surplus is no shortfall
    assert ComplianceStatus.NOT_REQUIRED.value == "not_required"
    with pytest.raises(InvalidInput, match="surrendered offsets"):
        status(10, 0, -1)


def test_guangdong_penalty() -> None:
    # shortfall 300 t: 2 × 300 = 600 t deducted next year, fine ¥50,000 = 5,000,000 fen
    rule = PenaltyRule.guangdong()
    assert rule.kind is PenaltyKind.GUANGDONG
    assert penalty(rule, 300) == Penalty(600, 5_000_000)
    assert penalty(rule, 0) == Penalty(0, 0)
    assert penalty(rule, 1) == Penalty(2, 5_000_000)


def test_shenzhen_penalty() -> None:
    # six monthly averages in fen/t: 3,000 + 3,100 + 3,200 + 2,900 + 3,050 + 3,001 = 18,251
    # average 18,251 / 6 = 3,041.8333… fen/t
    price = average_price_fen([3_000, 3_100, 3_200, 2_900, 3_050, 3_001])
    assert price == Fraction(18_251, 6)
    # fine 100 t × 3 × 3,041.8333… = 912,550 fen exactly (18,251 × 50); no deduction
    assert penalty(PenaltyRule.shenzhen(), 100, price) == Penalty(0, 912_550)
    # 1 t × 3 × 3,041.8333… = 9,125.5 → 9,126 fen (half-up)
    assert penalty(PenaltyRule.shenzhen(), 1, price) == Penalty(0, 9_126)
    with pytest.raises(InvalidInput, match="price per tonne"):
        penalty(PenaltyRule.shenzhen(), 1)
    with pytest.raises(InvalidInput, match="at least one price"):
        average_price_fen([])


def test_national_penalty() -> None:
    # multiple 5, shortfall 200 t, reference price ¥95.37 = 9,537 fen/t:
    # fine 5 × 200 × 9,537 = 9,537,000 fen (¥95,370); the shortfall 200 t deducted
    assert penalty(PenaltyRule.national(D(5)), 200, 9_537) == Penalty(200, 9_537_000)
    # multiple 10: 10 × 200 × 9,537 = 19,074,000 fen
    assert penalty(PenaltyRule.national(D(10)), 200, 9_537) == Penalty(200, 19_074_000)
    with pytest.raises(InvalidInput, match="between 5 and 10"):
        PenaltyRule.national(D("10.01"))
    with pytest.raises(InvalidInput, match="between 5 and 10"):
        PenaltyRule.national(D("4.99"))
    # a Decimal price works as well: 7.5 × 3 × 100.5 = 2,261.25 → 2,261 fen
    assert penalty(PenaltyRule.national(D("7.5")), 3, D("100.5")) == Penalty(3, 2_261)
    with pytest.raises(InvalidInput, match="≥ 0 fen"):
        penalty(PenaltyRule.national(D(5)), 1, -1)
