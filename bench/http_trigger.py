"""`runplane.noop` triggered over HTTP until the API shows it final, on a fresh SQLite file.

    python bench/http_trigger.py [--runs 200] [--burst 1000]

Starts a real `runplane serve` on a new temporary SQLite file. Latency: from just before
`POST /v1/pipelines/runplane.noop/run` to the moment a tight poll of
`GET /v1/executions/{id}` (every 2 ms, keep-alive) sees a final status (targets p50 <= 10 ms,
p95 <= 20 ms). Burst: `--burst` POSTs as fast as one keep-alive client sends them, then the
list of unfinished executions is polled sparingly until it is empty; completed per second
from the first POST (target >= 300 per second).
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record
from serving import free_port, serve

P50_MS = 10.0
P95_MS = 20.0
BURST_PER_SECOND = 300.0
FINAL = {"completed", "failed", "cancelled", "dry_run"}
TRIGGER = "/v1/pipelines/runplane.noop/run"
UNFINISHED = "/v1/executions?pipeline=runplane.noop&status=pending&status=running&limit=1"


def _call(conn: http.client.HTTPConnection, method: str, path: str) -> dict[str, Any]:
    body = b"{}" if method == "POST" else None
    headers = {"content-type": "application/json"} if body else {}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path} answered {response.status}: {data[:300]!r}")
    parsed: dict[str, Any] = json.loads(data)
    return parsed


def trigger(conn: http.client.HTTPConnection) -> str:
    return str(_call(conn, "POST", TRIGGER)["execution_id"])


def latency(conn: http.client.HTTPConnection, poll: float) -> float:
    """Milliseconds from just before the POST until a poll of the detail sees it final."""
    started = time.perf_counter()
    detail = f"/v1/executions/{trigger(conn)}"
    while _call(conn, "GET", detail)["status"] not in FINAL:
        time.sleep(poll)
    return (time.perf_counter() - started) * 1000


def burst(conn: http.client.HTTPConnection, count: int, poll: float) -> float:
    """Seconds from the first of `count` POSTs until none of them is unfinished."""
    started = time.perf_counter()
    for _ in range(count):
        trigger(conn)
    while _call(conn, "GET", UNFINISHED)["items"]:
        time.sleep(poll)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args()
    command = f"python bench/http_trigger.py --runs {args.runs} --burst {args.burst}"
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = serve(f"sqlite:///{Path(folder) / 'bench.db'}", port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(5):
                latency(conn, 0.002)  # warm the server's statement cache and the executor
            times = sorted(latency(conn, 0.002) for _ in range(args.runs))
            p50 = statistics.median(times)
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            seconds = burst(conn, args.burst, 0.05)
            conn.close()
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    rate = args.burst / seconds
    print(
        f"trigger -> final over HTTP, {args.runs} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(targets {P50_MS:g} / {P95_MS:g} ms)"
    )
    print(
        f"burst: {args.burst} POSTed, all final in {seconds:.2f} s = {rate:.0f} per second "
        f"(target >= {BURST_PER_SECOND:g})"
    )
    print(f"command: {command}")
    record("http_trigger.latency.p50", p50, "ms", P50_MS)
    record("http_trigger.latency.p95", p95, "ms", P95_MS)
    record("http_trigger.burst", rate, "per_s", BURST_PER_SECOND, higher=True)


if __name__ == "__main__":
    main()
