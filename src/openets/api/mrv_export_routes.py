"""``/api/v1`` exports of an emission report: XLSX and PDF (:mod:`openets.mrv.export`).

Who may download a report is who may read it (:func:`openets.mrv.services.get_report`): the
regulator any, an entity its own, a verifier those assigned to it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from openets.api.access import roles
from openets.api.deps import AppDep, CurrentUser
from openets.api.problems import problem_responses
from openets.auth.model import Role
from openets.mrv import services
from openets.mrv.export import report_pdf, report_xlsx
from openets.pdf_fonts import cjk_font

__all__ = ["XLSX", "router"]

router = APIRouter(tags=["mrv"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
_READERS = (Role.REGULATOR.value, Role.ENTITY.value, Role.VERIFIER.value)
_SCOPE = "regulator: any; entity: its own; verifier: assigned to it"

ReportPath = Annotated[str, Path(min_length=1, max_length=100, examples=["GD-STEEL-001-2024-v1"])]


def _binary(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": what,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(401, 403, 404, 422),
    }


def _attachment(content: bytes, media_type: str, report_id: str, suffix: str) -> Response:
    # report ids are letters, digits and . _ : - only: safe in a quoted file name
    disposition = f'attachment; filename="{report_id}.{suffix}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get(
    "/emission-reports/{report_id}/export.xlsx",
    response_class=Response,
    openapi_extra=roles(_READERS, _SCOPE),
    responses=_binary(XLSX, "The report as an XLSX workbook."),
)
def export_xlsx(report_id: ReportPath, app: AppDep, user: CurrentUser) -> Response:
    """The report as an XLSX workbook. Its first sheet, ``activity``, is an activity file of
    the report's lines (adjustments applied; `openets mrv calc` reads it); the sheet
    ``report`` has the header, totals, calculations, adjustments, history and quality flags.

    **Who may call:** regulator (any); entity (its own); verifier (those assigned to it).
    """
    report = services.get_report(app, report_id, by=user)
    entity = services.get_entity(app, report.entity_id, by=user)
    return _attachment(report_xlsx(report, entity), XLSX, report.id, "xlsx")


@router.get(
    "/emission-reports/{report_id}/export.pdf",
    response_class=Response,
    openapi_extra=roles(_READERS, _SCOPE),
    responses=_binary(PDF, "The report as a PDF document (English, Latin-1 text)."),
)
def export_pdf(report_id: ReportPath, app: AppDep, user: CurrentUser) -> Response:
    """The report as a PDF document: header, totals, each line's calculation, adjustments,
    history, quality flags and factor sources. Bilingual when a Chinese font is configured or
    installed (:mod:`openets.pdf_fonts`); otherwise English, and characters outside Latin-1,
    such as Chinese names, print as ``?``.

    **Who may call:** regulator (any); entity (its own); verifier (those assigned to it).
    """
    report = services.get_report(app, report_id, by=user)
    entity = services.get_entity(app, report.entity_id, by=user)
    font = cjk_font(app.settings.pdf_font)
    return _attachment(report_pdf(report, entity, font=font), PDF, report.id, "pdf")
