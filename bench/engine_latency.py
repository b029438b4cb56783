"""Executor latency and throughput for `runplane.noop` on file-backed SQLite.

    python bench/engine_latency.py [--runs 200] [--burst 1000]

Runs the same serving runtime `runplane serve` runs (worker row, executor, fork server,
monitor) in this process and submits through the engine, as the API does.
Latency: from the return of the submit call to the execution's `completed_at`
(target p50 <= 6 ms). Throughput: a burst submitted at once, from the first submit to
the last `completed_at` (target >= 300 per second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record

P50_MS = 6.0
BURST_PER_SECOND = 300.0


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
    parser.add_argument("--burst", type=int, default=1000)
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
            p50 = statistics.median(latencies)
            print(f"max_workers={settings.max_workers}")
            print(
                f"latency submit->completed_at over {args.runs} runs: p50 {p50:.1f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms (target p50 <= {P50_MS:g} ms)"
            )
            record("engine.latency.p50", p50, "ms", P50_MS)
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
                f"{args.burst / seconds:.0f} per second (target >= {BURST_PER_SECOND:g})"
            )
            print(
                f"command: python bench/engine_latency.py --runs {args.runs} --burst {args.burst}"
            )
            record("engine.burst", args.burst / seconds, "per_s", BURST_PER_SECOND, higher=True)
        finally:
            runtime.stop()


if __name__ == "__main__":
    main()
