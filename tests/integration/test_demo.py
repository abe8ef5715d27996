"""The demo market with MRV (on a temporary SQLite file): approved reports for two years,
exact verified emissions, a second run that changes nothing, an intact journal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from openets import App, bootstrap
from openets.db import schema
from openets.demo import (
    MRV_COMPANIES,
    MRV_YEARS,
    OFFSET_PROJECTS,
    OFFSET_RETIREMENTS,
    OFFSET_SALES,
    SECTORS,
    DemoReport,
    build_demo,
    demo_library,
)
from openets.mrv import services
from openets.mrv.model import SourceKind
from openets.mrv.permissions import OPERATOR
from openets.mrv.reports import ReportStatus
from openets.offsets import services as offsets
from openets.registry.audit import verify
from openets.registry.services import balance


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, Any]]:
    """The demo built once for the module (it takes a few seconds)."""
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    application = bootstrap(f"sqlite:///{path}")
    summary = build_demo(application)
    yield application, summary
    application.dispose()


def dump(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: the whole state of the database."""
    with app.reading() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in schema.metadata.sorted_tables
        }


def expected_tonnes(plan: DemoReport) -> int:
    """Worked from the demo's activity lines with the formulas, not with the calculation code:
    combustion AD × NCV × CC × OF × 44/12 (measured NCV where the line has one), electricity
    and heat AD × factor, process AD × factor, biomass left out; the adjusted quantities of
    the verifier; the exact total rounded half-up to whole tonnes."""
    library = demo_library(MRV_YEARS)
    adjusted = {a.row: a.value for a in plan.adjustments}
    with localcontext() as context:
        context.prec = 200
        total = Decimal(0)
        for line in plan.lines:
            quantity = adjusted.get(line.row, line.quantity)
            if line.source is SourceKind.COMBUSTION:
                fuel = library.combustion(line.item, line.year)
                ncv = line.ncv if line.ncv is not None else fuel["ncv"]
                total += quantity * ncv * fuel["cc"] * fuel["of"] * 44 / 12
            elif line.source is SourceKind.ELECTRICITY:
                total += quantity * library.grid(line.year)["ef"]
            elif line.source is SourceKind.HEAT:
                total += quantity * library.heat(line.year)["ef"]
            elif line.source is SourceKind.PROCESS:
                total += quantity * library.process(line.item, line.year)["ef"]
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_demo_companies_have_approved_reports_for_two_years(demo: tuple[App, Any]) -> None:
    app, summary = demo
    every = services.list_reports(app, by=OPERATOR, limit=10_000).items
    reports = [r for r in every if r.verifier is not None]  # calculated, not imported
    assert len(reports) == 2 * sum(MRV_COMPANIES.values()) == 80
    assert {r.status for r in reports} == {ReportStatus.APPROVED}
    assert Counter(r.year for r in reports) == {2023: 40, 2024: 40}
    assert {r.verifier for r in reports} == {"verifier"}
    sectors = Counter(e.sector.value for e in services.list_entities(app, by=OPERATOR))
    assert dict(sectors) == {sector: count for sector, (count, _) in SECTORS.items()}
    # the other companies' figures, 2016-2024, are imported
    imported = [r for r in every if r.verifier is None]
    assert len(imported) == 9 * 260 - 80
    assert len(summary.reports) == 80
    # the demo's entity user filed its own company's reports
    first = services.get_report(app, "GD-POWER-001-2023-v1", by=OPERATOR)
    assert [(t.action.value, t.by) for t in first.transitions] == [
        ("create", "company"),
        ("assign", "regulator"),
        ("submit", "company"),
        ("verify", "verifier"),
        ("approve", "regulator"),
    ]
    assert "ncv" in first.lines[0].measured  # the power plant's lab-analysed coal NCV


def test_verified_emissions_are_exact_from_the_activity_lines(demo: tuple[App, Any]) -> None:
    app, summary = demo
    adjusted = [p for p in summary.reports if p.adjustments]
    assert adjusted  # some reports carry a verifier's adjustment
    for plan in [summary.reports[0], summary.reports[-1], adjusted[0]]:
        verified = services.verified_emissions(app, plan.entity_id, plan.year, by=OPERATOR)
        assert verified.tco2 == expected_tonnes(plan), plan.entity_id
    report = services.get_report(app, f"{adjusted[0].entity_id}-{adjusted[0].year}-v1", by=OPERATOR)
    assert [a.reason for a in report.adjustments] == [adjusted[0].adjustments[0].reason]


