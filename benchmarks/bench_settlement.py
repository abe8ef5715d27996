"""Benchmark: delivery-versus-payment settlement of a trade batch into SQLite.

Target (issue "The exchange"): settle 100,000 trades into SQLite in one batch at at least
50,000 trades per second.

Setup (not timed): a fresh SQLite file, ``--accounts`` member trading accounts (default 200),
each issued 1,000,000 t of GDEA-2025 and ¥5,000,000,000 of funds; ``--trades`` random trades
(default 100,000: 1-99 t at ¥40.00-50.00) between them; the orders' reservations (each
seller's tonnes, each buyer's fen) recorded as one reservation entry, as order entry would.

Timed: ``settle_batch`` of every trade: one SettleTrades journal entry netted per (account,
instrument), serial blocks of units and fen moved, hash-chained, written, committed.

Baseline (same process, its own fresh file): the same trades as plain registry transfers
through ``execute_batch``, two TransferUnits per trade (the units leg, and the money leg as a
transfer of a stand-in instrument, CCER, since CNY moves only by the exchange's commands):
one journal entry per leg. Run on ``--baseline-trades`` trades (default 20,000, to keep the
run short) and compared per trade.

``openets audit verify`` (chain, balances, serial blocks) runs on both files afterwards.

Run: ``.venv/bin/python benchmarks/bench_settlement.py [--trades N] [--accounts N]``
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import tempfile
import time
from pathlib import Path

from openets import App, bootstrap
from openets.db.migrate import upgrade
from openets.exchange import services
from openets.exchange.settlement import ReservationLine, TradeLine, settle_batch
from openets.registry.audit import verify
from openets.registry.model import FUNDS, IssueUnits, TransferUnits
from openets.registry.services import ensure_system_accounts, execute_batch

CODE = "GDEA-2025"
STAND_IN = "CCER"
UNITS_EACH = 1_000_000
FEN_EACH = 500_000_000_000


def fresh_app(path: Path) -> App:
    app = bootstrap(f"sqlite:///{path}")
    upgrade(app)
    ensure_system_accounts(app)
    return app


def make_trades(accounts: list[str], count: int, seed: int) -> list[TradeLine]:
    rng = random.Random(seed)
    trades = []
    for _ in range(count):
        buyer, seller = rng.sample(accounts, 2)
        trades.append(TradeLine(buyer, seller, CODE, rng.randint(1, 99), rng.randint(4000, 5000)))
    return trades


def seed_members(app: App, accounts: list[str], instruments: tuple[str, ...]) -> None:
    for account in accounts:
        services.add_member(app, account, f"Bench member {account}")
    issues = [IssueUnits(i, UNITS_EACH, a) for a in accounts for i in instruments]
    execute_batch(app, issues)
    for account in accounts:
        services.deposit(app, account, FEN_EACH)


def reservations(trades: list[TradeLine]) -> list[ReservationLine]:
    sold: dict[str, int] = {}
    paid: dict[str, int] = {}
    for t in trades:
        sold[t.seller] = sold.get(t.seller, 0) + t.quantity
        paid[t.buyer] = paid.get(t.buyer, 0) + t.quantity * t.price
    lines = [ReservationLine(a, CODE, q) for a, q in sold.items()]
    return lines + [ReservationLine(a, FUNDS, v) for a, v in paid.items()]


def run_settlement(
    folder: Path, accounts: list[str], trades: list[TradeLine], profile: bool
) -> float:
    app = fresh_app(folder / "settle.db")
    seed_members(app, accounts, (CODE,))
    settle_batch(app, [], reservations(trades), reason="orders")  # the reservations, untimed
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    entry = settle_batch(app, trades, reason="bench")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    report = verify(app)
    assert report.ok, report
    print(f"  settlement entry {entry.seq}: {len(entry.postings):,} postings; audit: ok")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    app.dispose()
    return elapsed


def run_baseline(folder: Path, accounts: list[str], trades: list[TradeLine]) -> float:
    app = fresh_app(folder / "baseline.db")
    for account in accounts:
        services.add_member(app, account, f"Bench member {account}")
    execute_batch(app, [IssueUnits(i, UNITS_EACH, a) for a in accounts for i in (CODE, STAND_IN)])
    commands = []
    for t in trades:
        commands.append(TransferUnits(CODE, t.quantity, t.seller, t.buyer))
        # the money leg, in a stand-in instrument: tonnes here stand for fen / 100
        commands.append(
            TransferUnits(STAND_IN, max(1, t.quantity * t.price // 10_000), t.buyer, t.seller)
        )
    started = time.perf_counter()
    result = execute_batch(app, commands)
    elapsed = time.perf_counter() - started
    assert result.applied == len(commands)
    assert verify(app).ok
    app.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--baseline-trades", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--profile", action="store_true", help="Profile the timed settlement.")
    args = parser.parse_args()
    accounts = [f"MEM-{n:03d}" for n in range(args.accounts)]
    trades = make_trades(accounts, args.trades, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"settling {len(trades):,} trades among {len(accounts)} accounts (SQLite)")
        settled = run_settlement(folder, accounts, trades, args.profile)
        rate = len(trades) / settled
        print(f"  OpenETS settle_batch: {settled:.3f} s, {rate:,.0f} trades/s (target 50,000)")
        base_trades = trades[: args.baseline_trades]
        baseline = run_baseline(folder, accounts, base_trades)
        base_rate = len(base_trades) / baseline
        print(
            f"  baseline, {len(base_trades):,} trades as 2 TransferUnits each via execute_batch: "
            f"{baseline:.3f} s, {base_rate:,.0f} trades/s"
        )
        print(f"  ratio settle_batch / baseline (trades per second): {rate / base_rate:.1f}x")


if __name__ == "__main__":
    main()
