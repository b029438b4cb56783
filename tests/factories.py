"""Factories for rows tests need, with defaults that can be overridden one field at a time."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, insert, inspect

from runplane.engine.access.passwords import hash_password, new_secret
from runplane.engine.bulk.operation import start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.model import Execution, ExecutionStatus, LogLine, Trigger, Worker
from runplane.model.access import TOKEN_PREFIX, ApiToken, Role, Session, User, secret_hash
from runplane.model.audit import Origin
from runplane.model.bulk import BulkAction, BulkOperation
from runplane.model.notification import NotifyEvent, Rule
from runplane.model.schedule import CatchUp, Schedule
from runplane.model.sla import SlaKind, SlaState, SlaStatus
from runplane.pipelines.params import params_hash
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store import notifications as notification_store
from runplane.store import resources as resource_store
from runplane.store import schedules as schedule_store
from runplane.store import sessions as session_store
from runplane.store import sla as sla_store
from runplane.store import tokens as token_store
from runplane.store import users as user_store
from runplane.store import workers as worker_store
from runplane.store.execution_rows import to_row
from runplane.store.sla import SlaMiss
from runplane.store.tables import executions as executions_table


def make_execution(conn: Connection, **overrides: Any) -> Execution:
    """Insert an execution (default: a completed `runplane.noop`) and return it."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    pipeline = overrides.pop("pipeline", "runplane.noop")
    params = overrides.pop("params", {})
    status = ExecutionStatus(overrides.pop("status", ExecutionStatus.COMPLETED))
    values: dict[str, Any] = {
        "execution_id": new_execution_id(),
        "pipeline": pipeline,
        "status": status,
        "params": params,
        "params_hash": params_hash(pipeline, params),
        "trigger": Trigger.MANUAL,
        "triggered_by": "user:test",
        "trigger_time": created,
        "created_at": created,
        "capture_id": new_capture_id(created),
    }
    if status is not ExecutionStatus.PENDING:
        values["started_at"] = created
    if status.is_final:
        values["completed_at"] = created
    values.update(overrides)
    execution = Execution(**values)
    store.insert_execution(conn, execution)
    return execution


def make_old_execution(conn: Connection, **overrides: Any) -> Execution:
    """Insert an execution into a database at an older schema revision, in the columns that
    revision has (later ones add some), as a Runplane of that time would have."""
    execution = Execution(
        **{
            "execution_id": new_execution_id(), "pipeline": "runplane.noop",
            "status": ExecutionStatus.COMPLETED, "params": {},
            "params_hash": params_hash(overrides.get("pipeline", "runplane.noop"), {}),
            "trigger": Trigger.MANUAL, "triggered_by": "user:test",
            "trigger_time": datetime(2025, 12, 22, 8, 0, tzinfo=UTC),
            "created_at": datetime(2025, 12, 22, 8, 0, tzinfo=UTC),
            "capture_id": new_capture_id(datetime(2025, 12, 22, 8, 0, tzinfo=UTC)),
            **overrides,
        }
    )  # fmt: skip
    old = {column["name"] for column in inspect(conn).get_columns("executions")}
    row = {k: v for k, v in to_row(execution).items() if k in old}
    conn.execute(insert(executions_table).values(row))
    return execution


def sla_standing(state: str, **overrides: Any) -> SlaStatus:
    """An SLA standing as the watch writes it (default: a 10-minute maximum duration)."""
    values: dict[str, Any] = {
        "state": SlaState(state),
        "limits": {"max_duration": "10m", "complete_within": None},
        "kind": None if state == "met" else SlaKind.MAX_DURATION,
        "breached_by_seconds": 120.0 if state == "breached" else None,
        "since": None if state == "met" else datetime(2025, 12, 22, 8, 10, tzinfo=UTC),
        "settled": state == "met",
    }
    values.update(overrides)
    return SlaStatus(**values)


def make_sla_miss(conn: Connection, **overrides: Any) -> SlaMiss:
    """Record a scheduled instant that missed its SLA (default: `every-minute`, nothing run)."""
    instant = overrides.pop("scheduled_for", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "schedule": "every-minute",
        "scheduled_for": instant,
        "pipeline": "runplane.noop",
        "deadline": instant + timedelta(hours=1),
        "recorded_at": instant + timedelta(hours=1),
        "reason": "not_fired",
    }
    values.update(overrides)
    miss = SlaMiss(**values)
    sla_store.insert_miss(conn, miss)
    return miss


def make_log(
    conn: Connection, execution: Execution, messages: list[tuple[str, str]], *, start: int = 1
) -> list[LogLine]:
    """Write `(level, message)` lines to an execution's log, a millisecond apart, from line
    `start`, as the log writer does (one batch)."""
    lines = [
        LogLine(
            execution.execution_id, seq, execution.created_at + timedelta(milliseconds=seq),
            level, message,
        )
        for seq, (level, message) in enumerate(messages, start)
    ]  # fmt: skip
    log_store.insert_log_lines(conn, lines)
    return lines


def make_capture(
    conn: Connection, execution: Execution, asset: str = "tests/asset", *, published: bool = False
) -> None:
    """Open `execution`'s capture of `asset` (published when its execution ended, if asked)."""
    capture_store.insert_capture(
        conn, capture_id=execution.capture_id, asset=asset, execution_id=execution.execution_id,
        pipeline=execution.pipeline, at=execution.created_at,
    )  # fmt: skip
    if published:
        capture_store.publish_captures(conn, execution.execution_id, execution.created_at)


