"""An application with users of every role, a token each, and rows to act on: the front
door's tests count these before and after every refused request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runplane.model import Execution
from runplane.model.bulk import BulkOperation
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import tables as t
from tests.conftest import FakeClock
from tests.factories import (
    make_execution,
    make_schedule,
    make_session,
    make_token,
    make_user,
    start_bulk,
)

BASE = "http://testserver"
ROLES = ("viewer", "operator", "admin")


@dataclass
class World:
    client: TestClient
    db: Database
    clock: FakeClock
    tokens: dict[str, str]
    sessions: dict[str, tuple[str, str]]
    failed: Execution
    pending: Execution
    bulk: BulkOperation

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def snapshot(self) -> dict[str, Any]:
        """What a refused request must leave as it was."""
        with self.db.read() as conn:
            executions = conn.execute(
                select(t.executions.c.execution_id, t.executions.c.status)
            ).all()
            schedules = conn.execute(select(t.schedules.c.name, t.schedules.c.enabled)).all()
            users = conn.execute(select(t.users.c.name, t.users.c.role)).all()
        return {"executions": sorted(executions), "schedules": sorted(schedules),
                "users": sorted(users)}  # fmt: skip

    def refused_count(self) -> int:
        """Refused requests recorded (entries stand for `count` requests each)."""
        with self.db.read() as conn:
            total = conn.execute(
                select(func.coalesce(func.sum(t.audit_log.c["count"]), 0)).where(
                    t.audit_log.c.action == "request.refused"
                )
            ).scalar_one()
        return int(total)


@pytest.fixture
def world(sqlite_db: Database, sqlite_settings: Settings) -> Iterator[World]:
    clock = FakeClock()
    with sqlite_db.write() as conn:
        for role in ROLES:
            make_user(conn, role, role)
        tokens = {role: make_token(conn, role, f"{role}-ci") for role in ROLES}
        sessions = {role: make_session(conn, role) for role in ROLES}
        failed = make_execution(conn, status="failed")
        pending = make_execution(conn, status="pending", pipeline="runplane.sleep",
                                 params={"seconds": 1})  # fmt: skip
        make_schedule(conn, name="every-minute")
    bulk = start_bulk(sqlite_db, "cancel", [pending.execution_id], clock=clock)
    app = create_app(sqlite_db, sqlite_settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield World(client, sqlite_db, clock, tokens, sessions, failed, pending, bulk)
