"""JSON documents of allocation, the same for the CLI (``--json``), the REST API and the web.

Tonnes are integers; the method's inputs and its exact result are decimal strings.
"""

from __future__ import annotations

from typing import Any

from openets.allocation.services import (
    AllocationLine,
    AllocationRound,
    AllocationRun,
    AllocationTable,
    JurisdictionTotals,
    LineReceipt,
    Missing,
)
from openets.mrv.calc import decimal_text

__all__ = [
    "line_view",
    "missing_view",
    "outcome_view",
    "plan_view",
    "receipt_view",
    "round_view",
    "stored_line_view",
    "table_view",
    "totals_view",
]


def totals_view(t: JurisdictionTotals) -> dict[str, Any]:
    """A jurisdiction's cap and totals of a preview."""
    return {
        "name": t.name,
        "cap": t.cap,
        "entitlement": t.entitlement,
        "allocated": t.allocated,
        "free": t.free,
        "reserve": t.reserve,
        "scaled": t.scaled,
    }


def line_view(line: AllocationLine) -> dict[str, Any]:
    """An entity's allocation: ``deduction`` taken off the free part, ``issue`` the units
    issued (> 0) or taken back (< 0)."""
    return {
        "entity": line.entity,
        "jurisdiction": line.jurisdiction,
        "sector": line.sector,
        "method": line.method,
        "inputs": dict(line.inputs),
        "exact": decimal_text(line.exact),
        "entitlement": line.entitlement,
        "allocated": line.allocated,
        "free": line.free,
        "reserve": line.reserve,
        "deduction": line.deducted,
        "issue": line.issued,
    }


def stored_line_view(line: AllocationLine) -> dict[str, Any]:
    """A stored line: :func:`line_view` with its year, phase, the tonnes still owed (could not
    be taken back), the registry entry and when it was recorded."""
    return {
        "year": line.year,
        "phase": line.phase,
        **line_view(line),
        "owed": line.owed,
        "entry_seq": line.entry_seq,
        "at": line.at,
    }


def missing_view(item: Missing) -> dict[str, Any]:
    return {"entity": item.entity, "reason": item.reason}


def plan_view(run: AllocationRun) -> dict[str, Any]:
    """The preview of a pre-allocation (``openets allocation compute YEAR --json``)."""
    return {
        "year": run.year,
        "jurisdictions": [totals_view(t) for t in run.jurisdictions],
        "entities": [line_view(line) for line in run.lines],
        "missing": [missing_view(m) for m in run.missing],
    }


def outcome_view(run: AllocationRun) -> dict[str, Any]:
    """An issued round (pre-allocation or true-up): the preview's document with the phase,
    whether it had been issued before (``replayed``), the registry entries and owed tonnes."""
    return {
        "year": run.year,
        "phase": run.phase,
        "replayed": run.replayed,
        "jurisdictions": [
            {
                **totals_view(t),
                "replayed": t.replayed,
                "reserve_entry_seq": t.reserve_entry_seq,
                "at": t.at,
            }
            for t in run.jurisdictions
        ],
        "entities": [stored_line_view(line) for line in run.lines],
        "missing": [missing_view(m) for m in run.missing],
    }


def receipt_view(receipt: LineReceipt) -> dict[str, Any]:
    """A new entrant's or a closure's line, and whether it had been recorded before."""
    return {**stored_line_view(receipt.line), "replayed": receipt.replayed}


def round_view(item: AllocationRound) -> dict[str, Any]:
    return {
        "jurisdiction": item.jurisdiction,
        "year": item.year,
        "phase": item.phase,
        "cap": item.cap,
        "free_total": item.free_total,
        "reserve_total": item.reserve_total,
        "reserve_entry_seq": item.reserve_entry_seq,
        "actor": item.actor,
        "at": item.at,
    }


def table_view(table: AllocationTable) -> dict[str, Any]:
    """The stored rounds and lines of a year (``openets allocation show YEAR --json``)."""
    return {
        "year": table.year,
        "rounds": [round_view(r) for r in table.rounds],
        "lines": [stored_line_view(line) for line in table.lines],
    }
