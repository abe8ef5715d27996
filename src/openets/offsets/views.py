"""JSON-ready documents of offsets: what the CLI prints with ``--json`` and the API answers."""

from __future__ import annotations

import json
from typing import Any

from openets.offsets.projects import Certificate, Issuance, MonitoringReport, Project, Sale
from openets.offsets.services import CreditOrigin, ProjectDetail

__all__ = [
    "certificate_view",
    "detail_view",
    "issuance_view",
    "origin_view",
    "project_view",
    "report_view",
    "sale_view",
]


def project_view(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "scheme": project.scheme,
        "type": project.project_type,
        "methodology": project.methodology,
        "owner_account": project.account,
        "owner": project.owner,
        "province": project.province,
        "city": project.city,
        "county": project.county,
        "tags": list(project.tags),
        "crediting": list(project.crediting) if project.crediting else None,
        "status": project.status.value,
        "created_at": project.created_at,
    }


def issuance_view(issuance: Issuance) -> dict[str, Any]:
    return {
        "project": issuance.project_id,
        "year": issuance.year,
        "quantity": issuance.quantity,
        "instrument": issuance.instrument,
        "entry_seq": issuance.entry_seq,
        "serial_start": issuance.serial_start,
        "serial_end": issuance.serial_end,
        "provenance": issuance.provenance,
        "issued_at": issuance.issued_at,
    }


def sale_view(sale: Sale) -> dict[str, Any]:
    return {
        "id": sale.id,
        "project": sale.project_id,
        "quantity": sale.quantity,
        "price_fen": sale.price_fen,
        "income_fen": sale.income_fen,
        "buyer": sale.buyer,
        "date": sale.date,
        "recorded_by": sale.recorded_by,
        "recorded_at": sale.recorded_at,
    }


def detail_view(detail: ProjectDetail) -> dict[str, Any]:
    return {
        "project": project_view(detail.project),
        "issuances": [issuance_view(i) for i in detail.issuances],
        "issued": detail.issued,
        "retired": detail.retired,
        "outstanding": detail.outstanding,
        "sold": detail.sold,
        "income_fen": detail.income_fen,
        "sales": [sale_view(s) for s in detail.sales],
    }


def report_view(report: MonitoringReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "project": report.project_id,
        "period_start": report.period.start.isoformat(),
        "period_end": report.period.end.isoformat(),
        "year": report.period.year,
        "inputs": json.loads(report.inputs),
        "claimed": report.claimed,
        "computed": report.computed,
        "exact": report.exact,
        "detail": report.detail,
        "status": report.status.value,
        "submitted_by": report.submitted_by,
        "verified_by": report.verified_by,
        "approved_by": report.approved_by,
        "created_at": report.created_at,
    }


def origin_view(origin: CreditOrigin) -> dict[str, Any]:
    return {
        "instrument": origin.instrument,
        "serial": origin.serial,
        "project": project_view(origin.project),
        "vintage": origin.vintage,
        "issuance": issuance_view(origin.issuance),
    }


def certificate_view(certificate: Certificate) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "account": certificate.account,
        "instrument": certificate.instrument,
        "quantity": certificate.quantity,
        "beneficiary": certificate.beneficiary,
        "purpose": certificate.purpose,
        "entry_seq": certificate.entry_seq,
        "retired_at": certificate.retired_at,
        "blocks": [
            {
                "serial_start": b.serial_start,
                "serial_end": b.serial_end,
                "project": b.project_id,
                "vintage": b.vintage,
            }
            for b in certificate.blocks
        ],
    }
