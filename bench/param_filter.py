"""The executions list filtered by parameter (and by free text), timed on a large SQLite
history: the whole read model a page or `GET /v1/executions?param.NAME=VALUE` calls, the
bounded counts included.

    python bench/param_filter.py --database bench/out/bench.db

Seeds the file with bench/seed_executions.py first if it does not exist (`--executions`,
default 1,000,000). Prints p50/p95 per query; target p95 <= 10 ms for each parameter
filter at 1,000,000 executions. Free text is a test per row within the window and is
printed for information, without a target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.store.tables import executions
from runplane.views import list_query, listing

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record
from seed_executions import seed

TARGET_MS = 10.0


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm the statement cache and the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--executions", type=int, default=1_000_000, help="when seeding")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    fresh = not args.database.exists()
    args.database.parent.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{args.database.resolve()}")
    if fresh:
        print(f"seeding {args.database} with {args.executions:,} executions...")
        upgrade(db)
        seed(db, count=args.executions, log_lines=1000)
    upgrade(db)  # an older file gains the side table, filled in from its executions
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(executions)).scalar_one()
        now = conn.execute(select(func.max(executions.c.created_at))).scalar_one()
        newest = conn.execute(
            select(executions.c.params).order_by(executions.c.created_at.desc()).limit(1)
        ).scalar_one()
    week, batch = newest["week_ending"], str(newest["batch"])

    def page(**query: object) -> Callable[[], object]:
        filters = list_query.parse_filters(**query)  # type: ignore[arg-type]
        return lambda: listing.list_page(db, filters, clock=lambda: now)

    filtered: dict[str, Callable[[], object]] = {
        f"week_ending={week}, 24 h": page(params=[("week_ending", week)]),
        f"week_ending={week}, 30 d": page(params=[("week_ending", week)], range="30d"),
        f"batch={batch} (numeric), 30 d": page(params=[("batch", batch)], range="30d"),
        "week + tier=OTC + failed, 7 d": page(
            params=[("week_ending", week), ("tier", "OTC")], status=["failed"], range="7d"
        ),
        "week_ending two weeks (OR), 30 d": page(
            params=[("week_ending", week), ("week_ending", "2000-01-03")], range="30d"
        ),
        "no match, 30 d": page(params=[("week_ending", "2000-01-03")], range="30d"),
    }
    searched: dict[str, Callable[[], object]] = {
        "q=otc (a value prefix), 24 h": page(q="otc"),
        "q=ingest (a pipeline name), 24 h": page(q="ingest"),
    }
    print(f"{total:,} executions in {args.database}; {args.runs} runs each")
    print(f"command: python bench/param_filter.py --database {args.database} --runs {args.runs}")
    print(
        f"{'list page (rows + counts)':<40} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_MS:g} ms"
    )
    keys = ["week_24h", "week_30d", "batch_30d", "week_tier_failed_7d", "two_weeks_30d", "none_30d"]
    for key, (name, fn) in zip(keys, filtered.items(), strict=True):
        p50, p95 = timed(fn, args.runs)
        print(f"{name:<40} {p50:>8.2f} {p95:>8.2f}  {'ok' if p95 <= TARGET_MS else 'OVER'}")
        record(f"param_filter.{key}.p95", p95, "ms", TARGET_MS)
    for name, fn in searched.items():
        p50, p95 = timed(fn, args.runs)
        print(f"{name:<40} {p50:>8.2f} {p95:>8.2f}  (no target)")


if __name__ == "__main__":
    main()
