"""Runs every benchmark in turn (`make bench`), then prints bench/out/results.json as a table.

The large-history benchmarks share bench/out/bench.db, seeded on first use (minutes).

With `--smoke` (`make bench-smoke`, run by CI) it runs a subset at small sizes on a small
fresh history instead, writes bench/out/smoke.json, and exits non-zero when a benchmark
does not run to the end or a figure is worse than 3 times its target: a loose guard
against large regressions, not a measurement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import DEFAULT_PATH, FLOORS, OUT, SMOKE_FACTOR, Figure, breaches, load, table

HERE = Path(__file__).resolve().parent

SCRIPTS = [
    "engine_latency.py",
    "http_trigger.py",
    "store_queries.py",
    "baseline.py",
    "cost_queries.py",
    "param_filter.py",
    "sla_watch.py",
    "serve_rss.py",
    "api_latency.py",
    "log_search.py",
    "finra_chain.py",
    "finra_ingest.py",
    "detail_resources.py",
    "bulk.py",
    "write_lock.py",
]
SMOKE_PATH = OUT / "smoke.json"
SMOKE_EXECUTIONS = 20_000
SMOKE_TIMEOUT = 300


def smoke_runs(database: Path) -> list[tuple[str, list[str]]]:
    """The smoke subset: each benchmark with sizes that take seconds, not minutes."""
    db = str(database)
    return [
        ("engine_latency.py", ["--runs", "30", "--burst", "100"]),
        ("http_trigger.py", ["--runs", "30", "--burst", "100"]),
        ("store_queries.py", ["--database", db, "--runs", "50"]),
        ("api_latency.py", ["--database", db, "--requests", "50", "--wrk-seconds", "3"]),
        ("cost_queries.py", ["--database", db, "--runs", "20"]),
        ("param_filter.py", ["--database", db, "--runs", "20"]),
        ("finra_ingest.py", ["--rows", "100000"]),
        ("sla_watch.py", ["--finished", "5000", "--active", "50", "--runs", "5"]),
        ("bulk.py", ["--failed", "5000", "--retries", "50"]),
        ("detail_resources.py", ["--samples", "5000", "--requests", "20"]),
    ]


def run(script: str, args: list[str], env: dict[str, str], timeout: float | None) -> bool:
    """Whether the script ran to the end; its output goes straight to ours."""
    print(f"\n=== {script} {' '.join(args)}".rstrip(), flush=True)
    command = [sys.executable, str(HERE / script), *args]
    try:
        return subprocess.run(command, env=env, check=False, timeout=timeout).returncode == 0
    except subprocess.TimeoutExpired:
        print(f"{script} did not finish within {timeout:.0f} s", flush=True)
        return False


def full() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BENCH_RESULTS"}
    scripts = SCRIPTS + sorted(p.name for p in HERE.glob("web_*.py"))
    failed = [script for script in scripts if not run(script, [], env, None)]
    print(f"\n{DEFAULT_PATH}:\n{table(load(DEFAULT_PATH))}")
    if failed:
        sys.exit(f"benchmarks that did not run to the end: {', '.join(failed)}")


def smoke() -> None:
    started = time.monotonic()
    SMOKE_PATH.unlink(missing_ok=True)
    env = os.environ | {"BENCH_RESULTS": str(SMOKE_PATH)}
    with tempfile.TemporaryDirectory(dir=OUT if OUT.exists() else None) as folder:
        database = Path(folder) / "smoke.db"
        _seed(database)
        runs = smoke_runs(database)
        failed = [script for script, args in runs if not run(script, args, env, SMOKE_TIMEOUT)]
    content = load(SMOKE_PATH)
    print(f"\n{SMOKE_PATH} (small sizes; not comparable with results.json):")
    print(table(content))
    worse = breaches([Figure.from_json(data) for data in content.values()], SMOKE_FACTOR)
    print(f"smoke run took {time.monotonic() - started:.0f} s")
    for line in worse:
        print(f"worse than {SMOKE_FACTOR:g}x its target: {line}")
    if failed:
        print(f"benchmarks that did not run to the end: {', '.join(failed)}")
    if worse or failed:
        sys.exit(1)
    print(
        f"smoke guard: every figure within {SMOKE_FACTOR:g}x of its target, the known misses "
        f"({', '.join(sorted(FLOORS))}) within {SMOKE_FACTOR:g}x of their floor on this machine"
    )


def _seed(database: Path) -> None:
    from runplane.store import Database
    from runplane.store.schema import upgrade
    from seed_executions import seed

    db = Database(f"sqlite:///{database}")
    upgrade(db)
    seeded = seed(db, count=SMOKE_EXECUTIONS, log_lines=5_000)
    db.dispose()
    print(f"seeded {SMOKE_EXECUTIONS:,} executions in {seeded.seconds:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, the 3x guard")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    smoke() if args.smoke else full()


if __name__ == "__main__":
    main()
