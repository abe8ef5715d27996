"""The outbox's events on the real buses: Redis Streams and NATS JetStream, on SQLite and
PostgreSQL.

Redis (``OPENETS_TEST_REDIS_URL``, default redis://127.0.0.1:6379/0) and NATS with JetStream
(``OPENETS_TEST_NATS_URL``, default nats://127.0.0.1:4222) must run; without them the tests
skip with the reason, except under CI (``CI`` set), where they fail. Each test uses streams of
its own (a uuid in the name) and deletes them afterwards.

The market: GDEA-2025 listed at ¥45.00, S holds 1,000 t, B ¥100,000.00; at 2025-07-01 10:00
CST (the ``app`` clock) S sells 100 t at 45.20 (order 1) and B buys 40 t at 45.30 (order 2),
which trades 40 t at the resting 45.20 (trade 1, value 180,800 fen, journal entry 4: the issue,
the deposit and the sell order's reservation come first). Outbox: 1 order 1 placed, 2 the
trade, 3 order 2 placed (filled).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from openets import App
from openets.errors import InvalidInput
from openets.events import (
    EventBusError,
    LogBus,
    NatsJetStreamPublisher,
    RedisStreamPublisher,
    publisher_for,
)
from openets.exchange import outbox, services
from openets.registry.model import IssueUnits
from openets.registry.services import execute

REDIS_URL = os.environ.get("OPENETS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("OPENETS_TEST_NATS_URL", "nats://127.0.0.1:4222")
CODE = "GDEA-2025"
AT = "2025-07-01T02:00:00.000000Z"

ORDER_1 = {
    "account": "S",
    "event": "placed",
    "instrument": CODE,
    "order": 1,
    "price": 4520,
    "remaining": 100,
    "side": "sell",
    "status": "open",
}
TRADE_1 = {
    "at": AT,
    "buy": 2,
    "buyer": "B",
    "date": "2025-07-01",
    "entry": 4,
    "instrument": CODE,
    "price": 4520,
    "qty": 40,
    "sell": 1,
    "seller": "S",
    "trade": 1,
    "value": 180_800,  # 40 t x 4,520 fen
}
ORDER_2 = {
    "account": "B",
    "event": "placed",
    "instrument": CODE,
    "order": 2,
    "price": 4530,
    "remaining": 0,
    "side": "buy",
    "status": "filled",
}


# --- the services, skipped (locally) or failed (CI) when down --------------------------------


def _require(reachable: bool, what: str) -> None:
    if reachable:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what}: under CI a skipped event bus test counts as a failure")
    pytest.skip(what)


@functools.cache
def redis_reachable() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@functools.cache
def jetstream_reachable() -> bool:
    """A NATS server answers with its INFO line, which says whether JetStream is on."""
    parts = urlsplit(NATS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=2) as sock:
            line = sock.makefile("rb").readline()
    except OSError:
        return False
    if not line.startswith(b"INFO "):
        return False
    return bool(json.loads(line[5:]).get("jetstream"))


def require_redis() -> None:
    _require(redis_reachable(), f"Redis is not reachable at {REDIS_URL}")


def require_jetstream() -> None:
    _require(jetstream_reachable(), f"NATS with JetStream is not reachable at {NATS_URL}")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A stream prefix of this test's own; its streams are deleted afterwards."""
    require_redis()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}.*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def jetstream() -> Iterator[tuple[str, str]]:
    """(stream, subject prefix) of this test's own; the stream is deleted afterwards."""
    require_jetstream()
    tag = uuid.uuid4().hex[:12]
    stream, prefix = f"TEST_{tag}", f"test-{tag}"
    yield stream, prefix

    async def delete() -> None:
        import nats
        from nats.js.errors import NotFoundError

        nc = await nats.connect(NATS_URL, allow_reconnect=False, max_reconnect_attempts=1)
        try:
            await nc.jetstream().delete_stream(stream)
        except NotFoundError:
            pass  # the test never created it
        finally:
            await nc.close()

    asyncio.run(delete())


