"""`runplane.noop` through Celery on Redis beside the local executor, in the same run, on
PostgreSQL (the store Celery requires).

    python bench/celery_executor.py [--runs 200] [--burst 1000] [--postgres URL]

For each executor: trigger -> completed latency (from the return of the submit call, as
the API makes it, to the execution's `completed_at`), p50 and p95 over `--runs` one at a
time; then the throughput of `--burst` no-ops submitted at once (first submit to last
`completed_at`). The local executor runs 4 at once in this process; Celery runs two
`runplane worker` processes of 2 slots each, with this process as `serve` (dispatcher).
A scratch database and a redis-server of its own (no persistence) are made and removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import redis

from engine_latency import wait_all
from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.schema import upgrade
from scratch import scratch_postgres

POSTGRES = "postgresql+psycopg://postgres:runplane@127.0.0.1:5432/postgres"
RUNPLANE = str(Path(sys.executable).with_name("runplane"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait()


def measure(db: Database, runs: int, burst: int) -> dict[str, float]:
    latencies = []
    for _ in range(runs):
        execution = submit_execution(
            db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="bench"
        )
        returned = datetime.now(UTC)
        wait_all(db, [execution.execution_id], 0.002)
        with db.read() as conn:
            completed = store.get_execution(conn, execution.execution_id).completed_at
        assert completed is not None
        latencies.append((completed - returned).total_seconds() * 1000)
    started = datetime.now(UTC)
    ids = [
        submit_execution(
            db, "runplane.noop", {}, trigger=Trigger.API, triggered_by="bench"
        ).execution_id
        for _ in range(burst)
    ]
    wait_all(db, ids, 0.05)
    with db.read() as conn:
        last = max(store.get_execution(conn, i).completed_at or started for i in ids)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "p50": statistics.median(latencies),
        "p95": cuts[94],
        "per_second": burst / (last - started).total_seconds(),
    }


def run_local(url: str, folder: Path, runs: int, burst: int) -> dict[str, float]:
    return measure_served(Settings(database_url=url, home=folder, max_workers=4), runs, burst)


def measure_served(settings: Settings, runs: int, burst: int) -> dict[str, float]:
    """`measure` with `serve`'s runtime running on `settings` (its executor, or dispatcher)."""
    db = Database(settings.resolved_database_url)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        return measure(db, runs, burst)
    finally:
        runtime.stop()
        db.dispose()


def run_celery(url: str, folder: Path, broker: str, runs: int, burst: int) -> dict[str, float]:
    settings = Settings(database_url=url, home=folder, executor="celery", broker_url=broker)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    env |= {"RUNPLANE_DATABASE_URL": url, "RUNPLANE_EXECUTOR": "celery",
            "RUNPLANE_BROKER_URL": broker, "RUNPLANE_HOME": str(folder)}  # fmt: skip
    workers = []
    for name in ("bench-1", "bench-2"):
        log = (folder / f"{name}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [RUNPLANE, "worker", "--name", name, "--concurrency", "2"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    for name in ("bench-1", "bench-2"):
        while "ready." not in (folder / f"{name}.log").read_text(errors="replace"):
            time.sleep(0.05)
    try:
        return measure_served(settings, runs, burst)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument(
        "--postgres", default=os.environ.get("RUNPLANE_BENCH_POSTGRES_URL", POSTGRES)
    )
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (
            scratch_postgres(args.postgres, f"runplane_bench_{uuid.uuid4().hex[:8]}") as url,
            redis_server(folder) as broker,
        ):
            upgrade(Database(url, pool=False))
            results["local (4 slots, in serve)"] = run_local(url, folder, args.runs, args.burst)
            results["celery (2 workers x 2 slots)"] = run_celery(
                url, folder, broker, args.runs, args.burst
            )
    print(f"runplane.noop on PostgreSQL, {args.runs} one at a time, {args.burst} at once")
    print(f"{'executor':32} {'p50 ms':>8} {'p95 ms':>8} {'burst /s':>9}")
    for name, figures in results.items():
        print(f"{name:32} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['per_second']:9.1f}")
    print(f"command: python bench/celery_executor.py --runs {args.runs} --burst {args.burst}")


if __name__ == "__main__":
    main()
