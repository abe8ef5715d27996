"""Activity-data files: CSV or XLSX with header ``facility_id,year,source,item,quantity,unit``.

Optional columns ``ncv`` (GJ per unit), ``cc`` (tC/GJ), ``of`` (fraction) and ``ef`` (tCO2 per
unit) hold measured values that override the defaults for their row; an empty cell means the
default. Columns may come in any order; names are case-insensitive.

The whole file is checked before anything is computed; the first bad row is refused with its
row number in the file (the header is row 1): missing or unknown column, unknown source or unit,
empty or non-numeric or negative quantity, bad year.

A file is read column-wise (:func:`read_activity_columns`): rows that share everything but the
quantity form a stream, and each distinct stream is checked once, which keeps a million-row
file to a few seconds. :func:`read_activity_file` gives the same data as activity lines.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np

from openets.errors import InvalidInput
from openets.mrv.calc import BulkCalculation, calculate, calculate_bulk
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import (
    ActivityColumns,
    ActivityLine,
    ActivityStream,
    FacilityResult,
    SourceKind,
    Unit,
)
from openets.registry.bulk import gc_paused

__all__ = [
    "BULK_ROWS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Engine",
    "calculate_file",
    "evaluate_file",
    "read_activity_columns",
    "read_activity_file",
]

REQUIRED_COLUMNS = ("facility_id", "year", "source", "item", "quantity", "unit")
OPTIONAL_COLUMNS = ("ncv", "cc", "of", "ef")
#: above this many rows ``calculate_file`` sums quantities per stream before multiplying
BULK_ROWS = 50_000
#: numbers longer than this are refused, which keeps every product exact (see calc.EXACT)
MAX_DIGITS = 40
FIRST_YEAR, LAST_YEAR = 1990, 2100

Engine = Literal["auto", "per-line", "bulk"]

_NUMBER = re.compile(r"\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_YEAR = re.compile(r"\s*[0-9]{4}\s*")
_SOURCES = {kind.value: kind for kind in SourceKind}
_UNITS = {unit.value.replace(" ", "").lower(): unit for unit in Unit}
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: the cells that, with the quantity, make an activity row; the first nine make its stream
_STREAM_FIELDS = ("facility_id", "year", "source", "item", "unit", "ncv", "cc", "of", "ef")
#: for checking a million quantities at once (see _first_bad_quantity)
_DIGITS_AND_DOTS = re.compile(r"[0-9.\n]+")
_TWO_DOTS = re.compile(r"\.[0-9]*\.")
_LONE_DOT = re.compile(r"(?<![0-9])\.(?![0-9])")


def read_activity_columns(path: Path) -> ActivityColumns:
    """Read and check a whole CSV or XLSX activity file, column-wise."""
    with gc_paused():
        header, body, rows = _read_records(path)
        columns = _columns(path.name, header, body, rows)
        del body  # a million row lists: freed before the collector runs again
        return columns


def read_activity_file(path: Path) -> list[ActivityLine]:
    """Read and check a whole CSV or XLSX activity file: one line per data row."""
    return read_activity_columns(path).lines()


def calculate_file(
    path: Path,
    library: FactorLibrary | None = None,
    *,
    lines: bool = True,
    engine: Engine = "auto",
) -> list[FacilityResult]:
    """Read an activity file and compute its emissions per facility and year (stores nothing).

    ``engine`` picks the exact per-line path or the bulk path (quantities summed per stream,
    for files of more than :data:`BULK_ROWS` rows under ``auto``); both give the same results.
    ``lines=False`` leaves out the per-line results. Errors name the file and the row.
    """
    calculation = evaluate_file(path, library, engine=engine)
    if isinstance(calculation, BulkCalculation):
        return calculation.results(lines=lines)
    return calculation if lines else [replace(result, lines=()) for result in calculation]


def evaluate_file(
    path: Path, library: FactorLibrary | None = None, *, engine: Engine = "auto"
) -> list[FacilityResult] | BulkCalculation:
    """Like :func:`calculate_file`, but the bulk path's result comes back as it is, so that
    a caller printing a million lines can make each line's figure as it goes."""
    columns = read_activity_columns(path)
    library = library if library is not None else FactorLibrary.default()
    bulk = engine == "bulk" or (engine == "auto" and len(columns) > BULK_ROWS)
    try:
        with gc_paused():  # millions of results and no reference cycles: see gc_paused
            if bulk:
                return calculate_bulk(columns, library)
            return calculate(columns.lines(), library)
    except InvalidInput as error:
        raise InvalidInput(f"{path.name}: {error.message}") from None


