"""How long SQLite writers wait for the write lock, with `Database.write`'s short steps and
with SQLite's own busy handler (whose sleeps grow from 1 ms to 100 ms).

    python bench/write_lock.py [--writers 3] [--writes 300] [--hold-ms 1]

Each of `--writers` processes makes `--writes` write transactions that hold the lock for
`--hold-ms` (an insert and a busy loop, about as long as a run's claim or end holds it)
with a 2 ms pause between them, on one file-backed SQLite database; the wait is from
asking for the lock to holding it. No target: it shows why writers poll in steps.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from runplane.store import Database

PAUSE = 0.002


def _hold(seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def with_steps(path: Path, writes: int, hold: float) -> list[float]:
    """Waits through `Database.write` (its sub-millisecond polling)."""
    db = Database(f"sqlite:///{path}")
    waits = []
    for i in range(writes):
        asked = time.perf_counter()
        with db.write() as conn:
            waits.append(time.perf_counter() - asked)
            conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": i})
            _hold(hold)
        time.sleep(PAUSE)
    db.dispose()
    return waits


def with_busy_handler(path: Path, writes: int, hold: float) -> list[float]:
    """Waits through SQLite's busy handler (`BEGIN IMMEDIATE` with a busy timeout)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    waits = []
    for i in range(writes):
        asked = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - asked)
        conn.execute("INSERT INTO t (x) VALUES (?)", (i,))
        _hold(hold)
        conn.execute("COMMIT")
        time.sleep(PAUSE)
    conn.close()
    return waits


def measure(how: str, writers: int, writes: int, hold: float) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lock.db"
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (x INTEGER)")
        setup.close()
        work = with_steps if how == "steps" else with_busy_handler
        with multiprocessing.Pool(writers) as pool:
            results = pool.starmap(work, [(path, writes, hold)] * writers)
    return sorted(wait * 1000 for waits in results for wait in waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--hold-ms", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{args.writers} writers x {args.writes} writes holding the lock {args.hold_ms:g} ms")
    print(
        f"{'wait for the write lock':28} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
    )
    for how, label in (("busy", "SQLite's busy handler"), ("steps", "Database.write's steps")):
        waits = measure(how, args.writers, args.writes, args.hold_ms / 1000)
        p90, p99 = waits[int(len(waits) * 0.9)], waits[int(len(waits) * 0.99)]
        print(
            f"{label:28} {statistics.median(waits):8.2f} {p90:8.2f} {p99:8.2f} "
            f"{statistics.mean(waits):8.2f}"
        )
    print(
        f"command: python bench/write_lock.py --writers {args.writers} --writes {args.writes} "
        f"--hold-ms {args.hold_ms:g}"
    )


if __name__ == "__main__":
    main()
