"""``openets mrv report ...`` and ``openets mrv emissions``: the emission-report lifecycle.

Who acts: the operator of the registry by default (every step allowed, recorded as
``operator``); ``--as USER`` acts as that user with their role checked (see
:mod:`openets.cli.entities`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.errors import InvalidInput
from openets.mrv import services
from openets.mrv.activity_file import read_activity_file
from openets.mrv.calc import decimal_text
from openets.mrv.emissions_file import read_emissions_file
from openets.mrv.quality import DEFAULT_YOY_THRESHOLD, QualityRules
from openets.mrv.reports import ADJUSTABLE, Adjustment, Report, parse_decimal
from openets.mrv.views import emissions_view, receipt_view, report_view, summary_view

KEY = typer.Option(None, "--key", help="Idempotency key: a retry with it has no second effect.")
REPORT_ID = typer.Argument(..., help="Report id, e.g. GD-STEEL-001-2024-v1.")

report_app = typer.Typer(
    help="Emission reports: draft, submit, verify, approve; versions supersede.",
    no_args_is_help=True,
)


class _EmissionsGroup(TyperGroup):
    """``mrv emissions ENTITY YEAR`` shows; ``mrv emissions import FILE`` imports.

    An argument that is not a sub-command's name is an entity id, for ``show``.
    """

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


emissions_app = typer.Typer(
    cls=_EmissionsGroup,
    help=(
        "Verified emissions: 'mrv emissions ENTITY YEAR' shows an entity's figure; "
        "'mrv emissions import FILE.csv' takes over historical figures."
    ),
    no_args_is_help=True,
)


def register(mrv_app: typer.Typer) -> None:
    """Add ``report ...`` and ``emissions`` to the ``openets mrv`` group."""
    mrv_app.add_typer(report_app, name="report")
    mrv_app.add_typer(emissions_app, name="emissions")
    emissions_app.command("show")(emissions)
    emissions_app.command("import")(import_emissions)


def parse_adjustment(text: str) -> Adjustment:
    """``ROW=VALUE:REASON`` (the quantity) or ``ROW.FIELD=VALUE:REASON`` (ncv, cc, of, ef)."""
    target, equals, rest = text.partition("=")
    value, colon, reason = rest.partition(":")
    row_text, dot, field = target.strip().partition(".")
    if not equals or not colon or not row_text.isdigit() or (dot and not field):
        raise InvalidInput(
            f"--adjust {text!r} is malformed: write ROW=QUANTITY:REASON or ROW.FIELD=VALUE:REASON"
        )
    field = field.strip() or "quantity"
    if field not in ADJUSTABLE:
        raise InvalidInput(f"--adjust {text!r}: cannot adjust {field!r} (only {ADJUSTABLE})")
    return Adjustment(
        row=int(row_text),
        value=parse_decimal(f"--adjust {text!r}: the value", value),
        reason=reason.strip(),
        field=field,
    )


def _show(report: Report, note: str = "") -> None:
    biomass = (
        f", biomass {decimal_text(report.biomass_tco2)} tCO2 (not counted)"
        if report.biomass_tco2
        else ""
    )
    console.print(
        f"report [bold]{report.id}[/bold] {report.status}: "
        f"{decimal_text(report.total_tco2)} tCO2, compliance {report.compliance_tco2:,} t"
        f"{biomass}{note}",
        highlight=False,
    )
    table = Table("row", "facility", "source", "item", "quantity", "unit", "tCO2", "factors")
    for line in report.lines:
        table.add_row(
            str(line.row),
            line.facility_id,
            line.source.value,
            line.item,
            decimal_text(line.quantity),
            line.unit.value,
            decimal_text(line.tco2) + ("" if line.counted else " (biomass)"),
            line.factor_version,
        )
    console.print(table)
    for adjustment in report.adjustments:
        original = decimal_text(adjustment.original) if adjustment.original is not None else "-"
        console.print(
            f"adjusted row {adjustment.row} {adjustment.field}: {original} -> "
            f"{decimal_text(adjustment.adjusted)} ({adjustment.reason}) by {adjustment.by}",
            highlight=False,
        )
    for flag in report.flags:
        console.print(f"[yellow]flag[/yellow] {flag.code}: {flag.message}", highlight=False)


@report_app.command("create")
def create(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="Entity id."),
    year: int = typer.Argument(..., help="Reporting year."),
    file: Path = typer.Option(
        ..., "--file", help="Activity data, CSV or XLSX (facility_id,year,source,item,...)."
    ),
    output: str | None = typer.Option(
        None, "--output", help="Production in the sector's unit, for the intensity check."
    ),
    yoy_threshold: str = typer.Option(
        str(DEFAULT_YOY_THRESHOLD),
        "--yoy-threshold",
        help="Flag a year-on-year change of the total above this fraction.",
    ),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Create a draft report from an activity file (nothing is stored if a row is refused)."""
    lines = read_activity_file(file)
    rules = QualityRules(yoy_threshold=parse_decimal("--yoy-threshold", yoy_threshold))
    production = parse_decimal("--output", output) if output is not None else None
    who = actor(ctx, as_user)
    try:
        receipt = services.create_report(
            get_app(ctx),
            entity_id,
            year,
            lines,
            by=who,
            output=production,
            key=key,
            rules=rules,
        )
    except InvalidInput as error:  # a line the calculation refused: name the file too
        raise InvalidInput(f"{file.name}: {error.message}") from None
    if as_json:
        print_json(receipt_view(receipt))
    else:
        _show(receipt.report, " (repeat: nothing changed)" if receipt.replayed else "")


