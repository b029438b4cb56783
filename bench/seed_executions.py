"""Bulk-loads a realistic execution history for the API and page benchmarks.

30 days of executions over ~20 pipelines (~5 % failed, a few running and pending), each
with a week date, a tier and a batch number as parameters (indexed as at submit), each
finished one with its usage and cost, events for the last day, and one execution with a
100,000-line log. Rows go in with
`executemany` in large batches, through the store's own tables and column types.

    python bench/seed_executions.py .runplane/bench.db --executions 1000000
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from runplane.model import ErrorClass, ExecutionError, SuggestedAction
from runplane.model.cost import Rates, Usage, price
from runplane.model.param_filters import indexed
from runplane.pipelines.params import params_hash
from runplane.store import Database, counts
from runplane.store.schema import upgrade
from runplane.store.tables import (
    execution_events,
    execution_logs,
    execution_params,
    executions,
    workers,
)

PIPELINES = [
    f"{team}.{job}"
    for team, jobs in {
        "finra.otc_transparency": ["ingest_week", "normalize_week", "publish_week", "audit_week"],
        "finra.nms": ["ingest_day", "normalize_day", "reconcile"],
        "analytics": ["volume_rank", "venue_share", "symbol_history", "daily_report"],
        "refdata": ["symbols", "venues", "holidays"],
        "ops": ["vacuum", "backup", "export_s3", "retention", "healthcheck", "rebuild_index"],
    }.items()
    for job in jobs
]
TRIGGERS = ["scheduled"] * 7 + ["manual"] * 2 + ["api"]
RATES = Rates(cpu_hour=0.05, gb_hour=0.01, currency="USD")
"""The default rates, which price every finished seeded execution."""
BATCH = 50_000
REMOTE_WORKER = "00000000-0000-4000-8000-00000000be0c"
"""Running rows belong to a worker on another host, so a server started on the seeded
file (with a long RUNPLANE_WORKER_TIMEOUT) leaves them running instead of marking them lost."""


@dataclass(frozen=True)
class Seeded:
    executions: int
    log_execution_id: str
    failed_execution_id: str
    seconds: float


def _error(pipeline: str) -> dict[str, Any]:
    return ExecutionError(
        type="TransientError",
        message="HTTP 503 from api.finra.org",
        classification=ErrorClass.TRANSIENT,
        title="HTTP 503: Service Temporarily Unavailable",
        summary="The upstream service returned a 503 error.",
        suggested_actions=(
            SuggestedAction("Wait 5 minutes and retry"),
            SuggestedAction("If persistent, escalate to the platform team"),
        ),
        traceback="Traceback (most recent call last):\n  ...\nTransientError: HTTP 503\n",
        fingerprint=f"{pipeline}:transient:503",
    ).to_dict()


def _row(pipeline: str, created: datetime, status: str, rng: random.Random) -> dict[str, Any]:
    week = (created - timedelta(days=created.weekday())).date().isoformat()
    params = {
        "week_ending": week,
        "tier": rng.choice(["OTC", "NMS_T1", "NMS_T2"]),
        "batch": rng.randrange(1000),
    }
    started = None if status == "pending" else created + timedelta(seconds=rng.uniform(0, 2))
    running = status == "running"
    finished = status not in ("pending", "running")
    completed = started + timedelta(seconds=rng.uniform(1, 180)) if finished and started else None
    failed = status == "failed"
    rows = None if failed or not finished else rng.randint(0, 20_000)
    trigger = rng.choice(TRIGGERS)
    usage = None
    if completed is not None and started is not None:
        wall = (completed - started).total_seconds()
        usage = Usage(wall * rng.uniform(0.05, 1.0), wall * rng.uniform(0.05, 2.0))
    cost = None if usage is None else price(usage, RATES)
    return {
        "execution_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "pipeline": pipeline,
        "status": status,
        "params": params,
        "params_hash": params_hash(pipeline, params),
        "dry_run": False,
        "trigger": trigger,
        "triggered_by": {"scheduled": "schedule:weekly", "manual": "user:ops", "api": "local"}[
            trigger
        ],
        "trigger_time": created,
        "created_at": created,
        "started_at": started,
        "completed_at": completed,
        "capture_id": f"cap_{created:%Y%m%d_%H%M%S}_{rng.getrandbits(24):06x}",
        "attempt": 1,
        "rows_processed": rows,
        "output": None if rows is None else {"rows_processed": rows, "summary": ["ok"]},
        "error": _error(pipeline) if failed else None,
        "error_class": "transient" if failed else None,
        "error_fingerprint": f"{pipeline}:transient:503" if failed else None,
        "worker_id": REMOTE_WORKER if running else None,
        # pending rows wait out a backoff, so a server on the seeded file leaves them queued
        "not_before": created + timedelta(days=1) if status == "pending" else None,
        "cpu_seconds": None if usage is None else usage.cpu_seconds,
        "gb_seconds": None if usage is None else usage.gb_seconds,
        "peak_rss_bytes": None if usage is None else rng.randint(50, 4000) << 20,
        "cost_amount": cost,
        "cost_currency": None if cost is None else RATES.currency,
        "cost_rates_version": None if cost is None else RATES.version,
    }


def seed(
    db: Database,
    *,
    count: int = 1_000_000,
    days: int = 30,
    failed_share: float = 0.05,
    log_lines: int = 100_000,
    now: datetime | None = None,
    seed_value: int = 4,
) -> Seeded:
    """Insert `count` executions spread over `days` up to `now`; returns ids worth timing."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    now = now or datetime.now(UTC)
    with db.write() as conn:
        conn.execute(
            insert(workers).values(
                worker_id=REMOTE_WORKER,
                host="bench-remote-host",
                pid=1,
                process_started_at=0.0,
                kind="serve",
                max_workers=16,
                started_at=now,
                heartbeat_at=now,
            )
        )
    span = days * 86_400
    recent: list[dict[str, Any]] = []
    failed_id = ""
    batch: list[dict[str, Any]] = []
    for i in range(count):
        created = now - timedelta(seconds=span * (i + rng.random()) / count)
        age = (now - created).total_seconds()
        if age < 600 and i % 20 == 0:
            status = "running"
        elif age < 60 and i % 3 == 0:
            status = "pending"
        else:
            status = "failed" if rng.random() < failed_share else "completed"
        row = _row(rng.choice(PIPELINES), created, status, rng)
        if status == "failed" and not failed_id:
            failed_id = row["execution_id"]
        if age < 86_400:
            recent.append(row)
        batch.append(row)
        if len(batch) >= BATCH:
            _insert(db, batch)
            batch = []
    _insert(db, batch)
    with db.write() as conn:
        counts.rebuild(conn)  # the bulk insert bypassed the per-row bookkeeping
    _insert_events(db, recent)
    log_id = _insert_long_log(db, log_lines, now, rng)
    return Seeded(count, log_id, failed_id, time.perf_counter() - started)


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    """Executions and their indexed parameters, as `store.insert_execution` writes them."""
    if rows:
        side = [
            {"execution_id": r["execution_id"], "name": name, "value": text,
             "created_at": r["created_at"]}
            for r in rows
            for name, text in indexed(r["params"])
        ]  # fmt: skip
        with db.write() as conn:
            conn.execute(insert(executions), rows)
            conn.execute(insert(execution_params), side)


