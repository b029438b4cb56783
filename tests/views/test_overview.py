"""The overview's figures, a list view's unresolved failures, and why a run is still pending."""

from __future__ import annotations

from datetime import timedelta

from runplane.store import Database
from runplane.views.list_query import parse_filters
from runplane.views.overview import system_overview, unresolved_failures
from tests.conftest import FakeClock
from tests.factories import make_execution


def test_overview_compares_failures_with_the_day_before_and_counts_in_flight(
    db: Database, clock: FakeClock
) -> None:
    now = clock()
    with db.write() as conn:
        for hours in (1, 2, 30):
            make_execution(conn, status="failed", created_at=now - timedelta(hours=hours))
        make_execution(conn, status="failed", created_at=now - timedelta(hours=50))
        make_execution(conn, status="running", created_at=now - timedelta(minutes=5))
        for _ in range(2):
            make_execution(conn, status="pending", created_at=now - timedelta(minutes=1))
    overview = system_overview(db, clock=clock)
    assert (overview.failed_last_24h, overview.failed_previous_24h) == (2, 1)
    assert (overview.running, overview.pending) == (1, 2)
    assert overview.unresolved_7d == 4


def test_unresolved_failures_follow_the_list_window(db: Database, clock: FakeClock) -> None:
    now = clock()
    with db.write() as conn:
        first = make_execution(conn, status="failed", created_at=now - timedelta(hours=1))
        make_execution(
            conn,
            status="completed",
            retry_of=first.execution_id,
            created_at=now - timedelta(minutes=30),
        )
        make_execution(conn, status="failed", created_at=now - timedelta(minutes=10))
        make_execution(conn, status="failed", created_at=now - timedelta(days=3))
    assert unresolved_failures(db, parse_filters(), clock=clock) == 1
    assert unresolved_failures(db, parse_filters(range="7d"), clock=clock) == 2
