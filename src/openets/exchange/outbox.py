"""The event outbox: events are written in the same transaction as the change they report,
and a publisher sends the unpublished ones on, oldest first, stamping ``published_at``.

Topics: ``exchange.trade`` (one per trade), ``exchange.order`` (an order placed, amended,
cancelled or expired), ``exchange.close`` (an instrument's closed day). The payload is JSON.
The bundled publisher writes to the log; a NATS or Redis publisher implements the same
one-method :class:`Publisher` protocol.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, select, update

from openets.bootstrap import App
from openets.clock import utc_text
from openets.db.tables_exchange import outbox

__all__ = ["Event", "LogPublisher", "Publisher", "pending", "publish_pending", "record"]


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    topic: str
    payload: dict[str, Any]
    created_at: str
    published_at: str | None


class Publisher(Protocol):
    """Sends one event on; raising leaves it unpublished (it is sent again next time)."""

    def publish(self, event: Event) -> None: ...


class LogPublisher:
    """Publishes to the ``openets.events`` logger, one line per event."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("openets.events")

    def publish(self, event: Event) -> None:
        self.logger.info(
            "%s %s", event.topic, json.dumps(event.payload, sort_keys=True, ensure_ascii=False)
        )


def record(connection: Connection, topic: str, payloads: list[dict[str, Any]], at: str) -> None:
    """Add events of one topic, in the caller's transaction."""
    if payloads:
        connection.execute(
            outbox.insert(),
            [
                {
                    "topic": topic,
                    "payload": json.dumps(p, sort_keys=True, ensure_ascii=False),
                    "created_at": at,
                    "published_at": None,
                }
                for p in payloads
            ],
        )


def _event(row: Any) -> Event:
    return Event(int(row.id), row.topic, json.loads(row.payload), row.created_at, row.published_at)


def pending(app: App, topic: str | None = None, limit: int = 1000) -> list[Event]:
    """Unpublished events, oldest first."""
    query = select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
    if topic is not None:
        query = query.where(outbox.c.topic == topic)
    with app.reading() as connection:
        return [_event(row) for row in connection.execute(query.limit(limit))]


def publish_pending(app: App, publisher: Publisher, limit: int = 1000) -> int:
    """Publish up to ``limit`` unpublished events in order; return how many were sent.

    Each event is stamped in the same transaction that read it; an event whose publish
    raises stops the run and stays unpublished (delivery is at least once).
    """

    def work(connection: Connection) -> int:
        rows = connection.execute(
            select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(limit)
        ).all()
        sent = 0
        stamp = utc_text(app.clock.now())
        for row in rows:
            publisher.publish(_event(row))
            connection.execute(
                update(outbox).where(outbox.c.id == row.id).values(published_at=stamp)
            )
            sent += 1
        return sent

    return app.write(work)
