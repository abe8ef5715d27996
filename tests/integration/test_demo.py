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
from openets.demo import MRV_COMPANIES, MRV_YEARS, DemoReport, build_demo, demo_library
from openets.mrv import services
from openets.mrv.model import SourceKind
from openets.mrv.permissions import OPERATOR
from openets.mrv.reports import ReportStatus
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
    reports = services.list_reports(app, by=OPERATOR, limit=1000).items
    assert len(reports) == 2 * sum(MRV_COMPANIES.values()) == 80
    assert {r.status for r in reports} == {ReportStatus.APPROVED}
    assert Counter(r.year for r in reports) == {2023: 40, 2024: 40}
    assert {r.verifier for r in reports} == {"verifier"}
    sectors = Counter(e.sector.value for e in services.list_entities(app, by=OPERATOR))
    assert dict(sectors) == MRV_COMPANIES
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
