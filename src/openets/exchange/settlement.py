"""Delivery versus payment into the registry, T+0.

A settlement is ONE registry journal entry (:class:`~openets.registry.model.SettleTrades`):
units go from sellers to buyers and ``price × qty`` fen of ``CNY`` from buyers to sellers,
both out of what the orders had reserved, with the postings netted per (account,
instrument) over the batch. Continuous trading settles each order's fills at once (one entry
per order command); :func:`settle_batch` settles any number of trades in one entry, for bulk
replays, auctions and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from openets.bootstrap import App
from openets.registry.bulk import gc_paused
from openets.registry.model import (
    JournalEntry,
    ReservationLine,
    SettleTrades,
    TradeLine,
    optional_key,
)
from openets.registry.services import execute_in

__all__ = ["ReservationLine", "TradeLine", "settle_batch", "settle_in"]


def settle_in(
    app: App,
    connection: Connection,
    trades: Sequence[TradeLine],
    reservations: Sequence[ReservationLine] = (),
    reason: str = "",
    key: str | None = None,
) -> JournalEntry:
    """Settle inside a transaction the caller holds; return the journal entry.

    Raises (changing nothing) if any seller's reserved units or buyer's reserved funds do not
    cover its trades, or any reservation exceeds what is available.
    """
    command = SettleTrades(tuple(trades), tuple(reservations), reason, optional_key(key))
    return execute_in(app, connection, [command])[0]


def settle_batch(
    app: App,
    trades: Sequence[TradeLine],
    reservations: Sequence[ReservationLine] = (),
    reason: str = "batch",
    key: str | None = None,
) -> JournalEntry:
    """Settle a batch of trades as one journal entry in its own transaction.

    ``reservations`` are applied with the trades (e.g. the orders' reservations, if they were
    not reserved before); a repeat with the same ``key`` returns the first entry.
    """

    def work(connection: Connection) -> JournalEntry:
        with gc_paused():
            return settle_in(app, connection, trades, reservations, reason, key)

    return app.write(work)
