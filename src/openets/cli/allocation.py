"""``openets allocation ...``: preview, issue and true up a year's free allocation, allocate to
new entrants, record closures, and show the stored lines.

Who acts: the registry's operator by default (every step allowed); ``--as USER`` acts as that
user with their role checked, as in the REST API (the regulator writes; an entity user reads
its own lines).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from openets.allocation import services
from openets.allocation.services import AllocationLine, AllocationRun, JurisdictionTotals
from openets.allocation.views import outcome_view, plan_view, receipt_view, table_view
from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.errors import InvalidInput

__all__ = ["app"]

app = typer.Typer(
    help="Allocation: preview, issue and true up free allocation; new entrants and closures.",
    no_args_is_help=True,
)

YEAR = typer.Argument(..., help="Compliance year (the allowances' vintage).", show_default=False)
JURISDICTION = typer.Option(
    None,
    "--jurisdiction",
    help="guangdong, shenzhen or national (default: every one with a covered entity).",
    show_default=False,
)
ENTITY = typer.Argument(..., help="Entity id (its compliance account).", show_default=False)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _decimal(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"{option} {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{option} must be a number ≥ 0, not {text!r}")
    return value


_METHOD = {
    "benchmark": "benchmark",
    "historical_intensity": "intensity",
    "historical_emissions": "emissions",
    "data_centre": "data centre",
}


def _lines_table(lines: Sequence[AllocationLine], phase: bool) -> Table:
    """People's table: figures are never cut short; the deducted and owed columns show only
    when some line has them (method inputs and exact results are in ``--json``)."""
    columns: list[tuple[str, Callable[[AllocationLine], str], bool]] = [
        ("entity", lambda x: x.entity, False),
        *([("phase", lambda x: x.phase.replace("_", "-"), False)] if phase else []),
        ("method", lambda x: _METHOD.get(x.method, x.method), False),
        ("allocated", lambda x: f"{x.allocated:,}", True),
        ("free", lambda x: f"{x.free:,}", True),
        ("reserve", lambda x: f"{x.reserve:,}", True),
    ]
    if any(x.deducted for x in lines):
        columns.append(("deducted", lambda x: f"{x.deducted:,}", True))
    columns.append(("issued", lambda x: f"{x.issued:,}", True))
    if any(x.owed for x in lines):
        columns.append(("owed", lambda x: f"{x.owed:,}", True))
    table = Table()
    cells = [[cell(x) for _, cell, _ in columns] for x in lines]
    for n, (name, _, number) in enumerate(columns):
        widest = max([len(name), *(len(row[n]) for row in cells)])
        fixed = number or n == 0  # figures and the entity id never shrink
        table.add_column(
            name,
            justify="right" if number else "left",
            no_wrap=fixed,
            min_width=widest if fixed else None,
        )
    for row in cells:
        table.add_row(*row)
    return table


def _totals(t: JurisdictionTotals) -> str:
    scaled = " (scaled to the cap)" if t.scaled else ""
    return (
        f"{t.name}: cap {t.cap:,} t, entitlement {t.entitlement:,} t, allocated "
        f"{t.allocated:,} t{scaled}: free {t.free:,} t, auction reserve {t.reserve:,} t"
    )


def _print_run(run: AllocationRun) -> None:
    if run.lines:
        console.print(_lines_table(run.lines, phase=False))
    for t in run.jurisdictions:
        console.print(_totals(t), highlight=False, soft_wrap=True)
    if not run.jurisdictions:
        console.print(f"no entity is covered in {run.year}: nothing to allocate", highlight=False)
    for m in run.missing:
        console.print(f"missing {m.entity}: {m.reason}", highlight=False, soft_wrap=True)


@app.command("compute")
def compute(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = JURISDICTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Preview the pre-allocation of YEAR from the verified output of YEAR-1 (changes nothing)."""
    run = services.compute(get_app(ctx), year, jurisdiction, by=actor(ctx, as_user))
    if as_json:
        print_json(plan_view(run))
        return
    _print_run(run)


