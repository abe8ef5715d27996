"""``openets evaluate enterprise`` contract: grade, score, indicators and reasons (exact)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openets import App


def test_evaluate_enterprise_json(cli_at: Callable[[str], Any], tmp_path: Path) -> None:
    # intensity 0.6/0.85 = 0.70588… ≤ 0.8 → 70 × 0.30 = 21; renewables 0.32 ≥ 0.3 → 70 × 0.2
    # = 14; level 2 → 70 × 0.15 = 10.5; trend −0.03 ≤ −0.02 → 70 × 0.15 = 10.5; offsets 0.1 ≥
    # 0.05 → 40 × 0.1 = 4; 4 practices ≥ 3 → 70 × 0.1 = 7: score 67 → low carbon
    data = {
        "enterprise": "Example Ceramics", "emission_intensity": 0.6, "benchmark": 0.85,
        "renewable_share": 0.32, "energy_management": 2, "reduction_trend": -0.03,
        "offsets_share": 0.1, "management_practices": 4,
    }  # fmt: skip
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data))
    out = cli_at("sqlite:///unused.db").json("evaluate", "enterprise", str(path))
    assert (out["grade"], out["score"]) == ("low_carbon", "67.00")
    assert [(i["code"], i["threshold"], i["points"], i["weight"]) for i in out["indicators"]] == [
        ("emission_intensity", "0.8", "70", "0.3"),
        ("renewable_share", "0.3", "70", "0.2"),
        ("energy_management", "2", "70", "0.15"),
        ("reduction_trend", "-0.02", "70", "0.15"),
        ("offsets_share", "0.05", "40", "0.1"),
        ("management_practices", "3", "70", "0.1"),
    ]
    assert out["reasons"] == [
        "not Near-zero carbon: score 67.00 < 85",
        "score 67.00 ≥ 60: Low carbon",
    ]


def test_evaluate_records_and_refuses_bad_input(
    app: App, cli_at: Callable[[str], Any], tmp_path: Path
) -> None:
    cli = cli_at(app.engine.url.render_as_string(hide_password=False))
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"enterprise": "E", "emission_intensity_ratio": "0.5"}))
    assert cli.json("evaluate", "enterprise", str(path), "--record")["score"] == "30.00"
    path.write_text(json.dumps({"enterprise": "E", "entity": "NOPE"}))
    assert cli.fails(3, "evaluate", "enterprise", str(path)).startswith("error: ")