def _insert_events(db: Database, rows: list[dict[str, Any]]) -> None:
    events: list[dict[str, Any]] = []
    for row in rows:
        events.append(_event(row, "created", row["triggered_by"], row["created_at"]))
        if row["started_at"] is not None:
            events.append(_event(row, "started", "worker:bench", row["started_at"]))
        if row["completed_at"] is not None:
            events.append(_event(row, row["status"], "runner", row["completed_at"]))
    for i in range(0, len(events), BATCH):
        with db.write() as conn:
            conn.execute(insert(execution_events), events[i : i + BATCH])


def _event(row: dict[str, Any], kind: str, actor: str, at: datetime) -> dict[str, Any]:
    return {"execution_id": row["execution_id"], "kind": kind, "actor": actor, "at": at}


def _insert_long_log(db: Database, lines: int, now: datetime, rng: random.Random) -> str:
    """One failed execution whose log has `lines` lines, a few of them errors near the end."""
    created = now - timedelta(hours=2)
    row = _row("finra.otc_transparency.ingest_week", created, "failed", rng)
    row["started_at"] = created
    row["completed_at"] = created + timedelta(seconds=lines / 1000)
    _insert(db, [row])
    execution_id = str(row["execution_id"])
    batch: list[dict[str, Any]] = []
    for seq in range(1, lines + 1):
        level = "ERROR" if seq > lines - 5 else ("WARNING" if seq % 997 == 0 else "INFO")
        batch.append(
            {
                "execution_id": execution_id,
                "seq": seq,
                "at": created + timedelta(milliseconds=seq),
                "level": level,
                "message": f"processed row {seq} of symbol S{seq % 3000:04d}",
            }
        )
        if len(batch) >= BATCH:
            with db.write() as conn:
                conn.execute(insert(execution_logs), batch)
            batch = []
    if batch:
        with db.write() as conn:
            conn.execute(insert(execution_logs), batch)
    return execution_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="SQLite file to create (must not exist)")
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--log-lines", type=int, default=100_000)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists; pick a new file")
    db = Database(f"sqlite:///{args.path.resolve()}")
    upgrade(db)
    seeded = seed(db, count=args.executions, log_lines=args.log_lines)
    db.dispose()
    print(
        f"seeded {seeded.executions:,} executions in {seeded.seconds:.0f} s; "
        f"long log: {seeded.log_execution_id}; a failure: {seeded.failed_execution_id}"
    )


def sample_ids(db: Database) -> dict[str, str]:
    """The longest log's execution, the newest failure, and its pipeline (URLs to measure)."""
    with db.read() as conn:
        log_id = conn.execute(
            select(execution_logs.c.execution_id).order_by(execution_logs.c.seq.desc()).limit(1)
        ).scalar_one()
        failed = conn.execute(
            select(executions.c.execution_id, executions.c.pipeline)
            .where(executions.c.status == "failed")
            .order_by(executions.c.created_at.desc())
            .limit(1)
        ).one()
    return {"log": log_id, "failed": failed[0], "pipeline": failed[1]}


if __name__ == "__main__":
    main()
