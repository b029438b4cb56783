"""Store queries behind the executions page, timed on a large SQLite history.

    python bench/store_queries.py --database bench/out/bench.db

Seeds the file with bench/seed_executions.py first if it does not exist.

Prints p50/p95 per query over repeated runs; target p95 <= 2 ms each at 1,000,000 executions.
The first rows are the statements one list page runs (its keys, the re-read of its
unfinished rows, the retries of its failures, the counts); then whole rows newest first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from runplane.model import ExecutionStatus
from runplane.store import Database, failures
from runplane.store import executions as store
from runplane.store.schema import upgrade
from runplane.store.tables import executions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record
from seed_executions import seed

TARGET_P95_MS = 2.0


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm the statement cache and the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    db = Database(f"sqlite:///{args.database.resolve()}")
    if not args.database.exists():
        args.database.parent.mkdir(parents=True, exist_ok=True)
        print(f"seeding {args.database} with 1,000,000 executions (a few minutes)...")
        upgrade(db)
        seed(db)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(executions)).scalar_one()
        now = conn.execute(select(func.max(executions.c.created_at))).scalar_one()
        ids = list(conn.execute(select(executions.c.execution_id).limit(5000)).scalars())
    day = store.ExecutionFilter(since=now - timedelta(hours=24))
    failed = store.ExecutionFilter(statuses=frozenset({ExecutionStatus.FAILED}), since=day.since)
    week = store.ExecutionFilter(
        pipelines=frozenset({"finra.otc_transparency.ingest_week"}), since=now - timedelta(days=7)
    )
    rng = random.Random(1)

    def run(query: Callable[[object], object]) -> Callable[[], object]:
        def go() -> object:
            with db.read() as conn:
                return query(conn)

        return go

    with db.read() as conn:
        keys = store.list_execution_keys(conn, day, limit=51)
    unfinished = [key[0] for key in keys if not key[2].is_final]
    page_ids = [key[0] for key in keys[:50]]
    names = [
        "page_keys",
        "page_unfinished_by_id",
        "page_retries",
        "newest_50_24h",
        "failed_24h",
        "one_pipeline_7d",
        "one_by_id",
        "counts_24h",
    ]
    queries: dict[str, Callable[[], object]] = {
        "page: keys of newest 51, 24 h": run(lambda c: store.list_execution_keys(c, day, limit=51)),  # type: ignore[arg-type]
        f"page: {len(unfinished)} unfinished rows by id": run(
            lambda c: store.list_executions_by_id(c, unfinished)  # type: ignore[arg-type]
        ),
        "page: retries of its 50 rows": run(lambda c: failures.list_resolutions(c, page_ids)),  # type: ignore[arg-type]
        "newest 50 in the last 24 h": run(lambda c: store.list_executions(c, day, limit=50)),  # type: ignore[arg-type]
        "failed in the last 24 h": run(lambda c: store.list_executions(c, failed, limit=50)),  # type: ignore[arg-type]
        "one pipeline over 7 days": run(lambda c: store.list_executions(c, week, limit=50)),  # type: ignore[arg-type]
        "one execution by id": run(lambda c: store.get_execution(c, rng.choice(ids))),  # type: ignore[arg-type]
        "counts by status, last 24 h": run(lambda c: store.count_by_status(c, day)),  # type: ignore[arg-type]
    }
    print(f"{total:,} executions in {args.database}; {args.runs} runs each")
    print(f"{'query':<32} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_P95_MS:g} ms")
    for key, (name, fn) in zip(names, queries.items(), strict=True):
        p50, p95 = timed(fn, args.runs)
        print(f"{name:<32} {p50:>8.2f} {p95:>8.2f}  {'ok' if p95 <= TARGET_P95_MS else 'OVER'}")
        record(f"store.{key}.p95", p95, "ms", TARGET_P95_MS)
    print(f"command: python bench/store_queries.py --database {args.database} --runs {args.runs}")


if __name__ == "__main__":
    main()
