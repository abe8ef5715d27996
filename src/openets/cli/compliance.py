"""``openets compliance ...``: the yearly cycle of surrender against verified emissions,
compliance status, deadlines and their extensions, closing a year with its penalties.

Who acts: the registry's operator by default (every step allowed); ``--as USER`` acts as that
user with their role checked, as in the REST API. The global ``--as-of DATE`` sets the
business date of the run (to replay a year or test a deadline).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.compliance import services
from openets.compliance.calendar import extend_deadlines, parse_deadline
from openets.compliance.views import (
    calendars_view,
    close_view,
    coverage_view,
    extensions_view,
    position_view,
    status_view,
    surrender_view,
)
from openets.errors import InvalidInput

app = typer.Typer(
    help="Compliance: surrender, status, deadlines, closing a year and its penalties.",
    no_args_is_help=True,
)

YEAR = typer.Argument(..., help="Compliance year N (emissions of N, surrendered in N+1).")
ENTITY = typer.Argument(..., help="Entity id (its compliance account has the same id).")
JURISDICTION = typer.Option(
    None, "--jurisdiction", help="guangdong, shenzhen or national (default: every one present)."
)


def parse_units(texts: list[str]) -> list[tuple[str, int]]:
    """``INSTRUMENT=QUANTITY`` pairs (``GDEA-2024=1000``, ``CCER=50``)."""
    if not texts:
        raise InvalidInput("name what to surrender: --units INSTRUMENT=QUANTITY (repeatable)")
    units = []
    for text in texts:
        instrument, sep, quantity = text.partition("=")
        number = quantity.strip()
        if not sep or not instrument.strip() or not number.isdigit():
            raise InvalidInput(
                f"--units {text!r}: expected INSTRUMENT=QUANTITY in whole tonnes, "
                "e.g. GDEA-2024=1000"
            )
        units.append((instrument.strip(), int(number)))
    return units


def parse_price(text: str | None) -> Decimal | None:
    """A price in yuan per tonne (``45.20``) as fen, exactly (4520)."""
    if text is None:
        return None
    try:
        yuan = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"--price {text!r} is not a number of yuan per tonne") from None
    if not yuan.is_finite() or yuan < 0:
        raise InvalidInput(f"--price {text!r} must be a number of yuan per tonne ≥ 0")
    fen = yuan * 100
    return fen.quantize(Decimal(1)) if fen == fen.to_integral_value() else fen.normalize()


@app.command("surrender")
def surrender(
    ctx: typer.Context,
    entity_id: str = ENTITY,
    year: int = YEAR,
    units: list[str] = typer.Option(
        [], "--units", help="INSTRUMENT=QUANTITY, repeatable: GDEA-2024=1000, CCER=50."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key: a retry with it has no second effect."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Surrender allowances and offsets from the entity's compliance account for year N."""
    receipt = services.surrender(
        get_app(ctx), entity_id, year, parse_units(units), by=actor(ctx, as_user), key=key
    )
    if as_json:
        print_json(surrender_view(receipt))
        return
    note = " (replayed: already recorded)" if receipt.replayed else ""
    console.print(
        f"surrender {receipt.id} of {receipt.entity_id} for {receipt.year}: "
        f"{receipt.allowances:,} t allowances, {receipt.offsets:,} t offsets, "
        f"journal entry {receipt.entry_seq}{note}",
        highlight=False,
    )


