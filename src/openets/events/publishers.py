"""Publishers that send the outbox's events to a message bus.

The exchange writes an event to the ``outbox`` table in the transaction of every order, trade
and close (:mod:`openets.exchange.outbox`); :func:`openets.exchange.outbox.publish_pending`
hands the unpublished ones, oldest first, to a :class:`~openets.exchange.outbox.Publisher`
and stamps each after its ``publish`` returned. Buses:

- ``log:`` — :class:`~openets.exchange.outbox.LogPublisher`, one line per event on the
  ``openets.events`` logger;
- ``redis://host:6379/0`` — :class:`RedisStreamPublisher`: ``XADD`` to the stream
  ``openets.<topic>`` (e.g. ``openets.exchange.trade``) with the fields ``id`` (the outbox id),
  ``topic``, ``created_at`` and ``payload`` (JSON). Delivery is **at least once**: an event is
  sent again when the run fails before its stamp is committed, so consumers recognise a repeat
  by its ``id`` (ids only grow, per database);
- ``nats://host:4222`` — :class:`NatsJetStreamPublisher`: publishes to the subject
  ``openets.<topic>`` of the JetStream stream ``OPENETS`` (created, or its subjects extended to
  ``openets.>``, on first use) with the header ``Nats-Msg-Id: <outbox id>``, so JetStream drops
  a repeat inside the stream's duplicate window (two minutes by default): exactly once within
  the window, at least once beyond it.

Query parameters choose the names: ``redis://…?prefix=openets``,
``nats://…?stream=OPENETS&prefix=openets``. Every publisher is a context manager that closes
its connection; a bus that refuses or does not acknowledge an event raises
:class:`EventBusError` naming the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from openets.errors import InvalidInput, OpenETSError
from openets.exchange.outbox import Event, LogPublisher, Publisher

if TYPE_CHECKING:
    import redis
    from nats.aio.client import Client as NatsClient
    from nats.js import JetStreamContext

__all__ = [
    "BusPublisher",
    "EventBusError",
    "LogBus",
    "LogPublisher",
    "NatsJetStreamPublisher",
    "Publisher",
    "RedisStreamPublisher",
    "publisher_for",
    "redact",
]

T = TypeVar("T")

DEFAULT_PREFIX = "openets"
DEFAULT_STREAM = "OPENETS"
#: seconds to wait for a connection or an acknowledgement
DEFAULT_TIMEOUT_S = 5.0
_NAME = re.compile(r"[A-Za-z0-9_-]+")


class EventBusError(OpenETSError):
    """The event bus could not be reached or did not acknowledge an event."""

    exit_code = 1
    http_status = 503
    title = "Event bus unavailable"


def redact(url: str) -> str:
    """``url`` without its password (or a NATS token, ``nats://TOKEN@host``), to name a bus
    in messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    if parts.password is not None:
        user = f"{parts.username}:***@" if parts.username else ":***@"
    elif parts.scheme.lower() == "nats":
        user = "***@"
    else:
        return url
    return urlunsplit(parts._replace(netloc=user + host))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


class BusPublisher(ABC):
    """Base of the bus publishers: the bus's name (``url``, password hidden), ``publish``,
    ``close`` and the context manager."""

    url: str

    @abstractmethod
    def publish(self, event: Event) -> None:
        """Send one event; return once the bus acknowledged it, else raise."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (a closed publisher may not publish again)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _failed(self, event: Event, error: BaseException) -> EventBusError:
        return EventBusError(
            f"event bus {self.url} did not take event {event.id} ({event.topic}): "
            f"{_one_line(error)}"
        )


class LogBus(BusPublisher):
    """:class:`LogPublisher` as a bus (``log:``): nothing to connect or close."""

    def __init__(self, logger_name: str = "openets.events") -> None:
        import logging

        self.url = "log:" if logger_name == "openets.events" else f"log:{logger_name}"
        self._log = LogPublisher(logging.getLogger(logger_name))

    def publish(self, event: Event) -> None:
        self._log.publish(event)

    def close(self) -> None:
        """Nothing to close."""


def _payload_text(event: Event) -> str:
    """The payload as the outbox stores it: JSON, sorted keys, UTF-8."""
    return json.dumps(event.payload, sort_keys=True, ensure_ascii=False)


class RedisStreamPublisher(BusPublisher):
    """``XADD`` each event to the Redis stream ``<stream_prefix>.<topic>``.

    The entry's fields are ``id`` (the outbox id: a repeat after a failed run carries the
    same one), ``topic``, ``created_at`` and ``payload`` (JSON). Redis gives each entry its own
    stream id; delivery is at least once.
    """

    def __init__(
        self, url: str, stream_prefix: str = DEFAULT_PREFIX, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        import redis

        self.url = redact(url)
        self.stream_prefix = stream_prefix
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
        )

    def stream(self, topic: str) -> str:
        """The stream an event of ``topic`` goes to."""
        return f"{self.stream_prefix}.{topic}"

    def publish(self, event: Event) -> None:
        import redis

        try:
            self._client.xadd(
                self.stream(event.topic),
                {
                    "id": str(event.id),
                    "topic": event.topic,
                    "created_at": event.created_at,
                    "payload": _payload_text(event),
                },
            )
        except redis.RedisError as error:
            raise self._failed(event, error) from error

    def close(self) -> None:
        self._client.close()


class NatsJetStreamPublisher(BusPublisher):
    """Publish each event to the JetStream subject ``<subject_prefix>.<topic>`` of ``stream``.

    The message's data is the payload JSON; its headers are ``Nats-Msg-Id`` (the outbox id:
    JetStream drops a repeat within the stream's duplicate window) and
    ``OpenETS-Created-At``. The stream is created on first use with the subjects
    ``<subject_prefix>.>``, or those subjects are added to an existing stream of that name.

    nats-py is asyncio: the publisher keeps one event loop and one connection of its own and
    runs each call to completion, so it is used from synchronous code (the CLI, a worker
    thread), not from inside a running event loop.
    """

    def __init__(
        self,
        url: str,
        stream: str = DEFAULT_STREAM,
        subject_prefix: str = DEFAULT_PREFIX,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not _NAME.fullmatch(stream):
            raise InvalidInput(f"JetStream stream name {stream!r} must be letters, digits, - or _")
        self._server = url
        self.url = redact(url)
        self.stream = stream
        self.subject_prefix = subject_prefix
        self.timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        #: the last error the client reported while connecting (its own error is vaguer)
        self._last_error: BaseException | None = None

    def subject(self, topic: str) -> str:
        """The subject an event of ``topic`` goes to."""
        return f"{self.subject_prefix}.{topic}"

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(asyncio.wait_for(work, self.timeout_s * 2))

    async def _on_error(self, error: Exception) -> None:
        self._last_error = error

    async def _connect(self) -> JetStreamContext:
        import nats
        from nats.js.errors import NotFoundError

        # nats-py retries a refused first connection forever unless it may give up after one
        # attempt per server (allow_reconnect=False alone is not enough; nats.py issue #645)
        nc = await nats.connect(
            self._server,
            connect_timeout=max(1, round(self.timeout_s)),
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            error_cb=self._on_error,
        )
        self._nc = nc
        js = nc.jetstream(timeout=self.timeout_s)
        subjects = f"{self.subject_prefix}.>"
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(name=self.stream, subjects=[subjects])
        else:
            have = list(info.config.subjects or [])
            if subjects not in have:
                await js.update_stream(info.config.evolve(subjects=[*have, subjects]))
        return js

    async def _publish(self, event: Event) -> None:
        if self._js is None:
            self._js = await self._connect()
        await self._js.publish(
            self.subject(event.topic),
            _payload_text(event).encode(),
            timeout=self.timeout_s,
            stream=self.stream,
            headers={"Nats-Msg-Id": str(event.id), "OpenETS-Created-At": event.created_at},
        )

    def publish(self, event: Event) -> None:
        import nats.errors

        try:
            self._run(self._publish(event))
        except (nats.errors.Error, OSError) as error:  # OSError: refused, timed out
            reason: BaseException = error
            if isinstance(error, nats.errors.NoServersError) and self._last_error is not None:
                reason = self._last_error
            self._drop()
            raise self._failed(event, reason) from error

    def _drop(self) -> None:
        """Close and forget the connection (the next publish connects again)."""
        import nats.errors

        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(nats.errors.Error, OSError):
                self._run(nc.close())

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._drop()
        finally:
            self._loop.close()


def _options(url: str, ours: tuple[str, ...], known: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split our own query parameters (``ours``) off a bus URL, leaving the client's
    (``known``); anything else is refused."""
    parts = urlsplit(url)
    mine: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in ours:
            if not value:
                raise InvalidInput(f"event bus URL option {name!r} is empty in {redact(url)}")
            mine[name] = value
        elif name in known:
            rest.append((name, value))
        else:
            raise InvalidInput(
                f"event bus URL {redact(url)} has an unknown option {name!r} "
                f"({parts.scheme}:// takes {', '.join((*ours, *known))})"
            )
    return urlunsplit(parts._replace(query=urlencode(rest))), mine


