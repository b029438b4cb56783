"""Runs every benchmark in turn (`make bench`); each prints its own figures and targets.

The large-history benchmarks share bench/out/bench.db, seeded on first use (minutes).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "engine_latency.py",
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
]


def main() -> None:
    failed = []
    for script in SCRIPTS + sorted(p.name for p in HERE.glob("web_*.py")):
        print(f"\n=== {script}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)], check=False).returncode:
            failed.append(script)
    if failed:
        sys.exit(f"benchmarks that did not run to the end: {', '.join(failed)}")


if __name__ == "__main__":
    main()