def read_jetstream(stream: str, prefix: str) -> tuple[int, list[tuple[str, dict[str, str], Any]]]:
    """The stream's message count, and its messages (subject, headers, data) read by a pull
    consumer from the start."""

    async def read() -> tuple[int, list[tuple[str, dict[str, str], Any]]]:
        import nats

        nc = await nats.connect(NATS_URL, allow_reconnect=False, max_reconnect_attempts=1)
        try:
            js = nc.jetstream()
            count = (await js.stream_info(stream)).state.messages
            subscription = await js.pull_subscribe(f"{prefix}.>", stream=stream)
            messages = await subscription.fetch(count, timeout=5) if count else []
            return count, [(m.subject, dict(m.headers or {}), json.loads(m.data)) for m in messages]
        finally:
            await nc.close()

    return asyncio.run(read())


@pytest.fixture
def market_app(app: App) -> App:
    """The market of the module docstring, with its three outbox events."""
    services.add_member(app, "S", "Seller Co")
    services.add_member(app, "B", "Buyer Co")
    services.list_instrument(app, CODE, 4500)
    execute(app, IssueUnits(CODE, 1_000, "S"))
    services.deposit(app, "B", 10_000_000)
    services.place_order(app, "S", CODE, "sell", 100, 4520)
    result = services.place_order(app, "B", CODE, "buy", 40, 4530)
    assert [(t.price, t.qty, t.entry_seq) for t in result.trades] == [(4520, 40, 4)]
    return app


def _published(app: App) -> list[outbox.Event]:
    import sqlalchemy as sa

    from openets.db.tables_exchange import outbox as table

    with app.reading() as connection:
        rows = connection.execute(
            sa.select(table.c.id, table.c.published_at).order_by(table.c.id)
        ).all()
    return [outbox.Event(r.id, "", {}, "", r.published_at) for r in rows]


def published_at(app: App) -> list[str | None]:
    """published_at of every outbox event, by id."""
    return [e.published_at for e in _published(app)]


def unpublish(app: App, event_id: int) -> None:
    """Reset an event's stamp, as if the run that sent it had failed before its commit."""
    import sqlalchemy as sa

    from openets.db.tables_exchange import outbox as table

    app.write(
        lambda c: c.execute(
            sa.update(table).where(table.c.id == event_id).values(published_at=None)
        )
    )


# --- Redis Streams --------------------------------------------------------------------------


def entries(prefix: str, topic: str) -> list[tuple[str, dict[str, str]]]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return [(entry_id, fields) for entry_id, fields in client.xrange(f"{prefix}.{topic}")]
    finally:
        client.close()


def test_redis_gets_the_events_in_outbox_order(market_app: App, redis_prefix: str) -> None:
    with RedisStreamPublisher(REDIS_URL, stream_prefix=redis_prefix) as publisher:
        assert outbox.publish_pending(market_app, publisher) == 3
    orders = entries(redis_prefix, "exchange.order")
    trades = entries(redis_prefix, "exchange.trade")
    fields = [fields for _, fields in orders + trades]
    assert [{**f, "payload": json.loads(f["payload"])} for f in fields] == [
        {"id": "1", "topic": "exchange.order", "created_at": AT, "payload": ORDER_1},
        {"id": "3", "topic": "exchange.order", "created_at": AT, "payload": ORDER_2},
        {"id": "2", "topic": "exchange.trade", "created_at": AT, "payload": TRADE_1},
    ]
    # the payload text is the outbox's: sorted keys, the same bytes a consumer can hash
    assert orders[0][1]["payload"] == json.dumps(ORDER_1, sort_keys=True)

    # across the two streams, Redis's entry ids ("ms-seq") follow the outbox ids 1, 2, 3
    def key(entry_id: str) -> tuple[int, int]:
        ms, seq = entry_id.split("-")
        return int(ms), int(seq)

    by_outbox_id = sorted(orders + trades, key=lambda e: int(e[1]["id"]))
    assert [key(e[0]) for e in by_outbox_id] == sorted(key(e[0]) for e in by_outbox_id)
    assert published_at(market_app) == [AT, AT, AT]
    assert outbox.pending(market_app) == []


def test_a_redis_refusal_keeps_what_was_acknowledged(market_app: App, redis_prefix: str) -> None:
    """The trade stream's name is taken by a plain string, so Redis refuses event 2: event 1
    stays published, events 2 and 3 stay unpublished, and a rerun sends them in order."""
    client = redis.Redis.from_url(REDIS_URL)
    client.set(f"{redis_prefix}.exchange.trade", "not a stream")
    with RedisStreamPublisher(REDIS_URL, stream_prefix=redis_prefix) as publisher:
        with pytest.raises(EventBusError) as refused:
            outbox.publish_pending(market_app, publisher)
        assert refused.value.message == (
            f"event bus {REDIS_URL} did not take event 2 (exchange.trade): "
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        )
        assert published_at(market_app) == [AT, None, None]
        assert [e.id for e in outbox.pending(market_app)] == [2, 3]

        client.delete(f"{redis_prefix}.exchange.trade")
        assert outbox.publish_pending(market_app, publisher) == 2
    client.close()
    assert [f["id"] for _, f in entries(redis_prefix, "exchange.order")] == ["1", "3"]
    assert [f["id"] for _, f in entries(redis_prefix, "exchange.trade")] == ["2"]


