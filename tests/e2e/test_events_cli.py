"""``openets exchange publish``: the outbox to the event bus from the command line, on SQLite
and PostgreSQL, against the real Redis (``OPENETS_TEST_REDIS_URL``, default
redis://127.0.0.1:6379/0; skipped locally when down, a failure under CI).

The market: S sells 100 t of GDEA-2025 at 45.20 (order 1), B buys 40 t at 45.30 (order 2) and
trades 40 t at 45.20. Outbox: 1 order 1 placed, 2 the trade, 3 order 2 placed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import redis

from openets import bootstrap
from openets.clock import FixedClock
from openets.exchange import services

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

REDIS_URL = os.environ.get("OPENETS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AT = "2025-07-01T10:00"


def require_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        message = f"Redis is not reachable at {REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: under CI a skipped event bus test counts as a failure")
        pytest.skip(message)
    finally:
        client.close()


@pytest.fixture
def bus() -> Iterator[str]:
    """A Redis bus URL with a stream prefix of this test's own (streams deleted afterwards)."""
    require_redis()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield f"{REDIS_URL}?prefix={prefix}"
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}.*"))
    if keys:
        client.delete(*keys)
    client.close()


def stream_ids(bus: str, topic: str) -> list[str]:
    """The outbox ids in a topic's stream, in stream order."""
    prefix = bus.rsplit("prefix=", 1)[1]
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return [fields["id"] for _, fields in client.xrange(f"{prefix}.{topic}")]
    finally:
        client.close()


@pytest.fixture
def cli(database_url: str, cli_at: Callable[[str], Cli]) -> Cli:
    runner = cli_at(database_url)
    runner.ok("db", "upgrade")
    runner.ok("exchange", "member", "add", "S", "--name", "Seller Co")
    runner.ok("exchange", "member", "add", "B", "--name", "Buyer Co")
    runner.ok("exchange", "list-instrument", "GDEA-2025", "--ref-price", "45.00")
    runner.ok("registry", "issue", "GDEA-2025", "1000", "--to", "S")
    runner.ok("exchange", "funds", "deposit", "B", "100000")
    for account, side, qty, price in (("S", "sell", "100", "45.20"), ("B", "buy", "40", "45.30")):
        runner.json(
            "exchange", "order", "place", "--account", account, "--side", side,
            "--instrument", "GDEA-2025", "--qty", qty, "--price", price, "--at", AT,
        )  # fmt: skip
    return runner


def test_publish_to_redis(cli: Cli, bus: str) -> None:
    assert cli.json("exchange", "publish", "--to", bus) == {
        "bus": bus,
        "topic": None,
        "published": 3,
        "pending": 0,
    }
    assert stream_ids(bus, "exchange.order") == ["1", "3"]
    assert stream_ids(bus, "exchange.trade") == ["2"]
    # nothing left: a second run sends nothing
    assert cli.ok("exchange", "publish", "--to", bus) == f"published 0 events to {bus}, 0 pending\n"
    assert stream_ids(bus, "exchange.order") == ["1", "3"]


def test_publish_one_topic_with_a_limit(cli: Cli, bus: str) -> None:
    assert cli.ok(
        "exchange", "publish", "--to", bus, "--topic", "exchange.order", "--limit", "1"
    ) == (f"published 1 event to {bus}, 1 pending\n")
    assert stream_ids(bus, "exchange.order") == ["1"]
    assert cli.json("exchange", "publish", "--to", bus, "--topic", "exchange.trade") == {
        "bus": bus,
        "topic": "exchange.trade",
        "published": 1,
        "pending": 0,
    }
    assert cli.json("exchange", "publish", "--to", bus)["published"] == 1  # order 2's event


