"""``openets evaluate``: near-zero (low) carbon enterprise and factory evaluation."""

from __future__ import annotations

import typer
from rich.table import Table

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.cli.labels import read_json
from openets.evaluation.indicators import evaluation_view
from openets.evaluation.services import evaluate_enterprise, record_evaluation

__all__ = ["app"]

app = typer.Typer(
    help="Near-zero (low) carbon enterprise and factory evaluation.",
    no_args_is_help=True,
)


@app.command("enterprise")
def enterprise(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="The enterprise's indicator values (JSON)."),
    record: bool = typer.Option(False, "--record", help="Store the result in the database."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Grade an enterprise or factory: near-zero carbon, low carbon or not qualified, with
    each indicator's value, threshold, points and weight and the reasons. With an ``entity``
    id, missing intensity and trend come from its verified MRV reports."""
    data = read_json(path)
    needs_db = record or (isinstance(data, dict) and data.get("entity") is not None)
    application = get_app(ctx) if needs_db else None
    who = actor(ctx, as_user)
    evaluation = evaluate_enterprise(application, data, by=who)
    if record and application is not None:
        entity = data.get("entity") if isinstance(data, dict) else None
        record_evaluation(application, evaluation, None if entity is None else str(entity), by=who)
    view = evaluation_view(evaluation)
    if as_json:
        print_json(view)
        return
    table = Table("indicator", "value", "threshold", "points", "weight")
    for line in view["indicators"]:
        table.add_row(
            line["code"], line["value"] or "—", line["threshold"] or "—", line["points"],
            line["weight"],
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{view['enterprise']}: {view['grade_name']} (score {view['score']})", highlight=False
    )
    for reason in view["reasons"]:
        console.print(f"- {reason}", highlight=False)
