"""``openets offsets ...``: offset projects, issuance, monitoring reports, sales, statistics,
neutrality retirements and their public certificates.

Who acts: the registry's operator by default (every step allowed); ``--as USER`` acts as that
user with their role checked, as in the REST API. ``project add`` by the operator registers
the project straight as ``active`` (``--status registered`` to start at the beginning and move
it with ``project validate`` / ``activate`` / ``close``), so ``offsets issue`` works right after.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.errors import InvalidInput
from openets.offsets import services
from openets.offsets.projects import AREA_TAGS, parse_crediting, parse_period
from openets.offsets.views import (
    certificate_view,
    detail_view,
    issuance_view,
    origin_view,
    project_view,
    report_view,
    sale_view,
)

app = typer.Typer(
    help="Offsets: CCER, PHCER and carbon-sink projects, issuance, sales, certificates.",
    no_args_is_help=True,
)
project_app = typer.Typer(help="Offset projects.", no_args_is_help=True)
report_app = typer.Typer(help="Monitoring reports: submit, verify, approve.", no_args_is_help=True)
sale_app = typer.Typer(help="Sales of credits (revenue).", no_args_is_help=True)
certificate_app = typer.Typer(help="Public retirement certificates.", no_args_is_help=True)
app.add_typer(project_app, name="project")
app.add_typer(report_app, name="report")
app.add_typer(sale_app, name="sale")
app.add_typer(certificate_app, name="certificate")

KEY = typer.Option(None, "--key", help="Idempotency key: a retry with it has no second effect.")
PROJECT_ID = typer.Argument(..., help="Project id.")


@project_app.command("add")
def project_add(
    ctx: typer.Context,
    project_id: str = PROJECT_ID,
    scheme: str = typer.Option(..., "--scheme", help="CCER, PHCER or SINK."),
    project_type: str = typer.Option(
        ...,
        "--type",
        help="distributed_solar, forestry, mangrove, biogas, hydropower, fuel_switch, "
        "low_carbon_travel.",
    ),
    province: str = typer.Option(..., "--province"),
    city: str = typer.Option(..., "--city"),
    county: str = typer.Option("", "--county"),
    tags: list[str] = typer.Option(
        [], "--tag", help=f"Area tag, repeatable: {', '.join(AREA_TAGS)}."
    ),
    owner: str = typer.Option(..., "--owner", help="The registry account credits go to."),
    methodology: str = typer.Option(..., "--methodology", help="Methodology code."),
    crediting: str | None = typer.Option(
        None, "--crediting", help="START_YEAR:END_YEAR (default: no limit)."
    ),
    status: str = typer.Option(
        "active", "--status", help="registered, validated or active (the operator's default)."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Register a project (repeating the same call is a no-op)."""
    project = services.register_project(
        get_app(ctx),
        project_id,
        scheme=scheme,
        project_type=project_type,
        methodology=methodology,
        owner_account=owner,
        province=province,
        city=city,
        county=county,
        tags=tags,
        crediting=parse_crediting(crediting) if crediting else None,
        status=status,
        by=actor(ctx, as_user),
    )
    if as_json:
        print_json(project_view(project))
        return
    console.print(f"project [bold]{project.id}[/bold] {project.status}", highlight=False)


def _advance(ctx: typer.Context, project_id: str, status: str, as_user: str | None) -> None:
    project = services.advance_project(get_app(ctx), project_id, status, by=actor(ctx, as_user))
    console.print(f"project [bold]{project.id}[/bold] {project.status}", highlight=False)


@project_app.command("validate")
def project_validate(
    ctx: typer.Context, project_id: str = PROJECT_ID, as_user: str | None = AS_USER
) -> None:
    """registered → validated."""
    _advance(ctx, project_id, "validated", as_user)


@project_app.command("activate")
def project_activate(
    ctx: typer.Context, project_id: str = PROJECT_ID, as_user: str | None = AS_USER
) -> None:
    """validated → active (only active projects get credits)."""
    _advance(ctx, project_id, "active", as_user)