@app.command("status")
def status(
    ctx: typer.Context,
    year: int = YEAR,
    entity_id: str | None = typer.Option(None, "--entity", help="Only this entity."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="Only this one."),
    include_all: bool = typer.Option(
        False, "--all", help="Every entity, also those not covered (status not_required)."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Compliance status of each covered entity: compliant, shortfall or pending."""
    statuses = services.compliance_status(
        get_app(ctx),
        year,
        entity_id=entity_id,
        jurisdiction=jurisdiction,
        include_not_required=include_all,
        by=actor(ctx, as_user),
    )
    if as_json:
        print_json(status_view(year, statuses))
        return
    table = Table("entity", "jurisdiction", "verified t", "allowances", "offsets", "shortfall",
                  "status", title=f"compliance {year}")  # fmt: skip
    for s in statuses:
        table.add_row(
            s.entity_id,
            s.jurisdiction,
            "-" if s.verified_tco2 is None else f"{s.verified_tco2:,}",
            f"{s.surrendered_allowances:,}",
            f"{s.surrendered_offsets:,}",
            f"{s.shortfall:,}",
            s.status.value + (" (report late)" if s.report_late else ""),
        )
    console.print(table)


@app.command("close")
def close(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="Default: every jurisdiction with covered entities."
    ),
    price: str | None = typer.Option(
        None, "--price", help="Price per tonne in yuan (e.g. 45.20) for price-based fines."
    ),
    multiple: str | None = typer.Option(
        None, "--multiple", help="Fine multiple where the regulation gives a range (national 5-10)."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Close year N after its surrender deadline: record penalties and next-year deductions."""
    outcome = services.close_year(
        get_app(ctx),
        year,
        jurisdiction=jurisdiction,
        price_fen=parse_price(price),
        multiple=multiple,
        by=actor(ctx, as_user),
    )
    if as_json:
        print_json(close_view(outcome))
        return
    names = ", ".join(c.jurisdiction for c in outcome.closed) or "no jurisdiction"
    console.print(f"{year} closed for {names}", highlight=False)
    for p in outcome.penalties:
        console.print(
            f"  {p.entity_id}: shortfall {p.shortfall:,} t, {p.deduction_next_year:,} t off "
            f"next year's allocation, fine {p.fine_fen:,} fen",
            highlight=False,
        )
    for item in outcome.pending:
        console.print(f"  {item.entity_id}: pending ({item.reason})", highlight=False)


@app.command("extend")
def extend(
    ctx: typer.Context,
    year: int = YEAR,
    deadline: str = typer.Option(
        ..., "--deadline", help="report, verification, offset_request, surrender or allocation."
    ),
    until: str = typer.Option(..., "--until", help="The new date (YYYY-MM-DD)."),
    reason: str = typer.Option(..., "--reason", help="Why the deadline moves."),
    jurisdiction: str | None = JURISDICTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Extend a deadline of year N (regulator); replaces an earlier extension."""
    application = get_app(ctx)
    name = parse_deadline(deadline)
    names = [jurisdiction] if jurisdiction else services.jurisdictions_present(application)
    if not names:
        raise InvalidInput("there are no entities yet: name the jurisdiction (--jurisdiction)")
    moved = extend_deadlines(application, names, year, name, until, reason, by=actor(ctx, as_user))
    if as_json:
        print_json(extensions_view(year, name, moved))
        return
    for d in moved:
        console.print(
            f"{d.jurisdiction} {year}: {d.name} deadline {d.configured.isoformat()} → "
            f"{d.date.isoformat()}",
            highlight=False,
        )


@app.command("deadlines")
def deadlines(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = JURISDICTION,
    as_json: bool = JSON,
) -> None:
    """The deadlines of year N, extensions applied, with the days left."""
    application = get_app(ctx)
    calendars = services.calendars(application, year, jurisdiction)
    on = application.today()
    if as_json:
        print_json(calendars_view(year, calendars, on))
        return
    for calendar in calendars:
        table = Table("deadline", "date", "days left", "note",
                      title=f"{calendar.jurisdiction} {year} (today {on.isoformat()})")  # fmt: skip
        for d in calendar.deadlines:
            note = f"extended from {d.configured.isoformat()}: {d.reason}" if d.extended else ""
            table.add_row(d.name, d.date.isoformat(), str((d.date - on).days), note)
        console.print(table)


@app.command("position")
def position(
    ctx: typer.Context,
    entity_id: str = ENTITY,
    year: int = YEAR,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """An entity's holdings, obligation, surrenders, offset headroom and deadlines."""
    found = services.entity_position(get_app(ctx), entity_id, year, by=actor(ctx, as_user))
    if as_json:
        print_json(position_view(found))
        return
    state = found.status
    obligation = "not verified yet" if state.verified_tco2 is None else f"{state.verified_tco2:,} t"
    console.print(
        f"{state.entity_id} {year}: obligation {obligation}, surrendered "
        f"{state.surrendered_allowances:,} t allowances + {state.surrendered_offsets:,} t "
        f"offsets, shortfall {state.shortfall:,} t, {state.status.value}",
        highlight=False,
    )
    headroom = found.offsets.headroom
    console.print(
        "offset headroom: " + ("unknown until the basis year is verified" if headroom is None
                               else f"{headroom:,} t"),
        highlight=False,
    )  # fmt: skip
    table = Table("instrument", "held", "frozen", "usable", title="holdings")
    for h in found.holdings:
        table.add_row(h.instrument, f"{h.quantity:,}", f"{h.frozen:,}", "yes" if h.usable else "no")
    console.print(table)
    for d in found.calendar.deadlines:
        console.print(
            f"  {d.name}: {d.date.isoformat()} ({(d.date - found.today).days} days)",
            highlight=False,
        )


@app.command("coverage")
def coverage(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = JURISDICTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Which entities are covered in year N, and why."""
    lines = services.coverage_lines(
        get_app(ctx), year, jurisdiction=jurisdiction, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(coverage_view(year, lines))
        return
    table = Table("entity", "sector", "jurisdiction", "covered", "reason", title=f"coverage {year}")
    for line in lines:
        table.add_row(
            line.entity_id, line.sector, line.jurisdiction, "yes" if line.covered else "no",
            line.reason,
        )  # fmt: skip
    console.print(table)


__all__ = ["app", "parse_price", "parse_units"]
