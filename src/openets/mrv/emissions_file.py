"""Historical verified emissions taken over from an earlier system: a CSV file with header
``entity,year,verified_tco2`` and, optionally, ``output`` (production in the sector's unit,
which allocation by benchmark or intensity needs) and ``energy_tce`` (energy use in tonnes of
standard coal equivalent, for the coverage threshold).

Columns may come in any order; names are case-insensitive; an empty optional cell means
unknown. The whole file is checked first and the first bad row is refused with its row number
(the header is row 1), so a file is imported whole or not at all.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openets.errors import InvalidInput
from openets.mrv.entities import check_id
from openets.mrv.reports import check_year

__all__ = ["EMISSIONS_COLUMNS", "ImportedEmissions", "read_emissions_file"]

EMISSIONS_COLUMNS = ("entity", "year", "verified_tco2")
_OPTIONAL = ("output", "energy_tce")
_MAX_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ImportedEmissions:
    """One entity's verified emissions of one year, as the earlier system recorded them."""

    entity_id: str
    year: int
    verified_tco2: int  # whole tonnes of CO2
    output: Decimal | None = None
    energy_tce: Decimal | None = None

    def __post_init__(self) -> None:
        check_id("entity", self.entity_id)
        check_year(self.year)
        if (
            not isinstance(self.verified_tco2, int)
            or isinstance(self.verified_tco2, bool)
            or self.verified_tco2 < 0
        ):
            raise InvalidInput(
                f"verified emissions must be whole tonnes ≥ 0, not {self.verified_tco2!r}"
            )
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or value < 0):
                raise InvalidInput(f"{name} must be a number ≥ 0, not {value}")


def _number(name: str, text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{name} {text!r} is not a number") from None


def _row(cells: dict[str, str]) -> ImportedEmissions:
    tonnes = cells["verified_tco2"].strip()
    year = cells["year"].strip()
    if not tonnes.isdigit():
        raise InvalidInput(f"verified_tco2 {tonnes!r} is not a whole number of tonnes ≥ 0")
    if not year.isdigit():
        raise InvalidInput(f"year {year!r} is not a year")
    return ImportedEmissions(
        entity_id=cells["entity"].strip(),
        year=int(year),
        verified_tco2=int(tonnes),
        output=_number("output", cells.get("output", "")),
        energy_tce=_number("energy_tce", cells.get("energy_tce", "")),
    )


def read_emissions_file(path: Path) -> list[ImportedEmissions]:
    """The rows of an emissions CSV file; InvalidInput names the first bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not a UTF-8 text file") from None
    reader = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in EMISSIONS_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            f"{path}: row 1: missing column {', '.join(missing)} "
            f"(the header is {','.join(EMISSIONS_COLUMNS)}[,output][,energy_tce])"
        )
    unknown = [name for name in header if name not in (*EMISSIONS_COLUMNS, *_OPTIONAL)]
    if unknown:
        raise InvalidInput(f"{path}: row 1: unknown column {', '.join(unknown)}")
    if len(set(header)) != len(header):
        raise InvalidInput(f"{path}: row 1: a column is named twice")
    rows: list[ImportedEmissions] = []
    seen: dict[tuple[str, int], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise InvalidInput(
                f"{path}: row {number}: {len(cells)} cells, the header has {len(header)}"
            )
        if len(rows) >= _MAX_ROWS:
            raise InvalidInput(f"{path}: more than {_MAX_ROWS:,} rows")
        try:
            row = _row(dict(zip(header, cells, strict=True)))
        except InvalidInput as exc:
            raise InvalidInput(f"{path}: row {number}: {exc}") from None
        first = seen.setdefault((row.entity_id, row.year), number)
        if first != number:
            raise InvalidInput(
                f"{path}: row {number}: {row.entity_id} {row.year} is already on row {first}"
            )
        rows.append(row)
    if not rows:
        raise InvalidInput(f"{path}: no rows after the header")
    return rows
