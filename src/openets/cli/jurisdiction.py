"""``openets jurisdiction list`` and ``openets jurisdiction show``: the jurisdiction
configurations shipped with OpenETS, resolved per compliance year. No database is needed."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from openets.cli.context import CliState, console, print_json
from openets.clock import CST
from openets.compliance.jurisdiction import (
    JurisdictionYear,
    jurisdiction_config,
    jurisdiction_view,
    jurisdictions,
    load_jurisdiction,
)

__all__ = ["app"]

app = typer.Typer(
    help="Jurisdiction configurations: coverage, cap, allocation, offsets, deadlines, penalties.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print one JSON document.")


@app.command("list")
def list_(as_json: bool = JSON) -> None:
    """List the jurisdictions and the years each is configured for."""
    configs = [jurisdiction_config(name) for name in jurisdictions()]
    if as_json:
        print_json(
            {
                "jurisdictions": [
                    {
                        "name": c.name,
                        "title": c.title,
                        "first_year": c.first_year,
                        "last_year": c.last_year,
                    }
                    for c in configs
                ]
            }
        )
        return
    table = Table("name", "title", "years")
    for c in configs:
        table.add_row(c.name, c.title, f"{c.first_year}–{c.last_year}")
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="guangdong, shenzhen or national.", show_default=False),
    year: int | None = typer.Option(
        None, "--year", help="Compliance year (default: the year of the business date)."
    ),
    as_json: bool = JSON,
) -> None:
    """Print the configuration of a jurisdiction for one compliance year."""
    if year is None:
        state = ctx.obj if isinstance(ctx.obj, CliState) else None
        as_of = state.as_of if state is not None else None
        year = (as_of or datetime.now(CST).date()).year
    resolved = load_jurisdiction(name, year)
    if as_json:
        print_json(jurisdiction_view(resolved))
        return
    _print(resolved)


def _print(j: JurisdictionYear) -> None:
    view = jurisdiction_view(j)
    console.print(f"[bold]{j.title}[/bold] — {j.year} ({j.allowance_code})", highlight=False)
    coverage = view["coverage"]
    console.print(
        f"coverage: {', '.join(coverage['sectors'])}; ≥{coverage['threshold_tco2']} tCO2/yr"
        + (f" or ≥{coverage['threshold_tce']} tce/yr" if coverage["threshold_tce"] else "")
        + (
            f"; data centres ≥{coverage['datacentre_racks']} racks"
            if j.coverage.datacentre_racks
            else ""
        ),
        highlight=False,
        soft_wrap=True,
    )
    cap = "not set" if j.cap.tonnes is None else f"{j.cap.tonnes:,} t"
    console.print(f"cap: {cap}{' (illustrative)' if j.cap.illustrative else ''}", highlight=False)
    table = Table("sector", "method", "free share", "parameters", "illustrative")
    for sector, a in view["allocation"].items():
        names = ("benchmark", "adjustment_factor", "decline_factor", "electricity_factor")
        parameters = [f"{n} {a[n]}" for n in names if a[n] is not None]
        if a["base_years"]:
            parameters.append(f"base years {', '.join(map(str, a['base_years']))}")
        if a["output_unit"]:
            parameters.append(f"per {a['output_unit']}")
        table.add_row(
            sector,
            a["method"],
            a["free_share"],
            "; ".join(parameters),
            "yes" if a["illustrative"] else "",
        )
    console.print(table)
    offsets = view["offsets"]
    console.print(
        f"offsets: ≤{offsets['limit_share']} of {offsets['basis']} verified emissions; "
        f"schemes {', '.join(offsets['schemes'])}; local CCER ≥{offsets['local_ccer_share']}; "
        f"excluded {', '.join(offsets['excluded_types']) or 'none'}; "
        f"market cap {offsets['market_cap_tonnes'] or 'none'}",
        highlight=False,
        soft_wrap=True,
    )
    deadlines = ", ".join(f"{k} {v}" for k, v in view["deadlines"].items() if k != "source")
    console.print(f"deadlines: {deadlines}", highlight=False, soft_wrap=True)
    penalty = view["penalty"]
    console.print(
        f"penalty: {penalty['kind']}, {penalty['source']}", highlight=False, soft_wrap=True
    )