def test_an_unreachable_redis_leaves_everything_unpublished(market_app: App) -> None:
    with (
        RedisStreamPublisher("redis://127.0.0.1:1/0") as publisher,
        pytest.raises(EventBusError) as refused,
    ):
        outbox.publish_pending(market_app, publisher)
    assert refused.value.message == (
        "event bus redis://127.0.0.1:1/0 did not take event 1 (exchange.order): "
        "Error 111 connecting to 127.0.0.1:1. Connection refused."
    )
    assert refused.value.exit_code == 1
    assert published_at(market_app) == [None, None, None]


def test_publish_by_topic_and_limit(market_app: App, redis_prefix: str) -> None:
    with RedisStreamPublisher(REDIS_URL, stream_prefix=redis_prefix) as publisher:
        assert outbox.publish_pending(market_app, publisher, limit=1, topic="exchange.order") == 1
        assert outbox.count_pending(market_app) == 2
        assert outbox.count_pending(market_app, "exchange.order") == 1
        assert outbox.publish_pending(market_app, publisher, topic="exchange.trade") == 1
    assert published_at(market_app) == [AT, AT, None]
    assert [f["id"] for _, f in entries(redis_prefix, "exchange.order")] == ["1"]


# --- NATS JetStream -------------------------------------------------------------------------


def test_jetstream_gets_the_events_in_outbox_order(
    market_app: App, jetstream: tuple[str, str]
) -> None:
    stream, prefix = jetstream
    with NatsJetStreamPublisher(NATS_URL, stream=stream, subject_prefix=prefix) as publisher:
        assert outbox.publish_pending(market_app, publisher) == 3
    count, messages = read_jetstream(stream, prefix)
    assert count == 3

    def headers(event_id: int) -> dict[str, str]:
        # Nats-Expected-Stream: JetStream refuses the message unless it lands in that stream
        return {
            "Nats-Msg-Id": str(event_id),
            "OpenETS-Created-At": AT,
            "Nats-Expected-Stream": stream,
        }

    assert messages == [
        (f"{prefix}.exchange.order", headers(1), ORDER_1),
        (f"{prefix}.exchange.trade", headers(2), TRADE_1),
        (f"{prefix}.exchange.order", headers(3), ORDER_2),
    ]
    assert outbox.pending(market_app) == []


def test_jetstream_drops_a_resent_event(app: App, jetstream: tuple[str, str]) -> None:
    """An event sent again (its stamp lost) carries the same Nats-Msg-Id: JetStream's
    duplicate window keeps one message."""
    stream, prefix = jetstream
    services.add_member(app, "S", "Seller Co")
    services.list_instrument(app, CODE, 4500)
    execute(app, IssueUnits(CODE, 1_000, "S"))
    services.place_order(app, "S", CODE, "sell", 100, 4520)
    with NatsJetStreamPublisher(NATS_URL, stream=stream, subject_prefix=prefix) as publisher:
        assert outbox.publish_pending(app, publisher) == 1
        unpublish(app, 1)
        assert outbox.publish_pending(app, publisher) == 1  # sent again, and acknowledged
    count, messages = read_jetstream(stream, prefix)
    assert count == 1
    assert [(headers["Nats-Msg-Id"], data) for _, headers, data in messages] == [("1", ORDER_1)]


def test_jetstream_adds_its_subjects_to_an_existing_stream(
    market_app: App, jetstream: tuple[str, str]
) -> None:
    stream, prefix = jetstream

    async def create() -> None:
        import nats

        nc = await nats.connect(NATS_URL, allow_reconnect=False, max_reconnect_attempts=1)
        await nc.jetstream().add_stream(name=stream, subjects=[f"{prefix}-other.>"])
        await nc.close()

    asyncio.run(create())
    with NatsJetStreamPublisher(NATS_URL, stream=stream, subject_prefix=prefix) as publisher:
        assert outbox.publish_pending(market_app, publisher) == 3

    async def subjects() -> list[str]:
        import nats

        nc = await nats.connect(NATS_URL, allow_reconnect=False, max_reconnect_attempts=1)
        info = await nc.jetstream().stream_info(stream)
        await nc.close()
        return list(info.config.subjects or [])

    assert asyncio.run(subjects()) == [f"{prefix}-other.>", f"{prefix}.>"]