@project_app.command("close")
def project_close(
    ctx: typer.Context, project_id: str = PROJECT_ID, as_user: str | None = AS_USER
) -> None:
    """active → closed."""
    _advance(ctx, project_id, "closed", as_user)


@project_app.command("show")
def project_show(ctx: typer.Context, project_id: str = PROJECT_ID, as_json: bool = JSON) -> None:
    """A project with its issuances, issued, outstanding and sold credits."""
    detail = services.project_detail(get_app(ctx), project_id)
    if as_json:
        print_json(detail_view(detail))
        return
    p = detail.project
    console.print(
        f"project [bold]{p.id}[/bold] {p.scheme} {p.project_type} ({p.methodology}) "
        f"{p.status}, {p.city}, {p.province}; tags: {', '.join(p.tags) or '-'}",
        highlight=False,
    )
    table = Table("year", "quantity", "serials", "provenance")
    for i in detail.issuances:
        table.add_row(
            str(i.year), f"{i.quantity:,}", f"{i.serial_start}-{i.serial_end}", i.provenance
        )
    console.print(table)
    console.print(
        f"issued {detail.issued:,} t, outstanding {detail.outstanding:,} t, sold "
        f"{detail.sold:,} t, income ¥{detail.income_fen / 100:,.2f}",
        highlight=False,
    )


@project_app.command("list")
def project_list(
    ctx: typer.Context,
    scheme: str | None = typer.Option(None, "--scheme"),
    project_type: str | None = typer.Option(None, "--type"),
    city: str | None = typer.Option(None, "--city"),
    tag: str | None = typer.Option(None, "--tag"),
    as_json: bool = JSON,
) -> None:
    """Projects, filtered by scheme, type, city or tag."""
    projects = services.list_projects(
        get_app(ctx), scheme=scheme, project_type=project_type, city=city, tag=tag
    )
    if as_json:
        print_json([project_view(p) for p in projects])
        return
    table = Table("id", "scheme", "type", "city", "tags", "status")
    for p in projects:
        table.add_row(p.id, p.scheme, p.project_type, p.city, ",".join(p.tags), p.status.value)
    console.print(table)


