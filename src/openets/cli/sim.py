"""``openets sim``: policy simulation: ETS, carbon tax or both; scenarios and sweeps.

None of these commands needs a database: they read a scenario file and store nothing.

- ``openets sim run SCENARIO.toml [--json] [--no-firms]``: the equilibrium of every year;
- ``openets sim sweep SCENARIO.toml --param market.KEY=V1,V2 ... [--workers N]
  [--ray-address ADDR] [--json]``: one run per point of the grid, on a local process pool or
  a Ray cluster, with a progress bar on stderr;
- ``openets sim example [NAME]``: list the shipped example scenarios, or print one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openets.cli.context import console, err_console, print_json

__all__ = ["app"]

app = typer.Typer(
    help="Policy simulation: ETS, carbon tax or both; scenarios and sweeps.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print one JSON document.")
SCENARIO = typer.Argument(
    ..., help="Scenario TOML file (see docs/simulation.md).", show_default=False
)


@app.command("run")
def run(
    scenario: Path = SCENARIO,
    no_firms: bool = typer.Option(False, "--no-firms", help="Leave out the per-firm results."),
    as_json: bool = JSON,
) -> None:
    """Simulate a scenario: price, emissions, abatement, cost and revenue per year."""
    from openets.simulation.equilibrium import simulate
    from openets.simulation.scenario import read_scenario_file
    from openets.simulation.views import result_view

    result = simulate(read_scenario_file(scenario).scenario())
    document = result_view(result, firms=not no_firms)
    if as_json:
        print_json(document)
        return
    if document["name"]:
        console.print(f"[bold]{document['name']}[/bold]", highlight=False)
    console.print(_years_table(document["years"]))


def _years_table(years: list[dict[str, Any]]) -> Table:
    table = Table(
        "year",
        "price (yuan/t)",
        "emissions (t)",
        "covered (t)",
        "abatement (t)",
        "cost (yuan)",
        "tax revenue",
        "auction revenue",
        "bank (t)",
    )
    for y in years:
        table.add_row(
            str(y["year"]),
            f"{y['price']:,.2f}",
            f"{y['emissions']:,.0f}",
            f"{y['covered_emissions']:,.0f}",
            f"{y['abatement']:,.0f}",
            f"{y['abatement_cost']:,.2f}",
            f"{y['tax_revenue']:,.2f}",
            f"{y['auction_revenue']:,.2f}",
            f"{y['bank']:,.0f}",
        )
    return table


@app.command("sweep")
def sweep(
    scenario: Path = SCENARIO,
    param: list[str] = typer.Option(
        ...,
        "--param",
        help="market.KEY=V1,V2,... (repeat for a grid: the cartesian product).",
        show_default=False,
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Local worker processes (default: one per CPU).", min=1
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="Run on this Ray cluster instead (needs `pip install 'ray[default]'`).",
        show_default=False,
    ),
    as_json: bool = JSON,
) -> None:
    """Simulate every point of a parameter grid (per-year results, no per-firm lists)."""
    from openets.simulation.scenario import read_scenario_file
    from openets.simulation.sweep import (
        grid_points,
        open_executor,
        parse_parameter,
        run_sweep,
        sweep_view,
    )

    parameters = [parse_parameter(p) for p in param]
    points = grid_points(read_scenario_file(scenario), parameters)
    progress = Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with open_executor(workers, ray_address) as executor, progress:
        task = progress.add_task("sweep", total=len(points))
        runs = run_sweep(points, executor, lambda: progress.advance(task))
    document = sweep_view(parameters, runs)
    if as_json:
        print_json(document)
        return
    table = Table(
        *document["parameters"],
        "average price",
        "emissions (t)",
        "abatement (t)",
        "cost (yuan)",
        "tax revenue",
        "auction revenue",
    )
    for run_ in runs:
        totals = run_["totals"]
        table.add_row(
            *(str(v) for v in run_["parameters"].values()),
            f"{totals['average_price']:,.2f}",
            f"{totals['emissions']:,.0f}",
            f"{totals['abatement']:,.0f}",
            f"{totals['abatement_cost']:,.2f}",
            f"{totals['tax_revenue']:,.2f}",
            f"{totals['auction_revenue']:,.2f}",
        )
    console.print(table)


@app.command("example")
def example(
    name: str | None = typer.Argument(None, help="An example's name; none lists them."),
    as_json: bool = JSON,
) -> None:
    """List the shipped example scenarios, or print one as TOML."""
    from openets.simulation.scenario import example_names, example_text

    if name is None:
        if as_json:
            print_json({"examples": example_names()})
        else:
            for known in example_names():
                console.print(known, highlight=False)
        return
    text = example_text(name)
    if as_json:
        print_json({"name": name, "toml": text})
    else:
        typer.echo(text, nl=False)
