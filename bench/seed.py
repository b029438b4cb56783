"""Bulk-load a realistic execution history for benchmarks.

    python bench/seed.py --database .runplane/bench.db --executions 1000000

30 days of history across ~20 pipelines, about 5 % failed, a few running and pending,
written straight through the DBAPI in large batches (this is a loader, not product code).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.store.tables import executions

PIPELINES = [
    *(
        f"finra.otc_transparency.{step}"
        for step in (
            "ingest_week",
            "normalize_week",
            "aggregate_week",
            "compute_rolling",
            "backfill_range",
        )
    ),
    *(
        f"analytics.{name}"
        for name in ("volume", "venues", "concentration", "rank", "outliers", "rolling")
    ),
    *(f"reference.{name}" for name in ("symbols", "venues", "calendar")),
    *(f"exports.{name}" for name in ("daily_csv", "warehouse", "snapshots")),
    "runplane.noop",
    "runplane.sleep",
    "runplane.fail",
]
TRIGGERS = ["scheduled"] * 6 + ["manual"] * 3 + ["api"]
COLUMNS = (
    "execution_id",
    "pipeline",
    "status",
    "params",
    "params_hash",
    "dry_run",
    "trigger",
    "triggered_by",
    "trigger_time",
    "created_at",
    "started_at",
    "completed_at",
    "capture_id",
    "attempt",
    "rows_processed",
    "output",
    "error",
    "error_class",
    "error_fingerprint",
)
ERROR = json.dumps(
    {
        "type": "TransientError",
        "message": "HTTP 503 from cdn.finra.org",
        "classification": "transient",
        "title": "HTTP 503: Service Unavailable",
        "summary": "Request to https://cdn.finra.org/weekly failed. The upstream service returned a 503 error.",
        "suggested_actions": [
            {"text": "Wait 5-10 minutes and retry", "run": None, "execution_id": None}
        ],
        "traceback": None,
        "fingerprint": "f" * 32,
        "details": {},
    }
)


def stamp(at: datetime) -> str:
    """The text form SQLAlchemy uses for SQLite datetimes (naive UTC, microseconds)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def rows(count: int, now: datetime, rng: random.Random) -> list[tuple[object, ...]]:
    start = now - timedelta(days=30)
    span = (now - start).total_seconds()
    out = []
    for i in range(count):
        created = start + timedelta(seconds=span * i / count + rng.random())
        pipeline = rng.choice(PIPELINES)
        roll = rng.random()
        age = (now - created).total_seconds()
        if age < 120 and roll < 0.3:
            status = "pending"
        elif age < 600 and roll < 0.5:
            status = "running"
        elif roll < 0.05:
            status = "failed"
        elif roll < 0.06:
            status = "cancelled"
        else:
            status = "completed"
        started = None if status == "pending" else created + timedelta(seconds=rng.random() * 2)
        done = (
            started + timedelta(seconds=rng.expovariate(1 / 40))
            if started and status not in ("running",)
            else None
        )
        params = json.dumps({"week_ending": "2025-12-22", "tier": "OTC", "n": i % 97})
        out.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                pipeline,
                status,
                params,
                f"{i % 5000:064x}",
                0,
                rng.choice(TRIGGERS),
                "schedule:weekly",
                stamp(created),
                stamp(created),
                started and stamp(started),
                done and stamp(done),
                f"cap_{created:%Y%m%d_%H%M%S}_{i % 0xFFFFFF:06x}",
                1,
                None if status != "completed" else rng.randrange(0, 20000),
                None,
                ERROR if status == "failed" else None,
                "transient" if status == "failed" else None,
                "f" * 32 if status == "failed" else None,
            )
        )
    return out


def seed_sqlite(
    path: Path, count: int, *, now: datetime | None = None, log_lines: int = 100_000
) -> str:
    """Create a migrated SQLite database at `path` with `count` executions; returns one with a long log."""
    now = now or datetime.now(UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    rng = random.Random(42)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = list(executions.indexes)
    for index in indexes:  # loading first and indexing after is several times faster
        conn.execute(f"DROP INDEX {index.name}")
    conn.commit()
    placeholders = ",".join("?" * len(COLUMNS))
    sql = f"INSERT INTO executions ({','.join(COLUMNS)}) VALUES ({placeholders})"
    batch = 100_000
    for offset in range(0, count, batch):
        chunk = rows(min(batch, count - offset), now, rng)
        conn.executemany(sql, chunk)
        conn.commit()
    long_log = conn.execute(
        "SELECT execution_id FROM executions WHERE status='failed' ORDER BY created_at DESC LIMIT 1"
    ).fetchone()[0]
    started = now - timedelta(hours=1)
    levels = ["INFO"] * 8 + ["WARNING", "DEBUG"]
    conn.executemany(
        "INSERT INTO execution_logs (execution_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)",
        (
            (
                long_log,
                seq,
                stamp(started + timedelta(milliseconds=seq)),
                "ERROR" if seq == log_lines - 10 else levels[seq % 10],
                f"processed batch {seq} of symbols",
            )
            for seq in range(1, log_lines + 1)
        ),
    )
    conn.commit()
    conn.close()
    db = Database(f"sqlite:///{path}")
    with db.write() as sa_conn:
        for index in indexes:
            index.create(sa_conn)
        sa_conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return str(long_log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", type=Path, default=Path(".runplane/bench.db"))
    parser.add_argument("--executions", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    long_log = seed_sqlite(args.database, args.executions)
    print(
        f"seeded {args.executions:,} executions into {args.database} in {time.perf_counter() - started:.1f}s"
    )
    print(f"execution with a 100,000-line log: {long_log}")


if __name__ == "__main__":
    main()