def make_schedule(conn: Connection, **overrides: Any) -> Schedule:
    """Insert a schedule (default: `runplane.noop` every minute in UTC, from the CLI)."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "name": "every-minute",
        "pipeline": "runplane.noop",
        "cron": "* * * * *",
        "timezone": "UTC",
        "params": {},
        "enabled": True,
        "catch_up": CatchUp.LATEST,
        "source": "cli",
        "created_at": created,
        "created_by": "user:test",
        "updated_at": created,
        "updated_by": "user:test",
        "active_since": created,
        "checked_until": created,
    }
    values.update(overrides)
    schedule = Schedule(**values)
    schedule_store.insert_schedule(conn, schedule)
    return schedule


PASSWORD = "correct horse battery"
"""Every factory-made user's password (hashed once per test run: argon2 is slow on purpose)."""


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_user(conn: Connection, name: str = "alice", role: str = "admin", **overrides: Any) -> User:
    """Insert a user (password `PASSWORD`) and return it."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "name": name,
        "role": Role(role),
        "password_hash": _password_hash(),
        "created_at": created,
        "created_by": "os:test",
        "updated_at": created,
    }
    values.update(overrides)
    user = User(**values)
    user_store.insert_user(conn, user)
    return user


def make_token(
    conn: Connection, user: str = "alice", name: str | None = None, **overrides: Any
) -> str:
    """Insert an API token of `user` and return its secret (`rp_...`)."""
    secret = new_secret(TOKEN_PREFIX)
    values: dict[str, Any] = {
        "token_id": str(uuid.uuid4()),
        "name": name or f"{user}-token-{uuid.uuid4().hex[:6]}",
        "user": user,
        "secret_hash": secret_hash(secret),
        "created_at": datetime(2025, 12, 22, 8, 0, tzinfo=UTC),
        "created_by": "os:test",
    }
    values.update(overrides)
    token_store.insert_token(conn, ApiToken(**values))
    if values.get("revoked_at") is not None:
        token_store.update_revoked(conn, at=values["revoked_at"], by="os:test", name=values["name"])
    return secret


def make_session(conn: Connection, user: str = "alice", **overrides: Any) -> tuple[str, str]:
    """Insert a dashboard session of `user`; returns its cookie secret and CSRF token."""
    secret, csrf = new_secret(), new_secret()
    values: dict[str, Any] = {
        "secret_hash": secret_hash(secret),
        "user": user,
        "csrf_token": csrf,
        "created_at": datetime(2025, 12, 22, 8, 0, tzinfo=UTC),
        "expires_at": datetime(2025, 12, 22, 20, 0, tzinfo=UTC),
    }
    values.update(overrides)
    session_store.insert_session(conn, Session(**values))
    return secret, csrf


def make_samples(
    conn: Connection,
    execution: Execution,
    cpu: Sequence[float],
    rss: Sequence[int] | None = None,
    *,
    every: float = 1.0,
    start: datetime | None = None,
) -> list[resource_store.ResourceSample]:
    """Record resource samples of `execution`, one per `every` seconds from `start` (its
    start unless given, as the sampler would), with these CPU % and RSS values (default
    RSS: 100 MB each)."""
    start = start or execution.started_at or execution.created_at
    sizes = [100_000_000] * len(cpu) if rss is None else rss
    samples = [
        resource_store.ResourceSample(
            execution.execution_id, start + timedelta(seconds=i * every), value, size
        )
        for i, (value, size) in enumerate(zip(cpu, sizes, strict=True))
    ]
    resource_store.insert_samples(conn, samples)
    return samples


def failed_typed(conn: Connection, count: int, **overrides: Any) -> Execution:
    """A `tests.typed` run (failed unless `status` says otherwise) whose parameters (`count`)
    set it apart from the others."""
    values: dict[str, Any] = {"status": ExecutionStatus.FAILED, **overrides}
    params = {"count": count, "label": "x"}
    return make_execution(conn, pipeline="tests.typed", params=params, **values)


def start_bulk(
    db: Database,
    action: str,
    ids: list[str],
    *,
    clock: Callable[[], datetime],
    actor: str = "user:alice",
    max_executions: int = 1000,
) -> BulkOperation:
    """Preview `action` over `ids` and start the operation on it, as `actor`."""
    preview = preview_bulk(db, BulkAction(action), actor=actor, ids=ids, clock=clock)
    return start_operation(
        db, preview.preview_id, max_executions=max_executions,
        origin=Origin(actor=actor, address="10.0.0.7"), clock=clock,
    )  # fmt: skip


def make_rule(conn: Connection, **overrides: Any) -> Rule:
    """Insert a notification rule (default: `failed` to the webhook in `$TEST_HOOK_URL`)."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "name": "on-call",
        "events": (NotifyEvent.FAILED,),
        "webhook_env": "TEST_HOOK_URL",
        "created_at": created,
        "created_by": "user:test",
        "updated_at": created,
        "updated_by": "user:test",
    }
    values.update(overrides)
    values["events"] = tuple(NotifyEvent(e) for e in values["events"])
    rule = Rule(**values)
    notification_store.insert_rule(conn, rule)
    return rule


def make_worker(conn: Connection, **overrides: Any) -> Worker:
    """Register a live worker (default: a Celery worker serving `default`, beating now)."""
    now = overrides.pop("heartbeat_at", datetime.now(UTC))
    values: dict[str, Any] = {
        "worker_id": new_execution_id(),
        "host": "worker-host",
        "pid": 4242,
        "process_started_at": 0.0,
        "kind": "celery",
        "started_at": now,
        "heartbeat_at": now,
        "max_workers": 2,
        "name": "w-test",
        "queues": ("default",),
        "busy": 0,
    }
    values.update(overrides)
    worker = Worker(**values)
    worker_store.insert_worker(conn, worker)
    return worker
