"""Memory of a serving process: summed RSS of `runplane serve` and its fork server,
60 s after start, on the large SQLite history (target <= 150 MB).

    python bench/serve_rss.py [--database bench/out/bench.db] [--after 60]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record
from runplane.store import Database
from runplane.store.schema import upgrade
from seed_executions import seed
from serving import free_port, serve

TARGET_MB = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--after", type=float, default=60.0)
    args = parser.parse_args()
    if not args.database.exists():
        args.database.parent.mkdir(parents=True, exist_ok=True)
        print(f"seeding {args.database} (a few minutes)...")
        db = Database(f"sqlite:///{args.database.resolve()}")
        upgrade(db)
        seed(db)
        db.dispose()
    server = serve(f"sqlite:///{args.database.resolve()}", free_port(), wait=False)
    try:
        time.sleep(args.after)
        parent = psutil.Process(server.pid)
        processes = [parent, *parent.children()]
        for process in processes:
            rss = process.memory_info().rss / 2**20
            print(f"  pid {process.pid:>7} {rss:7.1f} MB  {' '.join(process.cmdline()[1:4])}")
        total = sum(p.memory_info().rss for p in processes) / 2**20
        verdict = "ok" if total <= TARGET_MB else "OVER"
        print(
            f"summed RSS {args.after:.0f} s after start: {total:.1f} MB (target <= 150 MB) {verdict}"
        )
        print(
            f"command: python bench/serve_rss.py --database {args.database} --after {args.after:g}"
        )
        record("serve.rss", total, "MB", TARGET_MB)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
