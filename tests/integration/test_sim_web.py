"""The ``/sim`` page: examples prefilled, two scenarios compared, errors shown on the page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import bootstrap
from openets.api import create_api
from openets.simulation.scenario import example_text

A = """years = [2025, 2026]
[market]
cap = [240000, 270000]
[[firms]]
id = "F1"
baseline = 100000
mac_slope = 0.001
[[firms]]
id = "F2"
baseline = 200000
mac_slope = 0.002
"""
B = A.replace("cap = [240000, 270000]", "cap = [240000, 270000]\nprice_floor = 30")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    application = bootstrap(f"sqlite:///{tmp_path}/openets.db")
    with TestClient(create_api(application)) as test_client:
        yield test_client
    application.dispose()


def chart(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}-options">(.*?)</script>', html)
    assert found, name
    options: dict[str, Any] = json.loads(found.group(1))
    return options


def test_form_prefilled_with_examples(client: TestClient) -> None:
    response = client.get("/sim")
    assert response.status_code == 200
    html = response.text
    assert "Policy simulation" in html
    assert "name = &#34;Cap and trade&#34;" in html
    assert "name = &#34;ETS with a carbon tax as a floor&#34;" in html
    assert "sim-price" not in html  # nothing simulated yet
    chosen = client.get("/sim?a=banking").text
    assert "name = &#34;Cap and trade with banking&#34;" in chosen


def test_compare_two_scenarios(client: TestClient) -> None:
    response = client.post("/sim", data={"scenario_a": A, "scenario_b": B})
    assert response.status_code == 200, response.text
    html = response.text
    price = chart(html, "sim-price")
    # A: 40 then 20; B: the 30 floor lifts 2026
    assert price["series"] == [
        {"name": "A", "type": "line", "data": [40.0, 20.0]},
        {"name": "B", "type": "line", "data": [40.0, 30.0]},
    ]
    emissions = chart(html, "sim-emissions")
    assert [s["data"] for s in emissions["series"]] == [
        [240_000.0, 270_000.0],
        [240_000.0, 255_000.0],
    ]
    assert html.count('data-year="2026"') == 2
    assert "sim-abatement" in html


def test_examples_run_from_a_link(client: TestClient) -> None:
    html = client.get("/sim?run=1&a=cap_and_trade&b=banking", headers={"Accept-Language": "zh"})
    assert html.status_code == 200
    assert "政策模拟" in html.text
    assert "A · Cap and trade" in html.text
    assert "B · Cap and trade with banking" in html.text
    assert example_text("banking").splitlines()[0].startswith("#")


def test_errors_shown_on_the_page(client: TestClient) -> None:
    response = client.post("/sim", data={"scenario_a": A, "scenario_b": "years = ["})
    assert response.status_code == 400
    assert 'id="sim-error"' in response.text
    assert "B: scenario: not valid TOML" in response.text
    assert "years = [</textarea>" in response.text  # the text is kept
    only_a = client.post("/sim", data={"scenario_a": A})
    assert only_a.status_code == 200
    assert chart(only_a.text, "sim-price")["series"] == [
        {"name": "A", "type": "line", "data": [40.0, 20.0]}
    ]


def test_every_label_of_the_page_exists_in_both_languages() -> None:
    from openets.simulation.scenario import example_names
    from openets.web import i18n_sim

    template = Path(i18n_sim.__file__).parent / "templates" / "sim_page.html"
    used = set(re.findall(r"t\('(sim\.[a-z_.]+)'\)", template.read_text(encoding="utf-8")))
    used |= {f"sim.example.{name}" for name in example_names()}
    used |= {"sim.unit.price", "sim.unit.t"}  # the charts' axis names
    assert used <= i18n_sim.EN.keys()
    assert i18n_sim.EN.keys() == i18n_sim.ZH.keys()