def publisher_for(url: str) -> BusPublisher:
    """The publisher for a bus URL: ``log:`` (optionally ``log:LOGGER``), ``redis://`` or
    ``rediss://`` (query ``prefix``, and redis-py's own options), ``nats://`` (query
    ``stream`` and ``prefix``)."""
    text = url.strip()
    scheme = urlsplit(text).scheme.lower() if ":" in text else ""
    if scheme == "log":
        name = text.split(":", 1)[1].strip("/")
        return LogBus(name or "openets.events")
    if scheme in ("redis", "rediss"):
        from redis.connection import URL_QUERY_ARGUMENT_PARSERS

        server, options = _options(text, ("prefix",), tuple(URL_QUERY_ARGUMENT_PARSERS))
        if not re.fullmatch(r"/?\d*", urlsplit(server).path):
            raise InvalidInput(
                f"event bus URL {redact(text)}: the path must be a database number (/0)"
            )
        try:
            redis_bus = RedisStreamPublisher(server, options.get("prefix", DEFAULT_PREFIX))
        except ValueError as error:  # a malformed db number or option value
            raise InvalidInput(f"event bus URL {redact(text)}: {_one_line(error)}") from None
        redis_bus.url = redact(text)
        return redis_bus
    if scheme == "nats":
        server, options = _options(text, ("stream", "prefix"), ())
        nats_bus = NatsJetStreamPublisher(
            server, options.get("stream", DEFAULT_STREAM), options.get("prefix", DEFAULT_PREFIX)
        )
        nats_bus.url = redact(text)
        return nats_bus
    raise InvalidInput(
        f"event bus {redact(text)!r} is not supported: use log:, redis://HOST:PORT/DB or "
        "nats://HOST:PORT (setting OPENETS_EVENT_BUS, option --to)"
    )
