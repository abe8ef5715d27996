"""``openets entity`` and ``openets facility``: covered entities, facilities, monitoring plans.

Who acts: the command line is run by the registry's operator, who may take every MRV step
(recorded as ``operator``). ``--as USER`` acts as that user instead, with the user's role
checked as in the REST API (an entity user for its own entity, a verifier for its assigned
reports, the regulator for approvals).
"""

from __future__ import annotations

import typer
from rich.table import Table

from openets.auth import get_user
from openets.cli.context import console, get_app, print_json
from openets.mrv import services
from openets.mrv.entities import MEASUREMENT_METHODS
from openets.mrv.permissions import OPERATOR, Actor
from openets.mrv.views import entity_view, facility_view, plan_view, stream_view

app = typer.Typer(help="Covered entities (each with its compliance account).", no_args_is_help=True)
facility_app = typer.Typer(help="Facilities and their monitoring plans.", no_args_is_help=True)
stream_app = typer.Typer(
    help="Source streams of a facility's monitoring plan.", no_args_is_help=True
)
facility_app.add_typer(stream_app, name="stream")

JSON = typer.Option(False, "--json", help="Print one JSON document.")
AS_USER = typer.Option(
    None,
    "--as",
    help="Act as this user (their role is checked); default: the operator, who may do all.",
)


def actor(ctx: typer.Context, as_user: str | None) -> Actor:
    """The operator, or the user named by ``--as``."""
    if as_user is None:
        return OPERATOR
    return get_user(get_app(ctx), as_user)


@app.command("add")
def entity_add(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="Entity id, also its compliance account's id."),
    name: str = typer.Option(..., "--name", help="Company name (the owner entity users act for)."),
    sector: str = typer.Option(
        ...,
        "--sector",
        help="power, steel, petrochemicals, cement, paper, aviation, ceramics, ports, datacentres.",
    ),
    jurisdiction: str = typer.Option(
        "guangdong", "--jurisdiction", help="guangdong, shenzhen or national."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Add a covered entity and open its compliance account (repeating is a no-op)."""
    entity = services.add_entity(
        get_app(ctx), entity_id, name, sector, jurisdiction, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(entity_view(entity))
        return
    console.print(
        f"entity {entity.id} {entity.name} ({entity.sector}, {entity.jurisdiction}), "
        f"compliance account {entity.id}",
        highlight=False,
    )


@app.command("list")
def entity_list(
    ctx: typer.Context,
    sector: str | None = typer.Option(None, "--sector", help="Only this sector."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """List covered entities by id."""
    entities = services.list_entities(get_app(ctx), by=actor(ctx, as_user), sector=sector)
    if as_json:
        print_json({"entities": [entity_view(e) for e in entities]})
        return
    table = Table("entity", "name", "sector", "jurisdiction")
    for e in entities:
        table.add_row(e.id, e.name, e.sector.value, e.jurisdiction.value)
    console.print(table)


@app.command("show")
def entity_show(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="Entity id."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """An entity with its facilities and their monitoring plans."""
    application = get_app(ctx)
    who = actor(ctx, as_user)
    entity = services.get_entity(application, entity_id, by=who)
    plans = services.list_facilities(application, entity_id, by=who)
    if as_json:
        print_json({**entity_view(entity), "facilities": [plan_view(p) for p in plans]})
        return
    console.print(
        f"entity {entity.id} {entity.name} ({entity.sector}, {entity.jurisdiction})",
        highlight=False,
    )
    table = Table("facility", "name", "city", "source", "item", "method")
    for plan in plans:
        f = plan.facility
        if not plan.streams:
            table.add_row(f.id, f.name, f.city, "", "", "")
        for s in plan.streams:
            table.add_row(f.id, f.name, f.city, s.source.value, s.item, s.method)
    console.print(table)


@facility_app.command("add")
def facility_add(
    ctx: typer.Context,
    facility_id: str = typer.Argument(..., help="Facility id."),
    entity_id: str = typer.Option(..., "--entity", help="The entity it belongs to."),
    name: str = typer.Option(..., "--name", help="Facility name."),
    city: str = typer.Option("", "--city", help="City."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Add a facility to an entity (repeating is a no-op)."""
    facility = services.add_facility(
        get_app(ctx), facility_id, entity_id, name, city, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(facility_view(facility))
        return
    where = f", {facility.city}" if facility.city else ""
    console.print(
        f"facility {facility.id} {facility.name}{where} of entity {facility.entity_id}",
        highlight=False,
    )


@facility_app.command("list")
def facility_list(
    ctx: typer.Context,
    entity_id: str = typer.Option(..., "--entity", help="The entity."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """An entity's facilities with their monitoring plans."""
    plans = services.list_facilities(get_app(ctx), entity_id, by=actor(ctx, as_user))
    if as_json:
        print_json({"entity": entity_id, "facilities": [plan_view(p) for p in plans]})
        return
    table = Table("facility", "name", "city", "streams")
    for p in plans:
        streams = ", ".join(f"{s.source}/{s.item}" for s in p.streams)
        table.add_row(p.facility.id, p.facility.name, p.facility.city, streams)
    console.print(table)


@facility_app.command("show")
def facility_show(
    ctx: typer.Context,
    facility_id: str = typer.Argument(..., help="Facility id."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """A facility and its monitoring plan."""
    plan = services.monitoring_plan(get_app(ctx), facility_id, by=actor(ctx, as_user))
    if as_json:
        print_json(plan_view(plan))
        return
    f = plan.facility
    console.print(f"facility {f.id} {f.name} of entity {f.entity_id}", highlight=False)
    table = Table("source", "item", "method", title="monitoring plan")
    for s in plan.streams:
        table.add_row(s.source.value, s.item, s.method)
    console.print(table)


@stream_app.command("add")
def stream_add(
    ctx: typer.Context,
    facility_id: str = typer.Argument(..., help="Facility id."),
    source: str = typer.Option(
        ..., "--source", help="combustion, electricity, heat, process or biomass."
    ),
    item: str = typer.Option(..., "--item", help="Fuel or process code: raw_coal, grid, clinker."),
    method: str = typer.Option(
        ..., "--method", help="How it is measured: " + ", ".join(MEASUREMENT_METHODS) + "..."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Add a source stream to a facility's monitoring plan."""
    stream = services.add_stream(
        get_app(ctx), facility_id, source, item, method, by=actor(ctx, as_user)
    )
    if as_json:
        print_json(stream_view(stream))
        return
    console.print(
        f"facility {stream.facility_id} monitors {stream.source}/{stream.item} by {stream.method}",
        highlight=False,
    )