def test_an_unreachable_nats_leaves_everything_unpublished(market_app: App) -> None:
    with (
        NatsJetStreamPublisher("nats://127.0.0.1:1") as publisher,
        pytest.raises(EventBusError) as refused,
    ):
        outbox.publish_pending(market_app, publisher)
    assert refused.value.message == (
        "event bus nats://127.0.0.1:1 did not take event 1 (exchange.order): "
        "[Errno 111] Connect call failed ('127.0.0.1', 1)"
    )
    assert published_at(market_app) == [None, None, None]


# --- choosing the bus -----------------------------------------------------------------------


def test_publisher_for_chooses_by_scheme() -> None:
    with publisher_for("log:") as log:
        assert isinstance(log, LogBus)
        assert log.url == "log:"
    with publisher_for("redis://:secret@127.0.0.1:6379/2?prefix=market") as on_redis:
        assert isinstance(on_redis, RedisStreamPublisher)
        assert (on_redis.url, on_redis.stream("exchange.trade")) == (
            "redis://:***@127.0.0.1:6379/2?prefix=market",
            "market.exchange.trade",
        )
    with publisher_for("nats://127.0.0.1:4222?stream=MARKET&prefix=mkt") as on_nats:
        assert isinstance(on_nats, NatsJetStreamPublisher)
        assert (on_nats.stream, on_nats.subject("exchange.trade")) == (
            "MARKET",
            "mkt.exchange.trade",
        )
    with publisher_for("nats://s3cr3t-token@127.0.0.1:4222") as with_token:
        assert with_token.url == "nats://***@127.0.0.1:4222"
    with publisher_for("nats://127.0.0.1:4222") as default:
        assert isinstance(default, NatsJetStreamPublisher)
        assert (default.stream, default.subject("exchange.close")) == (
            "OPENETS",
            "openets.exchange.close",
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "kafka://127.0.0.1:9092",
            "event bus 'kafka://127.0.0.1:9092' is not supported: use log:, "
            "redis://HOST:PORT/DB or nats://HOST:PORT (setting OPENETS_EVENT_BUS, option --to)",
        ),
        (
            "127.0.0.1:6379",
            "event bus '127.0.0.1:6379' is not supported: use log:, "
            "redis://HOST:PORT/DB or nats://HOST:PORT (setting OPENETS_EVENT_BUS, option --to)",
        ),
        (
            "",
            "event bus '' is not supported: use log:, "
            "redis://HOST:PORT/DB or nats://HOST:PORT (setting OPENETS_EVENT_BUS, option --to)",
        ),
        (
            "nats://127.0.0.1:4222?steram=X",
            "event bus URL nats://127.0.0.1:4222?steram=X has an unknown option 'steram' "
            "(nats:// takes stream, prefix)",
        ),
        (
            "nats://127.0.0.1:4222?stream=a.b",
            "JetStream stream name 'a.b' must be letters, digits, - or _",
        ),
        (
            "redis://127.0.0.1:6379/0?prefix=",
            "event bus URL option 'prefix' is empty in redis://127.0.0.1:6379/0?prefix=",
        ),
        (
            "redis://127.0.0.1:6379/x",
            "event bus URL redis://127.0.0.1:6379/x: the path must be a database number (/0)",
        ),
    ],
)
def test_publisher_for_refuses_other_buses(url: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        publisher_for(url)
    assert refused.value.message == message
    assert refused.value.exit_code == 2


def test_the_log_bus_writes_one_line_per_event(
    market_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="openets.events")
    with publisher_for("log:") as publisher:
        assert outbox.publish_pending(market_app, publisher) == 3
    assert [r.getMessage() for r in caplog.records if r.name == "openets.events"] == [
        f"exchange.order {json.dumps(ORDER_1, sort_keys=True)}",
        f"exchange.trade {json.dumps(TRADE_1, sort_keys=True)}",
        f"exchange.order {json.dumps(ORDER_2, sort_keys=True)}",
    ]
