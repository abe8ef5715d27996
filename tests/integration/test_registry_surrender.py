"""The registry's SurrenderUnits command on SQLite and PostgreSQL: one journal entry moving
several instruments to the cancellation account, all or nothing, idempotent under its key."""

from __future__ import annotations

import json

import pytest

from openets import App
from openets.errors import Conflict, InvalidInput, RuleViolation
from openets.registry import services
from openets.registry.audit import verify
from openets.registry.model import (
    CANCELLATION_ACCOUNT,
    EntryKind,
    IssueUnits,
    SurrenderUnits,
)


@pytest.fixture
def holder(app: App) -> App:
    services.open_account(app, "GD-STEEL", "compliance", "Guangdong Steel")
    services.execute(app, IssueUnits("GDEA-2024", 1_000, "GD-STEEL"))  # serials 1-1000
    services.execute(app, IssueUnits("CCER", 300, "GD-STEEL"))  # serials 1-300
    services.execute(app, IssueUnits("PHCER", 50, "GD-STEEL"))  # serials 1-50
    return app


def held(app: App, account: str = "GD-STEEL") -> dict[str, int]:
    return {p.instrument: p.quantity for p in services.balance(app, account).balances}


def test_one_entry_moves_several_instruments_to_cancellation(holder: App) -> None:
    command = SurrenderUnits(
        "GD-STEEL", (("GDEA-2024", 900), ("CCER", 100), ("PHCER", 50)), "compliance 2024"
    )
    receipt = services.execute(holder, command)
    entry = receipt.entry
    assert entry.kind is EntryKind.SURRENDER
    assert json.loads(entry.memo) == {"reason": "compliance 2024"}
    # each instrument leaves from its lowest serials: one block each, two postings per block
    moves = [
        (p.account, p.instrument, p.amount, p.serial_start, p.serial_end) for p in entry.postings
    ]
    assert moves == [
        ("GD-STEEL", "GDEA-2024", -900, 1, 900),
        (CANCELLATION_ACCOUNT, "GDEA-2024", 900, 1, 900),
        ("GD-STEEL", "CCER", -100, 1, 100),
        (CANCELLATION_ACCOUNT, "CCER", 100, 1, 100),
        ("GD-STEEL", "PHCER", -50, 1, 50),
        (CANCELLATION_ACCOUNT, "PHCER", 50, 1, 50),
    ]
    assert held(holder) == {"GDEA-2024": 100, "CCER": 200}
    # issued - cancelled = outstanding: 1,000 - 900 = 100 allowances left
    supply = services.supply(holder, "GDEA-2024")
    assert (supply.issued, supply.cancelled, supply.outstanding) == (1_000, 900, 100)
    assert services.supply(holder, "PHCER").cancelled == 50
    assert len(services.journal_page(holder).items) == 4  # three issues and the surrender
    assert verify(holder).ok


def test_all_or_nothing_when_one_line_lacks_balance(holder: App) -> None:
    before = held(holder)
    command = SurrenderUnits("GD-STEEL", (("GDEA-2024", 900), ("CCER", 301)), "compliance 2024")
    with pytest.raises(RuleViolation, match=r"insufficient balance.*300 t of CCER available"):
        services.execute(holder, command)
    assert held(holder) == before
    assert services.supply(holder, "GDEA-2024").cancelled == 0
    assert len(services.journal_page(holder).items) == 3
    assert verify(holder).ok


def test_a_key_replays_the_first_entry_and_refuses_another_request(holder: App) -> None:
    command = SurrenderUnits("GD-STEEL", (("GDEA-2024", 10),), "compliance 2024", key="s-1")
    first = services.execute(holder, command)
    again = services.execute(holder, command)
    assert (again.replayed, again.entry.seq) == (True, first.entry.seq)
    assert held(holder)["GDEA-2024"] == 990  # moved once
    other = SurrenderUnits("GD-STEEL", (("GDEA-2024", 11),), "compliance 2024", key="s-1")
    with pytest.raises(Conflict, match="already used for a different request"):
        services.execute(holder, other)
    assert held(holder)["GDEA-2024"] == 990


def test_malformed_surrenders_are_refused(holder: App) -> None:
    with pytest.raises(InvalidInput, match="each instrument once"):
        services.execute(
            holder,
            SurrenderUnits("GD-STEEL", (("CCER", 1), ("CCER", 2)), "compliance 2024"),
        )
    with pytest.raises(InvalidInput, match="at least one instrument"):
        services.execute(holder, SurrenderUnits("GD-STEEL", (), "compliance 2024"))
    with pytest.raises(InvalidInput, match="needs a reason"):
        services.execute(holder, SurrenderUnits("GD-STEEL", (("CCER", 1),), " "))
    with pytest.raises(InvalidInput, match="positive whole number"):
        services.execute(holder, SurrenderUnits("GD-STEEL", (("CCER", 0),), "compliance 2024"))
    assert len(services.journal_page(holder).items) == 3
