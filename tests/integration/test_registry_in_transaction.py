"""Registry commands inside another service's transaction, and issuance provenance."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection

from openets import App
from openets.errors import RuleViolation
from openets.registry import services
from openets.registry.audit import verify
from openets.registry.model import IssueUnits, TransferUnits


def test_provenance_is_kept_in_the_hashed_memo(app: App) -> None:
    services.open_account(app, "OWNER", "holding", "Project owner")
    provenance = (("project", "PHCER-GZ-001"), ("vintage", "2024"))
    receipt = services.execute(app, IssueUnits("PHCER", 120, "OWNER", "k1", provenance))
    assert json.loads(receipt.entry.memo) == {"project": "PHCER-GZ-001", "vintage": "2024"}
    history = services.serial_history(app, "PHCER", 60)
    assert [(m.seq, m.kind.value, m.to) for m in history] == [(1, "issue", "OWNER")]
    # the same key with another provenance is another request
    other = IssueUnits("PHCER", 120, "OWNER", "k1", (("project", "PHCER-GZ-002"),))
    with pytest.raises(Exception, match="already used for a different request"):
        services.execute(app, other)
    assert verify(app).ok


def test_execute_in_joins_the_callers_transaction(app: App) -> None:
    services.open_account(app, "A", "holding", "a")
    services.open_account(app, "B", "holding", "b")

    def work(connection: Connection) -> None:
        entries = services.execute_in(
            app, connection, [IssueUnits("CCER", 10, "A"), TransferUnits("CCER", 4, "A", "B")]
        )
        assert [e.seq for e in entries] == [1, 2]
        raise RuleViolation("the caller's own step failed")

    with pytest.raises(RuleViolation):
        app.write(work)
    # the caller's failure rolled back the registry's entries with it
    assert services.supply(app, "CCER").issued == 0
    assert services.journal_page(app).items == ()
