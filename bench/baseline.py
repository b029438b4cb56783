"""The baseline and the comparison of two executions, timed on a seeded SQLite history.

    python bench/baseline.py [--runs 200000] [--classes 3 50] [--log-lines 100000]

Seeds a fresh file with `--runs` completed runs of one pipeline, whose class parameter
takes each `--classes` count of values in turn (plus dates that do not count), then times
`load_baseline` for a run of a common class and of a class rarer than the scan window
reads (the worst case: `MAX_SCAN` rows read, "not enough history"), and the first log
divergence of two `--log-lines` logs identical but for times and ids (read to the end).

This is what chose computing the class over the pipeline's recent successes instead of a
stored class key: the common case reads a few dozen rows through
`ix_executions_pipeline_status_created`; target p95 <= 20 ms for a baseline at 200,000 runs.
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
from typing import Any

from sqlalchemy import insert

from results import record
from runplane.model import Execution, LogLine
from runplane.pipelines.params import params_hash
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store.schema import upgrade
from runplane.store.tables import executions
from runplane.views.baseline import load_baseline
from runplane.views.compare import first_divergence

PIPELINE = "finra.otc_transparency.ingest_week"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
BASELINE_P95_MS = 20.0


def seed(db: Database, runs: int, classes: int) -> None:
    """`runs` completed runs a minute apart; tier cycles through `classes` values."""
    batch: list[dict[str, Any]] = []
    with db.write() as conn:
        for n in range(runs):
            created = T0 + timedelta(minutes=n)
            params = {"week_ending": f"{(T0 + timedelta(days=n % 700)).date()}",
                      "tier": f"T{n % classes}"}  # fmt: skip
            batch.append({
                "execution_id": str(uuid.uuid4()), "pipeline": PIPELINE, "status": "completed",
                "params": params, "params_hash": params_hash(PIPELINE, params), "dry_run": False,
                "trigger": "scheduled", "triggered_by": "schedule:bench", "trigger_time": created,
                "created_at": created, "started_at": created,
                "completed_at": created + timedelta(seconds=60 + n % 17),
                "capture_id": f"cap_{n}", "attempt": 1, "rows_processed": 5000 + n % 101,
            })  # fmt: skip
            if len(batch) == 10_000:
                conn.execute(insert(executions), batch)
                batch.clear()
        if batch:
            conn.execute(insert(executions), batch)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def newest(db: Database) -> Execution:
    with db.read() as conn:
        return store.list_executions(conn, limit=1)[0]


def bench_baseline(folder: Path, runs: int, classes: int, repeats: int) -> None:
    db = Database(f"sqlite:///{folder / f'baseline-{classes}.db'}")
    upgrade(db)
    seed(db, runs, classes)
    latest = newest(db)
    rare = Execution(**{**latest.__dict__, "params": {**latest.params, "tier": "rare"}})
    for label, execution in (("common class", latest), ("rare class (scan cap)", rare)):

        def one(execution: Execution = execution) -> object:
            with db.read() as conn:
                return load_baseline(conn, execution)

        p50, p95 = timed(one, repeats)
        found = one()
        flag = "ok" if p95 <= BASELINE_P95_MS else f"over {BASELINE_P95_MS:.0f} ms"
        print(f"baseline, {runs:,} runs, {classes} classes, {label}: runs found "
              f"{found.runs}, p50 {p50:.2f} ms, p95 {p95:.2f} ms ({flag})")  # type: ignore[attr-defined]  # fmt: skip
        kind = "common" if execution is latest else "rare"
        record(f"baseline.{classes}_classes.{kind}.p95", p95, "ms", BASELINE_P95_MS)
    db.dispose()


def bench_divergence(folder: Path, lines: int, repeats: int) -> None:
    db = Database(f"sqlite:///{folder / 'logs.db'}")
    upgrade(db)
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    with db.write() as conn:
        for shift, execution_id in enumerate(ids):
            at = T0 + timedelta(hours=shift)
            log_store.insert_log_lines(conn, [
                LogLine(execution_id, seq, at, "INFO",
                        f"{at.isoformat()} batch {seq} of {execution_id} took 0.{shift}3s")
                for seq in range(1, lines + 1)
            ])  # fmt: skip

    def both() -> object:
        with db.read() as conn:
            return first_divergence(conn, ids[0], ids[1])

    p50, p95 = timed(both, repeats)
    print(f"log divergence, 2 x {lines:,} lines (identical once masked): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {lines * 2 / p50:,.0f} lines/ms")  # fmt: skip
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--classes", type=int, nargs="+", default=[3, 50])
    parser.add_argument("--log-lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for classes in args.classes:
            bench_baseline(Path(folder), args.runs, classes, args.repeats)
        bench_divergence(Path(folder), args.log_lines, max(3, args.repeats // 10))
    print(f"command: python bench/baseline.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
