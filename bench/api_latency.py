"""JSON API latency and throughput with 1,000,000 executions in SQLite, over HTTP on 127.0.0.1.

Starts a real `runplane serve` on the seeded file (seeding it first if missing, ~4 min),
then measures p50/p95 of sequential keep-alive requests for the default list, each preset,
a pipeline filter, one execution's detail and the first page of a 100,000-line log; then
list throughput with `wrk` at 8 connections. Also prints the SQLite plan of each list query.
Every request carries a viewer's API token (`Authorization: Bearer`), so authentication is
part of each figure; `--no-token` measures as the local admin instead.

With `--token-rounds N` it then compares the default list without users (the local admin)
and with a user's API token (`Authorization: Bearer`), alternating N servers of each, and
prints the median p50/p95 of each; a token may cost at most 1 ms at p95.

    python bench/api_latency.py [--database bench/out/bench.db] [--requests 300] [--no-token]
    python bench/api_latency.py --token-rounds 3 --only-token
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.views import list_query, listing

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record, slug
from seed_executions import sample_ids, seed
from serving import free_port, serve

LIST_P95_MS = 4.0
DETAIL_P95_MS = 4.0
LOG_P95_MS = 20.0
WRK_MIN_RPS = 1000.0
TOKEN_EXTRA_P95_MS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--requests", type=int, default=300, help="per measured URL")
    parser.add_argument("--wrk-seconds", type=int, default=15)
    parser.add_argument("--token-rounds", type=int, default=0, help="token vs no-token rounds")
    parser.add_argument("--only-token", action="store_true", help="only the token comparison")
    parser.add_argument("--no-token", action="store_true", help="measure as the local admin")
    args = parser.parse_args()

    db_path: Path = args.database
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        print(f"seeding {db_path} with 1,000,000 executions (takes a few minutes)...")
        db = Database(f"sqlite:///{db_path.resolve()}")
        upgrade(db)
        seeded = seed(db)
        db.dispose()
        print(f"  done in {seeded.seconds:.0f} s")
    url = f"sqlite:///{db_path.resolve()}"
    db = Database(url)
    ids = sample_ids(db)
    print(f"database: {db_path} ({db_path.stat().st_size / 1e9:.2f} GB)")
    print(f"load average before: {os.getloadavg()}  (2 cores; other work skews figures)")

    cases = {
        "list: default view (24 h)": "/v1/executions",
        "list: preset recent-failures": "/v1/executions?preset=recent-failures",
        "list: preset running-now": "/v1/executions?preset=running-now",
        "list: preset todays-runs": "/v1/executions?preset=todays-runs",
        "list: preset this-pipeline": (
            f"/v1/executions?preset=this-pipeline&pipeline={ids['pipeline']}"
        ),
        "list: pipeline filter (24 h)": f"/v1/executions?pipeline={ids['pipeline']}",
        "detail: one execution": f"/v1/executions/{ids['failed']}",
        "logs: first page of the longest log": f"/v1/executions/{ids['log']}/logs",
    }
    _print_plans(db, ids["pipeline"])
    db.dispose()

    if args.only_token:
        _compare_token(url, args.requests, max(args.token_rounds, 1))
        return
    headers = {} if args.no_token else _viewer_token(url)
    port = free_port()
    server = serve(url, port)
    failures: list[str] = []
    try:
        who = "as the local admin" if args.no_token else "with a viewer's API token"
        print(f"\n{'request (' + who + ')':38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target")
        for label, path in cases.items():
            p50, p95, worst = _latency(port, path, args.requests, headers)
            target = {"logs": LOG_P95_MS, "detail": DETAIL_P95_MS}.get(label.split(":")[0])
            target = LIST_P95_MS if target is None else target
            verdict = "ok" if p95 <= target else "MISSED"
            if verdict != "ok":
                failures.append(label)
            print(f"{label:38} {p50:8.2f} {p95:8.2f} {worst:8.2f}  p95 <= {target:.0f} {verdict}")
            record(f"api.{slug(label)}.p95", p95, "ms", target)
        rps, cpu_ms = _throughput(port, server.pid, args.wrk_seconds, headers)
        verdict = "ok" if rps >= WRK_MIN_RPS else "MISSED"
        if verdict != "ok":
            failures.append("wrk throughput")
        print(
            f"\nwrk -t2 -c8 -d{args.wrk_seconds}s /v1/executions: {rps:.0f} requests/s "
            f"(target >= {WRK_MIN_RPS:.0f}) {verdict}; server CPU {cpu_ms:.2f} ms per request"
        )
        record("api.list_wrk_8_connections", rps, "per_s", WRK_MIN_RPS, higher=True)
        print(
            f"command: python bench/api_latency.py --database {args.database} "
            f"--requests {args.requests} --wrk-seconds {args.wrk_seconds}"
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        if headers:
            _drop_users(url)
    print(f"load average after: {os.getloadavg()}")
    if args.token_rounds:
        _compare_token(url, args.requests, args.token_rounds)
    if failures:
        print("missed: " + ", ".join(failures))


def _viewer_token(url: str) -> dict[str, str]:
    """A viewer and an API token on the benchmark file (any earlier users removed): the
    header every measured request sends."""
    from runplane.engine.access.tokens import create_token
    from runplane.engine.access.users import add_user
    from runplane.model.audit import Origin

    _drop_users(url)
    db = Database(url)
    try:
        add_user(db, "bench", "viewer", "bench password", by=Origin("os:bench"))
        _, secret = create_token(db, "bench", "bench", expires_at=None, by=Origin("os:bench"))
    finally:
        db.dispose()
    return {"Authorization": f"Bearer {secret}"}


def _drop_users(url: str) -> None:
    """No users, sessions or tokens: the file serves as the local admin again."""
    from sqlalchemy import delete

    from runplane.store import tables

    db = Database(url)
    try:
        with db.write() as conn:
            for table in (tables.sessions, tables.api_tokens, tables.users):
                conn.execute(delete(table))
    finally:
        db.dispose()


def _compare_token(url: str, requests: int, rounds: int) -> None:
    """The default list without users, then with a token, alternately; medians of each."""
    from statistics import median

    from sqlalchemy import delete

    from runplane.engine.access.tokens import create_token
    from runplane.engine.access.users import add_user
    from runplane.model.audit import Origin
    from runplane.store import tables

    db = Database(url)
    figures: dict[str, list[tuple[float, float]]] = {"without": [], "with token": []}
    bench = Origin("os:bench")
    try:
        for _ in range(rounds):
            for mode in figures:
                with db.write() as conn:
                    for table in (tables.sessions, tables.api_tokens, tables.users):
                        conn.execute(delete(table))
                headers: dict[str, str] = {}
                if mode != "without":
                    add_user(db, "bench", "viewer", "bench password", by=bench)
                    _, secret = create_token(db, "bench", "bench", expires_at=None, by=bench)
                    headers = {"Authorization": f"Bearer {secret}"}
                port = free_port()
                server = serve(url, port)
                try:
                    p50, p95, _ = _latency(port, "/v1/executions", requests, headers)
                finally:
                    server.send_signal(signal.SIGINT)
                    server.wait(timeout=30)
                figures[mode].append((p50, p95))
                print(f"  {mode:12} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
        with db.write() as conn:
            for table in (tables.sessions, tables.api_tokens, tables.users):
                conn.execute(delete(table))
    finally:
        db.dispose()
    medians = {m: (median(p[0] for p in f), median(p[1] for p in f)) for m, f in figures.items()}
    extra = medians["with token"][1] - medians["without"][1]
    verdict = "ok" if extra <= TOKEN_EXTRA_P95_MS else "MISSED"
    print(f"\nlist /v1/executions, median of {rounds} servers each ({requests} requests):")
    for mode, (p50, p95) in medians.items():
        print(f"  {mode:12} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    print(f"  a token adds {extra:+.2f} ms at p95 (target <= {TOKEN_EXTRA_P95_MS:.0f}) {verdict}")
    record("api.token_extra.p95", extra, "ms", TOKEN_EXTRA_P95_MS)


def _print_plans(db: Database, pipeline: str) -> None:
    """EXPLAIN QUERY PLAN of each statement the list runs (counts included)."""
    print("\nSQLite query plans of the list statements:")
    for label, kwargs in {
        "default": {},
        "recent-failures": {"preset": "recent-failures"},
        "running-now": {"preset": "running-now"},
        "todays-runs": {"preset": "todays-runs"},
        "pipeline": {"pipeline": [pipeline]},
    }.items():
        statements: list[tuple[str, Any]] = []

        def record(_c: Any, _cur: Any, sql: str, params: Any, _x: Any, _many: bool) -> None:
            statements.append((sql, params))  # noqa: B023 (used before the next loop)

        event.listen(db.engine, "before_cursor_execute", record)
        listing.list_page(db, list_query.parse_filters(**kwargs))
        event.remove(db.engine, "before_cursor_execute", record)
        plans = set()
        with db.read() as conn:
            for sql, params in statements:
                if sql.lstrip().upper().startswith("SELECT"):
                    steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
                    plans.add(" / ".join(row[3] for row in steps))
        for plan in sorted(plans):
            print(f"  {label:16} {plan}")


def _get(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


def _latency(
    port: int, path: str, count: int, headers: dict[str, str] | None = None
) -> tuple[float, float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(20):
        status, body = _get(conn, path, headers)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    json.loads(body)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        _get(conn, path, headers)
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1], times[-1]


def _throughput(port: int, pid: int, seconds: int, headers: dict[str, str]) -> tuple[float, float]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`)")
    cpu_before = _cpu_seconds(pid)
    sent = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", *sent, f"http://127.0.0.1:{port}/v1/executions"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = _cpu_seconds(pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return rps, cpu / max(total, 1) * 1000


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


if __name__ == "__main__":
    main()
