"""Emission reports as pure rules: the lifecycle, adjustments, totals and who may do what."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from openets.auth.model import Role, User
from openets.errors import InvalidInput, NotAuthorised, RuleViolation
from openets.mrv import permissions as may
from openets.mrv.calc import calculate
from openets.mrv.entities import Entity, Jurisdiction, Sector, parse_sector, parse_source
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.reports import (
    Adjustment,
    Calculation,
    ReportAction,
    ReportStatus,
    apply_adjustments,
    assemble,
    check_lines,
    decimal_text,
    next_status,
    parse_decimal,
    report_id,
    request_fingerprint,
)

S = ReportStatus
A = ReportAction
LIBRARY = FactorLibrary.default()


def line(
    row: int,
    source: SourceKind,
    item: str,
    quantity: str,
    unit: Unit,
    facility: str = "F1",
    year: int = 2022,
    **overrides: Decimal,
) -> ActivityLine:
    return ActivityLine(row, facility, year, source, item, Decimal(quantity), unit, **overrides)


def electricity(row: int, mwh: str, facility: str = "F1") -> ActivityLine:
    return line(row, SourceKind.ELECTRICITY, "grid", mwh, Unit.MWH, facility)


def coal(row: int, tonnes: str, facility: str = "F1", **overrides: Decimal) -> ActivityLine:
    return line(row, SourceKind.COMBUSTION, "raw_coal", tonnes, Unit.TONNE, facility, **overrides)


def calculated(lines: list[ActivityLine], entity: str = "E1") -> Calculation:
    """What the services compute: each line, and the entity's totals from the exact sum."""
    whole = calculate([replace(a, facility_id=entity) for a in lines], LIBRARY)
    return assemble(lines, calculate(lines, LIBRARY), whole[0])


# --- the lifecycle ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "action", "after"),
    [
        (S.DRAFT, A.SUBMIT, S.SUBMITTED),
        (S.SUBMITTED, A.VERIFY, S.VERIFIED),
        (S.VERIFIED, A.APPROVE, S.APPROVED),
        (S.APPROVED, A.SUPERSEDE, S.SUPERSEDED),
        (S.DRAFT, A.ASSIGN, S.DRAFT),
        (S.SUBMITTED, A.ASSIGN, S.SUBMITTED),
    ],
)
def test_each_step_leads_to_the_next_status(
    current: ReportStatus, action: ReportAction, after: ReportStatus
) -> None:
    assert next_status("E-2024-v1", current, action) is after


ALLOWED = {
    (S.DRAFT, A.SUBMIT),
    (S.SUBMITTED, A.VERIFY),
    (S.VERIFIED, A.APPROVE),
    (S.APPROVED, A.SUPERSEDE),
    (S.DRAFT, A.ASSIGN),
    (S.SUBMITTED, A.ASSIGN),
}
REFUSED = [
    (status, action)
    for status in ReportStatus
    for action in (A.SUBMIT, A.VERIFY, A.APPROVE, A.ASSIGN, A.SUPERSEDE)
    if (status, action) not in ALLOWED
]


@pytest.mark.parametrize(("current", "action"), REFUSED)
def test_an_out_of_order_step_is_refused_naming_the_current_status(
    current: ReportStatus, action: ReportAction
) -> None:
    with pytest.raises(RuleViolation, match=f"report E-2024-v1 is {current.value}"):
        next_status("E-2024-v1", current, action)


def test_the_messages_say_what_the_step_needs() -> None:
    with pytest.raises(RuleViolation) as refused:
        next_status("E-2024-v1", S.DRAFT, A.APPROVE)
    assert refused.value.message == (
        "report E-2024-v1 is draft: it can only approve a verified report"
    )
    with pytest.raises(RuleViolation, match="only an approved report is superseded"):
        next_status("E-2024-v1", S.VERIFIED, A.SUPERSEDE)
    with pytest.raises(RuleViolation, match="created, never transitioned"):
        next_status("E-2024-v1", S.DRAFT, A.CREATE)


