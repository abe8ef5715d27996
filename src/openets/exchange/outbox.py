"""The event outbox: events are written in the same transaction as the change they report,
and a publisher sends the unpublished ones on, oldest first, stamping ``published_at``.

Topics: ``exchange.trade`` (one per trade), ``exchange.order`` (an order placed, amended,
cancelled or expired), ``exchange.close`` (an instrument's closed day). The payload is JSON.
The bundled publisher writes to the log; :mod:`openets.events.publishers` has the Redis Streams
and NATS JetStream ones (the same one-method :class:`Publisher` protocol).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, func, select, update

from openets.bootstrap import App
from openets.clock import utc_text
from openets.db.tables_exchange import outbox

__all__ = [
    "Event",
    "LogPublisher",
    "Publisher",
    "count_pending",
    "pending",
    "publish_pending",
    "record",
]


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


def count_pending(app: App, topic: str | None = None) -> int:
    """How many events (of ``topic``, if given) are unpublished."""
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    if topic is not None:
        query = query.where(outbox.c.topic == topic)
    with app.reading() as connection:
        return int(connection.execute(query).scalar_one())


def publish_pending(
    app: App, publisher: Publisher, limit: int = 1000, topic: str | None = None
) -> int:
    """Publish up to ``limit`` unpublished events (of ``topic``, if given) in order; return how
    many were sent.

    Each event is stamped after its ``publish`` returned (the bus acknowledged it), in the
    transaction that read it. An event whose publish raises stops the run: the events before
    it stay stamped, it and the rest stay unpublished and the error is raised again (delivery
    is at least once: a crash before the commit sends the batch again).
    """

    def work(connection: Connection) -> tuple[int, BaseException | None]:
        query = select(outbox).where(outbox.c.published_at.is_(None))
        if topic is not None:
            query = query.where(outbox.c.topic == topic)
        # FOR UPDATE (PostgreSQL) makes a second publisher wait, then skip what this one sent
        rows = connection.execute(query.order_by(outbox.c.id).limit(limit).with_for_update()).all()
        sent = 0
        stamp = utc_text(app.clock.now())
        for row in rows:
            try:
                publisher.publish(_event(row))
            except BaseException as error:  # Ctrl-C too: keep the stamps of what was sent
                return sent, error
            connection.execute(
                update(outbox).where(outbox.c.id == row.id).values(published_at=stamp)
            )
            sent += 1
        return sent, None

    sent, failure = app.write(work)
    if failure is not None:
        raise failure
    return sent
