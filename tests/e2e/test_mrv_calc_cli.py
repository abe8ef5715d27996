"""``openets mrv calc`` and ``openets mrv factors list`` end to end (no database needed).

Most calls run ``openets.cli.main`` in-process; one runs the installed console script.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from openets.cli import main, mrv_calc
from openets.cli.mrv_calc import write_calculation_json
from openets.mrv.activity_file import evaluate_file
from openets.mrv.calc import calculation_view
from openets.mrv.model import FacilityResult, LineResult, SourceKind

OPENETS = str(Path(sys.executable).parent / "openets")
HEADER = "facility_id,year,source,item,quantity,unit,ncv,cc,of,ef"
ROWS = [
    "GD-001,2022,combustion,raw_coal,1000,t,,,,",
    "GD-001,2022,combustion,natural_gas,100,10^4 Nm3,,,,",
    "GD-002,2023,electricity,grid,1000,MWh,,,,",
    "GD-001,2022,electricity,grid,1000,MWh,,,,",
    "GD-001,2022,heat,heat,25,GJ,,,,",
    "GD-002,2023,process,clinker,1000,t,,,,",
    "GD-002,2023,combustion,raw_coal,500,t,21.5,,,",
    "GD-002,2023,biomass,wood_chips,10,t,15,0.03,,",
    "GD-001,2022,combustion,diesel,10,t,,,,3.1",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    else:  # pragma: no cover - main always exits
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def calc_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, "mrv", "calc", *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def activity(tmp_path: Path) -> Path:
    path = tmp_path / "activity.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_calc_prints_the_contract_document(
    capsys: pytest.CaptureFixture[str], activity: Path
) -> None:
    document = calc_json(capsys, str(activity))
    assert list(document) == ["facilities"]
    first, second = document["facilities"]
    # 1,900.2988488 (coal) + 2,165.0151996 (gas) + 570.3 (power) + 2.75 (heat) + 31 (diesel)
    assert first == {
        "facility_id": "GD-001",
        "year": 2022,
        "total_tco2": "4669.3640484",
        "compliance_tco2": 4669,
        "by_source": {"combustion": "4096.3140484", "electricity": "570.3", "heat": "2.75"},
        "biomass_tco2": "0",
        "lines": first["lines"],
    }
    assert [line["row"] for line in first["lines"]] == [2, 3, 5, 6, 10]
    assert first["lines"][0] == {
        "row": 2,
        "source": "combustion",
        "item": "raw_coal",
        "tco2": "1900.2988488",
        "factors": {"ncv": "20.908", "cc": "0.02637", "of": "0.94"},
        "measured": [],
        "factor_version": "cn-guidelines-2013",
        "counted": True,
    }
    assert first["lines"][-1]["factors"] == {"ef": "3.1"}
    # 530.6 (power, 2023 national average) + 520 (clinker) + 977.05245 (coal, lab NCV)
    assert (second["facility_id"], second["year"]) == ("GD-002", 2023)
    assert second["total_tco2"] == "2027.65245"
    assert second["compliance_tco2"] == 2028
    assert second["biomass_tco2"] == "16.5"
    assert second["lines"][0]["factor_version"] == "grid-2023-national-average"
    assert second["lines"][2]["measured"] == ["ncv"]


def test_summary_leaves_out_the_lines(capsys: pytest.CaptureFixture[str], activity: Path) -> None:
    full = calc_json(capsys, str(activity))
    summary = calc_json(capsys, str(activity), "--summary")
    for facility in full["facilities"]:
        del facility["lines"]
    assert summary == full


def test_both_engines_print_the_same_text(
    capsys: pytest.CaptureFixture[str], activity: Path
) -> None:
    texts = set()
    for engine in ("per-line", "bulk", "auto"):
        for options in ((), ("--summary",)):
            code, out, err = run(
                capsys, "mrv", "calc", str(activity), "--json", "--engine", engine, *options
            )
            assert code == 0, err
            texts.add((options, out))
    assert len(texts) == 2  # one text with lines, one without, whatever the engine
    # and that text is exactly what print_json would write
    results = evaluate_file(activity, engine="per-line")
    assert isinstance(results, list)
    expected = json.dumps(calculation_view(results), ensure_ascii=False, indent=2) + "\n"
    assert ((), expected) in texts


def test_xlsx_input(capsys: pytest.CaptureFixture[str], activity: Path, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, *ROWS]:
        sheet.append([cell or None for cell in row.split(",")])
    path = tmp_path / "activity.xlsx"
    workbook.save(path)
    assert calc_json(capsys, str(path)) == calc_json(capsys, str(activity))


def test_bad_files_exit_2_with_the_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join([HEADER, *ROWS[:3], "GD-009,2022,combustion,raw_coal,-10,t,,,,"]) + "\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "mrv", "calc", str(path), "--json")
    assert (code, out) == (2, "")
    assert "bad.csv: row 5: quantity must not be negative, got -10" in err
    path.write_text(f"{HEADER}\nGD-009,2022,combustion,coal,1,t,,,,\n", encoding="utf-8")
    code, _, err = run(capsys, "mrv", "calc", str(path))
    assert code == 2
    assert "bad.csv: row 2: unknown fuel 'coal'" in err
    path.write_text("facility_id,year,source,item,unit\n", encoding="utf-8")
    code, _, err = run(capsys, "mrv", "calc", str(path), "--json")
    assert code == 2
    assert "row 1: missing column quantity" in err
    code, _, err = run(capsys, "mrv", "calc", str(path), "--engine", "fast")
    assert code == 2
    assert "--engine must be one of auto, per-line, bulk" in err


def test_people_get_tables(capsys: pytest.CaptureFixture[str], activity: Path) -> None:
    code, out, err = run(capsys, "mrv", "calc", str(activity))
    assert code == 0, err
    assert "GD-001" in out
    assert "4669" in out
    code, out, _ = run(capsys, "mrv", "calc", str(activity), "--summary")
    assert code == 0
    assert "raw_coal" not in out


@pytest.mark.parametrize("engine", ["per-line", "bulk"])
def test_people_get_a_count_of_many_lines(
    capsys: pytest.CaptureFixture[str],
    activity: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
) -> None:
    monkeypatch.setattr(mrv_calc, "_TABLE_LINES", 3)
    code, out, err = run(capsys, "mrv", "calc", str(activity), "--engine", engine)
    assert code == 0, err
    assert "9 lines: use --json to see each line's calculation" in out


def test_factors_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "mrv", "factors", "list", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["year"] is None
    versions = [s["version"] for s in document["factor_sets"]]
    assert versions == [
        "cn-guidelines-2013",
        "grid-2021-national-average",
        "grid-2022-national-ets",
        "grid-2022-national-average",
        "grid-2023-national-average",
        "cn-guidelines-2013-heat",
        "process-ipcc-2006",
    ]
    fuels = document["factor_sets"][0]
    assert fuels["kind"] == "combustion"
    assert "GB/T 32150-2015" in fuels["source"]
    coal = fuels["items"][0]
    assert coal["item"] == "raw_coal"
    assert coal["unit"] == "t"
    assert coal["factors"] == {"ncv": "20.908", "cc": "0.02637", "of": "0.94"}
    assert coal["factor_units"] == {"ncv": "GJ/t", "cc": "tC/GJ", "of": "fraction"}
    assert coal["source"]
    dolomite = document["factor_sets"][-1]["items"][3]
    assert dolomite["expressions"] == {"ef": "88/184.4"}

    code, out, _ = run(capsys, "mrv", "factors", "list", "--year", "2023", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["year"] == 2023
    assert "grid-2022-national-ets" not in [s["version"] for s in document["factor_sets"]]
    code, out, _ = run(capsys, "mrv", "factors", "list", "--year", "2022")
    assert code == 0
    assert "grid-2022-national-ets" in out


def test_the_console_script(activity: Path) -> None:
    done = subprocess.run(
        [OPENETS, "mrv", "calc", str(activity), "--json", "--summary"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["facilities"][0]["compliance_tco2"] == 4669


# The fast writer renders each line from a template; hold it to json.dumps's own text.

texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
decimals = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False)


@st.composite
def line_results(draw: st.DrawFn, row: int) -> LineResult:
    factors = draw(st.dictionaries(st.sampled_from(["ncv", "cc", "of", "ef"]), decimals))
    return LineResult(
        row=row,
        source=draw(st.sampled_from(list(SourceKind))),
        item=draw(texts),
        tco2=draw(decimals),
        factors=factors,
        measured=tuple(draw(st.lists(st.sampled_from(list(factors) or ["ef"]), max_size=2))),
        factor_version=draw(texts),
        counted=draw(st.booleans()),
    )


@st.composite
def facility_results(draw: st.DrawFn) -> list[FacilityResult]:
    results = []
    for index in range(draw(st.integers(0, 3))):
        lines = tuple(draw(line_results(row)) for row in range(draw(st.integers(0, 4))))
        results.append(
            FacilityResult(
                facility_id=draw(texts),
                year=2020 + index,
                total_tco2=draw(decimals),
                compliance_tco2=draw(st.integers(0, 10**9)),
                by_source={"combustion": Decimal(1)} if draw(st.booleans()) else {},
                biomass_tco2=Decimal(0),
                lines=lines,
            )
        )
    return results


@settings(max_examples=100, deadline=None)
@given(facility_results())
def test_the_fast_writer_writes_what_json_dumps_would(results: list[FacilityResult]) -> None:
    for lines in (True, False):
        out = io.StringIO()
        write_calculation_json(results, out, lines=lines)
        view = calculation_view(results, lines=lines)
        assert out.getvalue() == json.dumps(view, ensure_ascii=False, indent=2) + "\n"
