"""The event trail is append-only and read in order."""

from __future__ import annotations

from datetime import UTC, datetime

from runplane.model import EventKind
from runplane.store import Database
from runplane.store import events as event_store

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_events_come_back_in_order_with_actor_time_and_detail(db: Database) -> None:
    with db.write() as conn:
        event_store.insert_event(
            conn, "e1", EventKind.CREATED, actor="user:ana", at=T0, trigger="manual"
        )
        event_store.insert_event(conn, "e2", EventKind.CREATED, actor="local", at=T0)
        event_store.insert_event(conn, "e1", EventKind.CANCEL_REQUESTED, actor="user:bo", at=T0)
    with db.read() as conn:
        trail = event_store.list_events(conn, "e1")
        later = event_store.list_events(conn, "e1", after=trail[0].event_id or 0)
    assert [(e.kind, e.actor, e.detail) for e in trail] == [
        (EventKind.CREATED, "user:ana", {"trigger": "manual"}),
        (EventKind.CANCEL_REQUESTED, "user:bo", {}),
    ]
    assert [e.kind for e in later] == [EventKind.CANCEL_REQUESTED]
    assert trail[0].at == T0
