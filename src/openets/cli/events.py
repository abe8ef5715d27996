"""``openets exchange publish``: send the outbox's unpublished events to the event bus.

The bus is ``--to URL`` or the setting ``OPENETS_EVENT_BUS`` (default ``log:``): ``log:``,
``redis://HOST:6379/0`` (Redis Streams) or ``nats://HOST:4222`` (NATS JetStream); see
:mod:`openets.events.publishers`.
"""

from __future__ import annotations

import time

import typer

from openets.bootstrap import App
from openets.cli.context import console, err_console, get_app, print_json
from openets.errors import InvalidInput
from openets.events.publishers import BusPublisher, EventBusError, publisher_for
from openets.exchange import outbox

__all__ = ["register"]

#: events published per transaction
BATCH = 1000

#: how ``--follow`` waits between polls (tests replace it)
_sleep = time.sleep


def register(app: typer.Typer) -> None:
    """Add ``publish`` to the ``exchange`` group."""
    app.command("publish")(publish)


class _Counted:
    """A publisher that counts the events the bus acknowledged."""

    def __init__(self, publisher: BusPublisher) -> None:
        self.publisher = publisher
        self.sent = 0

    def publish(self, event: outbox.Event) -> None:
        self.publisher.publish(event)
        self.sent += 1


def publish(
    ctx: typer.Context,
    to: str | None = typer.Option(
        None,
        "--to",
        help="Event bus: log:, redis://HOST:6379/0[?prefix=P] or "
        "nats://HOST:4222[?stream=S&prefix=P]. Default: the setting OPENETS_EVENT_BUS.",
        show_default=False,
    ),
    topic: str | None = typer.Option(
        None, "--topic", help="Only events of this topic (exchange.trade, exchange.order, ...)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Publish at most this many events, then stop.", show_default=False
    ),
    follow: bool = typer.Option(
        False, "--follow", help="Keep polling for new events until interrupted (Ctrl-C)."
    ),
    interval: float = typer.Option(1.0, "--interval", help="Seconds between polls (--follow)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Publish the unpublished outbox events to the event bus, oldest first (at least once)."""
    if limit is not None and limit < 1:
        raise InvalidInput(f"--limit must be a positive number of events, got {limit}")
    if not interval > 0:
        raise InvalidInput(f"--interval must be a positive number of seconds, got {interval}")
    application = get_app(ctx)
    publisher = publisher_for(to if to is not None else application.settings.event_bus)
    counted = _Counted(publisher)
    if follow and not as_json:
        err_console.print(
            f"following the outbox into {publisher.url} every {interval:g} s (Ctrl-C to stop)",
            highlight=False,
            soft_wrap=True,
        )
    with publisher:
        try:
            _drain(application, counted, topic, limit, follow, interval, quiet=as_json)
        except EventBusError as error:
            left = outbox.count_pending(application, topic)
            raise EventBusError(
                f"{error.message} ({counted.sent} published, {left} left unpublished)"
            ) from None
        except KeyboardInterrupt:
            pass  # Ctrl-C ends --follow; what the bus acknowledged is stamped
    left = outbox.count_pending(application, topic)
    if as_json:
        print_json(
            {"bus": publisher.url, "topic": topic, "published": counted.sent, "pending": left}
        )
        return
    console.print(
        f"published {_events(counted.sent)} to {publisher.url}, {left} pending",
        highlight=False,
        soft_wrap=True,
    )


def _drain(
    app: App,
    counted: _Counted,
    topic: str | None,
    limit: int | None,
    follow: bool,
    interval: float,
    quiet: bool,
) -> None:
    """Publish in batches until nothing is pending (or ``limit`` is reached); with ``follow``
    poll again every ``interval`` seconds."""
    while True:
        before = counted.sent
        while limit is None or counted.sent < limit:
            batch = BATCH if limit is None else min(BATCH, limit - counted.sent)
            if outbox.publish_pending(app, counted, batch, topic) < batch:
                break
        if follow and not quiet and counted.sent > before:
            console.print(
                f"published {_events(counted.sent - before)}", highlight=False, soft_wrap=True
            )
        if not follow or (limit is not None and counted.sent >= limit):
            return
        _sleep(interval)


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"