def test_the_bus_defaults_to_the_setting(
    cli: Cli, bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENETS_EVENT_BUS", bus)
    assert cli.json("exchange", "publish")["published"] == 3
    assert stream_ids(bus, "exchange.trade") == ["2"]


def test_the_default_bus_is_the_log(cli: Cli, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="openets.events")
    assert cli.json("exchange", "publish") == {
        "bus": "log:",
        "topic": None,
        "published": 3,
        "pending": 0,
    }
    lines = [r.getMessage() for r in caplog.records if r.name == "openets.events"]
    assert [line.split(" ", 1)[0] for line in lines] == [
        "exchange.order",
        "exchange.trade",
        "exchange.order",
    ]
    assert json.loads(lines[1].split(" ", 1)[1])["value"] == 180_800


def test_a_failing_bus_leaves_everything_unpublished(cli: Cli, bus: str) -> None:
    error = cli.fails(1, "exchange", "publish", "--to", "redis://127.0.0.1:1/0", "--json")
    assert error == (
        "error: event bus redis://127.0.0.1:1/0 did not take event 1 (exchange.order): "
        "Error 111 connecting to 127.0.0.1:1. Connection refused. "
        "(0 published, 3 left unpublished)"
    )
    error = cli.fails(1, "exchange", "publish", "--to", "nats://127.0.0.1:1")
    assert error == (
        "error: event bus nats://127.0.0.1:1 did not take event 1 (exchange.order): "
        "[Errno 111] Connect call failed ('127.0.0.1', 1) (0 published, 3 left unpublished)"
    )
    # all three are still there to send
    assert cli.json("exchange", "publish", "--to", bus)["published"] == 3


def test_a_bus_refusing_midway_keeps_what_it_took(cli: Cli, bus: str) -> None:
    prefix = bus.rsplit("prefix=", 1)[1]
    client = redis.Redis.from_url(REDIS_URL)
    client.set(f"{prefix}.exchange.trade", "not a stream")  # XADD to it fails: WRONGTYPE
    error = cli.fails(1, "exchange", "publish", "--to", bus)
    assert error == (
        f"error: event bus {bus} did not take event 2 (exchange.trade): WRONGTYPE Operation "
        "against a key holding the wrong kind of value (1 published, 2 left unpublished)"
    )
    client.delete(f"{prefix}.exchange.trade")
    client.close()
    assert cli.json("exchange", "publish", "--to", bus)["published"] == 2
    assert stream_ids(bus, "exchange.order") == ["1", "3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--to", "kafka://127.0.0.1:9092"),
            "error: event bus 'kafka://127.0.0.1:9092' is not supported: use log:, "
            "redis://HOST:PORT/DB or nats://HOST:PORT (setting OPENETS_EVENT_BUS, option --to)",
        ),
        (("--limit", "0"), "error: --limit must be a positive number of events, got 0"),
        (("--interval", "0"), "error: --interval must be a positive number of seconds, got 0.0"),
    ],
)
def test_bad_options_are_refused(cli: Cli, args: tuple[str, ...], message: str) -> None:
    assert cli.fails(2, "exchange", "publish", *args) == message


def test_follow_polls_until_interrupted(
    cli: Cli, bus: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first wait brings a new order (event 4); the second is interrupted (Ctrl-C)."""
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt
        other = bootstrap(database_url, clock=FixedClock(datetime(2025, 7, 1, 2, 5, tzinfo=UTC)))
        services.place_order(other, "S", "GDEA-2025", "sell", 10, 4540)
        other.dispose()

    monkeypatch.setattr("openets.cli.events._sleep", wait)
    code, out, err = cli.run("exchange", "publish", "--to", bus, "--follow", "--interval", "0.5")
    assert code == 0, err
    assert err == f"following the outbox into {bus} every 0.5 s (Ctrl-C to stop)\n"
    assert out == (
        f"published 3 events\npublished 1 event\npublished 4 events to {bus}, 0 pending\n"
    )
    assert waits == [0.5, 0.5]
    assert stream_ids(bus, "exchange.order") == ["1", "3", "4"]


def test_follow_stops_at_the_limit(cli: Cli, bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(seconds: float) -> None:
        raise AssertionError("no wait once the limit is reached")

    monkeypatch.setattr("openets.cli.events._sleep", never)
    document = cli.json("exchange", "publish", "--to", bus, "--follow", "--limit", "2")
    assert (document["published"], document["pending"]) == (2, 1)
