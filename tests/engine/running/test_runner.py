"""The runner's warm-up: what a forked run executes is compiled once, in the fork server,
not again in every child (each compile costs about a millisecond of a 15 ms run)."""

from __future__ import annotations

from datetime import UTC, datetime

from runplane.engine import lifecycle
from runplane.engine.running.runner import warm_up
from runplane.model import ExecutionStatus, LogLine
from runplane.model.cost import ExitUsage, Rates
from runplane.store import Database
from runplane.store import logs as log_store
from tests.factories import make_execution

NOW = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_a_run_finishes_with_statements_the_warm_up_compiled(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        running = make_execution(conn, status="running", created_at=NOW)
    warm_up(sqlite_db)
    cache = sqlite_db.engine._compiled_cache
    assert cache is not None
    compiled = len(cache)
    lines = [LogLine(running.execution_id, seq, NOW, "INFO", "x") for seq in range(1, 6)]
    with sqlite_db.write() as conn:  # what the log sink flushes while the run goes on
        log_store.insert_log_lines(conn, lines[:1])
        log_store.insert_log_lines(conn, lines[1:3])
    assert lifecycle.finish_execution(
        sqlite_db, running, ExecutionStatus.COMPLETED, output={}, rows_processed=0,
        log_lines=lines[3:], clock=lambda: NOW, process=(4242, 1.5),
        rates=Rates(0.05, 0.01, "USD"), usage=ExitUsage(cpu_seconds=0.1, peak_rss_bytes=1 << 20),
    )  # fmt: skip
    assert len(cache) == compiled
