"""``openets offsets calc`` and ``openets offsets methodology list`` end to end (no database).

The commands run on a local ``offsets`` app built with :func:`offsets_calc.register`, inside a
root app with the CLI's error handling, the way the root CLI wires them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from openets.cli import offsets_calc
from openets.cli.context import err_console
from openets.errors import OpenETSError


def build_app() -> typer.Typer:
    root = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @root.callback()
    def _root() -> None:
        """A root like ``openets``."""

    offsets_app = typer.Typer(no_args_is_help=True)
    offsets_calc.register(offsets_app)
    root.add_typer(offsets_app, name="offsets")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run like ``openets.cli.main``: OpenETS errors are one line on stderr with their code."""
    capsys.readouterr()
    try:
        build_app()(args=list(args), prog_name="openets")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except OpenETSError as error:
        err_console.print(f"error: {error.message}", highlight=False, soft_wrap=True)
        code = error.exit_code
    else:  # pragma: no cover - typer always exits
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inputs.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_calc_prints_the_contract_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 1,234.5 MWh × 0.5306 = 655.0257 tCO2, less 5% leakage = 622.274415 → 622 t
    path = write(tmp_path, '{"generation_mwh": 1234.5, "leakage_share": 0.05}')
    code, out, err = run(capsys, "offsets", "calc", "PHCER-PV", "--input", str(path), "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "methodology": "PHCER-PV",
        "tonnes": 622,
        "exact": "622.274415",
        "detail": {
            "generation_mwh": "1234.5",
            "grid_factor": "0.5306",
            "baseline_tco2": "655.0257",
            "leakage_tco2": "32.751285",
            "net_tco2": "622.274415",
        },
    }


def test_calc_reads_json_numbers_exactly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 0.1 as a float is 0.1000000000000000055…; read as a decimal it is 0.1:
    # 3 × (0.4 − 0.1) kg = 0.9 kg = 0.0009 t
    path = write(
        tmp_path, '{"activity": 3, "baseline_kg_per_unit": 0.4, "project_kg_per_unit": 0.1}'
    )
    code, out, err = run(capsys, "offsets", "calc", "phcer-travel", "--input", str(path), "--json")
    assert code == 0, err
    document = json.loads(out)
    assert (document["methodology"], document["exact"], document["tonnes"]) == (
        "PHCER-TRAVEL",
        "0.0009",
        0,
    )


def test_calc_for_people_prints_the_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, '{"biogas_m3": 100000, "ch4_fraction": "0.6"}')
    code, out, err = run(capsys, "offsets", "calc", "CCER-BIOGAS", "--input", str(path))
    assert code == 0, err
    # 100,000 × 0.6 × 0.000716 × 0.9 × 21 = 811.944 tCO2e → 811 t
    assert "CCER-BIOGAS: 811.944 tCO2e, creditable 811 t" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold one JSON object"),
        ('{"generation_mwh": NaN}', "NaN is not a number"),
        ('{"generation_mwh": -3}', "'generation_mwh' must not be negative"),
        ('{"generation_mwh": "3", "extra": 1}', "unknown input 'extra'"),
        ("{}", "missing input 'generation_mwh'"),
    ],
)
def test_calc_refuses_bad_input_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    code, out, err = run(capsys, "offsets", "calc", "PHCER-PV", "--input", str(path), "--json")
    assert code == 2
    assert out == ""
    assert message in err


def test_calc_refuses_a_missing_file_and_an_unknown_methodology(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = str(tmp_path / "nope.json")
    code, _, err = run(capsys, "offsets", "calc", "PHCER-PV", "--input", missing)
    assert code == 2
    assert "cannot read input file" in err
    path = write(tmp_path, "{}")
    code, _, err = run(capsys, "offsets", "calc", "NOPE", "--input", str(path))
    assert code == 2
    assert "unknown methodology 'NOPE'; known: PHCER-PV" in err


def test_methodology_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "offsets", "methodology", "list", "--json")
    assert code == 0, err
    document: list[dict[str, Any]] = json.loads(out)
    assert [m["code"] for m in document] == [
        "PHCER-PV",
        "PHCER-FOREST",
        "SINK-MANGROVE",
        "PHCER-TRAVEL",
        "CCER-BIOGAS",
        "CCER-HYDRO",
        "CCER-FUEL-SWITCH",
    ]
    for methodology in document:
        assert list(methodology) == ["code", "name", "types", "source", "inputs"]
    by_code = {m["code"]: m for m in document}
    assert by_code["PHCER-FOREST"]["types"] == ["forestry"]
    assert by_code["SINK-MANGROVE"]["types"] == ["mangrove"]
    assert "generation_mwh" in by_code["PHCER-PV"]["inputs"]


def test_methodology_list_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "offsets", "methodology", "list")
    assert code == 0, err
    assert "PHCER-FOREST" in out
    assert "IPCC 2006" in out
