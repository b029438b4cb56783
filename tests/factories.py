"""Factories for rows tests need, with defaults that can be overridden one field at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection

from runplane.engine.access.passwords import hash_password, new_secret
from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.access import TOKEN_PREFIX, ApiToken, Role, Session, User, secret_hash
from runplane.model.notification import NotifyEvent, Rule
from runplane.model.schedule import CatchUp, Schedule
from runplane.pipelines.params import params_hash
from runplane.store import captures as capture_store
from runplane.store import executions as store
from runplane.store import notifications as notification_store
from runplane.store import schedules as schedule_store
from runplane.store import sessions as session_store
from runplane.store import tokens as token_store
from runplane.store import users as user_store


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
