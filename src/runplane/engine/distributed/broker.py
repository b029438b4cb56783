"""What serve, /health and /metrics read of the Celery broker: whether it answers and how
many messages wait in each queue.

Redis is read directly (no Celery app): kombu's Redis transport keeps a queue as a list
named like the queue, plus one list per priority step (`queue\\x06\\x163`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import redis

from runplane.model import Worker
from runplane.model.routing import DEFAULT_QUEUE

PRIORITY_SEPARATOR = "\x06\x16"
"""kombu's Redis transport: the separator between a queue's name and its priority step."""
PRIORITY_STEPS = (3, 6, 9)
"""kombu's priority steps above 0 (step 0 is the queue's own key)."""
SCHEMES = ("redis", "rediss", "unix")


class BrokerUnavailable(Exception):
    """The broker did not answer, or its URL cannot be used; the message says which broker
    (its URL without a password) and why."""


def redact(broker_url: str) -> str:
    """The URL without its password: `redis://:secret@host:6379/0` -> `redis://:***@host:6379/0`
    (and `?password=secret` -> `?password=***`)."""
    try:
        parts = urlsplit(broker_url)
    except ValueError:
        return "(a URL that cannot be parsed)"
    shown = broker_url
    if parts.password is not None:
        user, _, host = parts.netloc.rpartition("@")
        shown = shown.replace(parts.netloc, f"{user.partition(':')[0]}:***@{host}", 1)
    return re.sub(r"([?&])password=[^&#]*", r"\1password=***", shown)


def queue_keys(queue: str) -> list[str]:
    """The Redis lists that hold one queue's messages, every priority step's."""
    return [queue] + [f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


def watched_queues(workers: Iterable[Worker]) -> list[str]:
    """The queues whose depths are shown: the default one, then every queue a live worker
    takes executions from, by name."""
    served = {queue for worker in workers for queue in worker.queues} - {DEFAULT_QUEUE}
    return [DEFAULT_QUEUE, *sorted(served)]


def queue_depths(broker_url: str, queues: Iterable[str], timeout: float = 1.0) -> dict[str, int]:
    """Messages waiting in each queue (every priority step counted), in one round trip.

    Raises BrokerUnavailable when the broker cannot be reached within `timeout` seconds.
    """
    names = list(dict.fromkeys(queues))
    client = _client(broker_url, timeout)
    try:
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                for key in queue_keys(name):
                    pipe.llen(key)
            sizes = pipe.execute()
    except redis.RedisError as exc:
        raise _unavailable(broker_url, exc) from exc
    finally:
        client.close()
    steps = len(PRIORITY_STEPS) + 1
    return {
        name: sum(int(size) for size in sizes[i * steps : (i + 1) * steps])
        for i, name in enumerate(names)
    }


def check_reachable(broker_url: str, timeout: float = 1.0) -> None:
    """Raises BrokerUnavailable unless the broker answers a PING within `timeout` seconds."""
    client = _client(broker_url, timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise _unavailable(broker_url, exc) from exc
    finally:
        client.close()


def _client(broker_url: str, timeout: float) -> redis.Redis:
    try:
        scheme = urlsplit(broker_url).scheme
    except ValueError:
        scheme = ""
    if scheme not in SCHEMES:
        raise BrokerUnavailable(
            f"the broker {redact(broker_url)} is not a Redis URL: "
            "set RUNPLANE_BROKER_URL to redis://HOST:6379/0"
        )
    try:
        return redis.Redis.from_url(
            broker_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    except ValueError as exc:
        raise BrokerUnavailable(
            f"the broker URL {redact(broker_url)} cannot be used ({exc}): "
            "set RUNPLANE_BROKER_URL to redis://HOST:6379/0"
        ) from exc


def _unavailable(broker_url: str, exc: redis.RedisError) -> BrokerUnavailable:
    reason = str(exc).replace(broker_url, redact(broker_url)) or type(exc).__name__
    return BrokerUnavailable(f"the broker {redact(broker_url)} did not answer: {reason}")