@report_app.command("submit")
def submit(
    ctx: typer.Context,
    report_id: str = REPORT_ID,
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Submit a draft report for verification."""
    report = services.submit_report(get_app(ctx), report_id, by=actor(ctx, as_user), key=key)
    _done(report, as_json)


@report_app.command("assign")
def assign(
    ctx: typer.Context,
    report_id: str = REPORT_ID,
    verifier: str = typer.Option(..., "--verifier", help="User name of the verifier."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Assign a verifier to a draft or submitted report."""
    report = services.assign_verifier(get_app(ctx), report_id, verifier, by=actor(ctx, as_user))
    _done(report, as_json)


@report_app.command("verify")
def verify(
    ctx: typer.Context,
    report_id: str = REPORT_ID,
    adjust: list[str] = typer.Option(
        [],
        "--adjust",
        help="ROW=QUANTITY:REASON (or ROW.FIELD=VALUE:REASON for ncv, cc, of, ef); repeatable.",
    ),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Verify a submitted report, adjusting lines with a reason for each change."""
    adjustments = [parse_adjustment(text) for text in adjust]
    report = services.verify_report(
        get_app(ctx), report_id, adjustments, by=actor(ctx, as_user), key=key
    )
    _done(report, as_json)


@report_app.command("approve")
def approve(
    ctx: typer.Context,
    report_id: str = REPORT_ID,
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Approve a verified report: its compliance total becomes the verified emissions."""
    report = services.approve_report(get_app(ctx), report_id, by=actor(ctx, as_user), key=key)
    _done(report, as_json)


def _done(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(report_view(report))
        return
    last = report.transitions[-1]
    console.print(
        f"report {report.id} is {report.status} ({last.action} by {last.by}, {last.at[:19]})",
        highlight=False,
    )


@report_app.command("show")
def show(
    ctx: typer.Context,
    report_id: str = REPORT_ID,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """A report with its lines, factors, adjustments, history and quality flags."""
    report = services.get_report(get_app(ctx), report_id, by=actor(ctx, as_user))
    if as_json:
        print_json(report_view(report))
        return
    _show(report)
    for t in report.transitions:
        console.print(f"{t.at[:19]} {t.action} by {t.by} ({t.role}) {t.note}", highlight=False)


@report_app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="draft, submitted, verified..."),
    entity_id: str | None = typer.Option(None, "--entity", help="Only this entity."),
    year: int | None = typer.Option(None, "--year", help="Only this year."),
    limit: int = typer.Option(1000, "--limit", min=1, max=100_000),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Reports by id (the operator and the regulator see all)."""
    page = services.list_reports(
        get_app(ctx),
        by=actor(ctx, as_user),
        status=status,
        entity_id=entity_id,
        year=year,
        limit=limit,
    )
    if as_json:
        print_json({"reports": [summary_view(s) for s in page.items], "next": page.next_cursor})
        return
    table = Table("report", "entity", "year", "v", "status", "tCO2", "compliance t", "flags")
    for s in page.items:
        table.add_row(
            s.id,
            s.entity_id,
            str(s.year),
            str(s.version),
            s.status.value,
            decimal_text(s.total_tco2),
            f"{s.compliance_tco2:,}",
            str(s.flags),
        )
    console.print(table)


def emissions(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="Entity id."),
    year: int = typer.Argument(..., help="Reporting year."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Verified emissions of an entity for a year (not found until a report is approved)."""
    verified = services.verified_emissions(get_app(ctx), entity_id, year, by=actor(ctx, as_user))
    if as_json:
        print_json(emissions_view(verified))
        return
    console.print(
        f"{verified.entity_id} {verified.year}: {verified.tco2:,} tCO2 verified "
        f"(report {verified.report_id})",
        highlight=False,
    )


def import_emissions(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="CSV with header entity,year,verified_tco2 (optional output, energy_tce)."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Import historical verified emissions as approved reports (provenance "imported";
    regulator only). The whole file or nothing; importing it again changes nothing."""
    rows = read_emissions_file(path)
    result = services.import_emissions(get_app(ctx), rows, by=actor(ctx, as_user))
    if as_json:
        print_json({"imported": result.imported, "unchanged": result.unchanged})
        return
    console.print(
        f"imported {result.imported:,} verified figures ({result.unchanged:,} already there)",
        highlight=False,
    )


__all__ = ["parse_adjustment", "register"]
