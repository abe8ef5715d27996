"""Plain-data views of MRV values, shared by the CLI's ``--json``, the REST API and the web.

Exact decimals (activity data, factors, tCO2) are strings of fixed-point text so that no
float ever carries them; compliance totals are whole tonnes (integers).
"""

from __future__ import annotations

from typing import Any

from openets.mrv.calc import decimal_text
from openets.mrv.entities import Entity, Facility, MonitoringPlan, SourceStream
from openets.mrv.reports import (
    AdjustmentRecord,
    QualityFlag,
    Report,
    ReportLine,
    ReportReceipt,
    ReportSummary,
    Transition,
    VerifiedEmissions,
    optional_text,
)


def entity_view(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "name": entity.name,
        "sector": entity.sector.value,
        "jurisdiction": entity.jurisdiction.value,
        "account": entity.id,
        "created_at": entity.created_at,
    }


def facility_view(facility: Facility) -> dict[str, Any]:
    return {
        "id": facility.id,
        "entity": facility.entity_id,
        "name": facility.name,
        "city": facility.city,
        "created_at": facility.created_at,
    }


def stream_view(stream: SourceStream) -> dict[str, Any]:
    return {
        "facility_id": stream.facility_id,
        "source": stream.source.value,
        "item": stream.item,
        "method": stream.method,
    }


def plan_view(plan: MonitoringPlan) -> dict[str, Any]:
    """A facility with its monitoring plan's source streams."""
    return {**facility_view(plan.facility), "streams": [stream_view(s) for s in plan.streams]}


def line_view(line: ReportLine) -> dict[str, Any]:
    return {
        "row": line.row,
        "facility_id": line.facility_id,
        "source": line.source.value,
        "item": line.item,
        "quantity": decimal_text(line.quantity),
        "unit": line.unit.value,
        "ncv": optional_text(line.ncv),
        "cc": optional_text(line.cc),
        "of": optional_text(line.of),
        "ef": optional_text(line.ef),
        "tco2": decimal_text(line.tco2),
        "counted": line.counted,
        "factors": {name: decimal_text(v) for name, v in sorted(line.factors.items())},
        "measured": list(line.measured),
        "factor_version": line.factor_version,
    }


def adjustment_view(adjustment: AdjustmentRecord) -> dict[str, Any]:
    return {
        "row": adjustment.row,
        "field": adjustment.field,
        "original": optional_text(adjustment.original),
        "adjusted": decimal_text(adjustment.adjusted),
        "reason": adjustment.reason,
        "by": adjustment.by,
        "role": adjustment.role,
        "at": adjustment.at,
    }


def transition_view(transition: Transition) -> dict[str, Any]:
    return {
        "action": transition.action.value,
        "from": transition.from_status.value if transition.from_status else None,
        "to": transition.to_status.value,
        "by": transition.by,
        "role": transition.role,
        "at": transition.at,
        "note": transition.note,
    }


def flag_view(flag: QualityFlag) -> dict[str, Any]:
    return {"code": flag.code, "message": flag.message, "facility_id": flag.facility_id}


def report_view(report: Report) -> dict[str, Any]:
    """A whole report: totals, lines with their factors, adjustments, history and flags."""
    return {
        "id": report.id,
        "entity": report.entity_id,
        "year": report.year,
        "version": report.version,
        "status": report.status.value,
        "total_tco2": decimal_text(report.total_tco2),
        "compliance_tco2": report.compliance_tco2,
        "biomass_tco2": decimal_text(report.biomass_tco2),
        "by_source": {k: decimal_text(v) for k, v in report.by_source.items()},
        "output": optional_text(report.output),
        "energy_tce": optional_text(report.energy_tce),
        "provenance": report.provenance,
        "supersedes": report.supersedes,
        "verifier": report.verifier,
        "created_at": report.created_at,
        "factor_versions": list(report.factor_versions),
        "facilities": [
            {
                "facility_id": f.facility_id,
                "total_tco2": decimal_text(f.total_tco2),
                "compliance_tco2": f.compliance_tco2,
                "biomass_tco2": decimal_text(f.biomass_tco2),
            }
            for f in report.facilities
        ],
        "lines": [line_view(line) for line in report.lines],
        "adjustments": [adjustment_view(a) for a in report.adjustments],
        "transitions": [transition_view(t) for t in report.transitions],
        "flags": [flag_view(f) for f in report.flags],
    }


def receipt_view(receipt: ReportReceipt) -> dict[str, Any]:
    return {**report_view(receipt.report), "replayed": receipt.replayed}


def summary_view(summary: ReportSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "entity": summary.entity_id,
        "entity_name": summary.entity_name,
        "year": summary.year,
        "version": summary.version,
        "status": summary.status.value,
        "total_tco2": decimal_text(summary.total_tco2),
        "compliance_tco2": summary.compliance_tco2,
        "biomass_tco2": decimal_text(summary.biomass_tco2),
        "supersedes": summary.supersedes,
        "verifier": summary.verifier,
        "created_at": summary.created_at,
        "flags": summary.flags,
    }


def emissions_view(emissions: VerifiedEmissions) -> dict[str, Any]:
    """``{"entity", "year", "verified_tco2", "report", "version", "total_tco2", "by_source"}``."""
    return {
        "entity": emissions.entity_id,
        "year": emissions.year,
        "verified_tco2": emissions.tco2,
        "report": emissions.report_id,
        "version": emissions.version,
        "total_tco2": decimal_text(emissions.total_tco2),
        "by_source": {k: decimal_text(v) for k, v in emissions.by_source.items()},
    }
