"""``openets offsets calc`` and ``openets offsets methodology list``: reductions from a
methodology's inputs, and the methodologies known. Neither needs a database: they store nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openets.cli.context import console, print_json
from openets.errors import InvalidInput
from openets.mrv.calc import decimal_text
from openets.offsets.methodologies import (
    METHODOLOGIES,
    Reduction,
    get_methodology,
    methodology_view,
)

__all__ = ["calculation_view", "read_inputs", "register"]

JSON = typer.Option(False, "--json", help="Print one JSON document.")


def register(offsets_app: typer.Typer) -> None:
    """Add ``calc`` and the ``methodology`` group (``methodology list``) to ``openets offsets``."""
    offsets_app.command("calc")(calc)
    methodology_app = typer.Typer(help="Methodologies (plug-ins).", no_args_is_help=True)
    methodology_app.command("list")(methodology_list)
    offsets_app.add_typer(methodology_app, name="methodology")


def calc(
    methodology: str = typer.Argument(
        ..., help="Methodology code (see `methodology list`).", show_default=False
    ),
    input_file: Path = typer.Option(
        ...,
        "--input",
        help='JSON object of input name -> number, e.g. {"generation_mwh": 120.5}.',
        show_default=False,
    ),
    as_json: bool = JSON,
) -> None:
    """Compute the reductions of one monitoring period (stores nothing)."""
    plugin = get_methodology(methodology)
    reduction = plugin.calculate(read_inputs(input_file))
    if as_json:
        print_json(calculation_view(plugin.code, reduction))
        return
    table = Table("figure", "value")
    for name, value in reduction.detail.items():
        table.add_row(name, value)
    console.print(table)
    console.print(
        f"{plugin.code}: {decimal_text(reduction.exact)} tCO2e, creditable {reduction.tonnes} t",
        highlight=False,
    )


def methodology_list(as_json: bool = JSON) -> None:
    """List the methodologies: code, name, project types, source and inputs."""
    if as_json:
        print_json([methodology_view(m) for m in METHODOLOGIES.values()])
        return
    table = Table("code", "name", "types", "inputs")
    for m in METHODOLOGIES.values():
        table.add_row(m.code, m.name, ", ".join(m.types), ", ".join(m.inputs))
    console.print(table)
    for m in METHODOLOGIES.values():
        console.print(f"[bold]{m.code}[/bold]: {m.source}", highlight=False, soft_wrap=True)


def calculation_view(code: str, reduction: Reduction) -> dict[str, Any]:
    """The document ``openets offsets calc --json`` prints (decimals as strings)."""
    return {
        "methodology": code,
        "tonnes": reduction.tonnes,
        "exact": decimal_text(reduction.exact),
        "detail": dict(reduction.detail),
    }


def read_inputs(path: Path) -> dict[str, Any]:
    """The inputs in a JSON file: one object; numbers are read as exact decimals."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read input file {str(path)!r}: {error}") from None
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"input file {str(path)!r} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidInput(
            f"input file {str(path)!r} must hold one JSON object of input name -> number"
        )
    return document


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not a number an input may have")