def test_report_ids_name_entity_year_and_version() -> None:
    assert report_id("GD-STEEL-001", 2024, 1) == "GD-STEEL-001-2024-v1"
    assert report_id("GD-STEEL-001", 2024, 12) == "GD-STEEL-001-2024-v12"


# --- totals from the exact calculation --------------------------------------------------------


def test_totals_hand_worked() -> None:
    # 1,000 MWh of 2022 grid electricity at the national ETS factor 0.5703 tCO2/MWh = 570.3 t;
    # 1,000 t of raw coal: 20.908 GJ/t × 0.02637 tC/GJ × 0.94 × 44/12 = 1.9002988488 t/t
    # (DESIGN.md: NCV 20.908, CC 26.37 tC/TJ, OF 0.94, "≈ 1.900 tCO2/t")
    result = calculated([electricity(2, "1000"), coal(3, "1000", facility="F2")])
    assert result.total_tco2 == Decimal("2470.5988488")
    assert result.compliance_tco2 == 2471
    assert result.biomass_tco2 == 0
    assert result.by_source == {
        "combustion": Decimal("1900.2988488"),
        "electricity": Decimal("570.3"),
    }
    assert [(f.facility_id, f.total_tco2, f.compliance_tco2) for f in result.facilities] == [
        ("F1", Decimal("570.3"), 570),
        ("F2", Decimal("1900.2988488"), 1900),
    ]
    assert [(ln.row, ln.tco2, ln.factor_version) for ln in result.lines] == [
        (2, Decimal("570.3"), "grid-2022-national-ets"),
        (3, Decimal("1900.2988488"), "cn-guidelines-2013"),
    ]


def test_the_compliance_total_rounds_the_entity_sum_not_each_facility() -> None:
    # 0.5 t in each of two facilities: each rounds to 1, the entity's 1.0 t stays 1
    # (grid factor 0.5703: 0.5 t needs 0.5/0.5703 MWh, so use a measured ef of 0.5 instead)
    lines = [
        line(1, SourceKind.PROCESS, "clinker", "1", Unit.TONNE, "F1", ef=Decimal("0.5")),
        line(2, SourceKind.PROCESS, "clinker", "1", Unit.TONNE, "F2", ef=Decimal("0.5")),
    ]
    result = calculated(lines)
    assert [f.compliance_tco2 for f in result.facilities] == [1, 1]
    assert result.total_tco2 == 1
    assert result.compliance_tco2 == 1


def test_lines_are_checked_before_anything_is_computed() -> None:
    with pytest.raises(InvalidInput, match="needs at least one activity line"):
        check_lines("E1", 2022, [])
    with pytest.raises(InvalidInput, match="row 3: the row number appears twice"):
        check_lines("E1", 2022, [electricity(3, "1"), electricity(3, "2")])
    with pytest.raises(InvalidInput, match="row 4: year 2023 is not the report's year 2022"):
        check_lines("E1", 2022, [line(4, SourceKind.ELECTRICITY, "grid", "1", Unit.MWH, year=2023)])


# --- adjustments ------------------------------------------------------------------------------


def test_an_adjustment_keeps_the_original_value() -> None:
    stored = calculated([electricity(2, "1000"), coal(3, "1000")]).lines
    activity, changed = apply_adjustments(
        2022,
        stored,
        [
            Adjustment(2, Decimal("1100"), "meter reading of 31 Dec"),
            Adjustment(3, Decimal("21.5"), "lab report 2022-17", field="ncv"),
        ],
    )
    assert [(a.row, a.quantity, a.ncv) for a in activity] == [
        (2, Decimal("1100"), None),
        (3, Decimal("1000"), Decimal("21.5")),
    ]
    # a factor that was not measured keeps, as its original, the default that was used
    assert [(a.row, a.field, original) for a, original in changed] == [
        (2, "quantity", Decimal("1000")),
        (3, "ncv", Decimal("20.908")),
    ]


