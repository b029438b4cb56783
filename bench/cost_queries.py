"""Cost attribution on a large SQLite history: the list with its cost column and the cost
summary by pipeline and trigger for 24 h and 30 days, timed in-process.

    python bench/cost_queries.py --database bench/out/bench.db            # 1,000,000
    python bench/cost_queries.py --database /tmp/small.db --executions 20000 --runs 20

Seeds the file with bench/seed_executions.py first if it does not exist. Prints p50/p95 of
each over repeated runs with its target: list p95 <= 10 ms, 30-day summary p95 <= 25 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from pydantic_core import to_json
from sqlalchemy import func, select

from runplane.model.json import execution_json
from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.store.tables import executions
from runplane.tiers import Tier
from runplane.views import list_query, listing
from runplane.views.cost_summary import cost_summary, summary_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record, slug
from seed_executions import seed
from store_queries import timed

TARGETS_MS = {
    "list with cost (24 h, 50 rows)": 10.0,
    "cost summary, last 24 h": 25.0,
    "cost summary, last 30 days": 25.0,
    "cost summary, 30 days, one trigger": 25.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--executions", type=int, default=1_000_000, help="when seeding")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    fresh = not args.database.exists()
    args.database.parent.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{args.database.resolve()}")
    upgrade(db)  # a file seeded before costs existed gains their columns (its rows stay unpriced)
    if fresh:
        print(f"seeding {args.database} with {args.executions:,} executions...")
        seed(db, count=args.executions, log_lines=min(100_000, args.executions // 10))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(executions)).scalar_one()
        newest: datetime = conn.execute(select(func.max(executions.c.created_at))).scalar_one()

    def now() -> datetime:
        return newest

    def page() -> bytes:
        filters = list_query.parse_filters()
        found = listing.list_page(db, filters, clock=now)
        return to_json([execution_json(e, tier=Tier.ADVANCED) for e in found.items])

    def summary(**raw: object) -> object:
        filters = list_query.parse_filters(**raw)  # type: ignore[arg-type]
        return summary_json(cost_summary(db, filters, currency="USD", clock=now))

    cases = {
        "list with cost (24 h, 50 rows)": page,
        "cost summary, last 24 h": lambda: summary(range="24h"),
        "cost summary, last 30 days": lambda: summary(range="30d"),
        "cost summary, 30 days, one trigger": lambda: summary(range="30d", trigger=["manual"]),
    }
    print(f"{total:,} executions in {args.database}; {args.runs} runs each")
    print(f"{'case':<38} {'p50 ms':>8} {'p95 ms':>8}  target")
    started = time.perf_counter()
    for name, fn in cases.items():
        p50, p95 = timed(fn, args.runs)
        target = TARGETS_MS[name]
        verdict = "ok" if p95 <= target else "OVER"
        print(f"{name:<38} {p50:>8.2f} {p95:>8.2f}  p95 <= {target:.0f} ms {verdict}")
        record(f"cost.{slug(name)}.p95", p95, "ms", target)
    print(f"({time.perf_counter() - started:.1f} s; figures on a shared machine are indicative)")
    print(f"command: python bench/cost_queries.py --database {args.database} --runs {args.runs}")


if __name__ == "__main__":
    main()
