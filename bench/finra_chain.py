"""Benchmark: ingest + normalize + aggregate of one real FINRA week through the executor.

    .venv/bin/python bench/finra_chain.py [--repeat 5] [--postgres URL]

The three runs are submitted at once, chained with `after`, to a serving runtime on a
file-backed SQLite database (and PostgreSQL with --postgres). Prints the time from the
submit of the ingest to the aggregate's `completed_at` (its capture published), for the
real 2025-12-15 file (5,328 rows) from ../shared/data/finra-otc, or a synthetic week of
the same size when that folder is missing. Target: <= 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from results import record
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_week
from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Execution, Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store.schema import upgrade
from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "finra-otc" / "otc_week_20251215.psv"
WEEK = date(2025, 12, 15)
CHAIN_SECONDS = 1.0
CHAIN = (
    "finra.otc_transparency.ingest_week",
    "finra.otc_transparency.normalize_week",
    "finra.otc_transparency.aggregate_week",
)


def place_week(data_dir: Path) -> str:
    target = data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    target.parent.mkdir(parents=True, exist_ok=True)
    if REAL.exists():
        shutil.copyfile(REAL, target)
        return f"real file {REAL.name}"
    write_week(target, tier=MarketTier.OTC, week_ending=WEEK, rows=5_328)
    return "synthetic week (../shared/data/finra-otc is missing)"


def wait_final(db: Database, execution_id: str) -> Execution:
    while True:
        with db.read() as conn:
            execution = execution_store.get_execution(conn, execution_id)
        if execution.status.is_final:
            return execution
        time.sleep(0.005)


def chain_once(db: Database) -> float:
    params = {"week_ending": WEEK.isoformat(), "tier": "OTC"}
    ids: list[str] = []
    started = time.time()
    for pipeline in CHAIN:
        extra = {"force": True} if pipeline.endswith("ingest_week") else {}
        ids.append(
            submit_execution(
                db,
                pipeline,
                params | extra,
                trigger=Trigger.API,
                triggered_by="bench",
                after=ids[-1] if ids else None,
            ).execution_id
        )
    runs = [wait_final(db, execution_id) for execution_id in ids]
    for run in runs:
        if run.status != "completed":
            raise SystemExit(f"{run.pipeline} ended {run.status}: {run.error}")
    assert runs[-1].completed_at is not None
    return runs[-1].completed_at.timestamp() - started


def measure(url: str, label: str, home: Path, repeat: int) -> None:
    settings = Settings(home=home, database_url=url, data_dir=home / "data")
    source = place_week(settings.data_dir)
    db = Database(url)
    upgrade(db)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        chain_once(db)  # warm-up: first fork, first statements
        times = [chain_once(db) for _ in range(repeat)]
    finally:
        runtime.stop()
        db.dispose()
    median = statistics.median(times)
    print(
        f"{label:<10} ingest+normalize+aggregate, {source}: "
        f"median {median:.3f} s, best {min(times):.3f} s, "
        f"worst {max(times):.3f} s over {repeat} runs (target median <= {CHAIN_SECONDS:g} s)"
    )
    record(f"finra_chain.{label}.median", median, "s", CHAIN_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres", default="", help="an admin URL; a scratch database is made and dropped"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        measure(f"sqlite:///{Path(home) / 'runplane.db'}", "sqlite", Path(home), args.repeat)
    if args.postgres:
        with (
            tempfile.TemporaryDirectory() as home,
            scratch_postgres(args.postgres, "runplane_bench_chain") as url,
        ):
            measure(url, "postgresql", Path(home), args.repeat)
    print(f"command: python bench/finra_chain.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