@app.command("issue")
def issue(
    ctx: typer.Context,
    project_id: str = PROJECT_ID,
    year: int = typer.Option(..., "--year", help="Vintage (monitoring year)."),
    quantity: int = typer.Option(..., "--quantity", help="Credits, whole tCO2e."),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Issue credits into the owner's account (once per project and year)."""
    issuance = services.issue(
        get_app(ctx), project_id, year, quantity, by=actor(ctx, as_user), key=key
    )
    if as_json:
        print_json(issuance_view(issuance))
        return
    console.print(
        f"issued {issuance.quantity:,} {issuance.instrument} of {issuance.year} to project "
        f"{issuance.project_id}: serials {issuance.serial_start}-{issuance.serial_end} "
        f"({issuance.provenance}), entry {issuance.entry_seq}",
        highlight=False,
    )


@app.command("origin")
def origin(
    ctx: typer.Context,
    instrument: str = typer.Argument(..., help="CCER, PHCER or SINK."),
    serial: int = typer.Argument(..., help="Serial number."),
    as_json: bool = JSON,
) -> None:
    """The project and vintage a credit comes from."""
    found = services.credit_origin(get_app(ctx), instrument, serial)
    if as_json:
        print_json(origin_view(found))
        return
    console.print(
        f"{found.instrument} #{found.serial}: project {found.project.id}, vintage "
        f"{found.vintage} ({found.issuance.provenance})",
        highlight=False,
    )


@app.command("stats")
def stats(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Credits issued and sold, income, by scheme, area tag and city."""
    figures = services.stats(get_app(ctx))
    if as_json:
        print_json(figures)
        return
    console.print(
        f"issued {figures['issued']:,} t, sold {figures['sold']:,} t, income "
        f"¥{figures['income_fen'] / 100:,.2f}; from tagged areas {figures['tagged_total']:,} t",
        highlight=False,
    )
    table = Table("breakdown", "name", "issued t")
    for group in ("by_scheme", "by_tag", "by_city"):
        for name, value in figures[group].items():
            table.add_row(group[3:], name, f"{value:,}")
    console.print(table)


def _inputs(path: Path) -> dict[str, object]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{path}: expected a JSON object of input name -> number")
    return document


@report_app.command("submit")
def report_submit(
    ctx: typer.Context,
    project_id: str = PROJECT_ID,
    input_file: Path = typer.Option(..., "--input", help="JSON object of methodology inputs."),
    claimed: int = typer.Option(..., "--claim", help="Claimed reductions, whole tCO2e."),
    year: int | None = typer.Option(None, "--year", help="A whole calendar year as the period."),
    start: str | None = typer.Option(None, "--start", help="Period start, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Period end, YYYY-MM-DD."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Submit a monitoring report (the methodology computes the reductions)."""
    report = services.submit_report(
        get_app(ctx),
        project_id,
        parse_period(start, end, year),
        _inputs(input_file),
        claimed,
        by=actor(ctx, as_user),
    )
    _report(report_view(report), as_json)


def _report(document: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(document)
        return
    console.print(
        f"monitoring report [bold]{document['id']}[/bold] {document['status']}: claimed "
        f"{document['claimed']} t of {document['computed']} t computed",
        highlight=False,
    )


@report_app.command("verify")
def report_verify(
    ctx: typer.Context,
    report_id: str = typer.Argument(...),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """submitted → verified."""
    report = services.verify_report(get_app(ctx), report_id, by=actor(ctx, as_user))
    _report(report_view(report), as_json)


@report_app.command("approve")
def report_approve(
    ctx: typer.Context,
    report_id: str = typer.Argument(...),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """verified → approved."""
    report = services.approve_report(get_app(ctx), report_id, by=actor(ctx, as_user))
    _report(report_view(report), as_json)


@sale_app.command("record")
def sale_record(
    ctx: typer.Context,
    project_id: str = PROJECT_ID,
    quantity: int = typer.Option(..., "--quantity", help="Credits sold, whole tCO2e."),
    price_fen: int = typer.Option(..., "--price-fen", help="Price per tonne in fen."),
    buyer: str = typer.Option(..., "--buyer"),
    date: str = typer.Option(..., "--date", help="YYYY-MM-DD."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Record a sale of a project's credits (at most its issued credits in all)."""
    sale = services.record_sale(
        get_app(ctx), project_id, quantity, price_fen, buyer, date, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(sale_view(sale))
        return
    console.print(
        f"sale {sale.id}: {sale.quantity:,} t of {sale.project_id} to {sale.buyer}, "
        f"income {sale.income_fen:,} fen",
        highlight=False,
    )


@app.command("retire")
def retire(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Account retiring the credits."),
    instrument: str = typer.Argument(..., help="CCER, PHCER or SINK."),
    quantity: int = typer.Argument(..., help="Credits, whole tCO2e."),
    beneficiary: str = typer.Option(..., "--beneficiary", help="Event, company or person."),
    purpose: str = typer.Option(..., "--purpose"),
    key: str | None = KEY,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Retire credits for voluntary carbon neutrality; prints the public certificate id."""
    cert = services.retire_for_neutrality(
        get_app(ctx),
        account,
        instrument,
        quantity,
        beneficiary,
        purpose,
        by=actor(ctx, as_user),
        key=key,
    )
    if as_json:
        print_json(certificate_view(cert))
        return
    typer.echo(cert.id)


@certificate_app.command("show")
def certificate_show(
    ctx: typer.Context, certificate_id: str = typer.Argument(...), as_json: bool = JSON
) -> None:
    """A retirement certificate (public)."""
    cert = services.certificate(get_app(ctx), certificate_id)
    if as_json:
        print_json(certificate_view(cert))
        return
    console.print(
        f"certificate [bold]{cert.id}[/bold]: {cert.quantity:,} {cert.instrument} retired "
        f"for {cert.beneficiary} ({cert.purpose}) on {cert.retired_at}",
        highlight=False,
    )
    for b in cert.blocks:
        console.print(
            f"  serials {b.serial_start}-{b.serial_end}: project {b.project_id or '-'}, "
            f"vintage {b.vintage or '-'}",
            highlight=False,
        )
