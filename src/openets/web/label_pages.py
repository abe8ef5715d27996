"""Web pages of carbon labels and enterprise evaluation. All are public (no login): a label
is meant to be checked by whoever scans its QR code.

- ``/labels``: every label with its status;
- ``/labels/{id}``: the certificate, its status (valid, revoked, expired, recognised), its QR
  code, the footprint by stage and by line (ECharts), links to the PDF and the HK export;
- ``/labels/{id}/certificate.pdf``: the PDF certificate;
- ``/labels/evaluate``: a form taking the indicator values as JSON, answering with the grade,
  the score, each indicator and the reasons; the recorded evaluations below it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from openets.clock import business_date
from openets.errors import InvalidInput, OpenETSError
from openets.evaluation.indicators import evaluation_view
from openets.evaluation.services import evaluate_enterprise, list_evaluations
from openets.labels import services
from openets.labels.footprint import Stage
from openets.labels.pdf import label_pdf, qr_svg
from openets.labels.services import label_status
from openets.pdf_fonts import cjk_font
from openets.web.i18n import translator
from openets.web.routes import _error, _language, _openets, _render, _viewer

__all__ = ["router", "stage_chart"]

SECTION = "/labels"
_COLOURS = ["#2f6f9f", "#4c9a6a", "#c0703a", "#7b5ea7", "#a0a040", "#5a8fa0", "#a05a7b"]
_EXAMPLE = {
    "enterprise": "Example Ceramics Co.",
    "emission_intensity": "0.6",
    "benchmark": "0.85",
    "renewable_share": "0.32",
    "energy_management": 2,
    "reduction_trend": "-0.03",
    "offsets_share": "0.1",
    "management_practices": 4,
}

router = APIRouter(include_in_schema=False)


def stage_chart(footprint: dict[str, Any], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: a pie of the footprint by life-cycle stage (kgCO2e, stages > 0)."""
    by_stage = footprint["by_stage"]
    data = [
        {"name": t(f"label.stage.{stage.value}"), "value": float(Decimal(by_stage[stage.value]))}
        for stage in Stage  # life-cycle order (the stored document has its keys sorted)
        if stage.value in by_stage and Decimal(by_stage[stage.value]) > 0
    ]
    return {
        "color": _COLOURS,
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "series": [{"name": t("label.chart.stage"), "type": "pie", "radius": "60%", "data": data}],
    }


def line_chart(footprint: dict[str, Any], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: a horizontal bar per footprint line (kgCO2e), largest on top."""
    lines = sorted(footprint["lines"], key=lambda line: Decimal(line["kgco2e"]))
    return {
        "color": _COLOURS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": "kgCO2e"},
        "yAxis": {
            "type": "category",
            "data": [f"{line['stage']}: {line['name']}" for line in lines],
        },
        "series": [
            {
                "name": t("label.col.kgco2e"),
                "type": "bar",
                "barMaxWidth": 28,
                "data": [float(Decimal(line["kgco2e"])) for line in lines],
            }
        ],
    }


@router.get("/labels", response_class=HTMLResponse)
def labels_page(request: Request) -> Response:
    """Every label with its status."""
    application = _openets(request)
    on = business_date(application.clock.now())
    rows = [(label, label_status(label, on)) for label in services.list_labels(application)]
    return _render(request, "label_list.html", {"rows": rows}, section=SECTION)


def _evaluation_page(
    request: Request, document: str, result: dict[str, Any] | None, status_code: int = 200
) -> Response:
    application = _openets(request)
    context = {
        "document": document,
        "result": result,
        "recorded": list_evaluations(application)[:20],
    }
    return _render(
        request, "label_evaluate.html", context, status_code=status_code, section=SECTION
    )


@router.get("/labels/evaluate", response_class=HTMLResponse)
def evaluate_form(request: Request) -> Response:
    """The evaluation form, with an example filled in, and the recorded evaluations."""
    return _evaluation_page(request, json.dumps(_EXAMPLE, indent=2, ensure_ascii=False), None)


@router.post("/labels/evaluate", response_class=HTMLResponse)
def evaluate_submit(request: Request, document: Annotated[str, Form()] = "") -> Response:
    """Evaluate the posted indicator values (nothing is stored)."""
    try:
        try:
            data = json.loads(document, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"not valid JSON: {error.msg} (line {error.lineno})") from None
        evaluation = evaluate_enterprise(_openets(request), data, by=_viewer(request))
    except OpenETSError as error:
        return _error(request, error)
    return _evaluation_page(request, document, evaluation_view(evaluation))


@router.get("/labels/{label_id}", response_class=HTMLResponse)
def label_page(request: Request, label_id: str) -> Response:
    """One certificate: its fields, status, QR code and footprint charts."""
    application = _openets(request)
    try:
        label = services.get_label(application, label_id)
    except OpenETSError as error:
        return _error(request, error)
    on = business_date(application.clock.now())
    t = translator(_language(request))
    url = str(label.document.get("verification_url") or request.url)
    footprint = label.footprint
    context = {
        "label": label,
        "status": label_status(label, on),
        "document": label.document,
        "qr": qr_svg(url),
        "url": url,
        "footprint": footprint,
        "stage_chart": stage_chart(footprint, t) if footprint else None,
        "line_chart": line_chart(footprint, t) if footprint else None,
    }
    return _render(request, "label_certificate.html", context, section=SECTION)


@router.get("/labels/{label_id}/certificate.pdf")
def label_pdf_page(request: Request, label_id: str) -> Response:
    """The PDF certificate of a label issued here."""
    application = _openets(request)
    try:
        label = services.get_label(application, label_id)
    except OpenETSError as error:
        return _error(request, error)
    on = business_date(application.clock.now())
    font = cjk_font(application.settings.pdf_font)
    content = label_pdf(label, label_status(label, on), on, font=font)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{label.id}.pdf"'},
    )
