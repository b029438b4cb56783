"""The dispatcher of a Celery `serve`, against a real redis-server: each runnable execution
sent once (by one of several servers), as JSON carrying only its id, to its queue; sent
again after RUNPLANE_REDISPATCH_AFTER only while unclaimed and served; unmarked when the
broker refuses it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from pydantic import SecretStr

from runplane.engine import service
from runplane.engine.distributed.dispatcher import CeleryDispatcher
from runplane.model import Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import queue as queue_store
from tests.conftest import FakeClock
from tests.factories import make_worker


@pytest.fixture
def broker(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


def _dispatcher(
    db: Database, settings: Settings, redis_url: str, clock: FakeClock
) -> CeleryDispatcher:
    celery = settings.model_copy(update={"executor": "celery", "broker_url": SecretStr(redis_url)})
    return CeleryDispatcher(db, celery, worker_id="serve-test", clock=clock)


def _submit(db: Database, clock: FakeClock, queue: str | None = None) -> str:
    execution = service.submit_execution(
        db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="test", queue=queue, clock=clock
    )
    return execution.execution_id


def _messages(broker: redis.Redis, queue: str = "default") -> list[dict[str, object]]:
    return [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]


def test_each_runnable_execution_is_sent_once_as_json_with_only_its_id(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, broker: redis.Redis,
    clock: FakeClock,
) -> None:  # fmt: skip
    ids = {_submit(sqlite_db, clock) for _ in range(3)}
    dispatcher = _dispatcher(sqlite_db, sqlite_settings, redis_url, clock)
    assert dispatcher.tick() == 3
    assert dispatcher.tick() == 0
    messages = _messages(broker)
    assert {m["content-type"] for m in messages} == {"application/json"}
    bodies = [json.loads(base64.b64decode(str(m["body"]))) for m in messages]
    assert sorted(args for args, kwargs, _ in bodies) == sorted([i] for i in ids)
    assert all(kwargs == {} for _, kwargs, _ in bodies)


def test_two_servers_sharing_a_database_send_each_execution_once(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, broker: redis.Redis,
    clock: FakeClock,
) -> None:  # fmt: skip
    for _ in range(4):
        _submit(sqlite_db, clock)
    first = _dispatcher(sqlite_db, sqlite_settings, redis_url, clock)
    second = _dispatcher(sqlite_db, sqlite_settings, redis_url, clock)
    assert first.tick() + second.tick() == 4
    assert broker.llen("default") == 4


def test_an_execution_goes_to_its_own_queue(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, broker: redis.Redis,
    clock: FakeClock,
) -> None:  # fmt: skip
    _submit(sqlite_db, clock, queue="heavy")
    _dispatcher(sqlite_db, sqlite_settings, redis_url, clock).tick()
    assert (broker.llen("heavy"), broker.llen("default")) == (1, 0)


def test_an_unclaimed_execution_is_sent_again_only_once_a_live_worker_serves_its_queue(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, broker: redis.Redis,
    clock: FakeClock,
) -> None:  # fmt: skip
    _submit(sqlite_db, clock)
    dispatcher = _dispatcher(sqlite_db, sqlite_settings, redis_url, clock)
    dispatcher.tick()
    clock.advance(seconds=sqlite_settings.redispatch_after - 1)
    assert dispatcher.tick() == 0  # not yet due again
    clock.advance(seconds=2)
    assert dispatcher.tick() == 0  # due, but nobody serves `default`: no pile of copies
    with sqlite_db.write() as conn:
        make_worker(conn, kind="celery", queues=("heavy",), heartbeat_at=clock())
    assert dispatcher.tick() == 0
    with sqlite_db.write() as conn:
        make_worker(conn, kind="celery", queues=("default",), heartbeat_at=clock())
    assert dispatcher.tick() == 1
    assert broker.llen("default") == 2


def test_what_the_broker_refused_is_sent_on_the_next_pass_not_after_the_redispatch_delay(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, clock: FakeClock
) -> None:
    execution_id = _submit(sqlite_db, clock)
    down = _dispatcher(sqlite_db, sqlite_settings, "redis://127.0.0.1:1/0", clock)
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        down.tick()
    with sqlite_db.read() as conn:
        due = queue_store.list_to_dispatch(conn, clock(), dispatched_before=clock(), limit=10)
    assert [d[0] for d in due] == [execution_id]
    assert _dispatcher(sqlite_db, sqlite_settings, redis_url, clock).tick() == 1


def test_facts_say_when_no_worker_is_live(
    sqlite_db: Database, sqlite_settings: Settings, redis_url: str, clock: FakeClock
) -> None:
    dispatcher = _dispatcher(sqlite_db, sqlite_settings, redis_url, clock)
    dispatcher.tick()
    facts = dispatcher.facts()
    assert not facts.accepting
    assert facts.problem is not None
    assert "no Celery worker is live" in facts.problem
    with sqlite_db.write() as conn:
        make_worker(
            conn, kind="celery", queues=("default",), heartbeat_at=clock(), max_workers=3, busy=1
        )
        make_worker(conn, kind="celery", heartbeat_at=clock() - timedelta(minutes=5))  # long gone
    dispatcher.tick()
    facts = dispatcher.facts()
    assert (facts.accepting, facts.max_workers, facts.busy) == (True, 3, 1)
