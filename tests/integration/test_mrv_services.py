"""MRV services end to end, on SQLite and PostgreSQL: entities, facilities, monitoring plans,
the emission-report lifecycle, permissions, supersession, quality flags and idempotency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from openets import App
from openets.auth import User, add_user
from openets.clock import FixedClock
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.mrv import services
from openets.mrv.activity_file import read_activity_file
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.mrv.reports import Adjustment, ReportAction, ReportStatus
from openets.registry.services import get_account, open_account

AT = "2025-07-01T02:00:00.000000Z"  # the fixed clock of the ``app`` fixture
MRV_TABLES = [
    schema.mrv_reports,
    schema.mrv_report_lines,
    schema.mrv_adjustments,
    schema.mrv_transitions,
    schema.mrv_quality_flags,
]


@dataclass
class Market:
    """Two steel and cement entities with one facility each, and a user per role."""

    app: App
    clock: FixedClock
    reg: User
    ver: User
    ver2: User
    acme: User
    beta: User
    member: User

    def tick(self) -> None:
        self.clock.advance(timedelta(minutes=1))


@pytest.fixture
def market(app: App, clock: FixedClock) -> Market:
    users = {
        name: add_user(app, name, role, owner=owner)
        for name, role, owner in [
            ("reg", "regulator", None),
            ("ver", "verifier", None),
            ("ver2", "verifier", None),
            ("acme", "entity", "Acme Steel"),
            ("beta", "entity", "Beta Cement"),
            ("member", "member", "Acme Steel"),
        ]
    }
    services.add_entity(app, "ACME", "Acme Steel", "steel", by=OPERATOR)
    services.add_entity(app, "BETA", "Beta Cement", "cement", "shenzhen", by=OPERATOR)
    services.add_facility(app, "ACME-F1", "ACME", "Plant 1", "Foshan", by=OPERATOR)
    services.add_facility(app, "BETA-F1", "BETA", "Kiln 1", "Shenzhen", by=OPERATOR)
    return Market(app, clock, **users)


def electricity(row: int, mwh: str, facility: str = "ACME-F1", year: int = 2022) -> ActivityLine:
    return ActivityLine(row, facility, year, SourceKind.ELECTRICITY, "grid", Decimal(mwh), Unit.MWH)


def coal(row: int, tonnes: str, facility: str = "ACME-F1", year: int = 2022) -> ActivityLine:
    return ActivityLine(
        row, facility, year, SourceKind.COMBUSTION, "raw_coal", Decimal(tonnes), Unit.TONNE
    )


def stored_rows(app: App) -> dict[str, int]:
    with app.reading() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in MRV_TABLES
        }


def approve(m: Market, report_id: str, adjustments: list[Adjustment] | None = None) -> None:
    """Take a draft through submit, assign, verify and approve, as the right users."""
    services.submit_report(m.app, report_id, by=m.acme)
    services.assign_verifier(m.app, report_id, "ver", by=m.reg)
    services.verify_report(m.app, report_id, adjustments or [], by=m.ver)
    services.approve_report(m.app, report_id, by=m.reg)


# --- entities, facilities, monitoring plans ---------------------------------------------------


def test_an_entity_comes_with_its_compliance_account(market: Market) -> None:
    app = market.app
    entity = services.get_entity(app, "ACME", by=market.reg)
    assert (entity.id, entity.name, entity.sector, entity.jurisdiction, entity.created_at) == (
        "ACME",
        "Acme Steel",
        "steel",
        "guangdong",
        AT,
    )
    account = get_account(app, "ACME")
    assert (account.kind, account.owner) == ("compliance", "Acme Steel")
    # repeating is a no-op; anything different is a conflict
    assert services.add_entity(app, "ACME", "Acme Steel", "steel", by=market.reg) == entity
    with pytest.raises(Conflict, match="already exists as 'Acme Steel' \\(steel, guangdong\\)"):
        services.add_entity(app, "ACME", "Acme Steel", "cement", by=market.reg)
    with pytest.raises(Conflict, match="already exists"):
        services.add_entity(app, "ACME", "Acme Steel Ltd", "steel", by=market.reg)


def test_an_entity_id_taken_by_another_account_is_a_conflict(market: Market) -> None:
    open_account(market.app, "GAMMA", "holding", "Gamma Trading")
    with pytest.raises(Conflict, match="account 'GAMMA' already exists as a holding account"):
        services.add_entity(market.app, "GAMMA", "Gamma Power", "power", by=OPERATOR)
    with pytest.raises(NotFound):
        services.get_entity(market.app, "GAMMA", by=OPERATOR)


def test_entities_are_checked_and_listed_by_role(market: Market) -> None:
    app = market.app
    with pytest.raises(InvalidInput, match="unknown sector 'mining'"):
        services.add_entity(app, "X", "X Co", "mining", by=OPERATOR)
    with pytest.raises(InvalidInput, match="unknown jurisdiction 'hainan'"):
        services.add_entity(app, "X", "X Co", "power", "hainan", by=OPERATOR)
    with pytest.raises(InvalidInput, match="entity id 'a b' is malformed"):
        services.add_entity(app, "a b", "X Co", "power", by=OPERATOR)
    with pytest.raises(NotAuthorised, match="only a regulator may"):
        services.add_entity(app, "X", "X Co", "power", by=market.acme)
    assert [e.id for e in services.list_entities(app, by=market.reg)] == ["ACME", "BETA"]
    assert [e.id for e in services.list_entities(app, by=market.ver)] == ["ACME", "BETA"]
    assert [e.id for e in services.list_entities(app, by=market.acme)] == ["ACME"]
    assert [e.id for e in services.list_entities(app, by=OPERATOR, sector="cement")] == ["BETA"]
    with pytest.raises(NotAuthorised):
        services.list_entities(app, by=market.member)
    with pytest.raises(NotAuthorised, match="may not read entity 'BETA'"):
        services.get_entity(app, "BETA", by=market.acme)


def test_facilities_and_monitoring_plans(market: Market) -> None:
    app = market.app
    # the entity adds its own facility and plan; repeating is a no-op
    facility = services.add_facility(app, "ACME-F2", "ACME", "Plant 2", by=market.acme)
    assert facility.city == ""
    assert services.add_facility(app, "ACME-F2", "ACME", "Plant 2", by=market.acme) == facility
    with pytest.raises(Conflict, match="already exists as 'Plant 2' of entity 'ACME'"):
        services.add_facility(app, "ACME-F2", "ACME", "Plant Two", by=market.acme)
    with pytest.raises(NotAuthorised, match="may not change the facilities of 'BETA'"):
        services.add_facility(app, "BETA-F9", "BETA", "Kiln 9", by=market.acme)
    with pytest.raises(NotFound, match="entity 'NOPE' does not exist"):
        services.add_facility(app, "F9", "NOPE", "x", by=OPERATOR)

    stream = services.add_stream(
        app, "ACME-F1", "combustion", "raw_coal", "weighbridge", by=market.acme
    )
    assert (
        services.add_stream(app, "ACME-F1", "combustion", "raw_coal", "weighbridge", by=market.reg)
        == stream
    )
    with pytest.raises(Conflict, match="already monitors combustion/raw_coal by 'weighbridge'"):
        services.add_stream(app, "ACME-F1", "combustion", "raw_coal", "invoice", by=market.reg)
    services.add_stream(app, "ACME-F1", "electricity", "grid", "metered", by=market.reg)
    with pytest.raises(InvalidInput, match="unknown source 'gas'"):
        services.add_stream(app, "ACME-F1", "gas", "natural_gas", "metered", by=market.reg)
    with pytest.raises(NotFound, match="facility 'NOPE' does not exist"):
        services.add_stream(app, "NOPE", "electricity", "grid", "metered", by=market.reg)
    with pytest.raises(NotAuthorised):
        services.add_stream(app, "BETA-F1", "electricity", "grid", "metered", by=market.acme)

    plan = services.monitoring_plan(app, "ACME-F1", by=market.ver)
    assert plan.facility.name == "Plant 1"
    assert [(s.source, s.item, s.method) for s in plan.streams] == [
        ("combustion", "raw_coal", "weighbridge"),
        ("electricity", "grid", "metered"),
    ]
    plans = services.list_facilities(app, "ACME", by=market.acme)
    assert [(p.facility.id, len(p.streams)) for p in plans] == [("ACME-F1", 2), ("ACME-F2", 0)]
    with pytest.raises(NotAuthorised):
        services.list_facilities(app, "ACME", by=market.beta)


# --- the lifecycle ----------------------------------------------------------------------------


def test_the_whole_lifecycle_records_who_did_what_and_when(market: Market) -> None:
    app = market.app
    receipt = services.create_report(
        app, "ACME", 2022, [electricity(2, "1000"), coal(3, "1000")], by=market.acme
    )
    report = receipt.report
    assert not receipt.replayed
    # 1,000 MWh × 0.5703 = 570.3 t; 1,000 t raw coal × 1.9002988488 = 1,900.2988488 t
    assert (report.id, report.version, report.status) == ("ACME-2022-v1", 1, ReportStatus.DRAFT)
    assert report.total_tco2 == Decimal("2470.5988488")
    assert report.compliance_tco2 == 2471
    assert [(ln.row, ln.tco2, ln.factor_version) for ln in report.lines] == [
        (2, Decimal("570.3"), "grid-2022-national-ets"),
        (3, Decimal("1900.2988488"), "cn-guidelines-2013"),
    ]
    assert report.lines[1].factors == {
        "ncv": Decimal("20.908"),
        "cc": Decimal("0.02637"),
        "of": Decimal("0.94"),
    }
    market.tick()
    services.submit_report(app, report.id, by=market.acme)
    market.tick()
    services.assign_verifier(app, report.id, "ver", by=market.reg)
    market.tick()
    verified = services.verify_report(
        app, report.id, [Adjustment(2, Decimal("1100"), "meter reading of 31 Dec")], by=market.ver
    )
    # 1,100 MWh × 0.5703 = 627.33 t
    assert verified.lines[0].tco2 == Decimal("627.33")
    assert verified.total_tco2 == Decimal("2527.6288488")
    assert verified.compliance_tco2 == 2528
    [adjustment] = verified.adjustments
    assert (adjustment.row, adjustment.field, adjustment.original, adjustment.adjusted) == (
        2,
        "quantity",
        Decimal("1000"),
        Decimal("1100"),
    )
    assert (adjustment.reason, adjustment.by, adjustment.role) == (
        "meter reading of 31 Dec",
        "ver",
        "verifier",
    )
    market.tick()
    approved = services.approve_report(app, report.id, by=market.reg)
    assert approved.status is ReportStatus.APPROVED
    steps = [
        (t.action, t.from_status, t.to_status, t.by, t.role, t.at[11:16])
        for t in approved.transitions
    ]
    assert steps == [
        (ReportAction.CREATE, None, "draft", "acme", "entity", "02:00"),
        (ReportAction.SUBMIT, "draft", "submitted", "acme", "entity", "02:01"),
        (ReportAction.ASSIGN, "submitted", "submitted", "reg", "regulator", "02:02"),
        (ReportAction.VERIFY, "submitted", "verified", "ver", "verifier", "02:03"),
        (ReportAction.APPROVE, "verified", "approved", "reg", "regulator", "02:04"),
    ]
    assert approved.transitions[-1].at == "2025-07-01T02:04:00.000000Z"
    emissions = services.verified_emissions(app, "ACME", 2022, by=market.acme)
    assert (emissions.tco2, emissions.report_id, emissions.version) == (2528, "ACME-2022-v1", 1)
    assert services.get_report(app, report.id, by=market.reg) == approved


def test_every_out_of_order_step_is_refused(market: Market) -> None:
    app = market.app
    rid = services.create_report(
        app, "ACME", 2022, [electricity(2, "10")], by=market.acme
    ).report.id
    services.assign_verifier(app, rid, "ver", by=market.reg)  # assigning a draft is fine

    def refused(step: object, status: str) -> None:
        with pytest.raises(RuleViolation, match=f"report {rid} is {status}"):
            step()  # type: ignore[operator]

    verify = lambda: services.verify_report(app, rid, by=market.ver)  # noqa: E731
    approve_ = lambda: services.approve_report(app, rid, by=market.reg)  # noqa: E731
    submit = lambda: services.submit_report(app, rid, by=market.acme)  # noqa: E731
    assign = lambda: services.assign_verifier(app, rid, "ver2", by=market.reg)  # noqa: E731
    refused(verify, "draft")
    refused(approve_, "draft")
    submit()
    refused(submit, "submitted")
    refused(approve_, "submitted")
    verify()
    refused(submit, "verified")
    refused(verify, "verified")
    refused(assign, "verified")
    approve_()
    for step in (submit, verify, approve_, assign):
        refused(step, "approved")
    with pytest.raises(NotFound, match="report 'NOPE' does not exist"):
        services.submit_report(app, "NOPE", by=market.acme)


def test_refused_steps_change_nothing(market: Market) -> None:
    app = market.app
    rid = services.create_report(
        app, "ACME", 2022, [electricity(2, "10")], by=market.acme
    ).report.id
    before = services.get_report(app, rid, by=market.reg)
    with pytest.raises(RuleViolation):
        services.verify_report(app, rid, [Adjustment(2, Decimal(5), "x")], by=OPERATOR)
    services.submit_report(app, rid, by=market.acme)
    with pytest.raises(InvalidInput, match="the report has no row 7"):
        services.verify_report(app, rid, [Adjustment(7, Decimal(5), "x")], by=OPERATOR)
    after = services.get_report(app, rid, by=market.reg)
    assert after.lines == before.lines
    assert after.adjustments == ()
    assert [t.action for t in after.transitions] == ["create", "submit"]


# --- permissions ------------------------------------------------------------------------------


def test_who_may_take_each_step(market: Market) -> None:
    app = market.app
    lines = [electricity(2, "10")]
    with pytest.raises(NotAuthorised, match="only the entity itself may"):
        services.create_report(app, "ACME", 2022, lines, by=market.beta)
    with pytest.raises(NotAuthorised, match="only the entity itself may"):
        services.create_report(app, "ACME", 2022, lines, by=market.reg)
    with pytest.raises(NotAuthorised, match="only the entity itself may"):
        services.create_report(app, "ACME", 2022, lines, by=market.member)
    rid = services.create_report(app, "ACME", 2022, lines, by=market.acme).report.id
    with pytest.raises(NotAuthorised):
        services.submit_report(app, rid, by=market.beta)
    services.submit_report(app, rid, by=market.acme)
    with pytest.raises(NotAuthorised, match="only a regulator may"):
        services.assign_verifier(app, rid, "ver", by=market.acme)
    with pytest.raises(InvalidInput, match="user 'acme' is a entity, not a verifier"):
        services.assign_verifier(app, rid, "acme", by=market.reg)
    with pytest.raises(NotFound, match="user 'nobody' does not exist"):
        services.assign_verifier(app, rid, "nobody", by=market.reg)
    with pytest.raises(NotAuthorised, match="no verifier is assigned"):
        services.verify_report(app, rid, by=market.ver)
    services.assign_verifier(app, rid, "ver", by=market.reg)
    with pytest.raises(NotAuthorised, match="it is assigned to 'ver'"):
        services.verify_report(app, rid, by=market.ver2)
    with pytest.raises(NotAuthorised, match="only a verifier may"):
        services.verify_report(app, rid, by=market.reg)
    services.verify_report(app, rid, by=market.ver)
    with pytest.raises(NotAuthorised, match="only a regulator may"):
        services.approve_report(app, rid, by=market.acme)
    with pytest.raises(NotAuthorised, match="only a regulator may"):
        services.approve_report(app, rid, by=market.ver)
    with pytest.raises(NotFound, match="no approved emission report for 2022"):
        services.verified_emissions(app, "ACME", 2022, by=market.acme)
    services.approve_report(app, rid, by=market.reg)
    assert services.verified_emissions(app, "ACME", 2022, by=market.reg).tco2 == 6
    with pytest.raises(NotAuthorised):
        services.verified_emissions(app, "ACME", 2022, by=market.beta)
    with pytest.raises(NotAuthorised):
        services.verified_emissions(app, "ACME", 2022, by=market.ver)


def test_who_sees_which_report(market: Market) -> None:
    app = market.app
    acme = services.create_report(app, "ACME", 2022, [electricity(2, "10")], by=market.acme)
    beta_line = electricity(2, "20", facility="BETA-F1")
    beta = services.create_report(app, "BETA", 2022, [beta_line], by=market.beta)
    services.assign_verifier(app, beta.report.id, "ver", by=market.reg)

    def listed(user: User, **filters: str) -> list[str]:
        return [s.id for s in services.list_reports(app, by=user, **filters).items]  # type: ignore[arg-type]

    assert listed(market.reg) == ["ACME-2022-v1", "BETA-2022-v1"]
    assert listed(market.acme) == ["ACME-2022-v1"]
    assert listed(market.beta) == ["BETA-2022-v1"]
    assert listed(market.ver) == ["BETA-2022-v1"]
    assert listed(market.ver2) == []
    assert listed(market.reg, status="draft", entity_id="BETA") == ["BETA-2022-v1"]
    assert listed(market.reg, status="approved") == []
    with pytest.raises(InvalidInput, match="unknown report status 'done'"):
        listed(market.reg, status="done")
    for user in (market.member,):
        with pytest.raises(NotAuthorised):
            listed(user)
    services.get_report(app, beta.report.id, by=market.ver)
    with pytest.raises(NotAuthorised, match="may not read report ACME-2022-v1"):
        services.get_report(app, acme.report.id, by=market.beta)
    with pytest.raises(NotAuthorised):
        services.get_report(app, acme.report.id, by=market.ver)
    with pytest.raises(NotAuthorised):
        services.get_report(app, acme.report.id, by=market.member)
    [summary] = services.list_reports(app, by=market.reg, entity_id="BETA").items
    assert (summary.entity_name, summary.verifier, summary.compliance_tco2) == (
        "Beta Cement",
        "ver",
        11,  # 20 MWh × 0.5703 = 11.406 t
    )


def test_listing_pages_by_id(market: Market) -> None:
    app = market.app
    for year in (2020, 2021, 2022):
        services.create_report(app, "ACME", year, [coal(2, "1", year=year)], by=OPERATOR)
    page = services.list_reports(app, by=market.reg, limit=2)
    assert [s.id for s in page.items] == ["ACME-2020-v1", "ACME-2021-v1"]
    assert page.next_cursor == "ACME-2021-v1"
    rest = services.list_reports(app, by=market.reg, limit=2, after=page.next_cursor)
    assert [s.id for s in rest.items] == ["ACME-2022-v1"]
    assert rest.next_cursor is None


# --- versions ---------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_that_supersedes_the_approved_one(market: Market) -> None:
    app = market.app
    v1 = services.create_report(app, "ACME", 2022, [electricity(2, "1000")], by=market.acme)
    with pytest.raises(RuleViolation, match="ACME-2022-v1 of ACME for 2022 is draft"):
        services.create_report(app, "ACME", 2022, [electricity(2, "900")], by=market.acme)
    approve(market, v1.report.id)
    assert services.verified_emissions(app, "ACME", 2022, by=market.reg).tco2 == 570

    v2 = services.create_report(app, "ACME", 2022, [electricity(2, "1200")], by=market.acme)
    assert (v2.report.id, v2.report.version, v2.report.supersedes) == (
        "ACME-2022-v2",
        2,
        "ACME-2022-v1",
    )
    # until version 2 is approved, version 1 stands
    assert services.verified_emissions(app, "ACME", 2022, by=market.reg).report_id == "ACME-2022-v1"
    with pytest.raises(RuleViolation, match="is draft: a new version may only follow"):
        services.create_report(app, "ACME", 2022, [electricity(2, "1300")], by=market.acme)
    original = services.get_report(app, "ACME-2022-v1", by=market.reg)
    approve(market, v2.report.id)

    # 1,200 MWh × 0.5703 = 684.36 t
    emissions = services.verified_emissions(app, "ACME", 2022, by=market.reg)
    assert (emissions.tco2, emissions.report_id, emissions.version) == (684, "ACME-2022-v2", 2)
    old = services.get_report(app, "ACME-2022-v1", by=market.reg)
    assert old.status is ReportStatus.SUPERSEDED
    assert old.lines == original.lines  # never edited
    assert old.total_tco2 == original.total_tco2 == Decimal("570.3")
    last = old.transitions[-1]
    assert (last.action, last.from_status, last.to_status, last.by, last.note) == (
        "supersede",
        "approved",
        "superseded",
        "reg",
        "by ACME-2022-v2",
    )
    history = services.emissions_history(app, "ACME", by=market.acme)
    assert [(h.year, h.tco2, h.version) for h in history] == [(2022, 684, 2)]


# --- bad input stores nothing -----------------------------------------------------------------


def test_a_bad_line_is_refused_with_its_row_and_nothing_is_stored(market: Market) -> None:
    app = market.app
    unknown_fuel = ActivityLine(
        4, "ACME-F1", 2022, SourceKind.COMBUSTION, "unobtainium", Decimal(1), Unit.TONNE
    )
    with pytest.raises(InvalidInput, match=r"^row 4: "):
        services.create_report(app, "ACME", 2022, [electricity(2, "1"), unknown_fuel], by=OPERATOR)
    wrong_unit = ActivityLine(
        3, "ACME-F1", 2022, SourceKind.ELECTRICITY, "grid", Decimal(1), Unit.GJ
    )
    with pytest.raises(InvalidInput, match=r"^row 3: "):
        services.create_report(app, "ACME", 2022, [wrong_unit], by=OPERATOR)
    with pytest.raises(InvalidInput, match="row 2: facility 'BETA-F1' belongs to entity 'BETA'"):
        services.create_report(app, "ACME", 2022, [electricity(2, "1", "BETA-F1")], by=OPERATOR)
    with pytest.raises(InvalidInput, match="row 2: facility 'NOPE' does not exist"):
        services.create_report(app, "ACME", 2022, [electricity(2, "1", "NOPE")], by=OPERATOR)
    with pytest.raises(InvalidInput, match="row 2: year 2021 is not the report's year 2022"):
        services.create_report(app, "ACME", 2022, [electricity(2, "1", year=2021)], by=OPERATOR)
    with pytest.raises(InvalidInput, match="output must be a positive number"):
        services.create_report(
            app, "ACME", 2022, [electricity(2, "1")], by=OPERATOR, output=Decimal(0)
        )
    with pytest.raises(NotFound, match="entity 'NOPE' does not exist"):
        services.create_report(app, "NOPE", 2022, [electricity(2, "1")], by=OPERATOR)
    assert stored_rows(app) == dict.fromkeys((t.name for t in MRV_TABLES), 0)


def test_a_bad_file_is_refused_before_anything_is_stored(market: Market, tmp_path: Path) -> None:
    path = tmp_path / "activity.csv"
    path.write_text(
        "facility_id,year,source,item,quantity,unit\n"
        "ACME-F1,2022,electricity,grid,1000,MWh\n"
        "ACME-F1,2022,combustion,raw_coal,-5,t\n"
    )
    with pytest.raises(InvalidInput, match="row 3"):
        services.create_report(market.app, "ACME", 2022, read_activity_file(path), by=OPERATOR)
    assert stored_rows(market.app)["mrv_reports"] == 0


# --- quality flags ----------------------------------------------------------------------------


def test_quality_flags_are_stored_with_the_report(market: Market) -> None:
    app = market.app
    services.add_stream(app, "ACME-F1", "electricity", "grid", "metered", by=OPERATOR)
    services.add_stream(app, "ACME-F1", "combustion", "raw_coal", "weighbridge", by=OPERATOR)
    services.add_facility(app, "ACME-F2", "ACME", "Plant 2", by=OPERATOR)
    v2022 = services.create_report(app, "ACME", 2022, [electricity(2, "1000")], by=market.acme)
    approve(market, v2022.report.id)  # 2022's verified total: 1,000 MWh × 0.5703 = 570.3 t

    report = services.create_report(
        app,
        "ACME",
        2023,
        [electricity(2, "2000", year=2023)],
        by=market.acme,
        output=Decimal(100),  # 2,000 MWh × 0.5306 = 1,061.2 t per 100 t crude steel: 10.6 t/t
    ).report
    assert report.total_tco2 == Decimal("1061.2")
    assert [f.code for f in report.flags] == [
        "yoy_change",
        "intensity",
        "missing_facility",
        "missing_stream",
    ]
    # (1,061.2 - 570.3) / 570.3 = 86.08%
    assert report.flags[0].message == (
        "total 1061.2 tCO2 is 86.1% above 2022's verified 570.3 tCO2 (flagged above 20.0%)"
    )
    assert report.flags[1].message.startswith(
        "intensity 10.612 tCO2 per t crude steel is outside the steel range 0.3-2.5"
    )
    assert report.flags[2].facility_id == "ACME-F2"
    assert "raw_coal (weighbridge)" in report.flags[3].message
    [summary] = services.list_reports(app, by=market.reg, year=2023).items
    assert summary.flags == 4

    # verification recomputes the flags on the adjusted figures
    services.submit_report(app, report.id, by=market.acme)
    services.assign_verifier(app, report.id, "ver", by=market.reg)
    verified = services.verify_report(
        app, report.id, [Adjustment(2, Decimal("1000"), "double-counted meter")], by=market.ver
    )
    # 1,000 MWh × 0.5306 = 530.6 t: 7.0% below 2022, within the threshold
    assert verified.total_tco2 == Decimal("530.6")
    assert [f.code for f in verified.flags] == ["intensity", "missing_facility", "missing_stream"]


# --- idempotency and exactness ----------------------------------------------------------------


def test_idempotency_keys_replay_and_conflict(market: Market) -> None:
    app = market.app
    lines = [electricity(2, "1000")]
    first = services.create_report(app, "ACME", 2022, lines, by=market.acme, key="k-1")
    again = services.create_report(app, "ACME", 2022, lines, by=market.acme, key="k-1")
    assert again.replayed
    assert again.report == first.report
    with pytest.raises(Conflict, match="'k-1' was already used for another report"):
        services.create_report(
            app, "ACME", 2022, [electricity(2, "999")], by=market.acme, key="k-1"
        )
    with pytest.raises(NotAuthorised):  # a replay is not a way to read another's report
        services.create_report(app, "ACME", 2022, lines, by=market.beta, key="k-1")
    rid = first.report.id
    submitted = services.submit_report(app, rid, by=market.acme, key="s-1")
    assert services.submit_report(app, rid, by=market.acme, key="s-1") == submitted
    with pytest.raises(RuleViolation, match="is submitted"):
        services.submit_report(app, rid, by=market.acme, key="s-2")
    services.assign_verifier(app, rid, "ver", by=market.reg)
    with pytest.raises(Conflict, match="'s-1' was already used for a different request"):
        services.verify_report(app, rid, by=market.ver, key="s-1")
    assert stored_rows(app)["mrv_reports"] == 1


def test_decimals_come_back_exactly_on_both_engines(market: Market) -> None:
    quantity = "1234.5678901234567890123456789"  # more digits than a float or Numeric(18) keeps
    line = ActivityLine(
        2, "ACME-F1", 2022, SourceKind.COMBUSTION, "raw_coal", Decimal(quantity), Unit.TONNE,
        ncv=Decimal("21.123456789"),
    )  # fmt: skip
    created = services.create_report(market.app, "ACME", 2022, [line], by=OPERATOR).report
    loaded = services.get_report(market.app, created.id, by=OPERATOR)
    assert loaded.lines[0].quantity == Decimal(quantity)
    assert loaded.lines[0].ncv == Decimal("21.123456789")
    assert loaded.lines[0].measured == ("ncv",)
    # quantity × 21.123456789 × 0.02637 × 0.94 × 44 exactly, / 12 to 34 significant digits
    wide = Context(prec=100)
    numerator = wide.multiply(wide.multiply(Decimal(quantity), Decimal("21.123456789")), 44)
    numerator = wide.multiply(wide.multiply(numerator, Decimal("0.02637")), Decimal("0.94"))
    expected = Context(prec=34, rounding=ROUND_HALF_UP).divide(numerator, Decimal(12))
    assert loaded.total_tco2 == expected == Decimal("2370.223947449102056614516205659081")
    assert loaded.lines[0].tco2 == expected
    assert loaded == created
