"""The demo market: a few labelled products, enterprise evaluations and allowance pledges.

Carbon labels: three illustrative products (marked "(demo)"), each issued once under a fixed
idempotency key, one of them revoked; one enterprise evaluation fed from the MRV reports of
the first demo steel company. Every figure is illustrative.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openets.bootstrap import App
from openets.clock import business_date
from openets.errors import NotFound
from openets.evaluation.services import evaluate_enterprise, list_evaluations, record_evaluation
from openets.labels import services as labels
from openets.mrv.permissions import OPERATOR
from openets.mrv.store import MrvStore

_VERIFIER = "Demo Verification Centre (demo)"
_EVALUATED = "Demo Steel Co. 001"

_PRODUCTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Demo Ceramics Co. (demo)",
        "tile",
        {
            "product": "Glazed floor tile 600×600 (demo)",
            "declared_unit": "m2",
            "output": 10000,
            "materials": [
                {"name": "clay body", "quantity": 180000, "unit": "kg", "factor": "0.012",
                 "source": "illustrative (demo)"},
                {"name": "glaze", "quantity": 9000, "unit": "kg", "factor": "0.9",
                 "source": "illustrative (demo)"},
            ],
            "energy": [
                {"item": "grid", "quantity": "95", "unit": "MWh"},
                {"item": "natural_gas", "quantity": "3.2", "unit": "10^4 Nm3"},
            ],
            "transport": [{"mode": "truck", "tonne_km": 45000}],
        },
    ),
    (
        "Demo Paper Co. (demo)",
        "paper",
        {
            "product": "Corrugated board (demo)",
            "declared_unit": "t",
            "output": 500,
            "materials": [
                {"name": "recovered fibre", "quantity": 540000, "unit": "kg", "factor": "0.2",
                 "source": "illustrative (demo)"},
            ],
            "energy": [{"item": "grid", "quantity": "210", "unit": "MWh"}],
            "transport": [
                {"mode": "rail", "tonne_km": 120000},
                {"mode": "truck", "tonne_km": 8000},
            ],
            "allocation": {"method": "mass", "product": 500, "co_products": [
                {"name": "reject pulp", "amount": 25}
            ]},
        },
    ),
    (
        "Demo Steel Co. 001",
        "rebar",
        {
            "product": "Rebar HRB400 (demo)",
            "declared_unit": "t",
            "output": 2000,
            "materials": [
                {"name": "scrap steel", "quantity": 2200000, "unit": "kg", "factor": "0.05",
                 "source": "illustrative (demo)"},
            ],
            "energy": [{"item": "grid", "quantity": "1100", "unit": "MWh"}],
            "transport": [{"mode": "ship", "tonne_km": 900000}],
            "processes": [{"name": "electrode consumption", "quantity": 6000, "unit": "kg",
                           "factor": "3.66", "source": "illustrative (demo)"}],
        },
    ),
]  # fmt: skip


def build(app: App, seed: int, public_url: str = "http://127.0.0.1:8000") -> None:
    """Add this part of the demo to ``app``'s database (idempotent); the labels' verification
    addresses start with ``public_url`` (where the demo is served)."""
    today = business_date(app.clock.now())
    issued = []
    for company, slug, footprint in _PRODUCTS:
        result = labels.issue(
            app,
            footprint,
            company,
            today + timedelta(days=730),
            verifier=_VERIFIER,
            by=OPERATOR,
            base_url=public_url,
            key=f"demo-{seed}-label-{slug}",
        )
        issued.append(result.label)
    paper = issued[1]
    if not paper.revoked:
        labels.revoke(app, paper.id, "demo: product discontinued", by=OPERATOR)
    if not any(e.enterprise == _EVALUATED for e in list_evaluations(app, _EVALUATED)):
        data: dict[str, Any] = {
            "enterprise": _EVALUATED,
            "renewable_share": "0.18",
            "energy_management": 2,
            "offsets_share": "0.05",
            "management_practices": 3,
        }
        with app.reading() as connection:
            try:
                MrvStore(connection).existing_entity("GD-STEEL-001")
                data["entity"] = "GD-STEEL-001"
            except NotFound:
                data["emission_intensity_ratio"] = "0.9"
        evaluation = evaluate_enterprise(app, data, by=OPERATOR)
        record_evaluation(app, evaluation, data.get("entity"), by=OPERATOR)