def test_demo_emissions_are_of_the_order_of_the_allocations(demo: tuple[App, Any]) -> None:
    app, summary = demo
    for plan in summary.reports[:: len(summary.reports) // 8]:
        verified = services.verified_emissions(app, plan.entity_id, plan.year, by=OPERATOR)
        held = sum(p.quantity for p in balance(app, plan.entity_id).balances)
        assert held / 3 < verified.tco2 < held * 3, plan.entity_id


def test_second_run_changes_nothing_and_the_journal_is_intact(demo: tuple[App, Any]) -> None:
    app, _ = demo
    before = dump(app)
    build_demo(app)
    assert dump(app) == before
    report = verify(app)
    assert report.ok, report.problem


# --- offsets --------------------------------------------------------------------------------


def test_demo_offset_projects_span_guangdong_with_their_area_tags(demo: tuple[App, Any]) -> None:
    app, summary = demo
    projects = offsets.list_projects(app)
    assert summary.projects == len(projects) == len(OFFSET_PROJECTS) == 30
    assert Counter(p.scheme for p in projects) == {"PHCER": 20, "CCER": 5, "SINK": 5}
    assert {p.city for p in projects} >= {
        "Guangzhou", "Shenzhen", "Shaoguan", "Meizhou", "Heyuan", "Qingyuan", "Zhanjiang",
        "Maoming", "Zhaoqing",
    }  # fmt: skip
    assert {p.status.value for p in projects} == {"active"}
    for project in projects:
        if project.city in ("Meizhou", "Heyuan"):
            assert "old_revolutionary" in project.tags, project.id
        if project.county in ("Liannan", "Lianshan"):
            assert "ethnic" in project.tags, project.id
        assert project.methodology.split("-")[0] in (project.scheme, "PHCER"), project.id
    # every credit traces to its project and vintage
    detail = offsets.project_detail(app, "DEMO-PHCER-005")
    assert [(i.year, i.quantity) for i in detail.issuances] == [(2023, 12_400), (2024, 13_050)]
    origin = offsets.credit_origin(app, "PHCER", detail.issuances[1].serial_end)
    assert (origin.project.id, origin.vintage) == ("DEMO-PHCER-005", 2024)


def test_demo_offset_statistics_are_exact(demo: tuple[App, Any]) -> None:
    """The figures worked from the demo's own tables, not with the statistics code."""
    app, _ = demo
    issued = {p.id: p.issued_2023 + p.issued_2024 for p in OFFSET_PROJECTS}
    sold: Counter[str] = Counter()
    income: Counter[str] = Counter()
    for sale in OFFSET_SALES:
        sold[sale.project_id] += sale.quantity
        income[sale.project_id] += sale.quantity * sale.price_fen
    by_scheme: Counter[str] = Counter()
    by_city: Counter[str] = Counter()
    by_tag: Counter[str] = Counter({"poverty": 0, "old_revolutionary": 0, "ethnic": 0})
    tagged = 0
    for p in OFFSET_PROJECTS:
        by_scheme[p.scheme] += issued[p.id]
        by_city[p.city] += issued[p.id]
        for tag in p.tags:
            by_tag[tag] += issued[p.id]
        tagged += issued[p.id] if p.tags else 0
    figures = offsets.stats(app)
    assert figures["issued"] == sum(issued.values()) == 555_340
    assert figures["sold"] == sum(sold.values()) == 130_000
    assert figures["income_fen"] == sum(income.values()) == 447_590_000  # ¥4,475,900.00
    assert figures["by_scheme"] == dict(by_scheme)
    assert figures["by_city"] == dict(by_city)
    assert figures["by_tag"] == dict(by_tag)
    assert figures["tagged_total"] == tagged == 317_310
    assert tagged < sum(by_tag.values())  # projects with two tags count once in the total


def test_demo_neutrality_certificates_are_public(demo: tuple[App, Any]) -> None:
    app, summary = demo
    assert len(summary.certificates) == len(OFFSET_RETIREMENTS) == 2
    for certificate_id, retirement in zip(summary.certificates, OFFSET_RETIREMENTS, strict=True):
        certificate = offsets.certificate(app, certificate_id)
        assert (certificate.account, certificate.instrument, certificate.quantity) == (
            retirement.account,
            retirement.instrument,
            retirement.quantity,
        )
        assert certificate.beneficiary.startswith("Demo ")
        assert sum(b.serial_end - b.serial_start + 1 for b in certificate.blocks) == (
            retirement.quantity
        )
        assert all(b.project_id and b.project_id.startswith("DEMO-") for b in certificate.blocks)


def test_demo_runs_a_full_compliance_year(demo: tuple[App, Any]) -> None:
    """2024: allocated, trued up, surrendered (six companies short), closed with Guangdong
    penalties; 2025: allocated with twice each shortfall deducted."""
    from openets.allocation import services as allocation
    from openets.compliance import services as compliance
    from openets.demo_compliance import SHORT_COMPANIES

    app, _ = demo
    statuses = compliance.compliance_status(app, 2024, by=OPERATOR)
    assert Counter(s.status.value for s in statuses) == {
        "compliant": 260 - SHORT_COMPANIES,
        "shortfall": SHORT_COMPANIES,
    }
    for status in statuses:
        covered = status.surrendered_allowances + status.surrendered_offsets
        assert status.shortfall == max(0, (status.verified_tco2 or 0) - covered)
    assert sum(1 for s in statuses if s.surrendered_offsets) > 0  # PHCER / SINK credits used
    closed = compliance.close_year(app, 2024, by=OPERATOR)  # closed by the demo: a replay
    short = {s.entity_id: s.shortfall for s in statuses if s.shortfall}
    assert {p.entity_id: p.shortfall for p in closed.penalties} == short
    for penalty in closed.penalties:
        assert penalty.deduction_next_year == 2 * penalty.shortfall
        assert penalty.fine_fen == 5_000_000  # ¥50,000
    lines = allocation.allocation_table(app, 2025, by=OPERATOR).lines
    deducted = {line.entity: line.deducted for line in lines if line.deducted}
    assert deducted == {
        entity: min(2 * shortfall, next(x.free for x in lines if x.entity == entity))
        for entity, shortfall in short.items()
    }
    for round_ in allocation.allocation_table(app, 2024, by=OPERATOR).rounds:
        assert round_.free_total + round_.reserve_total <= round_.cap


def test_demo_users_include_a_member_trader(demo: tuple[App, Any]) -> None:
    _, summary = demo
    assert summary.users == {
        "regulator": "regulator",
        "verifier": "verifier",
        "company": "entity",
        "trader": "member",
    }
