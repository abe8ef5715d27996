"""The compliance cycle on SQLite and PostgreSQL: surrender and its rules at each boundary,
deadlines and extensions, status, closing a year with its penalties, an entity's position.

Compliance year 2024 throughout. Guangdong deadlines (of 2025): report 03-20, offset request
06-10, surrender 06-20; Shenzhen surrender 06-30. The ``clock`` fixture is the app's clock, so
a test moves the business date by setting it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import sqlalchemy as sa

from openets import App
from openets.auth.model import Role, User
from openets.clock import CST, FixedClock
from openets.compliance import services
from openets.compliance.calendar import deadlines, extend_deadline
from openets.compliance.rules import ComplianceStatus
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.offsets import services as offsets
from openets.registry.model import IssueUnits, TransferUnits
from openets.registry.services import balance, execute, open_account, supply

REGULATOR = User("reg", Role.REGULATOR, None, "")
STEEL_USER = User("steel", Role.ENTITY, "Guangdong Steel", "")
OTHER_USER = User("other", Role.ENTITY, "Someone Else", "")
VERIFIER = User("ver", Role.VERIFIER, None, "")
METHODOLOGY = {"biogas": "CCER-BIOGAS", "hydropower": "CCER-HYDRO", "distributed_solar": "PHCER-PV"}


def on(day: str, clock: FixedClock) -> None:
    """Set the business date (10:00 CST)."""
    moment = datetime.combine(date.fromisoformat(day), time(10, 0), CST)
    clock.instant = moment.astimezone(UTC)


def entity(
    app: App, entity_id: str, name: str, sector: str = "steel", where: str = "guangdong"
) -> None:
    mrv.add_entity(app, entity_id, name, sector, where, by=OPERATOR)


def verified(app: App, *rows: tuple[str, int, int]) -> None:
    mrv.import_emissions(app, [ImportedEmissions(e, y, t) for e, y, t in rows], by=OPERATOR)


def project(app: App, project_id: str, scheme: str, kind: str, province: str) -> None:
    offsets.register_project(
        app,
        project_id,
        scheme=scheme,
        project_type=kind,
        methodology=METHODOLOGY[kind],
        owner_account="OWNER",
        province=province,
        city="Somewhere",
        status="active",
        by=OPERATOR,
    )


def credits(app: App, project_id: str, year: int, quantity: int, to: str) -> None:
    """Issue credits to a project and move them all to ``to``."""
    issued = offsets.issue(app, project_id, year, quantity, by=OPERATOR)
    execute(app, TransferUnits(issued.instrument, quantity, "OWNER", to))


def held(app: App, account: str) -> dict[str, int]:
    return {p.instrument: p.quantity for p in balance(app, account).balances}


def counts(app: App) -> dict[str, int]:
    tables = ("journal", "surrenders", "surrender_lines", "penalties", "deductions", "closed_years")
    with app.engine.connect() as connection:
        return {
            t: connection.execute(
                sa.select(sa.func.count()).select_from(getattr(schema, t))
            ).scalar_one()
            for t in tables
        }


@pytest.fixture
def steel(app: App, clock: FixedClock) -> App:
    """GD-STEEL: 2023 verified 123,456 t (offset limit floor(10% × 123,456) = 12,345 t), 2024
    verified 130,000 t; holds 200,000 GDEA-2024, 100 GDEA-2025, 100 SZEA-2024, 20,000 PHCER
    from a Guangdong solar project. Business date 2025-06-01."""
    on("2025-06-01", clock)
    open_account(app, "OWNER", "holding", "Offset Owner")
    entity(app, "GD-STEEL", "Guangdong Steel")
    verified(app, ("GD-STEEL", 2023, 123_456), ("GD-STEEL", 2024, 130_000))
    execute(app, IssueUnits("GDEA-2024", 200_000, "GD-STEEL"))
    execute(app, IssueUnits("GDEA-2025", 100, "GD-STEEL"))
    execute(app, IssueUnits("SZEA-2024", 100, "GD-STEEL"))
    project(app, "PV-GD", "PHCER", "distributed_solar", "Guangdong")
    credits(app, "PV-GD", 2024, 20_000, "GD-STEEL")
    return app


# --- surrender ------------------------------------------------------------------------------


def test_a_surrender_moves_units_and_records_offsets_by_project(steel: App) -> None:
    receipt = services.surrender(
        steel, "GD-STEEL", 2024, [("GDEA-2024", 100_000), ("PHCER", 5_000)], by=OPERATOR
    )
    assert (receipt.allowances, receipt.offsets, receipt.replayed) == (100_000, 5_000, False)
    lines = [
        (x.instrument, x.quantity, x.project_id, x.project_type, x.province) for x in receipt.lines
    ]
    assert lines == [
        ("GDEA-2024", 100_000, None, None, None),
        ("PHCER", 5_000, "PV-GD", "distributed_solar", "Guangdong"),
    ]
    assert held(steel, "GD-STEEL")["GDEA-2024"] == 100_000
    assert held(steel, "GD-STEEL")["PHCER"] == 15_000
    assert supply(steel, "PHCER").cancelled == 5_000
    # the registry entry is the surrender's, kind surrender
    with steel.engine.connect() as connection:
        kind = connection.execute(
            sa.select(schema.journal.c.kind).where(schema.journal.c.seq == receipt.entry_seq)
        ).scalar_one()
    assert kind == "surrender"


def test_offset_limit_at_and_past_its_boundary(steel: App) -> None:
    # floor(0.10 × 123,456) = floor(12,345.6) = 12,345 t
    with pytest.raises(RuleViolation, match=r"offset limit.*123,456 t = 12,345 t.*12,346 t"):
        services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 12_346)], by=OPERATOR)
    services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 12_000)], by=OPERATOR)
    services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 345)], by=OPERATOR)  # 12,345 in all
    # already 12,345 + 1 = 12,346 > 12,345
    with pytest.raises(RuleViolation, match=r"already surrendered 12,345 t \+ requested 1 t"):
        services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 1)], by=OPERATOR)
    # allowances are not limited
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)


def test_local_ccer_share_at_and_past_its_boundary(steel: App) -> None:
    # OWNER's CCER serials: GD 2021 69 t (1-69), YN 2021 31 t (70-100), GD 2022 70 t
    # (101-170), YN 2022 30 t (171-200); each transfer takes the lowest serials, so GD-STEEL
    # gets 1-100 (69 local + 31 not) and GD-CEMENT 101-200 (70 local + 30 not)
    entity(steel, "GD-CEMENT", "Guangdong Cement", "cement")
    verified(steel, ("GD-CEMENT", 2023, 50_000))  # limit 5,000 t
    project(steel, "BIO-GD", "CCER", "biogas", "Guangdong")
    project(steel, "BIO-YN", "CCER", "biogas", "Yunnan")
    for project_id, year, quantity in [
        ("BIO-GD", 2021, 69), ("BIO-YN", 2021, 31), ("BIO-GD", 2022, 70), ("BIO-YN", 2022, 30),
    ]:  # fmt: skip
        offsets.issue(steel, project_id, year, quantity, by=OPERATOR)
    execute(steel, TransferUnits("CCER", 100, "OWNER", "GD-STEEL"))
    execute(steel, TransferUnits("CCER", 100, "OWNER", "GD-CEMENT"))
    # 69 of 100 < 70% × 100 = 70: refused
    with pytest.raises(RuleViolation, match=r"local CCER share: at least 70%.*69 t of 100 t"):
        services.surrender(steel, "GD-STEEL", 2024, [("CCER", 100)], by=OPERATOR)
    assert held(steel, "GD-STEEL")["CCER"] == 100  # nothing moved
    # 70 of 100 = 70%: allowed; the lines name each project
    receipt = services.surrender(steel, "GD-CEMENT", 2024, [("CCER", 100)], by=OPERATOR)
    assert [(x.project_id, x.quantity, x.province) for x in receipt.lines] == [
        ("BIO-GD", 70, "Guangdong"),
        ("BIO-YN", 30, "Yunnan"),
    ]


def test_excluded_project_type_and_ineligible_scheme_and_unknown_origin(steel: App) -> None:
    project(steel, "HYDRO", "CCER", "hydropower", "Guangdong")
    credits(steel, "HYDRO", 2022, 10, "GD-STEEL")
    before = counts(steel)
    with pytest.raises(RuleViolation, match=r"excluded project type: 10 t of CCER.*hydropower"):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 5), ("CCER", 10)], by=OPERATOR)
    assert counts(steel) == before
    # Shenzhen accepts CCER only: PHCER is not eligible there
    entity(steel, "SZ-PORT", "Shenzhen Port", "ports", "shenzhen")
    verified(steel, ("SZ-PORT", 2023, 5_000))
    execute(steel, TransferUnits("PHCER", 10, "GD-STEEL", "SZ-PORT"))
    with pytest.raises(RuleViolation, match=r"offset scheme not eligible: PHCER.*eligible: CCER"):
        services.surrender(steel, "SZ-PORT", 2024, [("PHCER", 10)], by=OPERATOR)
    # credits issued straight by the registry, not to a project: type and province unknown
    execute(steel, IssueUnits("SINK", 5, "GD-STEEL"))
    with pytest.raises(RuleViolation, match=r"unknown origin: 5 t of SINK \(serials 1–5\)"):
        services.surrender(steel, "GD-STEEL", 2024, [("SINK", 5)], by=OPERATOR)


def test_borrowing_and_another_jurisdictions_allowances_are_refused(steel: App) -> None:
    with pytest.raises(RuleViolation, match="borrowing refused: GDEA-2025 has vintage 2025"):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2025", 1)], by=OPERATOR)
    with pytest.raises(RuleViolation, match=r"wrong jurisdiction: SZEA-2024.*only GDEA"):
        services.surrender(steel, "GD-STEEL", 2024, [("SZEA-2024", 1)], by=OPERATOR)


def test_market_cap_at_and_past_its_boundary(steel: App) -> None:
    # Guangdong's market-wide cap: 1,000,000 t. BIG's own limit: 10% × 9,000,000 = 900,000 t;
    # BIG2's: 10% × 2,000,000 = 200,000 t
    entity(steel, "BIG", "Big Power", "power")
    entity(steel, "BIG2", "Big Power Two", "power")
    verified(steel, ("BIG", 2023, 9_000_000), ("BIG2", 2023, 2_000_000))
    project(steel, "PV-BIG", "PHCER", "distributed_solar", "Guangdong")
    credits(steel, "PV-BIG", 2023, 900_000, "BIG")
    credits(steel, "PV-BIG", 2024, 100_001, "BIG2")
    services.surrender(steel, "BIG", 2024, [("PHCER", 900_000)], by=OPERATOR)
    services.surrender(steel, "BIG2", 2024, [("PHCER", 100_000)], by=OPERATOR)  # 1,000,000
    # 1,000,000 + 1 > 1,000,000, though BIG2 has used only 100,000 t of its 200,000 t
    with pytest.raises(
        RuleViolation, match=r"market offset cap: at most 1,000,000 t.*1,000,000 t \+ requested 1 t"
    ):
        services.surrender(steel, "BIG2", 2024, [("PHCER", 1)], by=OPERATOR)


def test_deadlines_and_extensions(steel: App, clock: FixedClock) -> None:
    on("2024-12-31", clock)
    with pytest.raises(
        RuleViolation, match="the year is not over: surrender for 2024 opens on 2025-01-01"
    ):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    on("2025-01-01", clock)
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    # offsets: on the offset-request day allowed, the day after refused
    on("2025-06-10", clock)
    services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 1)], by=OPERATOR)
    on("2025-06-11", clock)
    with pytest.raises(
        RuleViolation,
        match=r"offsets in a surrender after the offset request deadline of guangdong 2024 "
        r"\(2025-06-10\).*regulator can extend",
    ):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1), ("PHCER", 1)], by=OPERATOR)
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)  # allowances ok
    # surrender: on the deadline day allowed, the day after refused
    on("2025-06-20", clock)
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    on("2025-06-21", clock)
    with pytest.raises(
        RuleViolation,
        match=r"deadline passed: a surrender after the surrender deadline of guangdong 2024 "
        r"\(2025-06-20\) is refused; today is 2025-06-21\. The regulator can extend",
    ):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    # only the regulator extends; only to a later date
    with pytest.raises(NotAuthorised, match="only a regulator"):
        extend_deadline(steel, "guangdong", 2024, "surrender", "2025-06-30", "x", by=STEEL_USER)
    with pytest.raises(InvalidInput, match="not after the configured surrender deadline"):
        extend_deadline(steel, "guangdong", 2024, "surrender", "2025-06-20", "x", by=REGULATOR)
    extend_deadline(steel, "guangdong", 2024, "surrender", "2025-06-25", "typhoon", by=REGULATOR)
    moved = extend_deadline(
        steel, "guangdong", 2024, "surrender", "2025-06-30", "typhoon, again", by=REGULATOR
    )  # replaces the earlier extension
    assert (moved.date, moved.configured, moved.reason) == (
        date(2025, 6, 30),
        date(2025, 6, 20),
        "typhoon, again",
    )
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    on("2025-07-01", clock)
    with pytest.raises(RuleViolation, match=r"\(2025-06-30, extended from 2025-06-20\)"):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    calendar = deadlines(steel, "guangdong", 2024)
    assert calendar["surrender"].date == date(2025, 6, 30)
    assert calendar["offset_request"].date == date(2025, 6, 10)
    board = services.deadlines_view(steel, "guangdong", 2024)
    assert board["today"] == "2025-07-01"
    assert {d["name"]: (d["date"], d["days_left"]) for d in board["deadlines"]}["surrender"] == (
        "2025-06-30",
        -1,
    )


def test_coverage_and_the_offset_basis_must_be_known(steel: App) -> None:
    entity(steel, "SMALL", "Small Paper", "paper")
    verified(steel, ("SMALL", 2023, 5_000), ("SMALL", 2024, 5_000))
    with pytest.raises(RuleViolation, match=r"not covered: SMALL is not covered in 2024 \(below"):
        services.surrender(steel, "SMALL", 2024, [("GDEA-2024", 1)], by=OPERATOR)
    entity(steel, "NEW", "New Steel")
    verified(steel, ("NEW", 2024, 20_000))  # covered by 2024; no 2023 figure
    execute(steel, TransferUnits("PHCER", 10, "GD-STEEL", "NEW"))
    execute(steel, TransferUnits("GDEA-2024", 10, "GD-STEEL", "NEW"))
    with pytest.raises(RuleViolation, match="offset limit unknown until the 2023 emissions of NEW"):
        services.surrender(steel, "NEW", 2024, [("PHCER", 10)], by=OPERATOR)
    services.surrender(steel, "NEW", 2024, [("GDEA-2024", 10)], by=OPERATOR)
    with pytest.raises(NotFound, match="NOBODY"):
        services.surrender(steel, "NOBODY", 2024, [("GDEA-2024", 1)], by=OPERATOR)


def test_a_refused_surrender_changes_nothing(steel: App) -> None:
    services.surrender(steel, "GD-STEEL", 2024, [("PHCER", 12_000)], by=OPERATOR)
    before = (counts(steel), held(steel, "GD-STEEL"), supply(steel, "GDEA-2024"))
    # the allowances would move, then the offset limit refuses: 12,000 + 400 > 12,345
    with pytest.raises(RuleViolation, match="offset limit"):
        services.surrender(
            steel, "GD-STEEL", 2024, [("GDEA-2024", 50_000), ("PHCER", 400)], by=OPERATOR
        )
    # one line lacks balance: nothing moves
    with pytest.raises(RuleViolation, match="insufficient balance"):
        services.surrender(
            steel, "GD-STEEL", 2024, [("GDEA-2024", 50_000), ("PHCER", 8_001)], by=OPERATOR
        )
    assert (counts(steel), held(steel, "GD-STEEL"), supply(steel, "GDEA-2024")) == before


def test_idempotency_and_who_may_surrender(steel: App) -> None:
    first = services.surrender(
        steel, "GD-STEEL", 2024, [("GDEA-2024", 10), ("PHCER", 5)], by=STEEL_USER, key="k-1"
    )
    again = services.surrender(
        steel, "GD-STEEL", 2024, [("PHCER", 5), ("GDEA-2024", 10)], by=STEEL_USER, key="k-1"
    )
    assert (again.id, again.entry_seq, again.replayed) == (first.id, first.entry_seq, True)
    assert held(steel, "GD-STEEL")["GDEA-2024"] == 199_990
    before = counts(steel)
    with pytest.raises(Conflict, match="k-1"):
        services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 11)], by=STEEL_USER, key="k-1")
    for outsider in (OTHER_USER, VERIFIER):
        with pytest.raises(NotAuthorised, match="only the entity itself or the regulator"):
            services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=outsider)
    with pytest.raises(InvalidInput, match="each instrument once"):
        services.surrender(steel, "GD-STEEL", 2024, [("CCER", 1), ("CCER", 1)], by=REGULATOR)
    assert counts(steel) == before
    services.surrender(steel, "GD-STEEL", 2024, [("GDEA-2024", 1)], by=REGULATOR)


# --- status, close, position ----------------------------------------------------------------


@pytest.fixture
def cycle(steel: App) -> App:
    """GD-STEEL (130,000 t verified) and GD-CEMENT (20,000 t verified, holds 19,000 t);
    GD-LATE covered by its 2023 figure with no 2024 report; GD-SMALL below the threshold."""
    entity(steel, "GD-CEMENT", "Guangdong Cement", "cement")
    entity(steel, "GD-LATE", "Late Steel")
    entity(steel, "GD-SMALL", "Small Paper", "paper")
    verified(
        steel,
        ("GD-CEMENT", 2023, 20_000),
        ("GD-CEMENT", 2024, 20_000),
        ("GD-LATE", 2023, 40_000),
        ("GD-SMALL", 2024, 3_000),
    )
    execute(steel, TransferUnits("GDEA-2024", 19_000, "GD-STEEL", "GD-CEMENT"))
    return steel


def by_entity(rows: list[services.EntityStatus]) -> dict[str, tuple[Any, ...]]:
    return {
        r.entity_id: (
            r.verified_tco2,
            r.surrendered_allowances,
            r.surrendered_offsets,
            r.shortfall,
            r.status.value,
        )
        for r in rows
    }


def test_status_goes_from_pending_to_compliant_or_shortfall(cycle: App, clock: FixedClock) -> None:
    services.surrender(
        cycle, "GD-STEEL", 2024, [("GDEA-2024", 125_000), ("PHCER", 5_000)], by=OPERATOR
    )
    services.surrender(cycle, "GD-CEMENT", 2024, [("GDEA-2024", 19_000)], by=OPERATOR)
    # before the deadline: 130,000 - 125,000 - 5,000 = 0 compliant; 20,000 - 19,000 = 1,000
    # short but still pending; GD-LATE pending without a verified figure
    assert by_entity(services.compliance_status(cycle, 2024, by=REGULATOR)) == {
        "GD-CEMENT": (20_000, 19_000, 0, 1_000, "pending"),
        "GD-LATE": (None, 0, 0, 0, "pending"),
        "GD-STEEL": (130_000, 125_000, 5_000, 0, "compliant"),
    }
    on("2025-06-21", clock)  # the surrender deadline has passed
    rows = services.compliance_status(cycle, 2024, include_not_required=True, by=REGULATOR)
    assert by_entity(rows) == {
        "GD-CEMENT": (20_000, 19_000, 0, 1_000, "shortfall"),
        "GD-LATE": (None, 0, 0, 0, "pending"),
        "GD-SMALL": (3_000, 0, 0, 0, "not_required"),
        "GD-STEEL": (130_000, 125_000, 5_000, 0, "compliant"),
    }
    # an entity user sees itself only
    mine = services.compliance_status(cycle, 2024, by=STEEL_USER)
    assert [r.entity_id for r in mine] == ["GD-STEEL"]
    with pytest.raises(NotAuthorised):
        services.compliance_status(cycle, 2024, entity_id="GD-CEMENT", by=STEEL_USER)
    with pytest.raises(NotAuthorised):
        services.compliance_status(cycle, 2024, by=VERIFIER)


def test_a_report_approved_after_the_report_deadline_is_late(cycle: App, clock: FixedClock) -> None:
    on("2025-03-21", clock)  # Guangdong report deadline: 2025-03-20
    entity(cycle, "GD-TARDY", "Tardy Steel")
    verified(cycle, ("GD-TARDY", 2024, 30_000))
    late = {
        r.entity_id: r.report_late for r in services.compliance_status(cycle, 2024, by=REGULATOR)
    }
    # the fixture's reports were created on 2025-06-01, also after the deadline
    assert late["GD-TARDY"] is True
    on("2025-03-20", clock)
    entity(cycle, "GD-PROMPT", "Prompt Steel")
    verified(cycle, ("GD-PROMPT", 2024, 30_000))
    late = {
        r.entity_id: r.report_late for r in services.compliance_status(cycle, 2024, by=REGULATOR)
    }
    assert late["GD-PROMPT"] is False


def test_close_guangdong_penalises_the_shortfall_once(cycle: App, clock: FixedClock) -> None:
    services.surrender(cycle, "GD-STEEL", 2024, [("GDEA-2024", 130_000)], by=OPERATOR)
    services.surrender(cycle, "GD-CEMENT", 2024, [("GDEA-2024", 19_000)], by=OPERATOR)
    on("2025-06-20", clock)
    with pytest.raises(
        RuleViolation, match="cannot be closed before its surrender deadline 2025-06-20"
    ):
        services.close_year(cycle, 2024, by=REGULATOR)
    with pytest.raises(NotAuthorised, match="only a regulator"):
        services.close_year(cycle, 2024, by=STEEL_USER)
    on("2025-06-21", clock)
    outcome = services.close_year(cycle, 2024, by=REGULATOR)
    # GD-CEMENT: shortfall 20,000 - 19,000 = 1,000 t; Guangdong: deduction 2 × 1,000 =
    # 2,000 t, fine ¥50,000 = 5,000,000 fen
    penalties = [
        (p.entity_id, p.shortfall, p.deduction_next_year, p.fine_fen) for p in outcome.penalties
    ]
    assert penalties == [("GD-CEMENT", 1_000, 2_000, 5_000_000)]
    assert [(p.entity_id, p.jurisdiction) for p in outcome.pending] == [("GD-LATE", "guangdong")]
    assert outcome.newly_closed == ("guangdong",)
    with cycle.engine.connect() as connection:
        deductions = connection.execute(
            sa.select(
                schema.deductions.c.entity_id,
                schema.deductions.c.origin,
                schema.deductions.c.origin_year,
                schema.deductions.c.tonnes,
                schema.deductions.c.deducted,
            )
        ).all()
    assert [tuple(d) for d in deductions] == [("GD-CEMENT", "penalty", 2024, 2_000, 0)]
    before = counts(cycle)
    again = services.close_year(cycle, 2024, by=REGULATOR)
    assert (again.penalties, again.newly_closed) == (outcome.penalties, ())
    assert counts(cycle) == before  # no second deduction
    # the year is closed: status final, no more surrenders even with an extension
    assert (
        by_entity(services.compliance_status(cycle, 2024, by=REGULATOR))["GD-CEMENT"][4]
        == "shortfall"
    )
    with pytest.raises(RuleViolation, match="is closed"):
        extend_deadline(cycle, "guangdong", 2024, "surrender", "2025-07-30", "x", by=REGULATOR)


def test_close_shenzhen_needs_a_price(app: App, clock: FixedClock) -> None:
    on("2025-06-01", clock)
    entity(app, "SZ-POWER", "Shenzhen Power", "power", "shenzhen")
    verified(app, ("SZ-POWER", 2024, 10_000))
    execute(app, IssueUnits("SZEA-2024", 9_000, "SZ-POWER"))
    services.surrender(app, "SZ-POWER", 2024, [("SZEA-2024", 9_000)], by=OPERATOR)
    on("2025-06-30", clock)  # Shenzhen surrender deadline
    with pytest.raises(RuleViolation, match="too early"):
        services.close_year(app, 2024, jurisdiction="shenzhen", by=REGULATOR)
    on("2025-07-01", clock)
    before = counts(app)
    with pytest.raises(InvalidInput, match="pass the price"):
        services.close_year(app, 2024, by=REGULATOR)
    assert counts(app) == before
    # shortfall 1,000 t × 3 × 4,520 fen (¥45.20) = 13,560,000 fen; deduction 1 × 1,000 t
    outcome = services.close_year(app, 2024, price_fen=4_520, by=REGULATOR)
    (record,) = outcome.penalties
    assert (record.shortfall, record.deduction_next_year, record.fine_fen) == (
        1_000,
        1_000,
        13_560_000,
    )
    assert (record.price_fen, record.multiple, record.jurisdiction) == ("4520", "3", "shenzhen")
    # closing again needs no price: nothing new to penalise
    assert services.close_year(app, 2024, by=REGULATOR).penalties == outcome.penalties


def test_position_shows_holdings_headroom_and_deadlines(steel: App) -> None:
    services.surrender(
        steel, "GD-STEEL", 2024, [("GDEA-2024", 100_000), ("PHCER", 2_345)], by=STEEL_USER
    )
    position = services.entity_position(steel, "GD-STEEL", 2024, by=STEEL_USER)
    assert position.status.verified_tco2 == 130_000
    assert (position.status.shortfall, position.status.status) == (27_655, ComplianceStatus.PENDING)
    usable = {h.instrument: (h.quantity, h.usable) for h in position.holdings}
    assert usable == {
        "GDEA-2024": (100_000, True),
        "GDEA-2025": (100, False),  # borrowing
        "PHCER": (17_655, True),
        "SZEA-2024": (100, False),  # another jurisdiction
    }
    # limit 12,345 - used 2,345 = 10,000; if all 10,000 were CCER, ceil(70% × 10,000) = 7,000
    # of them would have to be local
    headroom = position.offsets
    assert (headroom.limit, headroom.used, headroom.headroom, headroom.local_ccer_needed) == (
        12_345,
        2_345,
        10_000,
        7_000,
    )
    days = {d.name: (d.date - position.today).days for d in position.calendar.deadlines}
    assert days["surrender"] == 19  # 2025-06-01 to 2025-06-20
    with pytest.raises(NotAuthorised):
        services.entity_position(steel, "GD-STEEL", 2024, by=OTHER_USER)
