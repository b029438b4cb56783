"""Benchmark: ingest of a large synthetic FINRA week through the real executor.

    .venv/bin/python bench/finra_ingest.py [--rows 1000000] [--postgres URL]

Prints rows/s from the moment the run opened the file (its "Reading ..." log line) to
its published capture (`published_at`, written with its final status), and the peak
RSS of the execution's process, each beside its target and whether it met it, and the
command; also the CPU seconds of that process (user and system: less bent by other load
on the machine than the elapsed time). For context it also times the floor on this machine: plain `csv` parsing plus
DBAPI `executemany` of the same file into a scratch SQLite file. Targets at 1,000,000
rows: >= 300,000 rows/s on a SQLite file, >= 500,000 rows/s on PostgreSQL (COPY), peak
RSS <= 300 MB on either. Each figure also goes to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from results import Figure, record
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.synthetic import write_week
from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import executions as execution_store
from runplane.store import logs as log_store
from runplane.store.schema import upgrade
from scratch import scratch_postgres

OUT = Path(__file__).parent / "out"
WEEK = date(2025, 12, 22)
TARGET_ROWS_PER_SECOND = {"sqlite": 300_000, "postgresql": 500_000}
TARGET_PEAK_RSS_MB = 300


@dataclass
class Result:
    database: str
    rows: int
    seconds: float
    run_seconds: float
    peak_rss: int
    cpu_seconds: float

    def line(self) -> str:
        return (
            f"{self.database:<10} {self.rows:>10,} rows  {self.seconds:6.2f} s  "
            f"{self.rows / self.seconds:>9,.0f} rows/s (open -> published)  "
            f"run {self.run_seconds:6.2f} s  CPU {self.cpu_seconds:6.2f} s  "
            f"peak RSS {self.peak_rss / 2**20:5.0f} MB"
        )

    def figures(self) -> list[Figure]:
        """Each figure with its target, recorded in bench/out/results.json."""
        rate = self.rows / self.seconds
        rss = self.peak_rss / 2**20
        wanted = TARGET_ROWS_PER_SECOND[self.database]
        name = f"finra_ingest.{self.database}"
        return [
            record(f"{name}.rows_per_second", rate, "rows_per_s", wanted, higher=True),
            record(f"{name}.peak_rss", rss, "MB", TARGET_PEAK_RSS_MB),
        ]


def report(figure: Figure) -> str:
    sign = ">=" if figure.higher else "<="
    verdict = "met" if figure.passed else "MISSED"
    return (
        f"  {figure.name:<38} {figure.value:>12,.1f} {figure.unit:<10} "
        f"target {sign} {figure.target:,.0f} {figure.unit}: {verdict}"
    )


def synthetic_file(rows: int) -> Path:
    """The benchmark's input, generated once and kept under bench/out/."""
    path = OUT / f"synthetic_{rows}.psv"
    if not path.exists():
        print(f"generating {rows:,} synthetic rows into {path} ...", file=sys.stderr)
        write_week(path.with_suffix(".tmp"), tier=MarketTier.OTC, week_ending=WEEK, rows=rows)
        path.with_suffix(".tmp").rename(path)
    return path


def floor(path: Path, rows: int) -> float:
    """Rows/s of plain csv + executemany (25,000-row transactions) into a SQLite file."""
    with tempfile.TemporaryDirectory() as scratch:
        conn = sqlite3.connect(Path(scratch) / "floor.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (a, b, c, d, e, f, g, h)")
        started = time.perf_counter()
        with path.open(newline="") as handle:
            reader = csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE)
            next(reader)
            while batch := [row for _, row in zip(range(25_000), reader, strict=False)]:
                conn.execute("BEGIN")
                conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
                conn.execute("COMMIT")
        conn.close()
        return rows / (time.perf_counter() - started)


class PeakRss:
    """Follows one execution's process and keeps its kernel high-water mark (VmHWM)."""

    def __init__(self, db: Database, execution_id: str) -> None:
        self.peak = 0
        self._db = db
        self._id = execution_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak

    def _follow(self) -> None:
        pid = None
        while not self._stop.is_set():
            if pid is None:
                with self._db.read() as conn:
                    pid = execution_store.get_execution(conn, self._id).pid
            else:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    return
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)
            time.sleep(0.02)


def ingest(url: str, label: str, source: Path, rows: int, home: Path) -> Result:
    settings = Settings(home=home, database_url=url, data_dir=source.parent, max_workers=2)
    db = Database(url)
    upgrade(db)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        execution = submit_execution(
            db,
            "finra.otc_transparency.ingest_week",
            {"week_ending": WEEK.isoformat(), "source": source.name, "force": True},
            trigger=Trigger.API,
            triggered_by="bench",
        )
        rss = PeakRss(db, execution.execution_id)
        while True:
            with db.read() as conn:
                done = execution_store.get_execution(conn, execution.execution_id)
            if done.status.is_final:
                break
            time.sleep(0.05)
        peak = rss.stop()
    finally:
        runtime.stop()
    if done.status != "completed":
        raise SystemExit(f"the ingest ended {done.status}: {done.error}")
    with db.read() as conn:
        opened = next(
            line.at
            for line in log_store.iter_log_lines(conn, done.execution_id)
            if line.message.startswith("Reading ")
        )
        (capture,) = capture_store.list_execution_captures(conn, done.execution_id)
    db.dispose()
    assert capture.published_at is not None
    assert done.started_at is not None
    assert done.completed_at is not None
    return Result(
        database=label,
        rows=done.rows_processed or 0,
        seconds=(capture.published_at - opened).total_seconds(),
        run_seconds=(done.completed_at - done.started_at).total_seconds(),
        peak_rss=peak,
        cpu_seconds=done.cpu_seconds or 0.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", default="", help="an admin URL; a scratch database is made and dropped"
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    print("command:", shlex.join([".venv/bin/python", "bench/finra_ingest.py", *sys.argv[1:]]))
    source = synthetic_file(args.rows)
    print(f"floor      plain csv + executemany into SQLite: {floor(source, args.rows):,.0f} rows/s")
    results = []
    with tempfile.TemporaryDirectory(dir=OUT) as home:
        url = f"sqlite:///{Path(home) / 'runplane.db'}"
        results.append(ingest(url, "sqlite", source, args.rows, Path(home)))
        print(results[-1].line())
        if args.postgres:
            with scratch_postgres(args.postgres, "runplane_bench_ingest") as pg:
                results.append(ingest(pg, "postgresql", source, args.rows, Path(home)))
                print(results[-1].line())
    figures = [figure for result in results for figure in result.figures()]
    print(f"targets at {args.rows:,} rows:")
    for figure in figures:
        print(report(figure))


if __name__ == "__main__":
    main()
