"""``/api/v1/sim`` routes: run a policy scenario (no login; nothing is stored).

``POST /sim/run`` takes a scenario in the shape of the TOML file (see docs/simulation.md)
as a JSON object and answers what ``openets sim run --json`` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from openets.api.access import ANYONE, roles
from openets.api.deps import Caller
from openets.api.problems import problem_responses
from openets.simulation.scenario import example_names, example_text
from openets.simulation.services import run_document
from openets.simulation.views import result_view

__all__ = ["router"]

router = APIRouter(prefix="/sim", tags=["simulation"])

Document = dict[str, Any]
_EXAMPLE = {
    "years": [2025, 2026],
    "market": {"cap": [250000, 240000], "price_floor": 0, "price_ceiling": 1000},
    "firms": [
        {"id": "F1", "covered": True, "baseline": [100000, 100000], "mac_slope": 0.001},
        {"id": "F2", "covered": True, "baseline": [200000, 200000], "mac_slope": 0.002},
    ],
}


@router.post("/run", openapi_extra=roles(ANYONE), responses=problem_responses(400, 422))
def run(
    user: Caller,
    scenario: Annotated[Document, Body(examples=[_EXAMPLE])],
    firms: Annotated[bool, Query(description="Include the per-firm results.")] = True,
) -> Document:
    """Simulate a scenario: price, emissions, abatement, cost and revenue per year.

    Prices in yuan/t rounded to 6 decimals, tonnes to 3, money to 2. At most 300,000
    firm-years per request; ``firms_csv`` is for files only (list the firms).

    **Who may call:** anyone, without login.
    """
    del user
    return result_view(run_document(scenario), firms=firms)


@router.get("/examples", openapi_extra=roles(ANYONE), responses=problem_responses(400))
def examples(user: Caller) -> Document:
    """The example scenarios shipped with OpenETS, as TOML text.

    **Who may call:** anyone, without login.
    """
    del user
    return {"examples": [{"name": n, "toml": example_text(n)} for n in example_names()]}
