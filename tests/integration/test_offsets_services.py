"""Offsets use cases on SQLite and PostgreSQL: projects, monitoring reports, issuance,
traceability, sales, statistics and neutrality certificates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from openets import App
from openets.auth.model import Role, User
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.offsets import services as offsets
from openets.offsets.permissions import OPERATOR
from openets.offsets.projects import Period
from openets.registry.model import TransferUnits
from openets.registry.services import balance, execute, open_account, serial_history, supply

REGULATOR = User("reg", Role.REGULATOR, None, "")
VERIFIER = User("ver", Role.VERIFIER, None, "")
SUN = User("sun", Role.PROJECT_OWNER, "Sunny Village Co-op", "")
OTHER = User("other", Role.PROJECT_OWNER, "Someone Else", "")
PUBLIC = User("", Role.PUBLIC, None, "")
PV = {"generation_mwh": 1000, "grid_factor": "0.5"}  # 1000 MWh x 0.5 t/MWh = 500 t


def add(app: App, project_id: str = "PV-1", **extra: Any) -> None:
    fields: dict[str, Any] = {
        "scheme": "PHCER",
        "project_type": "distributed_solar",
        "methodology": "PHCER-PV",
        "owner_account": "SUN",
        "province": "Guangdong",
        "city": "Meizhou",
        "tags": ["poverty", "old_revolutionary"],
        "crediting": (2020, 2029),
        "status": "active",
    }
    fields.update(extra)
    offsets.register_project(app, project_id, by=REGULATOR, **fields)


@pytest.fixture
def market(app: App) -> App:
    open_account(app, "SUN", "holding", "Sunny Village Co-op")
    open_account(app, "FOREST", "holding", "Forest Farm")
    open_account(app, "BUYER", "holding", "Green Events Ltd")
    add(app)
    return app


def counts(app: App) -> dict[str, int]:
    with app.engine.connect() as connection:
        return {
            table: connection.execute(
                sa.select(sa.func.count()).select_from(getattr(schema, table))
            ).scalar_one()
            for table in (
                "journal",
                "offset_projects",
                "offset_reports",
                "offset_issuances",
                "offset_sales",
                "offset_certificates",
            )
        }


def test_issuance_into_the_owner_account_with_traceable_serials(market: App) -> None:
    add(
        market,
        "FOREST-1",
        scheme="PHCER",
        project_type="forestry",
        methodology="PHCER-FOREST",
        owner_account="FOREST",
        city="Shaoguan",
        tags=["ethnic"],
    )
    first = offsets.issue(market, "PV-1", 2024, 300, by=REGULATOR)
    second = offsets.issue(market, "FOREST-1", 2024, 200, by=OPERATOR)
    assert (first.serial_start, first.serial_end, first.provenance) == (1, 300, "direct")
    assert (second.serial_start, second.serial_end) == (301, 500)
    assert balance(market, "SUN").balances[0].quantity == 300

    origin = offsets.credit_origin(market, "PHCER", 450)
    assert (origin.project.id, origin.vintage, origin.issuance.entry_seq) == (
        "FOREST-1",
        2024,
        second.entry_seq,
    )
    assert offsets.credit_origin(market, "PHCER", 1).project.id == "PV-1"
    with pytest.raises(NotFound):
        offsets.credit_origin(market, "PHCER", 501)
    # the provenance is hashed into the registry journal's memo
    history = serial_history(market, "PHCER", 450)
    entry = offsets_entry_memo(market, history[0].seq)
    assert '"project":"FOREST-1"' in entry
    assert '"vintage":"2024"' in entry


def offsets_entry_memo(app: App, seq: int) -> str:
    with app.engine.connect() as connection:
        memo: str = connection.execute(
            sa.select(schema.journal.c.memo).where(schema.journal.c.seq == seq)
        ).scalar_one()
    return memo


def test_issuance_refusals_change_nothing(market: App) -> None:
    offsets.issue(market, "PV-1", 2024, 100, by=REGULATOR)
    before = counts(market)
    with pytest.raises(RuleViolation, match="already been issued credits for 2024"):
        offsets.issue(market, "PV-1", 2024, 5, by=REGULATOR)
    with pytest.raises(RuleViolation, match="outside the crediting period 2020-2029"):
        offsets.issue(market, "PV-1", 2031, 5, by=REGULATOR)
    with pytest.raises(NotAuthorised, match="only a regulator"):
        offsets.issue(market, "PV-1", 2025, 5, by=SUN)
    with pytest.raises(InvalidInput):
        offsets.issue(market, "PV-1", 2025, 0, by=REGULATOR)
    add(market, "PV-2", status="registered")
    with pytest.raises(RuleViolation, match="only active projects"):
        offsets.issue(market, "PV-2", 2025, 5, by=REGULATOR)
    assert counts(market) == {**before, "offset_projects": before["offset_projects"] + 1}
    assert supply(market, "PHCER").issued == 100


def test_issue_with_a_key_replays(market: App) -> None:
    first = offsets.issue(market, "PV-1", 2024, 100, by=REGULATOR, key="k1")
    assert offsets.issue(market, "PV-1", 2024, 100, by=REGULATOR, key="k1") == first
    with pytest.raises(Conflict):
        offsets.issue(market, "PV-1", 2025, 100, by=REGULATOR, key="k1")
    assert supply(market, "PHCER").issued == 100


def test_project_lifecycle_and_validation(market: App) -> None:
    add(market, "PV-3", status="registered")
    with pytest.raises(RuleViolation, match="registered: it cannot become active"):
        offsets.advance_project(market, "PV-3", "active", by=REGULATOR)
    with pytest.raises(NotAuthorised):
        offsets.advance_project(market, "PV-3", "validated", by=SUN)
    offsets.advance_project(market, "PV-3", "validated", by=REGULATOR)
    assert offsets.advance_project(market, "PV-3", "active", by=REGULATOR).status == "active"
    with pytest.raises(InvalidInput, match="applies to forestry"):
        add(market, "BAD", methodology="PHCER-FOREST")
    with pytest.raises(InvalidInput, match="unknown methodology"):
        add(market, "BAD", methodology="NOPE")
    with pytest.raises(NotFound, match="account 'NOBODY'"):
        add(market, "BAD", owner_account="NOBODY")
    with pytest.raises(InvalidInput, match="unknown area tag"):
        add(market, "BAD", tags=["rich"])
    with pytest.raises(Conflict):
        add(market, "PV-1", city="Shantou")
    add(market, "PV-1")  # the same again is a no-op
    with pytest.raises(NotAuthorised):
        offsets.register_project(
            market,
            "BAD2",
            scheme="CCER",
            project_type="biogas",
            methodology="CCER-BIOGAS",
            owner_account="SUN",
            province="Guangdong",
            city="Foshan",
            by=SUN,
        )
    assert [p.id for p in offsets.list_projects(market, tag="poverty")] == ["PV-1", "PV-3"]
    assert offsets.list_projects(market, city="Shantou") == []


def test_monitoring_report_to_issuance(market: App) -> None:
    q1 = Period(date(2024, 1, 1), date(2024, 6, 30))
    report = offsets.submit_report(market, "PV-1", q1, PV, 480, by=SUN)
    assert (report.id, report.computed, report.claimed, report.exact) == (
        "PV-1-MR1",
        500,
        480,
        "500",
    )
    before = counts(market)
    with pytest.raises(RuleViolation, match="claim of 501 t exceeds the 500 t"):
        offsets.submit_report(
            market, "PV-1", Period(date(2024, 7, 1), date(2024, 12, 31)), PV, 501, by=SUN
        )
    with pytest.raises(RuleViolation, match="overlaps report PV-1-MR1"):
        offsets.submit_report(
            market, "PV-1", Period(date(2024, 6, 1), date(2024, 8, 1)), PV, 10, by=SUN
        )
    with pytest.raises(RuleViolation, match="outside the crediting period"):
        offsets.submit_report(
            market, "PV-1", Period(date(2019, 1, 1), date(2019, 3, 1)), PV, 10, by=SUN
        )
    with pytest.raises(NotAuthorised):
        offsets.submit_report(
            market, "PV-1", Period(date(2024, 7, 1), date(2024, 9, 1)), PV, 10, by=OTHER
        )
    with pytest.raises(InvalidInput, match="missing input"):
        offsets.submit_report(
            market, "PV-1", Period(date(2024, 7, 1), date(2024, 9, 1)), {}, 10, by=SUN
        )
    assert counts(market) == before

    with pytest.raises(NotAuthorised):
        offsets.verify_report(market, report.id, by=SUN)
    with pytest.raises(RuleViolation, match="is submitted, not verified"):
        offsets.approve_report(market, report.id, by=REGULATOR)
    assert offsets.verify_report(market, report.id, by=VERIFIER).verified_by == "ver"
    assert offsets.approve_report(market, report.id, by=REGULATOR).status == "approved"

    with pytest.raises(RuleViolation, match="481 t exceeds the 480 t of the approved"):
        offsets.issue(market, "PV-1", 2024, 481, by=REGULATOR)
    issuance = offsets.issue(market, "PV-1", 2024, 480, by=REGULATOR)
    assert issuance.provenance == "monitoring report PV-1-MR1"
    assert offsets.get_report(market, report.id, by=SUN).status == "credited"
    # the year is credited: no further report for it
    with pytest.raises(RuleViolation, match="already been credited"):
        offsets.submit_report(
            market, "PV-1", Period(date(2024, 7, 1), date(2024, 12, 31)), PV, 10, by=SUN
        )


def test_sales_statistics_and_certificates(market: App) -> None:
    add(
        market,
        "SINK-1",
        scheme="SINK",
        project_type="mangrove",
        methodology="SINK-MANGROVE",
        owner_account="FOREST",
        city="Zhanjiang",
        tags=[],
    )
    offsets.issue(market, "PV-1", 2024, 1000, by=REGULATOR)
    offsets.issue(market, "SINK-1", 2024, 400, by=REGULATOR)

    sale = offsets.record_sale(market, "PV-1", 600, 2_500, "Green Events Ltd", "2025-06-30", by=SUN)
    assert sale.income_fen == 1_500_000
    offsets.record_sale(market, "SINK-1", 100, 8_000, "Port Co", date(2025, 6, 30), by=REGULATOR)
    before = counts(market)
    with pytest.raises(RuleViolation, match="1000 t issued and 600 t sold: 401 t more"):
        offsets.record_sale(market, "PV-1", 401, 2_500, "X", "2025-07-01", by=SUN)
    with pytest.raises(NotAuthorised):
        offsets.record_sale(market, "PV-1", 1, 2_500, "X", "2025-07-01", by=OTHER)
    assert counts(market) == before

    figures = offsets.stats(market)
    assert figures["issued"] == 1400
    assert figures["sold"] == 700
    assert figures["income_fen"] == 2_300_000
    assert figures["by_scheme"] == {"PHCER": 1000, "SINK": 400}
    assert figures["by_tag"] == {"poverty": 1000, "old_revolutionary": 1000, "ethnic": 0}
    assert figures["tagged_total"] == 1000  # a two-tag project counted once
    assert figures["by_city"] == {"Meizhou": 1000, "Zhanjiang": 400}
    assert figures["income_by_tag"]["poverty"] == 1_500_000
    assert figures["income_by_city"] == {"Meizhou": 1_500_000, "Zhanjiang": 800_000}

    execute(market, TransferUnits("PHCER", 600, "SUN", "BUYER"))
    with pytest.raises(NotAuthorised):
        offsets.retire_for_neutrality(market, "BUYER", "PHCER", 50, "Expo", "event", by=SUN)
    buyer = User("green", Role.MEMBER, "Green Events Ltd", "")
    before = counts(market)
    with pytest.raises(RuleViolation):
        offsets.retire_for_neutrality(market, "BUYER", "PHCER", 601, "Expo", "event", by=buyer)
    assert counts(market) == before
    cert = offsets.retire_for_neutrality(
        market, "BUYER", "PHCER", 250, "Canton Expo 2025", "event neutrality", by=buyer, key="r1"
    )
    assert cert.id == "RC-2025-000001"
    assert [(b.serial_start, b.serial_end, b.project_id, b.vintage) for b in cert.blocks] == [
        (1, 250, "PV-1", 2024)
    ]
    again = offsets.retire_for_neutrality(
        market, "BUYER", "PHCER", 250, "Canton Expo 2025", "event neutrality", by=buyer, key="r1"
    )
    assert again == cert
    second = offsets.retire_for_neutrality(
        market, "BUYER", "PHCER", 10, "Li Wei", "wedding", by=OPERATOR
    )
    assert second.id == "RC-2025-000002"
    assert offsets.certificate(market, "rc-2025-000001") == cert
    with pytest.raises(NotFound):
        offsets.certificate(market, "RC-2025-000009")

    detail = offsets.project_detail(market, "PV-1")
    assert (detail.issued, detail.retired, detail.outstanding, detail.sold) == (1000, 260, 740, 600)
    assert offsets.project_detail(market, "SINK-1").outstanding == 400
