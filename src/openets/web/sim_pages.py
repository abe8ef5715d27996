"""Web page of the policy simulation: ``/sim``.

Two scenarios side by side, each a TOML text (the format of ``openets sim run``), prefilled
with shipped examples (``?a=NAME&b=NAME`` picks them). Submitting the form (POST ``/sim``),
or opening ``/sim?run=1``, simulates both and shows the allowance price, emissions and
abatement per year as charts, and a table per scenario. Scenario B may be left empty. The page
needs no login and no database; malformed TOML or an invalid scenario is shown on the page
(status 400), the texts kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from openets.errors import InvalidInput
from openets.simulation.model import SimulationResult
from openets.simulation.scenario import example_names, example_text, read_scenario_text
from openets.simulation.services import run_document
from openets.simulation.views import comparison_charts, result_view
from openets.web.i18n import translator
from openets.web.routes import _language, _render

__all__ = ["SECTION", "router"]

SECTION = "/sim"
DEFAULT_A, DEFAULT_B = "cap_and_trade", "tax_and_ets"
#: Longest scenario text the form accepts (characters).
MAX_TEXT = 200_000

router = APIRouter(include_in_schema=False)


def _example(name: str | None, fallback: str) -> tuple[str, str]:
    chosen = name if name in example_names() else fallback
    return chosen, example_text(chosen)


def _simulate(text: str, label: str) -> SimulationResult:
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{label}: the text is longer than {MAX_TEXT:,} characters")
    try:
        return run_document(read_scenario_text(text).document)
    except InvalidInput as error:
        raise InvalidInput(f"{label}: {error.message}") from None


def _page(
    request: Request, text_a: str, text_b: str, *, run: bool, chosen: tuple[str, str]
) -> Response:
    t = translator(_language(request))
    context: dict[str, Any] = {
        "examples": example_names(),
        "chosen": chosen,
        "text_a": text_a,
        "text_b": text_b,
        "error": None,
        "runs": [],
        "charts": None,
    }
    status = 200
    if run:
        try:
            runs = [("A", _simulate(text_a, "A"))]
            if text_b.strip():
                runs.append(("B", _simulate(text_b, "B")))
        except InvalidInput as error:
            context["error"] = error.message
            status = 400
        else:
            labelled = [(f"{k} · {r.scenario.name}" if r.scenario.name else k, r) for k, r in runs]
            context["runs"] = [(label, result_view(r, firms=False)) for label, r in labelled]
            context["charts"] = comparison_charts(labelled, t)
    return _render(request, "sim_page.html", context, status_code=status, section=SECTION)


@router.get("/sim", response_class=HTMLResponse)
def sim_page(
    request: Request, a: str | None = None, b: str | None = None, run: str | None = None
) -> Response:
    """The form with examples ``a`` and ``b``; with ``run=1`` also their results."""
    name_a, text_a = _example(a, DEFAULT_A)
    name_b, text_b = _example(b, DEFAULT_B)
    return _page(request, text_a, text_b, run=bool(run), chosen=(name_a, name_b))


@router.post("/sim", response_class=HTMLResponse)
def sim_run(
    request: Request,
    scenario_a: Annotated[str, Form()],
    scenario_b: Annotated[str, Form()] = "",
) -> Response:
    """Simulate the submitted scenarios and compare them."""
    return _page(request, scenario_a, scenario_b, run=True, chosen=("", ""))