@pytest.mark.parametrize(
    ("adjustment", "message"),
    [
        (Adjustment(9, Decimal(1), "x"), "adjustment of row 9: the report has no row 9"),
        (Adjustment(2, Decimal(1), "x", field="unit"), "cannot adjust 'unit'"),
        (Adjustment(2, Decimal(1), "  "), "an adjustment needs a reason"),
        (Adjustment(2, Decimal(-1), "x"), "quantity must be a number ≥ 0"),
        (Adjustment(2, Decimal("1000.0"), "x"), "row 2: quantity is already 1000"),
    ],
)
def test_bad_adjustments_are_refused(adjustment: Adjustment, message: str) -> None:
    stored = calculated([electricity(2, "1000")]).lines
    with pytest.raises(InvalidInput, match=message):
        apply_adjustments(2022, stored, [adjustment])


def test_a_field_is_adjusted_once_per_verification() -> None:
    stored = calculated([electricity(2, "1000")]).lines
    twice = [Adjustment(2, Decimal(1), "a"), Adjustment(2, Decimal(2), "b")]
    with pytest.raises(InvalidInput, match="quantity is adjusted twice"):
        apply_adjustments(2022, stored, twice)


# --- small helpers ----------------------------------------------------------------------------


def test_decimals_are_exact_text_never_floats() -> None:
    assert parse_decimal("q", "1000.50") == Decimal("1000.5")
    assert parse_decimal("q", 7) == 7
    assert decimal_text(Decimal("570.3000")) == "570.3"
    assert decimal_text(Decimal("1E+3")) == "1000"
    assert decimal_text(Decimal("-0")) == "0"
    digits = "1234.5678901234567890123456789012345678"
    assert decimal_text(Decimal(digits)) == digits  # more digits than a default context keeps
    with pytest.raises(InvalidInput, match="written as text"):
        parse_decimal("q", 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="is not a number"):
        parse_decimal("q", "ten")
    with pytest.raises(InvalidInput, match="finite"):
        parse_decimal("q", "NaN")
    # bounded, so that every figure stores and shows as short text
    assert parse_decimal("q", "999999999999999.999") == Decimal("999999999999999.999")
    assert parse_decimal("q", "0." + "0" * 29 + "1") == Decimal("1e-30")
    for far in ("1e15", "1e999999999", "1e-31", "-1e-999999"):
        with pytest.raises(InvalidInput, match="q is out of range"):
            parse_decimal("q", far)
    with pytest.raises(InvalidInput, match="row 2: ncv is out of range"):
        check_lines("E1", 2022, [coal(2, "1", ncv=Decimal("1e20"))])


def test_the_fingerprint_tells_requests_apart() -> None:
    one = [electricity(2, "1000")]
    assert request_fingerprint("E1", 2022, one, None) == request_fingerprint(
        "E1", 2022, [electricity(2, "1000.0")], None
    )
    assert request_fingerprint("E1", 2022, one, None) != request_fingerprint(
        "E1", 2022, [electricity(2, "1001")], None
    )
    assert request_fingerprint("E1", 2022, one, None) != request_fingerprint(
        "E1", 2022, one, Decimal(5)
    )


def test_sectors_and_sources_are_parsed_with_the_options_listed() -> None:
    assert parse_sector(" Steel ") is Sector.STEEL
    with pytest.raises(InvalidInput, match="unknown sector 'mining': expected one of power, st"):
        parse_sector("mining")
    with pytest.raises(InvalidInput, match="unknown source 'coal'"):
        parse_source("coal")


# --- permissions ------------------------------------------------------------------------------

ACME = Entity("E1", "Acme Steel", Sector.STEEL, Jurisdiction.GUANGDONG, "")


def user(role: Role, name: str = "u", owner: str | None = None) -> User:
    return User(name, role, owner, "2025-01-01T00:00:00.000000Z")


