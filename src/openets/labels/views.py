"""JSON documents of carbon labels (the CLI's ``--json`` and the REST API's answers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from openets.labels.services import Verification, label_status
from openets.labels.store import StoredLabel

__all__ = ["label_view", "verification_view"]


def label_view(label: StoredLabel, on: date) -> dict[str, Any]:
    """A stored certificate with its status on day ``on`` and, if revoked, the revocation."""
    return {
        "id": label.id,
        "origin": label.origin,
        "scheme": label.scheme,
        "product": label.product,
        "company": label.company,
        "per_unit_kgco2e": label.per_unit_kgco2e,
        "valid_until": label.valid_until.isoformat(),
        "status": label_status(label, on),
        "recognised": label.origin == "imported",
        "revocation": None
        if not label.revoked
        else {"at": label.revoked_at, "by": label.revoked_by, "reason": label.revoked_reason},
        "certificate": label.document,
        "footprint": label.footprint,
        "recorded_by": label.actor,
        "recorded_at": label.at,
    }


def verification_view(result: Verification) -> dict[str, Any]:
    return {
        "id": result.label_id,
        "valid": result.valid,
        "result": "valid" if result.valid else "invalid",
        "problems": list(result.problems),
        "checked_on": result.checked_on.isoformat(),
        "online": result.online,
    }
