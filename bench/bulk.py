"""Bulk retry on a SQLite history of failed executions: how long the preview of a filter
takes to select and assess the set, and how long the runner takes per retried execution
(with the throttle's rate and pending cap lifted, so the figure is the work itself).

    python bench/bulk.py [--failed 5000] [--retries 500]

Prints both; the runner is throttled to RUNPLANE_BULK_RATE per second in use, far below
what it can do, so the figure to watch is the preview of a large set (target: 10,000 in 2 s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from results import record
from runplane.engine.bulk.operation import start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.audit import Origin
from runplane.model.bulk import BulkAction
from runplane.pipelines.params import params_hash
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.schema import upgrade

START = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
PREVIEW_PER_SECOND = 5000.0


def seed(db: Database, count: int) -> None:
    """`count` failed `runplane.sleep` runs, each with its own parameters."""
    with db.write() as conn:
        for n in range(count):
            params = {"seconds": float(n), "lines_per_second": 0}
            at = START + timedelta(seconds=n)
            store.insert_execution(
                conn,
                Execution(
                    execution_id=new_execution_id(), pipeline="runplane.sleep",
                    status=ExecutionStatus.FAILED, params=params,
                    params_hash=params_hash("runplane.sleep", params), trigger=Trigger.MANUAL,
                    triggered_by="user:bench", trigger_time=at, created_at=at,
                    capture_id=new_capture_id(at), started_at=at, completed_at=at,
                ),
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failed", type=int, default=5000)
    parser.add_argument("--retries", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="runplane-bulk-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    upgrade(db)
    seed(db, args.failed)
    everything = store.ExecutionFilter(statuses=frozenset({ExecutionStatus.FAILED}))
    started = time.perf_counter()
    preview = preview_bulk(
        db, BulkAction.RETRY, actor="user:bench", filter=everything, max_set=args.failed
    )
    took = time.perf_counter() - started
    rate = preview.matched / took
    print(
        f"preview of {preview.matched} failed executions: {took * 1000:.0f} ms "
        f"= {rate:,.0f} per second (target >= {PREVIEW_PER_SECOND:,.0f}: 10,000 in 2 s)"
    )
    record("bulk.preview", rate, "per_s", PREVIEW_PER_SECOND, higher=True)
    chosen = preview_bulk(
        db, BulkAction.RETRY, actor="user:bench", ids=list(preview.selected[: args.retries])
    )
    operation = start_operation(
        db, chosen.preview_id, max_executions=args.retries, origin=Origin("user:bench")
    )
    settings = Settings(home=folder, database_url=url, bulk_rate=1e9, bulk_max_pending=10**9)
    runner = BulkRunner(db, settings)
    began = time.perf_counter()
    acted = 0
    while done := runner.tick():
        acted += done
    took = time.perf_counter() - began
    print(
        f"bulk {operation.bulk_id[:8]}: {acted} retries in {took:.2f} s, "
        f"{took * 1000 / max(acted, 1):.1f} ms each"
    )
    print(f"command: python bench/bulk.py --failed {args.failed} --retries {args.retries}")
    db.dispose()


if __name__ == "__main__":
    main()