def _report(run: AllocationRun, what: str) -> None:
    for t in run.jurisdictions:
        if t.replayed:
            console.print(
                f"the {run.year} {what} of {t.name} was already issued ({t.at}): nothing changed",
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print(f"issued the {run.year} {what} of {_totals(t)}", highlight=False)
    fresh = [x for x in run.lines if x.jurisdiction in _fresh(run)]
    if fresh:
        console.print(_lines_table(fresh, phase=False))
    if not run.jurisdictions:
        console.print(f"no entity is covered in {run.year}: nothing to allocate", highlight=False)
    for m in run.missing:
        console.print(f"missing {m.entity}: {m.reason}", highlight=False, soft_wrap=True)


def _fresh(run: AllocationRun) -> set[str]:
    return {t.name for t in run.jurisdictions if not t.replayed}


@app.command("issue")
def issue(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = JURISDICTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Issue the pre-allocation of YEAR: free allowances to each entity (less deductions owed),
    the auction reserve to the auction account. Issuing again changes nothing."""
    run = services.issue(get_app(ctx), year, jurisdiction, by=actor(ctx, as_user))
    if as_json:
        print_json(outcome_view(run))
        return
    _report(run, "pre-allocation")


@app.command("true-up")
def true_up(
    ctx: typer.Context,
    year: int = YEAR,
    jurisdiction: str | None = JURISDICTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """True up YEAR from its verified output: issue the difference or take it back (what cannot
    be taken back is owed, deducted from a later allocation). Running it again changes
    nothing."""
    run = services.true_up(get_app(ctx), year, jurisdiction, by=actor(ctx, as_user))
    if as_json:
        print_json(outcome_view(run))
        return
    _report(run, "true-up")


@app.command("entrant")
def entrant(
    ctx: typer.Context,
    entity_id: str = ENTITY,
    year: int = YEAR,
    first_day: str = typer.Option(
        ..., "--from", help="First day in operation (YYYY-MM-DD), counted.", show_default=False
    ),
    output: str = typer.Option(
        ...,
        "--output",
        help="Expected annual output in the sector's unit (data centres: IT MWh; historical "
        "emissions sectors: expected annual tCO2).",
        show_default=False,
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Allocate to a new entrant, pro rata from its first day, within the cap's headroom."""
    receipt = services.allocate_entrant(
        get_app(ctx),
        entity_id,
        year,
        _date(first_day, "--from"),
        _decimal(output, "--output"),
        by=actor(ctx, as_user),
    )
    if as_json:
        print_json(receipt_view(receipt))
        return
    x = receipt.line
    again = " (already recorded: nothing changed)" if receipt.replayed else ""
    console.print(
        f"new entrant {x.entity} {x.year}: annual {x.entitlement:,} t, {x.inputs['days']} of "
        f"{x.inputs['days_in_year']} days → {x.allocated:,} t: free {x.free:,} t issued, "
        f"auction reserve {x.reserve:,} t{again}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("closure")
def closure(
    ctx: typer.Context,
    entity_id: str = ENTITY,
    year: int = YEAR,
    closed_on: str = typer.Option(
        ..., "--on", help="Closing date: the first day not in operation.", show_default=False
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Record a closure: the entity keeps its free allocation pro rata for the days operated;
    the rest is taken back (what cannot be is owed)."""
    receipt = services.close_entity(
        get_app(ctx), entity_id, year, _date(closed_on, "--on"), by=actor(ctx, as_user)
    )
    if as_json:
        print_json(receipt_view(receipt))
        return
    x = receipt.line
    again = " (already recorded: nothing changed)" if receipt.replayed else ""
    owed = f", {x.owed:,} t owed (deducted later)" if x.owed else ""
    console.print(
        f"closure of {x.entity} {x.year}: keeps {x.free:,} t free of {x.inputs['free_before']} t "
        f"({x.inputs['days_operated']} of {x.inputs['days_in_year']} days), "
        f"{-x.issued:,} t taken back{owed}{again}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("show")
def show(
    ctx: typer.Context,
    year: int = YEAR,
    entity_id: str | None = typer.Option(None, "--entity", help="Only this entity."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="Only this one."),
    sector: str | None = typer.Option(None, "--sector", help="Only this sector."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """The stored allocation rounds and lines of YEAR."""
    table = services.allocation_table(
        get_app(ctx), year, jurisdiction, sector, entity_id=entity_id, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(table_view(table))
        return
    for r in table.rounds:
        console.print(
            f"{r.jurisdiction} {r.year} {r.phase}: cap {r.cap:,} t, free {r.free_total:,} t, "
            f"auction reserve {r.reserve_total:,} t, by {r.actor} at {r.at}",
            highlight=False,
            soft_wrap=True,
        )
    if not table.lines:
        console.print(f"no allocation is recorded for {year}", highlight=False)
        return
    console.print(_lines_table(table.lines, phase=True))