def _read_records(path: Path) -> tuple[list[str], list[Sequence[str]], Sequence[int]]:
    """The header, the data rows (as text cells, blank rows left out) and their row numbers."""
    records: list[Sequence[str]]
    if path.suffix.lower() in _XLSX_SUFFIXES:
        records = _xlsx_records(path)
        strict_width = False
    else:
        records = _csv_records(path)
        strict_width = True
    if not records or not any(cell.strip() for cell in records[0]):
        raise InvalidInput(
            f"{path.name}: row 1: the file is empty; expected a header {','.join(REQUIRED_COLUMNS)}"
        )
    header = list(records[0])
    while header and not header[-1].strip() and not strict_width:
        header.pop()  # spreadsheets report formatted but empty columns at the right
    width = len(header)
    body = records[1:]
    if all(len(record) == width for record in body) and all(any(r) for r in body):
        return header, body, range(2, len(body) + 2)
    kept: list[Sequence[str]] = []
    rows: list[int] = []
    for row, record in enumerate(body, start=2):
        if not any(cell.strip() for cell in record):
            continue
        extra = record[width:]
        if len(record) != width and (strict_width or not extra or any(c.strip() for c in extra)):
            raise InvalidInput(
                f"{path.name}: row {row}: expected {width} fields as in the header, "
                f"got {len(record)}"
            )
        kept.append(record[:width])
        rows.append(row)
    return header, kept, rows


def _csv_records(path: Path) -> list[Sequence[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name}: not a UTF-8 text file (save the CSV as UTF-8)") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}: not a readable CSV file: {exc}") from None


def _xlsx_records(path: Path) -> list[Sequence[str]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it does not read: not our concern
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError):
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        text = ""
    elif isinstance(value, float) and math.isfinite(value):
        # integral floats are whole numbers (years, tonnes); otherwise repr is the shortest
        # text that reads back as this float (1234.5, not 1234.49999...), without exponent
        text = str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = str(value)
    return text


def _columns(
    name: str, header: list[str], body: list[Sequence[str]], rows: Sequence[int]
) -> ActivityColumns:
    positions = _header_positions(name, header)
    table = list(zip(*body, strict=True)) if body else [()] * len(header)
    quantity = table[positions["quantity"]]
    # Rows with equal non-quantity cells form a stream; each distinct stream is checked once.
    fields = tuple(key for key in _STREAM_FIELDS if key in positions)
    keys = list(zip(*(table[positions[key]] for key in fields), strict=True))
    index = dict.fromkeys(keys, 0)
    for number, key in enumerate(index):
        index[key] = number
    stream_of_row = list(map(index.__getitem__, keys))
    del keys, table
    # streams are numbered in order of appearance: a stream starts where the running maximum
    # of the numbers grows
    numbers = np.asarray(stream_of_row, dtype=np.intp)
    running = np.maximum.accumulate(numbers) if len(numbers) else numbers
    first_position = np.flatnonzero(np.diff(running, prepend=-1) > 0).tolist()

    parse = _StreamParser(fields)
    streams: list[ActivityStream] = []
    bad_positions: list[int] = []
    for raw, position in zip(index, first_position, strict=True):
        stream = parse(raw)
        if stream is None:
            bad_positions.append(position)
        else:
            streams.append(stream)
    bad_quantity = _first_bad_quantity(quantity)
    if bad_quantity is not None:
        bad_positions.append(bad_quantity)
    if bad_positions:
        position = min(bad_positions)
        problem = _row_problem(body[position], positions)
        raise InvalidInput(f"{name}: row {rows[position]}: {problem}")
    return ActivityColumns(
        streams=tuple(streams),
        stream_of_row=stream_of_row,
        quantity=quantity,
        rows=rows,
        first_rows=tuple(rows[position] for position in first_position),
    )


def _first_bad_quantity(quantity: Sequence[str]) -> int | None:
    """The position of the first quantity that is not a plain non-negative decimal, if any."""
    if not quantity or _all_plain(quantity):
        return None
    for position, text in enumerate(quantity):
        if _quantity_problem(text) is not None:
            return position
    return None  # the fast check is stricter: it refuses spaces around a number


def _all_plain(quantity: Sequence[str]) -> bool:
    """Whether every cell is digits with at most one decimal point, checked all at once.

    Looping over a million cells in Python costs about a second; these scans of the cells
    joined by newlines run in C and cost milliseconds.
    """
    if max(map(len, quantity)) > MAX_DIGITS:
        return False
    joined = "\n".join(quantity)
    return (
        joined.count("\n") == len(quantity) - 1  # no cell holds a newline of its own
        and _DIGITS_AND_DOTS.fullmatch(joined) is not None
        and "\n\n" not in joined  # no empty cell
        and not joined.startswith("\n")
        and not joined.endswith("\n")
        and _TWO_DOTS.search(joined) is None
        and _LONE_DOT.search(joined) is None
    )


