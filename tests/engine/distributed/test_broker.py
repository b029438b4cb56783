"""Queue depths and reachability read from a real redis-server, as kombu's Redis transport
lays its queues out."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime

import pytest
import redis
from kombu import Connection

from runplane.engine.distributed.broker import (
    DEFAULT_QUEUE,
    BrokerUnavailable,
    check_reachable,
    queue_depths,
    queue_keys,
    redact,
    watched_queues,
)
from runplane.model import Worker


def _queue() -> str:
    return f"q-{uuid.uuid4().hex[:8]}"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_queue_depths_counts_every_priority_step(redis_url: str) -> None:
    default, reports, empty = _queue(), _queue(), _queue()
    client = redis.Redis.from_url(redis_url)
    client.lpush(default, "a", "b", "c")
    client.lpush(f"{reports}\x06\x163", "high")
    client.lpush(f"{reports}\x06\x169", "low", "lower")
    client.lpush(reports, "plain")
    client.close()

    assert queue_depths(redis_url, [default, reports, empty]) == {
        default: 3,
        reports: 4,
        empty: 0,
    }


def test_queue_depths_matches_kombu_for_a_priority_message(redis_url: str) -> None:
    name = _queue()
    with Connection(redis_url) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"execution_id": "e1"}, priority=5)
        queue.put({"execution_id": "e2"})
        queue.close()

    client = redis.Redis.from_url(redis_url)
    plain = client.llen(name)
    client.close()
    assert plain == 1, "kombu put the priority message under a key of its own"
    assert queue_depths(redis_url, [name]) == {name: 2}
    assert len(queue_keys(name)) == 4


def test_queue_depths_of_no_queues_is_empty(redis_url: str) -> None:
    assert queue_depths(redis_url, []) == {}


def test_check_reachable_passes_on_a_running_broker(redis_url: str) -> None:
    check_reachable(redis_url, timeout=1.0)


def test_an_unreachable_broker_says_which_without_its_password() -> None:
    url = f"redis://:s3cret@127.0.0.1:{_closed_port()}/0"

    with pytest.raises(BrokerUnavailable) as refused:
        check_reachable(url, timeout=0.5)
    with pytest.raises(BrokerUnavailable) as depths:
        queue_depths(url, ["default"], timeout=0.5)

    for exc in (refused.value, depths.value):
        assert "s3cret" not in str(exc)
        assert "redis://:***@127.0.0.1" in str(exc)
        assert "did not answer" in str(exc)


def test_a_url_that_is_not_redis_is_refused_with_how_to_fix_it() -> None:
    with pytest.raises(BrokerUnavailable, match="not a Redis URL: set RUNPLANE_BROKER_URL"):
        check_reachable("amqp://guest:pw@rabbit:5672//")
    with pytest.raises(BrokerUnavailable, match="cannot be parsed") as malformed:
        queue_depths("redis://:pw@[::1:6379/0", ["default"])
    assert "pw" not in str(malformed.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:secret@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://:p@ss:w@rd@[::1]:6380/2", "rediss://:***@[::1]:6380/2"),
        ("unix:///run/redis.sock?db=0&password=secret", "unix:///run/redis.sock?db=0&password=***"),
        ("redis://user:secret@host/1", "redis://user:***@host/1"),
        ("redis://host:6379/0", "redis://host:6379/0"),
    ],
)
def test_redact_hides_only_the_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_watched_queues_are_the_default_then_those_workers_serve() -> None:
    at = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    workers = [
        Worker("w1", "h", 1, 1.0, "celery", at, at, queues=("reports", "default")),
        Worker("w2", "h", 2, 1.0, "celery", at, at, queues=("etl", "reports")),
        Worker("w3", "h", 3, 1.0, "serve", at, at),
    ]
    assert watched_queues(workers) == [DEFAULT_QUEUE, "etl", "reports"]
    assert watched_queues([]) == ["default"]
