"""Captures stay invisible until published; earlier captures stay queryable; a domain asks which
of its captures are published, by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.store import Database
from runplane.store import captures as capture_store

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_readers_see_the_latest_published_capture_only(db: Database) -> None:
    with db.write() as conn:
        for n, execution in enumerate(["e1", "e2", "e3"]):
            capture_store.insert_capture(
                conn,
                capture_id=f"cap_{n}",
                asset="sales/2025-12-22",
                execution_id=execution,
                pipeline="p.q",
                at=T0 + timedelta(minutes=n),
            )
        capture_store.publish_captures(conn, "e1", T0 + timedelta(minutes=10))
        capture_store.publish_captures(conn, "e2", T0 + timedelta(minutes=11))
    with db.read() as conn:
        latest = capture_store.find_latest_published(conn, "sales/2025-12-22")
        history = capture_store.list_captures(conn, "sales/2025-12-22")
    assert latest is not None
    assert latest.capture_id == "cap_1"
    assert [(c.capture_id, c.published_at is not None) for c in history] == [
        ("cap_2", False),
        ("cap_1", True),
        ("cap_0", True),
    ]


def test_publishing_twice_does_not_move_the_publish_time(db: Database) -> None:
    with db.write() as conn:
        capture_store.insert_capture(
            conn, capture_id="c", asset="a", execution_id="e", pipeline="p.q", at=T0
        )
        assert capture_store.publish_captures(conn, "e", T0) == 1
        assert capture_store.publish_captures(conn, "e", T0 + timedelta(hours=1)) == 0
    with db.read() as conn:
        (capture,) = capture_store.list_execution_captures(conn, "e")
    assert capture.published_at == T0


def test_captures_of_several_assets_come_newest_first(db: Database) -> None:
    with db.write() as conn:
        for n, asset in enumerate(["a/1", "b/1", "a/1", "c/1"]):
            capture_store.insert_capture(
                conn, capture_id=f"cap_{n}", asset=asset, execution_id=f"e{n}", pipeline="p.q",
                at=T0 + timedelta(minutes=n),
            )  # fmt: skip
    with db.read() as conn:
        found = capture_store.list_captures(conn, "a/1", "b/1")
    assert [c.capture_id for c in found] == ["cap_2", "cap_1", "cap_0"]


def test_publications_name_only_the_published_captures_asked_for(db: Database) -> None:
    ids = [f"cap_{n:04d}" for n in range(capture_store.ID_SLICE + 10)]
    with db.write() as conn:
        for n, capture_id in enumerate(ids):
            capture_store.insert_capture(
                conn, capture_id=capture_id, asset="a", execution_id=f"e{n % 2}", pipeline="p.q",
                at=T0,
            )  # fmt: skip
        capture_store.publish_captures(conn, "e1", T0 + timedelta(minutes=1))
    with db.read() as conn:
        found = capture_store.list_publications(conn, [*ids[:-1], "cap_missing"])
    assert sorted(p.capture_id for p in found) == ids[1:-1:2]
    assert {(p.execution_id, p.published_at) for p in found} == {("e1", T0 + timedelta(minutes=1))}
