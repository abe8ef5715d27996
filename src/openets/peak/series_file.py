"""CSV input of the file commands (``openets peak detect``, ``openets peak decompose``) and the
shipped national series (Our World in Data, ``openets/peak/data/owid-co2-national.csv``; its
source and licence note, CC BY 4.0, is ``owid-co2-national.README.md`` next to it).

The time column is ``year``; other columns than those asked for are ignored; an empty cell is
a missing value.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from openets.errors import InvalidInput

__all__ = ["OWID_FILE", "Columns", "owid_text", "read_columns"]

#: the shipped national series, inside the package
OWID_FILE = "data/owid-co2-national.csv"
#: what the OWID file's columns are called in Kaya terms (co2 in Mt, energy in TWh, GDP in
#: international-$ of 2011)
OWID_COLUMNS = {
    "region": "country",
    "co2": "co2",
    "population": "population",
    "gdp": "gdp",
    "energy": "primary_energy_consumption",
}


@dataclass(frozen=True, slots=True)
class Columns:
    """Columns read from a CSV file: region labels, years and each named numeric column
    (NaN for an empty cell)."""

    regions: list[str]
    years: list[int]
    numbers: dict[str, list[float]]


def owid_text() -> str:
    """The shipped OWID national CSV text."""
    return resources.files("openets.peak").joinpath(OWID_FILE).read_text("utf-8")


@contextmanager
def _open(path: str | Path) -> Iterator[TextIO]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield handle
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a CSV file") from None


def read_columns(
    source: str | Path | TextIO, region_column: str, value_columns: Sequence[str]
) -> Columns:
    """Read ``region_column``, ``year`` and ``value_columns`` from a CSV file (a path or an
    open text stream)."""
    if isinstance(source, str | Path):
        with _open(source) as handle:
            return _read(handle, str(source), region_column, value_columns)
    return _read(source, "input", region_column, value_columns)


def _read(handle: TextIO, name: str, region_column: str, value_columns: Sequence[str]) -> Columns:
    try:
        reader = csv.reader(handle)
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"{name}: not a readable CSV file ({error})") from None
    if header is None:
        raise InvalidInput(f"{name}: the file is empty")
    header = [h.strip() for h in header]
    wanted = [region_column, "year", *value_columns]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InvalidInput(
            f"{name}: missing column(s) {', '.join(missing)}; the header has {', '.join(header)}"
        )
    at = {c: header.index(c) for c in wanted}
    regions: list[str] = []
    years: list[int] = []
    numbers: dict[str, list[float]] = {c: [] for c in value_columns}
    try:
        for line, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise InvalidInput(f"{name} line {line}: expected {len(header)} cells")
            region = row[at[region_column]].strip()
            if not region:
                raise InvalidInput(f"{name} line {line}: empty {region_column}")
            year_text = row[at["year"]].strip()
            if not year_text.isdigit() or not 1000 <= int(year_text) <= 9999:
                raise InvalidInput(f"{name} line {line}: year {year_text!r} is not a year")
            regions.append(region)
            years.append(int(year_text))
            for column in value_columns:
                numbers[column].append(_number(row[at[column]], name, line, column))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"{name}: not a readable CSV file ({error})") from None
    return Columns(regions, years, numbers)


def _number(text: str, name: str, line: int, column: str) -> float:
    cell = text.strip()
    if not cell:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        raise InvalidInput(f"{name} line {line}: {column} {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} line {line}: {column} {cell!r} is not a finite number")
    return value


def owid_columns(columns: Sequence[str] = ("co2", "population", "gdp", "energy")) -> Columns:
    """The shipped OWID series, columns named in Kaya terms (``region`` is the country)."""
    names = [OWID_COLUMNS[c] for c in columns]
    read = read_columns(io.StringIO(owid_text()), OWID_COLUMNS["region"], names)
    return Columns(
        read.regions,
        read.years,
        {c: read.numbers[n] for c, n in zip(columns, names, strict=True)},
    )
