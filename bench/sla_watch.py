"""The SLA watch's cost and the `sla=` list filter, on a SQLite history of finished executions
with a few hundred active ones under an SLA (some breached).

    python bench/sla_watch.py [--finished 200000] [--active 300] [--runs 20]

Prints p50/p95 of one watch check (every `RUNPLANE_SLA_INTERVAL` in `serve`) and of the
list's `sla=breached` page, and the SQLite plan of that page's query; targets: a check
p95 <= 500 ms with 300 active executions, the page p95 <= 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from results import record
from runplane.engine.serving.sla import SlaWatch
from runplane.model import ExecutionStatus
from runplane.model.sla import SLA
from runplane.pipelines import NoParams, Output, Pipeline, registry
from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.store.tables import executions
from runplane.views import list_query, listing

NOW = datetime(2025, 12, 22, 12, 0, tzinfo=UTC)
PIPELINE = "bench.sla"
CHECK_P95_MS = 500.0
PAGE_P95_MS = 10.0


def nothing(ctx: object) -> Output:
    return Output()


def row(i: int, status: ExecutionStatus, created: datetime) -> dict[str, object]:
    started = None if status is ExecutionStatus.PENDING else created
    done = created + timedelta(minutes=5) if status.is_final else None
    return {
        "execution_id": str(uuid.UUID(int=i)), "pipeline": PIPELINE, "status": str(status),
        "params": {}, "params_hash": "h", "dry_run": False, "trigger": "api",
        "triggered_by": "local", "trigger_time": created, "created_at": created,
        "started_at": started, "completed_at": done, "capture_id": f"cap_{i}", "attempt": 1,
    }  # fmt: skip


def seed(db: Database, finished: int, active: int) -> None:
    batch = 10_000
    with db.write() as conn:
        for start in range(0, finished, batch):
            conn.execute(
                insert(executions),
                [
                    row(i, ExecutionStatus.COMPLETED, NOW - timedelta(minutes=finished - i))
                    for i in range(start, min(start + batch, finished))
                ],
            )
        conn.execute(
            insert(executions),
            [
                row(finished + i, ExecutionStatus.RUNNING, NOW - timedelta(minutes=i % 60))
                for i in range(active)
            ],
        )


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--finished", type=int, default=200_000)
    parser.add_argument("--active", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    registry.add(Pipeline(PIPELINE, "", NoParams, nothing, sla=SLA(max_duration="30m")))
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'sla.db'}")
        upgrade(db)
        seed(db, args.finished, args.active)
        watch = SlaWatch(db, clock=lambda: NOW)
        changed, _ = watch.check()
        print(f"first check: {len(changed)} standings written")
        p50, p95 = timed(watch.check, args.runs)
        print(f"watch check, {args.active} active:  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        record("sla_watch.check.p95", p95, "ms", CHECK_P95_MS)
        filters = list_query.parse_filters(sla=["breached"], range="24h")
        p50, p95 = timed(lambda: listing.list_page(db, filters, clock=lambda: NOW), args.runs)
        print(f"list sla=breached page:      p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        record("sla_watch.breached_page.p95", p95, "ms", PAGE_P95_MS)
        query = filters.to_store(NOW)
        statement = (
            select(executions.c.execution_id)
            .where(*query.where("sqlite"))
            .order_by(executions.c.created_at.desc(), executions.c.execution_id.desc())
            .limit(51)
        )
        with db.read() as conn:
            compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
            plan = [r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
        print("plan:", " / ".join(plan))
        print(f"targets: check p95 <= {CHECK_P95_MS:.0f} ms, page p95 <= {PAGE_P95_MS:.0f} ms")
        print(f"command: python bench/sla_watch.py {' '.join(sys.argv[1:])}".rstrip())
        db.dispose()


if __name__ == "__main__":
    main()
