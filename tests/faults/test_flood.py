"""A pipeline logging 100,000 lines a second for 20 s: it runs to the end, its log keeps
the head, a marker and the tail (within the caps), the database grows by what is kept,
and downloading the log costs the server the same memory as a small one."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.store import logs as log_store
from tests.faults.conftest import Serve, assert_settled, submit, wait_final
from tests.faults.test_bodies import MB, Peak

pytestmark = pytest.mark.slow

SECONDS = 20


def database_bytes(db: Database) -> int:
    """The SQLite file and its write-ahead log."""
    return sum(
        os.path.getsize(f"{db.path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{db.path}{suffix}")
    )


def test_a_flood_logger_is_capped_and_its_log_streams_in_pages(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    assert db.path is not None
    size_before = database_bytes(db)
    started = time.monotonic()
    with serve.client() as client:
        flood = submit(client, "runplane.sleep", seconds=SECONDS, lines_per_second=100_000)
        final = wait_final(db, flood, timeout=SECONDS + 60)
    took = time.monotonic() - started
    assert final.status is ExecutionStatus.COMPLETED
    emitted = final.rows_processed
    assert emitted is not None
    with db.read() as conn:
        lines = log_store.list_log_lines(conn, flood, limit=None)
    settings = serve.settings
    assert len(lines) <= settings.log_max_lines + 10
    messages = [line.message for line in lines]
    assert messages[-1] == "Execution complete: COMPLETED"
    assert messages[-2].startswith("slept ")
    assert messages[-3] == f"tick {emitted}"  # the tail runs to the last line logged
    marker = next(m for m in messages if m.startswith("log truncated: "))
    ticks = sum(1 for m in messages if m.startswith("tick "))
    assert marker.startswith(f"log truncated: {emitted - ticks:,} lines / ")
    grown = (database_bytes(db) - size_before) / MB
    print(
        f"flood: {emitted:,} lines logged in {took:.0f} s, {len(lines):,} kept, "
        f"database grew {grown:.0f} MB"
    )
    assert grown < 150
    before = serve.rss()
    with (
        Peak(serve) as peak,
        httpx.stream(
            "GET", f"{serve.url}/v1/executions/{flood}/logs", params={"format": "text"}, timeout=120
        ) as response,
    ):
        downloaded = sum(len(chunk) for chunk in response.iter_bytes())
    growth = (peak.value - before) / MB
    print(f"flood: its {downloaded / MB:.0f} MB log downloaded, serve grew {growth:.0f} MB")
    assert response.status_code == 200
    assert growth < 150
    assert_settled(db, [flood])
    db.dispose()
