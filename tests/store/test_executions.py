"""The store contract for execution rows (insert, read, list, page, count, status moves,
cancel requests, retry chains), run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from runplane.model import ExecutionStatus, InvalidTransition, Trigger
from runplane.store import Database, NotFound
from runplane.store import executions as store
from runplane.store import retries as retry_store
from runplane.store.errors import AmbiguousId
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_insert_then_get_round_trips_every_field(db: Database) -> None:
    with db.write() as conn:
        made = make_execution(
            conn,
            params={"week_ending": "2025-12-22", "tier": "OTC"},
            output={"summary": ["ok"], "figures": {"rows": 3}},
            rows_processed=3,
            trigger=Trigger.SCHEDULED,
            triggered_by="schedule:weekly",
            dry_run=True,
            attempt=2,
        )
    with db.read() as conn:
        loaded = store.get_execution(conn, made.execution_id)
    assert loaded == made


def test_timestamps_come_back_timezone_aware_utc(db: Database) -> None:
    eastern = datetime(2025, 12, 22, 3, 0, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    with db.write() as conn:
        made = make_execution(conn, created_at=eastern)
    with db.read() as conn:
        loaded = store.get_execution(conn, made.execution_id)
    assert loaded.created_at.tzinfo is UTC
    assert loaded.created_at == datetime(2025, 12, 22, 3, 0, tzinfo=UTC)


def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.write() as conn:
        make_execution(conn, created_at=datetime(2025, 12, 22, 8, 0))


def test_get_unknown_id_raises_not_found_naming_the_id(db: Database) -> None:
    with pytest.raises(NotFound, match="nope"), db.read() as conn:
        store.get_execution(conn, "nope")


def test_list_is_newest_first_by_created_at_then_id(db: Database) -> None:
    with db.write() as conn:
        older = make_execution(conn, created_at=T0)
        same_a = make_execution(conn, created_at=T0 + timedelta(minutes=5), execution_id="a" * 36)
        same_b = make_execution(conn, created_at=T0 + timedelta(minutes=5), execution_id="b" * 36)
        pending = make_execution(conn, created_at=T0 + timedelta(minutes=9), status="pending")
    with db.read() as conn:
        rows = store.list_executions(conn)
    assert [e.execution_id for e in rows] == [
        pending.execution_id,
        same_b.execution_id,
        same_a.execution_id,
        older.execution_id,
    ]


def test_keyset_pages_cover_every_row_once(db: Database) -> None:
    with db.write() as conn:
        made = [make_execution(conn, created_at=T0 + timedelta(seconds=i // 2)) for i in range(11)]
    seen: list[str] = []
    cursor = None
    with db.read() as conn:
        while True:
            page = store.list_executions(conn, limit=4, after=cursor)
            seen += [e.execution_id for e in page]
            if len(page) < 4:
                break
            cursor = (page[-1].created_at, page[-1].execution_id)
    assert sorted(seen) == sorted(e.execution_id for e in made)
    assert len(seen) == len(set(seen))


def test_filters_narrow_by_status_pipeline_trigger_and_time(db: Database) -> None:
    with db.write() as conn:
        hit = make_execution(
            conn,
            status="failed",
            pipeline="runplane.fail",
            trigger=Trigger.API,
            created_at=T0 + timedelta(hours=1),
        )
        make_execution(
            conn,
            status="completed",
            pipeline="runplane.fail",
            trigger=Trigger.API,
            created_at=T0 + timedelta(hours=1),
        )
        make_execution(
            conn,
            status="failed",
            pipeline="runplane.noop",
            trigger=Trigger.API,
            created_at=T0 + timedelta(hours=1),
        )
        make_execution(
            conn,
            status="failed",
            pipeline="runplane.fail",
            trigger=Trigger.MANUAL,
            created_at=T0 + timedelta(hours=1),
        )
        make_execution(
            conn,
            status="failed",
            pipeline="runplane.fail",
            trigger=Trigger.API,
            created_at=T0 - timedelta(hours=1),
        )
    query = store.ExecutionFilter(
        statuses=frozenset({ExecutionStatus.FAILED}),
        pipelines=frozenset({"runplane.fail"}),
        triggers=frozenset({Trigger.API}),
        since=T0,
        until=T0 + timedelta(hours=2),
    )
    with db.read() as conn:
        rows = store.list_executions(conn, query)
    assert [e.execution_id for e in rows] == [hit.execution_id]


def test_count_by_status_counts_each_status_within_the_filter(db: Database) -> None:
    with db.write() as conn:
        for status, n in (("failed", 2), ("completed", 3), ("running", 1)):
            for _ in range(n):
                make_execution(conn, status=status, created_at=T0 + timedelta(minutes=1))
        make_execution(conn, status="failed", created_at=T0 - timedelta(days=2))
    with db.read() as conn:
        counts = store.count_by_status(conn, store.ExecutionFilter(since=T0))
    assert counts[ExecutionStatus.FAILED] == 2
    assert counts[ExecutionStatus.COMPLETED] == 3
    assert counts[ExecutionStatus.RUNNING] == 1
    assert counts[ExecutionStatus.PENDING] == 0


def test_compare_and_set_moves_only_from_the_expected_status(db: Database) -> None:
    with db.write() as conn:
        made = make_execution(conn, status="pending")
    with db.write() as conn:
        assert store.update_status(
            conn, made.execution_id, ExecutionStatus.PENDING, ExecutionStatus.RUNNING
        )
        assert not store.update_status(
            conn, made.execution_id, ExecutionStatus.PENDING, ExecutionStatus.RUNNING
        )
    with db.read() as conn:
        assert store.get_execution(conn, made.execution_id).status is ExecutionStatus.RUNNING


def test_a_move_outside_the_transition_table_is_a_programmer_error(db: Database) -> None:
    with db.write() as conn:
        made = make_execution(conn, status="completed")
    with pytest.raises(InvalidTransition), db.write() as conn:
        store.update_status(
            conn, made.execution_id, ExecutionStatus.COMPLETED, ExecutionStatus.RUNNING
        )


def test_final_move_requiring_no_cancel_fails_after_a_cancel_request(db: Database) -> None:
    with db.write() as conn:
        made = make_execution(conn, status="running")
        assert store.request_cancel(conn, made.execution_id, by="user:a", at=T0, kill_after=T0)
    with db.write() as conn:
        moved = store.update_status(
            conn,
            made.execution_id,
            ExecutionStatus.RUNNING,
            ExecutionStatus.COMPLETED,
            require_no_cancel=True,
        )
    assert not moved


def test_cancel_request_keeps_the_first_requester(db: Database) -> None:
    with db.write() as conn:
        made = make_execution(conn, status="running")
        store.request_cancel(
            conn, made.execution_id, by="user:a", at=T0, kill_after=T0 + timedelta(seconds=30)
        )
        store.request_cancel(
            conn, made.execution_id, by="user:b", at=T0 + timedelta(seconds=5), kill_after=T0
        )
    with db.read() as conn:
        loaded = store.get_execution(conn, made.execution_id)
    assert loaded.cancel_requested_by == "user:a"
    assert loaded.cancel_requested_at == T0
    assert loaded.kill_after == T0


def test_retry_chain_links_every_attempt_in_order(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, status="failed", created_at=T0)
        second = make_execution(
            conn,
            status="failed",
            created_at=T0 + timedelta(minutes=1),
            retry_of=first.execution_id,
            attempt=2,
        )
        third = make_execution(
            conn,
            status="completed",
            created_at=T0 + timedelta(minutes=2),
            retry_of=second.execution_id,
            attempt=3,
        )
    with db.read() as conn:
        chain = retry_store.list_retry_chain(conn, second)
    assert [e.execution_id for e in chain] == [
        first.execution_id,
        second.execution_id,
        third.execution_id,
    ]


def test_a_second_retry_of_the_same_execution_is_in_its_own_chain(db: Database) -> None:
    with db.write() as conn:
        failed = make_execution(conn, status="failed", created_at=T0)
        retries = [
            make_execution(
                conn, created_at=T0 + timedelta(minutes=m), retry_of=failed.execution_id, attempt=2
            )
            for m in (1, 2)
        ]
    with db.read() as conn:
        chains = [retry_store.list_retry_chain(conn, retry) for retry in retries]
    assert [[e.execution_id for e in chain] for chain in chains] == [
        [failed.execution_id, retry.execution_id] for retry in retries
    ]


def test_an_execution_is_found_by_a_unique_prefix_of_six_or_more_characters(
    db: Database,
) -> None:
    with db.write() as conn:
        one = make_execution(conn, execution_id="45934f8b-0000-4000-8000-000000000001")
        make_execution(conn, execution_id="abcdef01-0000-4000-8000-000000000001")
        make_execution(conn, execution_id="abcdef02-0000-4000-8000-000000000002")
        make_execution(conn, execution_id="a_cdef99-0000-4000-8000-000000000003")
    with db.read() as conn:
        assert store.resolve_execution_id(conn, "45934f8b") == one.execution_id
        assert store.resolve_execution_id(conn, one.execution_id) == one.execution_id
        with pytest.raises(AmbiguousId) as ambiguous:
            store.resolve_execution_id(conn, "abcdef")
        with pytest.raises(NotFound, match="at least 6 characters"):
            store.resolve_execution_id(conn, "45934")
        with pytest.raises(NotFound, match="or an id starting with it"):
            store.resolve_execution_id(conn, "a%cdef")  # LIKE's wildcards are literal
    assert ambiguous.value.candidates == [
        "abcdef01-0000-4000-8000-000000000001",
        "abcdef02-0000-4000-8000-000000000002",
    ]
    assert "give more characters" in str(ambiguous.value)
