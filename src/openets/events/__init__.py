"""Event bus adapters: the outbox's events sent on to Redis Streams or NATS JetStream."""

from openets.events.publishers import (
    BusPublisher,
    EventBusError,
    LogBus,
    LogPublisher,
    NatsJetStreamPublisher,
    RedisStreamPublisher,
    publisher_for,
)

__all__ = [
    "BusPublisher",
    "EventBusError",
    "LogBus",
    "LogPublisher",
    "NatsJetStreamPublisher",
    "RedisStreamPublisher",
    "publisher_for",
]
