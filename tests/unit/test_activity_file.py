"""Activity files (CSV and XLSX): reading, refusing bad rows by row number, both engines."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from openets.errors import InvalidInput
from openets.mrv import activity_file
from openets.mrv.activity_file import (
    calculate_file,
    evaluate_file,
    read_activity_columns,
    read_activity_file,
)
from openets.mrv.calc import BulkCalculation
from openets.mrv.model import ActivityLine, SourceKind, Unit

HEADER = "facility_id,year,source,item,quantity,unit,ncv,cc,of,ef"
GOOD = [
    "F1,2022,combustion,raw_coal,1000,t,,,,",
    "F1,2022,combustion,natural_gas,100,10^4 Nm3,,,,",
    "F1,2022,electricity,grid,1000,MWh,,,,",
    "F2,2023,process,clinker,1000,t,,,,0.53",
    "F2,2023,combustion,raw_coal,500,t,21.5,,,",
    "F2,2023,biomass,wood,10,t,15,0.03,,",
]


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "activity.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_csv_file_becomes_activity_lines(tmp_path: Path) -> None:
    lines = read_activity_file(write(tmp_path, *GOOD))
    assert lines[0] == ActivityLine(
        2, "F1", 2022, SourceKind.COMBUSTION, "raw_coal", Decimal(1000), Unit.TONNE
    )
    assert lines[1].unit is Unit.TEN_THOUSAND_NM3
    assert lines[3].ef == Decimal("0.53")
    assert (lines[4].ncv, lines[4].cc, lines[4].of) == (Decimal("21.5"), None, None)
    assert [line.row for line in lines] == [2, 3, 4, 5, 6, 7]


def test_columns_in_any_order_case_and_spaces_and_blank_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        " 2022 , 1.5 , Combustion , diesel , t , F9 ",
        "",
        ",,,,,",
        "2022,.5,heat,heat,gj,F9",
        header="Year,QUANTITY,source,item,unit,facility_id",
    )
    lines = read_activity_file(path)
    assert [(line.row, line.facility_id, line.quantity, line.unit) for line in lines] == [
        (2, "F9", Decimal("1.5"), Unit.TONNE),
        (5, "F9", Decimal("0.5"), Unit.GJ),
    ]
    assert lines[0].source is SourceKind.COMBUSTION
    assert lines[0].ncv is None


def test_rows_of_a_stream_share_it(tmp_path: Path) -> None:
    columns = read_activity_columns(write(tmp_path, *GOOD, GOOD[0], GOOD[2]))
    assert len(columns) == 8
    assert len(columns.streams) == 6
    assert list(columns.stream_of_row) == [0, 1, 2, 3, 4, 5, 0, 2]
    assert columns.first_rows == (2, 3, 4, 5, 6, 7)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["F1,2022,coal,raw_coal,1,t,,,,"], "row 2: unknown source 'coal'; known: combustion, "),
        (["F1,2022,combustion,raw_coal,1,kg,,,,"], "row 2: unknown unit 'kg'; known: t, "),
        (["F1,2022,combustion,raw_coal,abc,t,,,,"], "row 2: quantity 'abc' is not a number"),
        (["F1,2022,combustion,raw_coal,1e3,t,,,,"], "row 2: quantity '1e3' is not a number"),
        (["F1,2022,combustion,raw_coal,-5,t,,,,"], "row 2: quantity must not be negative, got -5"),
        (["F1,2022,combustion,raw_coal,,t,,,,"], "row 2: quantity is empty"),
        (["F1,22,combustion,raw_coal,1,t,,,,"], "row 2: year '22' is not a year from 1990"),
        (["F1,2200,combustion,raw_coal,1,t,,,,"], "row 2: year '2200' is not a year"),
        (["F1,year,combustion,raw_coal,1,t,,,,"], "row 2: year 'year' is not a year"),
        ([",2022,combustion,raw_coal,1,t,,,,"], "row 2: facility_id is empty"),
        (["F1,2022,combustion,,1,t,,,,"], "row 2: item is empty"),
        (["F1,2022,combustion,raw_coal,1,t,x,,,"], "row 2: ncv 'x' is not a number"),
        (["F1,2022,combustion,raw_coal,1,t,,-0.1,,"], "row 2: cc must not be negative"),
        (["F1,2022,combustion,raw_coal,1,t,,,1.2,"], "row 2: of is a fraction between 0 and 1"),
        (
            ["F1,2022,combustion,raw_coal,1,t,,,"],
            "row 2: expected 10 fields as in the header, got 9",
        ),
        ([f"F1,2022,combustion,raw_coal,{'1' * 41},t,,,,"], "row 2: quantity '1111"),
        # the first bad row wins, whichever check finds it
        ([*GOOD, "F1,2022,combustion,raw_coal,-1,t,,,,", "F1,2022,coal,x,1,t,,,,"], "row 8: "),
        ([*GOOD, "F1,2022,coal,x,1,t,,,,", "F1,2022,combustion,raw_coal,-1,t,,,,"], "row 8: "),
        # a row's first bad cell, in header order
        (["F1,1,oil,raw_coal,-1,kg,,,,"], "row 2: year '1'"),
    ],
)
def test_bad_rows_are_refused_with_the_row_number(
    tmp_path: Path, rows: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_activity_file(write(tmp_path, *rows))
    assert caught.value.message.startswith(f"activity.csv: {message}"), caught.value.message


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("facility_id,year,source,item,unit", "row 1: missing column quantity"),
        ("facility_id,source,item,unit", "row 1: missing columns year, quantity"),
        ("facility_id,year,source,item,quantity,unit,NCV,note", "row 1: unknown column 'note'"),
        ("facility_id,year,source,item,quantity,unit,ef,EF", "row 1: column 'ef' appears twice"),
    ],
)
def test_bad_headers_are_refused(tmp_path: Path, header: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_activity_file(write(tmp_path, header=header))


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape("empty.csv: row 1: the file is empty")):
        read_activity_file(empty)
    with pytest.raises(InvalidInput, match="cannot read"):
        read_activity_file(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nF\xe9,2022,heat,heat,1,GJ,,,,\n")
    with pytest.raises(InvalidInput, match="not a UTF-8 text file"):
        read_activity_file(latin)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    with pytest.raises(InvalidInput, match=re.escape("garbage.xlsx: not a readable XLSX workbook")):
        read_activity_file(garbage)


def test_a_header_only_file_has_no_lines(tmp_path: Path) -> None:
    path = write(tmp_path)
    assert read_activity_file(path) == []
    assert calculate_file(path) == []


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for row in GOOD:
        cells: list[object] = [cell or None for cell in row.split(",")]
        cells[1] = int(str(cells[1]))  # numbers as numbers, the way spreadsheets hold them
        cells[4] = float(str(cells[4]))
        sheet.append(cells)
    sheet.append([None] * 10)  # a blank row
    sheet.append(["F3", 2023.0, "heat", "heat", 1234.5, "GJ", None, None, None, 0.00001])
    path = tmp_path / "activity.xlsx"
    workbook.save(path)

    from_xlsx = read_activity_file(path)
    from_csv = read_activity_file(write(tmp_path, *GOOD))
    assert from_xlsx[: len(GOOD)] == from_csv
    last = from_xlsx[-1]
    assert (last.row, last.year, last.quantity, last.ef) == (
        9,
        2023,
        Decimal("1234.5"),
        Decimal("0.00001"),
    )


def test_xlsx_bad_rows_are_refused_with_the_row_number(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["F1", 2022, "combustion", "raw_coal", -3, "t"])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    with pytest.raises(
        InvalidInput, match=re.escape("bad.xlsx: row 2: quantity must not be negative")
    ):
        read_activity_file(path)


def test_both_engines_give_the_same_results(tmp_path: Path) -> None:
    path = write(tmp_path, *GOOD, *GOOD[:3])
    per_line = calculate_file(path, engine="per-line")
    bulk = calculate_file(path, engine="bulk")
    assert bulk == per_line
    assert len(per_line[0].lines) == 6
    assert calculate_file(path, lines=False, engine="bulk") == [
        replace(result, lines=()) for result in per_line
    ]
    assert calculate_file(path, lines=False, engine="per-line") == calculate_file(
        path, lines=False, engine="bulk"
    )
    assert isinstance(evaluate_file(path, engine="bulk"), BulkCalculation)
    assert isinstance(evaluate_file(path), list)  # small files go line by line


def test_auto_engine_switches_to_bulk_for_big_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, *GOOD)
    monkeypatch.setattr(activity_file, "BULK_ROWS", 5)
    assert isinstance(evaluate_file(path), BulkCalculation)


@pytest.mark.parametrize("engine", ["per-line", "bulk"])
def test_calculation_errors_name_the_file_and_row(tmp_path: Path, engine: str) -> None:
    path = write(
        tmp_path, *GOOD, "F1,2020,electricity,grid,5,MWh,,,,", "F1,2022,combustion,coal,1,t,,,,"
    )
    with pytest.raises(InvalidInput) as caught:
        calculate_file(path, engine="bulk" if engine == "bulk" else "per-line")
    assert caught.value.message.startswith("activity.csv: row 8: no grid factor set covers 2020")


cells = st.one_of(
    st.from_regex(r"[0-9]{0,5}(\.[0-9]{0,3})?", fullmatch=True),
    st.text(alphabet="0123456789.-e \n١", max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=8))
def test_the_fast_quantity_check_finds_the_same_first_bad_cell(texts: list[str]) -> None:
    first_bad = next(
        (i for i, text in enumerate(texts) if activity_file._quantity_problem(text) is not None),
        None,
    )
    assert activity_file._first_bad_quantity(texts) == first_bad
