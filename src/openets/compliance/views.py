"""JSON-ready documents of the compliance cycle: what the CLI prints with ``--json`` and the
REST API answers. Tonnes and fen are integers; shares are decimal strings; dates ISO."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from openets.compliance.calendar import Deadline, YearCalendar
from openets.compliance.coverage import CoverageLine
from openets.compliance.services import (
    CloseOutcome,
    EntityPosition,
    EntityStatus,
    SurrenderReceipt,
)

__all__ = [
    "calendar_view",
    "calendars_view",
    "close_view",
    "coverage_view",
    "extensions_view",
    "position_view",
    "status_view",
    "surrender_view",
]


def surrender_view(receipt: SurrenderReceipt) -> dict[str, Any]:
    return {
        "id": receipt.id,
        "entity": receipt.entity_id,
        "year": receipt.year,
        "entry_seq": receipt.entry_seq,
        "allowances": receipt.allowances,
        "offsets": receipt.offsets,
        "lines": [
            {
                "instrument": line.instrument,
                "quantity": line.quantity,
                "offset": line.is_offset,
                "project": line.project_id,
                "project_type": line.project_type,
                "province": line.province,
            }
            for line in receipt.lines
        ],
        "actor": receipt.actor,
        "at": receipt.at,
        "replayed": receipt.replayed,
    }


def _status(item: EntityStatus) -> dict[str, Any]:
    return {
        "entity": item.entity_id,
        "name": item.name,
        "sector": item.sector,
        "jurisdiction": item.jurisdiction,
        "covered": item.covered,
        "verified_tco2": item.verified_tco2,
        "surrendered_allowances": item.surrendered_allowances,
        "surrendered_offsets": item.surrendered_offsets,
        "shortfall": item.shortfall,
        "status": item.status.value,
        "closed": item.closed,
        "report_late": item.report_late,
    }


def status_view(year: int, statuses: Sequence[EntityStatus]) -> dict[str, Any]:
    return {"year": year, "entities": [_status(s) for s in statuses]}


def close_view(outcome: CloseOutcome) -> dict[str, Any]:
    return {
        "year": outcome.year,
        "jurisdictions": [c.jurisdiction for c in outcome.closed],
        "closed": [
            {"jurisdiction": c.jurisdiction, "actor": c.actor, "at": c.at} for c in outcome.closed
        ],
        "newly_closed": list(outcome.newly_closed),
        "penalties": [
            {
                "entity": p.entity_id,
                "jurisdiction": p.jurisdiction,
                "verified": p.verified,
                "surrendered": p.surrendered,
                "shortfall": p.shortfall,
                "deduction_next_year": p.deduction_next_year,
                "fine_fen": p.fine_fen,
                "price_fen": p.price_fen,
                "multiple": p.multiple,
            }
            for p in outcome.penalties
        ],
        "pending": [
            {"entity": p.entity_id, "jurisdiction": p.jurisdiction, "reason": p.reason}
            for p in outcome.pending
        ],
    }


def _deadline(deadline: Deadline, on: date | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": deadline.name,
        "date": deadline.date.isoformat(),
        "configured": deadline.configured.isoformat(),
        "extended": deadline.extended,
        "reason": deadline.reason,
    }
    if on is not None:
        document["days_left"] = (deadline.date - on).days
    return document


def calendar_view(calendar: YearCalendar, on: date | None = None) -> dict[str, Any]:
    """One jurisdiction's deadlines; with ``on`` (the business date) the days left to each
    (negative once passed)."""
    document: dict[str, Any] = {
        "jurisdiction": calendar.jurisdiction,
        "year": calendar.year,
        "deadlines": [_deadline(d, on) for d in calendar.deadlines],
        "source": calendar.source,
    }
    if on is not None:
        document["today"] = on.isoformat()
    return document


def calendars_view(year: int, calendars: Sequence[YearCalendar], on: date) -> dict[str, Any]:
    return {
        "year": year,
        "today": on.isoformat(),
        "jurisdictions": [calendar_view(c, on) for c in calendars],
    }


def extensions_view(year: int, deadline: str, moved: Sequence[Deadline]) -> dict[str, Any]:
    return {
        "year": year,
        "deadline": deadline,
        "extensions": [
            {
                "jurisdiction": d.jurisdiction,
                "deadline": d.name,
                "configured": d.configured.isoformat(),
                "until": d.date.isoformat(),
                "reason": d.reason,
                "actor": d.extended_by,
                "at": d.extended_at,
            }
            for d in moved
        ],
    }


def position_view(position: EntityPosition) -> dict[str, Any]:
    state = position.status
    offsets = position.offsets
    return {
        "entity": state.entity_id,
        "name": state.name,
        "jurisdiction": state.jurisdiction,
        "year": state.year,
        "today": position.today.isoformat(),
        "covered": state.covered,
        "obligation": state.verified_tco2,
        "surrendered": {
            "allowances": state.surrendered_allowances,
            "offsets": state.surrendered_offsets,
            "total": state.surrendered_allowances + state.surrendered_offsets,
        },
        "shortfall": state.shortfall,
        "status": state.status.value,
        "closed": state.closed,
        "report_late": state.report_late,
        "holdings": [
            {
                "instrument": h.instrument,
                "vintage": h.vintage,
                "quantity": h.quantity,
                "frozen": h.frozen,
                "available": h.available,
                "usable": h.usable,
            }
            for h in position.holdings
        ],
        "offsets": {
            "basis": offsets.basis,
            "basis_year": offsets.basis_year,
            "basis_verified": offsets.basis_verified,
            "limit_share": str(offsets.limit_share),
            "limit": offsets.limit,
            "used": offsets.used,
            "headroom": offsets.headroom,
            "schemes": list(offsets.schemes),
            "excluded_types": list(offsets.excluded_types),
            "local_province": offsets.local_province,
            "local_ccer_share": str(offsets.local_ccer_share),
            "ccer_used": offsets.ccer_used,
            "ccer_local_used": offsets.ccer_local_used,
            "local_ccer_needed": offsets.local_ccer_needed,
            "market_cap": offsets.market_cap,
            "market_used": offsets.market_used,
        },
        "deadlines": [_deadline(d, position.today) for d in position.calendar.deadlines],
    }


def coverage_view(year: int, lines: Sequence[CoverageLine]) -> dict[str, Any]:
    return {
        "year": year,
        "entities": [
            {
                "entity": line.entity_id,
                "name": line.name,
                "sector": line.sector,
                "jurisdiction": line.jurisdiction,
                "covered": line.covered,
                "reason": line.reason,
                "verified_prior": line.verified_prior,
                "verified_year": line.verified_year,
            }
            for line in lines
        ],
    }
