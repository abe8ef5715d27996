"""``openets mrv calc`` and ``openets mrv factors list``: emissions from an activity file, and
the factor library. Neither needs a database: they read a file or the shipped factor sets and
store nothing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TextIO, cast

import typer
from rich.table import Table

from openets.cli.context import console, print_json
from openets.errors import InvalidInput
from openets.mrv.calc import (
    EXACT,
    RESULT,
    BulkCalculation,
    calculation_view,
    decimal_text,
    line_view,
)
from openets.mrv.factors import FactorLibrary, FactorSet, factor_units
from openets.mrv.model import FacilityResult, LineResult

__all__ = ["factor_sets_view", "register", "write_calculation_json"]

JSON = typer.Option(False, "--json", help="Print one JSON document.")
_ENGINES = ("auto", "per-line", "bulk")
#: people get a table of lines up to this many; beyond it, --json has them all
_TABLE_LINES = 200


def register(mrv_app: typer.Typer) -> None:
    """Add ``calc`` and the ``factors`` group (``factors list``) to the ``openets mrv`` app."""
    mrv_app.command("calc")(calc)
    factors_app = typer.Typer(help="The emission factor library.", no_args_is_help=True)
    factors_app.command("list")(factors_list)
    mrv_app.add_typer(factors_app, name="factors")


def calc(
    file: Path = typer.Argument(
        ...,
        help="CSV or XLSX with columns facility_id,year,source,item,quantity,unit "
        "and optionally ncv,cc,of,ef (measured values; an empty cell means the default).",
        show_default=False,
    ),
    summary: bool = typer.Option(
        False, "--summary", help="Totals per facility and year only, without the per-line results."
    ),
    as_json: bool = JSON,
    engine: str = typer.Option(
        "auto", "--engine", hidden=True, help="auto, per-line or bulk (same results)."
    ),
) -> None:
    """Compute emissions per facility and year from activity data (stores nothing)."""
    from openets.mrv.activity_file import Engine, evaluate_file
    from openets.registry.bulk import gc_paused

    if engine not in _ENGINES:
        raise InvalidInput(f"--engine must be one of {', '.join(_ENGINES)}, got {engine!r}")
    with gc_paused():  # a million results without reference cycles: see gc_paused
        calculation = evaluate_file(file, engine=cast(Engine, engine))
        if as_json:
            write_calculation_json(calculation, sys.stdout, lines=not summary)
            sys.stdout.flush()
            return
        if isinstance(calculation, BulkCalculation):
            count = len(calculation.columns)
            results = calculation.results(lines=not summary and count <= _TABLE_LINES)
        else:
            count, results = sum(len(r.lines) for r in calculation), calculation
        _print_results(results, lines=0 if summary else count)


def factors_list(
    year: int | None = typer.Option(None, "--year", help="Only the sets that cover this year."),
    as_json: bool = JSON,
) -> None:
    """List the factor sets: items, values, units, version ids and sources."""
    library = FactorLibrary.default()
    if as_json:
        print_json(factor_sets_view(library, year))
        return
    for factor_set in library.sets_for(year):
        years = f"{factor_set.first_year}–{factor_set.last_year or ''}"
        console.print(
            f"[bold]{factor_set.version}[/bold] ({factor_set.kind}, {years}): {factor_set.title}",
            highlight=False,
        )
        console.print(f"  source: {factor_set.source}", highlight=False, soft_wrap=True)
        table = Table("item", "name", "unit", "factors", "note")
        for item in factor_set.items.values():
            units = factor_units(item.unit)
            values = ", ".join(
                f"{name} {item.expressions.get(name, decimal_text(value))} {units[name]}"
                for name, value in item.values.items()
            )
            table.add_row(item.code, item.name, item.unit.value, values, item.note or "")
        console.print(table)


def factor_sets_view(library: FactorLibrary, year: int | None = None) -> dict[str, Any]:
    """The document ``openets mrv factors list --json`` prints (decimals as strings)."""
    return {"year": year, "factor_sets": [_set_view(s) for s in library.sets_for(year)]}


def _set_view(factor_set: FactorSet) -> dict[str, Any]:
    items = []
    for item in factor_set.items.values():
        units = factor_units(item.unit)
        view: dict[str, Any] = {
            "item": item.code,
            "name": item.name,
            "unit": item.unit.value,
            "factors": {name: decimal_text(value) for name, value in item.values.items()},
            "factor_units": {name: units[name] for name in item.values},
            "source": item.source,
            "note": item.note,
        }
        if item.expressions:
            view["expressions"] = dict(item.expressions)
        items.append(view)
    return {
        "version": factor_set.version,
        "kind": factor_set.kind.value,
        "title": factor_set.title,
        "source": factor_set.source,
        "first_year": factor_set.first_year,
        "last_year": factor_set.last_year,
        "priority": factor_set.priority,
        "items": items,
    }


# --- JSON output -------------------------------------------------------------------------------
#
# A million-line result is too big for json.dumps(indent=2), whose pure-Python encoder takes
# ~20 µs a line. The writer prints the same text: the document without lines comes from
# json.dumps, and each line is a template (rendered once per stream, in json.dumps's layout)
# with the row and the tCO2 filled in.

_LINES_MARK = "@@lines@@"
_INDENT = " " * 8  # a line object's indent: document > facilities > facility > lines
_BATCH = 4096

Template = tuple[str, str, str]  # text before the row, between row and tCO2, after the tCO2


def write_calculation_json(
    calculation: Sequence[FacilityResult] | BulkCalculation, out: TextIO, *, lines: bool = True
) -> None:
    """Write ``calculation_view(results)`` exactly as ``print_json`` would, fast for many lines.

    ``calculation`` is the facility results, or the bulk form of them whose line figures are
    made as they are written.
    """
    bulk = calculation if isinstance(calculation, BulkCalculation) else None
    results = (
        list(bulk.totals) if bulk is not None else list(cast(list[FacilityResult], calculation))
    )
    skeleton = calculation_view(results, lines=False)
    if not lines:
        out.write(json.dumps(skeleton, ensure_ascii=False, indent=2) + "\n")
        return
    order = bulk.line_order() if bulk is not None else None
    counts = [len(p) for p in order] if order is not None else [len(r.lines) for r in results]
    for view, count in zip(skeleton["facilities"], counts, strict=True):
        view["lines"] = [_LINES_MARK] if count else []
    pieces = json.dumps(skeleton, ensure_ascii=False, indent=2).split(json.dumps(_LINES_MARK))
    out.write(pieces[0])
    facilities = [f for f, count in enumerate(counts) if count]
    if bulk is not None and order is not None:
        bulk_texts = _BulkLineTexts(bulk)
        for facility, piece in zip(facilities, pieces[1:], strict=True):
            _write_joined(bulk_texts(order[facility]), out)
            out.write(piece)
    else:
        templates: dict[tuple[Any, ...], Template] = {}
        for facility, piece in zip(facilities, pieces[1:], strict=True):
            _write_joined(_line_texts(results[facility].lines, templates), out)
            out.write(piece)
    out.write("\n")


def _write_joined(texts: Iterable[str], out: TextIO) -> None:
    separator = ",\n" + _INDENT
    batch: list[str] = []
    first = True
    for text in texts:
        batch.append(text)
        if len(batch) >= _BATCH:
            out.write(("" if first else separator) + separator.join(batch))
            first = False
            batch.clear()
    if batch:
        out.write(("" if first else separator) + separator.join(batch))


def _line_texts(
    lines: Sequence[LineResult], templates: dict[tuple[Any, ...], Template]
) -> Iterator[str]:
    for line in lines:
        key = (line.source, line.item, id(line.factors), line.measured, line.factor_version)
        template = templates.get(key)
        if template is None:
            template = templates[key] = _template(line)
        head, middle, tail = template
        yield f"{head}{line.row}{middle}{decimal_text(line.tco2)}{tail}"


class _BulkLineTexts:
    """The text of each row of a bulk calculation, its figure made as it is written."""

    def __init__(self, bulk: BulkCalculation) -> None:
        self._bulk = bulk
        self._templates: list[Template | None] = [None] * len(bulk.factors)
        self._numerators = [factors.numerator for factors in bulk.factors]
        # streams of many facilities share one StreamFactors (see calculate_bulk)
        self._shared: dict[int, Template] = {}

    def __call__(self, positions: Sequence[int]) -> Iterator[str]:
        columns = self._bulk.columns
        rows, streams, quantity = columns.rows, columns.stream_of_row, columns.quantity
        numerators, templates = self._numerators, self._templates
        multiply, divide, twelve, text = EXACT.multiply, RESULT.divide, Decimal(12), decimal_text
        for position in positions:
            stream = streams[position]
            template = templates[stream]
            if template is None:
                shared = id(self._bulk.factors[stream])
                template = self._shared.get(shared)
                if template is None:
                    template = self._shared[shared] = _template(self._bulk.line_result(position))
                templates[stream] = template
            head, middle, tail = template
            tco2 = divide(multiply(Decimal(quantity[position]), numerators[stream]), twelve)
            yield f"{head}{rows[position]}{middle}{text(tco2)}{tail}"


def _template(line: LineResult) -> Template:
    """``json.dumps(line_view(line), indent=2)`` at a line's indent, cut at the row and tCO2.

    Rendered by hand (json.dumps with an indent is slow, and there is one template per
    stream); a test holds it to json.dumps's text.
    """
    view = line_view(line)
    inner = "\n" + _INDENT + "  "

    def text(value: Any) -> str:
        return encode_basestring(value) if isinstance(value, str) else json.dumps(value)

    def block(opening: str, items: list[str], closing: str) -> str:
        if not items:
            return opening + closing
        deeper = inner + "  "
        return opening + deeper + ("," + deeper).join(items) + inner + closing

    parts = [f"{text(key)}: " for key in view]
    values: list[str] = []
    for key, value in view.items():
        if key == "factors":
            values.append(block("{", [f"{text(k)}: {text(v)}" for k, v in value.items()], "}"))
        elif key == "measured":
            values.append(block("[", [text(v) for v in value], "]"))
        elif key in ("row", "tco2"):
            values.append("\0")
        else:
            values.append(text(value))
    body = ("," + inner).join(p + v for p, v in zip(parts, values, strict=True))
    head, middle, tail = ("{" + inner + body + "\n" + _INDENT + "}").split("\0")
    return head, middle + '"', '"' + tail


# --- people's output ---------------------------------------------------------------------------


def _print_results(results: Sequence[FacilityResult], *, lines: int) -> None:
    """The totals, then the lines' calculation when there are a few (``lines``: how many)."""
    if not results:
        console.print("no activity rows: nothing to compute")
        return
    sources = list(dict.fromkeys(name for r in results for name in r.by_source))
    table = Table("facility", "year", "total tCO2", "compliance t", *sources, "biomass tCO2")
    for r in results:
        table.add_row(
            r.facility_id,
            str(r.year),
            decimal_text(r.total_tco2),
            str(r.compliance_tco2),
            *(decimal_text(r.by_source[s]) if s in r.by_source else "" for s in sources),
            decimal_text(r.biomass_tco2),
        )
    console.print(table)
    if not lines:
        return
    if lines > _TABLE_LINES:
        console.print(f"{lines} lines: use --json to see each line's calculation")
        return
    detail = Table("row", "facility", "source", "item", "tCO2", "factors", "version")
    for r in results:
        for line in r.lines:
            measured = set(line.measured)
            factors = ", ".join(
                f"{name} {decimal_text(value)}{' (measured)' if name in measured else ''}"
                for name, value in line.factors.items()
            )
            tco2 = decimal_text(line.tco2) + ("" if line.counted else " (not counted)")
            detail.add_row(
                str(line.row), r.facility_id, line.source.value, line.item, tco2, factors,
                line.factor_version,
            )  # fmt: skip
    console.print(detail)