REGULATOR = user(Role.REGULATOR, "reg")
VERIFIER = user(Role.VERIFIER, "ver")
OTHER_VERIFIER = user(Role.VERIFIER, "ver2")
ACME_USER = user(Role.ENTITY, "acme", "Acme Steel")
BETA_USER = user(Role.ENTITY, "beta", "Beta Cement")
MEMBER = user(Role.MEMBER, "m", "Acme Steel")  # an owner, but not an entity user
PUBLIC = user(Role.PUBLIC, "p")


def test_an_entity_user_acts_for_the_entity_whose_name_is_its_owner() -> None:
    assert may.acts_for(ACME_USER, ACME)
    assert not may.acts_for(BETA_USER, ACME)
    assert not may.acts_for(MEMBER, ACME)
    assert not may.acts_for(may.OPERATOR, ACME)


def test_who_may_create_and_submit_reports() -> None:
    may.require_create_report(ACME_USER, ACME)
    may.require_submit_report(ACME_USER, ACME)
    may.require_create_report(may.OPERATOR, ACME)
    for other in (BETA_USER, REGULATOR, VERIFIER, MEMBER, PUBLIC):
        with pytest.raises(NotAuthorised, match="only the entity itself may"):
            may.require_create_report(other, ACME)


def test_who_may_verify() -> None:
    may.require_verify_report(VERIFIER, "R", "ver")
    may.require_verify_report(may.OPERATOR, "R", None)
    with pytest.raises(NotAuthorised, match="it is assigned to 'ver'"):
        may.require_verify_report(OTHER_VERIFIER, "R", "ver")
    with pytest.raises(NotAuthorised, match="no verifier is assigned"):
        may.require_verify_report(VERIFIER, "R", None)
    for other in (REGULATOR, ACME_USER, PUBLIC):
        with pytest.raises(NotAuthorised, match="only a verifier may"):
            may.require_verify_report(other, "R", "ver")


def test_who_may_approve_assign_and_add_entities() -> None:
    for rule in (may.require_approve_report, may.require_assign_verifier, may.require_add_entity):
        rule(REGULATOR)
        rule(may.OPERATOR)
        for other in (ACME_USER, VERIFIER, MEMBER, PUBLIC):
            with pytest.raises(NotAuthorised, match="only a regulator may"):
                rule(other)


def test_who_may_read_a_report() -> None:
    assert may.can_read_report(REGULATOR, ACME, None)
    assert may.can_read_report(ACME_USER, ACME, None)
    assert may.can_read_report(VERIFIER, ACME, "ver")
    assert not may.can_read_report(OTHER_VERIFIER, ACME, "ver")
    assert not may.can_read_report(VERIFIER, ACME, None)
    assert not may.can_read_report(BETA_USER, ACME, "ver")
    assert not may.can_read_report(PUBLIC, ACME, None)
    assert not may.can_read_report(MEMBER, ACME, None)


def test_what_a_listing_shows_each_role() -> None:
    assert may.report_scope(REGULATOR) == may.ReportScope()
    assert may.report_scope(ACME_USER) == may.ReportScope(entity_name="Acme Steel")
    assert may.report_scope(VERIFIER) == may.ReportScope(verifier="ver")
    assert may.entity_scope(VERIFIER) is None
    assert may.entity_scope(ACME_USER) == "Acme Steel"
    for other in (MEMBER, PUBLIC):
        with pytest.raises(NotAuthorised):
            may.report_scope(other)
        with pytest.raises(NotAuthorised):
            may.entity_scope(other)


def test_facilities_and_verified_emissions() -> None:
    may.require_edit_facilities(ACME_USER, ACME)
    may.require_edit_facilities(REGULATOR, ACME)
    may.require_read_emissions(ACME_USER, ACME)
    may.require_read_emissions(REGULATOR, ACME)
    for other in (BETA_USER, VERIFIER, MEMBER, PUBLIC):
        with pytest.raises(NotAuthorised):
            may.require_edit_facilities(other, ACME)
        with pytest.raises(NotAuthorised):
            may.require_read_emissions(other, ACME)
    assert may.actor_role(may.OPERATOR) == "operator"
    assert may.actor_role(VERIFIER) == "verifier"