class _StreamParser:
    """Checks a stream's cells, remembering each column's distinct values (a file repeats
    the same facilities, years, sources, items and units over and over)."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self._fields = fields
        self._seen: dict[str, dict[str, Any]] = {key: {} for key in fields}

    def __call__(self, raw: tuple[str, ...]) -> ActivityStream | None:
        values: dict[str, Any] = {}
        for key, text in zip(self._fields, raw, strict=True):
            seen = self._seen[key]
            value = seen.get(text, _UNSEEN)
            if value is _UNSEEN:
                value = seen[text] = _parse_cell(key, text)
            if value is _BAD:
                return None
            values[key] = value
        return ActivityStream(
            values["facility_id"], values["year"], values["source"], values["item"],
            values["unit"], values.get("ncv"), values.get("cc"), values.get("of"),
            values.get("ef"),
        )  # fmt: skip


_UNSEEN = object()
_BAD = object()


def _parse_cell(key: str, text: str) -> Any:
    """The value of a non-quantity cell, or ``_BAD``."""
    if key in ("facility_id", "item"):
        return text.strip() or _BAD
    if key == "year":
        return _BAD if _year_problem(text) is not None else int(text)
    if key == "source":
        return _SOURCES.get(text.strip().lower(), _BAD)
    if key == "unit":
        return _UNITS.get(text.replace(" ", "").lower(), _BAD)
    return _BAD if _override_problem(key, text) is not None else _optional(text)


def _header_positions(name: str, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for position, cell in enumerate(header):
        key = cell.strip().lower()
        if key not in known:
            raise InvalidInput(
                f"{name}: row 1: unknown column {cell.strip()!r}; columns are "
                f"{','.join(REQUIRED_COLUMNS)} and optionally {','.join(OPTIONAL_COLUMNS)}"
            )
        if key in positions:
            raise InvalidInput(f"{name}: row 1: column {key!r} appears twice")
        positions[key] = position
    missing = [key for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InvalidInput(f"{name}: row 1: missing column{plural} {', '.join(missing)}")
    return positions


def _row_problem(record: Sequence[str], positions: dict[str, int]) -> str:
    """What is wrong with a row, checking its cells in header order."""

    def cell(key: str) -> str:
        position = positions.get(key)
        return record[position] if position is not None else ""

    source, unit = cell("source").strip(), cell("unit")
    problems = (
        "facility_id is empty" if not cell("facility_id").strip() else None,
        _year_problem(cell("year")),
        f"unknown source {source!r}; known: {', '.join(_SOURCES)}"
        if source.lower() not in _SOURCES
        else None,
        "item is empty" if not cell("item").strip() else None,
        _quantity_problem(cell("quantity")),
        f"unknown unit {unit.strip()!r}; known: {', '.join(u.value for u in Unit)}"
        if unit.replace(" ", "").lower() not in _UNITS
        else None,
        *(_override_problem(key, cell(key)) for key in OPTIONAL_COLUMNS),
    )
    return next(problem for problem in problems if problem is not None)


def _year_problem(text: str) -> str | None:
    if not _YEAR.fullmatch(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        return f"year {text.strip()!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}"
    return None


def _quantity_problem(text: str) -> str | None:
    value = text.strip()
    if not value:
        return "quantity is empty"
    if value.startswith("-") and _NUMBER.fullmatch(value[1:]):
        return f"quantity must not be negative, got {value}"
    if not _NUMBER.fullmatch(value):
        return f"quantity {value!r} is not a number (plain digits with an optional decimal point)"
    if len(value) > MAX_DIGITS:
        return f"quantity {value!r} has more than {MAX_DIGITS} characters"
    return None


def _override_problem(name: str, text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if value.startswith("-") and _NUMBER.fullmatch(value[1:]):
        return f"{name} must not be negative, got {value}"
    if not _NUMBER.fullmatch(value):
        return f"{name} {value!r} is not a number (leave the cell empty for the default)"
    if len(value) > MAX_DIGITS:
        return f"{name} {value!r} has more than {MAX_DIGITS} characters"
    if name == "of" and Decimal(value) > 1:
        return f"of is a fraction between 0 and 1, got {value}"
    return None


def _optional(text: str) -> Decimal | None:
    value = text.strip()
    return Decimal(value) if value else None
