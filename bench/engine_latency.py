"""Executor latency and throughput for `runplane.noop` on file-backed SQLite.

    python bench/engine_latency.py [--runs 200] [--burst 500]

Runs the same serving runtime `runplane serve` runs (worker row, executor, fork server,
monitor) in this process and submits through the engine, as the API does.
Latency: from the return of the submit call to the execution's `completed_at`
(targets p50 <= 50 ms, p95 <= 100 ms). Throughput: a burst submitted at once, from the
first submit to the last `completed_at` (target >= 50 per second).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.schema import upgrade


def wait_all(db: Database, ids: list[str], interval: float) -> None:
    """Poll sparingly: this process also runs the executor, and polling competes with it."""
    while True:
        with db.read() as conn:
            statuses = store.list_statuses(conn, ids)
        if all(s.is_final for s in statuses.values()):
            return
        time.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}", home=Path(folder)
        )
        db = Database(settings.resolved_database_url)
        upgrade(db)
        runtime = ServingRuntime(db, settings)
        runtime.start()
        try:
            latencies = []
            for _ in range(args.runs):
                execution = submit_execution(
                    db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="local"
                )
                returned = datetime.now(UTC)
                wait_all(db, [execution.execution_id], 0.005)
                with db.read() as conn:
                    done = store.get_execution(conn, execution.execution_id).completed_at
                assert done is not None
                latencies.append((done - returned).total_seconds() * 1000)
            latencies.sort()
            print(f"max_workers={settings.max_workers}")
            print(
                f"latency submit->completed_at over {args.runs} runs: p50 {statistics.median(latencies):.1f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms (targets 50 / 100 ms)"
            )
            first = datetime.now(UTC)
            ids = [
                submit_execution(
                    db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="local"
                ).execution_id
                for _ in range(args.burst)
            ]
            wait_all(db, ids, 0.5)
            with db.read() as conn:
                last = max(store.get_execution(conn, i).completed_at for i in ids)  # type: ignore[type-var]
            seconds = (last - first).total_seconds()
            print(
                f"throughput: {args.burst} submitted at once completed in {seconds:.2f} s = "
                f"{args.burst / seconds:.0f} per second (target >= 50)"
            )
        finally:
            runtime.stop()


if __name__ == "__main__":
    main()
