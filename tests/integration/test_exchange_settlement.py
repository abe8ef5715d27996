"""Delivery-versus-payment settlement of trade batches as one registry entry (SettleTrades),
on SQLite and PostgreSQL: netting, serial blocks, reservations, conservation, the audit."""

from __future__ import annotations

import random

import pytest

from openets import App
from openets.errors import RuleViolation
from openets.exchange import services
from openets.exchange.settlement import ReservationLine, TradeLine, settle_batch
from openets.registry import audit
from openets.registry.model import FUNDS, EntryKind, IssueUnits, Posting
from openets.registry.services import balance, execute, get_entry

CODE = "GDEA-2025"


def held(app: App, account: str) -> dict[str, tuple[int, int]]:
    return {p.instrument: (p.quantity, p.frozen) for p in balance(app, account).balances}


@pytest.fixture
def members(app: App) -> App:
    for account in ("A", "B", "C"):
        services.add_member(app, account, f"Member {account}")
    execute(app, IssueUnits(CODE, 100, "A"))  # serials 1-100
    services.deposit(app, "B", 1_000_000)  # fen 1-1,000,000
    services.deposit(app, "C", 500_000)  # fen 1,000,001-1,500,000
    return app


def test_a_batch_is_one_netted_entry(members: App) -> None:
    trades = [TradeLine("B", "A", CODE, 30, 4500), TradeLine("C", "B", CODE, 10, 4600)]
    reserved = [
        ReservationLine("A", CODE, 30),
        ReservationLine("B", FUNDS, 135_000),
        ReservationLine("B", CODE, 10),  # B resells 10 t of what it buys in the same batch
        ReservationLine("C", FUNDS, 46_000),
    ]
    entry = settle_batch(members, trades, reserved, reason="test")
    assert entry.kind is EntryKind.SETTLEMENT
    assert entry.postings == (
        # CNY: B pays 135,000 - 46,000 = 89,000 net, C pays 46,000, A receives 135,000
        Posting("B", FUNDS, -89_000, 0, 1, 89_000),
        Posting("A", FUNDS, 89_000, 0, 1, 89_000),
        Posting("A", FUNDS, 46_000, 0, 1_000_001, 1_046_000),
        Posting("C", FUNDS, -46_000, 0, 1_000_001, 1_046_000),
        # units: A delivers 30 t (serials 1-30); net B +20, C +10
        Posting("A", CODE, -30, 0, 1, 30),
        Posting("B", CODE, 20, 0, 1, 20),
        Posting("C", CODE, 10, 0, 21, 30),
    )
    assert held(members, "A") == {FUNDS: (135_000, 0), CODE: (70, 0)}
    assert held(members, "B") == {FUNDS: (911_000, 0), CODE: (20, 0)}
    assert held(members, "C") == {FUNDS: (454_000, 0), CODE: (10, 0)}
    assert get_entry(members, entry.seq).hash == entry.hash
    assert audit.verify(members).ok


def test_trades_settle_only_out_of_reservations(members: App) -> None:
    with pytest.raises(RuleViolation) as refused:
        settle_batch(members, [TradeLine("B", "A", CODE, 30, 4500)])
    assert refused.value.message == (
        "account 'A' has only 0 t of GDEA-2025 reserved, 30 t needed to settle"
    )
    with pytest.raises(RuleViolation) as short:
        settle_batch(
            members,
            [TradeLine("B", "A", CODE, 30, 4500)],
            [ReservationLine("A", CODE, 30), ReservationLine("B", FUNDS, 134_999)],
        )
    assert (
        short.value.message == "account 'B' has only ¥1349.99 reserved, ¥1350.00 needed to settle"
    )
    with pytest.raises(RuleViolation, match="insufficient units: account 'A' has 100 t"):
        settle_batch(members, [], [ReservationLine("A", CODE, 101)])
    assert held(members, "A") == {CODE: (100, 0)}
    assert audit.verify(members).ok


def test_a_repeated_key_settles_once(members: App) -> None:
    trades = [TradeLine("B", "A", CODE, 5, 4500)]
    reserved = [ReservationLine("A", CODE, 5), ReservationLine("B", FUNDS, 22_500)]
    first = settle_batch(members, trades, reserved, key="batch-1")
    again = settle_batch(members, trades, reserved, key="batch-1")
    assert again.seq == first.seq
    assert held(members, "B")[CODE] == (5, 0)


def test_a_random_batch_conserves_units_and_money(app: App) -> None:
    rng = random.Random(7)
    accounts = [f"M{n:02d}" for n in range(12)]
    for account in accounts:
        services.add_member(app, account, f"Member {account}")
        execute(app, IssueUnits(CODE, 1_000, account))
        services.deposit(app, account, 50_000_000)
    trades = []
    for _ in range(1_500):
        buyer, seller = rng.sample(accounts, 2)
        trades.append(TradeLine(buyer, seller, CODE, rng.randint(1, 5), rng.randint(4000, 5000)))
    sold = {a: sum(t.quantity for t in trades if t.seller == a) for a in accounts}
    bought = {a: sum(t.quantity for t in trades if t.buyer == a) for a in accounts}
    paid = {a: sum(t.quantity * t.price for t in trades if t.buyer == a) for a in accounts}
    earned = {a: sum(t.quantity * t.price for t in trades if t.seller == a) for a in accounts}
    reserved = [ReservationLine(a, CODE, sold[a]) for a in accounts if sold[a]]
    reserved += [ReservationLine(a, FUNDS, paid[a]) for a in accounts if paid[a]]
    settle_batch(app, trades, reserved)
    for a in accounts:
        assert held(app, a) == {
            CODE: (1_000 - sold[a] + bought[a], 0),
            FUNDS: (50_000_000 - paid[a] + earned[a], 0),
        }
    assert audit.verify(app).ok
