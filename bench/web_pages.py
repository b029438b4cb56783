"""Dashboard pages with 1,000,000 executions in SQLite: server time, browser readiness, and
the size of one auto-refresh.

Starts a real `runplane serve` on the seeded file (seeding it first if missing, a few
minutes), then measures:
- p50/p95 of sequential keep-alive GETs (gzip, as a browser asks) of the executions list
  and of an execution's detail, over HTTP on 127.0.0.1, and the p95 of the time the server
  itself reports for each (`Server-Timing`: request in to response start), which the
  20 ms targets apply to;
- in headless Chromium (Debian's), navigation start until app.js marks `<main>` ready,
  median of 20 warm loads of each page;
- the bytes one auto-refresh of 50 rows sends (gzip-compressed, and uncompressed).

    python bench/web_pages.py [--database bench/out/bench.db] [--requests 300]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select

from runplane.store import Database
from runplane.store.schema import upgrade
from runplane.store.tables import executions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record, slug
from seed_executions import sample_ids, seed
from serving import free_port, serve

LIST_P95_MS = 20.0
DETAIL_P95_MS = 20.0
READY_MEDIAN_MS = 300.0
REFRESH_MAX_BYTES = 25 * 1024
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--requests", type=int, default=300, help="per measured URL")
    parser.add_argument("--loads", type=int, default=20, help="warm browser loads per page")
    args = parser.parse_args()

    path: Path = args.database
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"seeding {path} with 1,000,000 executions (takes a few minutes)...")
        db = Database(f"sqlite:///{path.resolve()}")
        upgrade(db)
        seed(db)
        db.dispose()
    url = f"sqlite:///{path.resolve()}"
    db = Database(url)
    ids = sample_ids(db)
    with db.read() as conn:
        total = conn.execute(select(executions.c.execution_id).limit(1)).first()
    db.dispose()
    assert total is not None, "the benchmark file holds no executions"
    print(f"database: {path} ({path.stat().st_size / 1e9:.2f} GB)")
    print(f"load average before: {os.getloadavg()}  (2 cores; other work skews figures)")

    pages = {
        "list: default view (24 h)": "/dashboard/executions",
        "list: recent failures preset": "/dashboard/executions?preset=recent-failures",
        "list: one pipeline, 7 days": f"/dashboard/executions?pipeline={ids['pipeline']}&range=7d",
        "detail: failed, summary tab": f"/dashboard/executions/{ids['failed']}",
        "detail: parameters tab": f"/dashboard/executions/{ids['failed']}?tab=parameters",
        "detail: 100,000-line log, logs tab": f"/dashboard/executions/{ids['log']}?tab=logs",
    }
    port = free_port()
    server = serve(url, port)
    missed: list[str] = []
    try:
        print(
            f"\n{'HTTP round trip (gzip) / server time':40} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'max ms':>8} {'server p95':>11}"
        )
        for label, page in pages.items():
            p50, p95, worst, app = _latency(port, page, args.requests)
            target = LIST_P95_MS if label.startswith("list") else DETAIL_P95_MS
            verdict = "ok" if app is not None and app <= target else "MISSED"
            if verdict != "ok":
                missed.append(label)
            print(
                f"{label:40} {p50:8.2f} {p95:8.2f} {worst:8.2f} {app or 0:11.2f}"
                f"  server p95 <= {target:.0f} {verdict}"
            )
            record(f"web.{slug(label)}.server_p95", app or 0.0, "ms", target)

        for label, other in (
            ("for comparison: GET /health", "/health"),
            ("for comparison: GET /v1/executions", "/v1/executions"),
        ):
            p50, p95, worst, _ = _latency(port, other, args.requests)
            print(f"{label:40} {p50:8.2f} {p95:8.2f} {worst:8.2f}")

        sent, raw = _refresh_size(port)
        verdict = "ok" if sent <= REFRESH_MAX_BYTES else "MISSED"
        if verdict != "ok":
            missed.append("refresh size")
        print(
            f"\none auto-refresh of 50 rows: {sent:,} bytes sent gzip-compressed "
            f"(body {raw:,} bytes uncompressed); target <= {REFRESH_MAX_BYTES:,} {verdict}"
        )
        record("web.refresh_50_rows", sent, "bytes", REFRESH_MAX_BYTES)

        print(
            f"\n{'Chromium: navigation start -> main[data-ready]':48} {'median ms':>10} {'p95 ms':>8}"
        )
        for label, page in (
            ("list: default view", pages["list: default view (24 h)"]),
            ("detail: failed, summary tab", pages["detail: failed, summary tab"]),
            ("detail: 100,000-line log", pages["detail: 100,000-line log, logs tab"]),
        ):
            times, phases = _browser_ready(port, page, args.loads)
            median = statistics.median(times)
            p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
            verdict = "ok" if median <= READY_MEDIAN_MS else "MISSED"
            if verdict != "ok":
                missed.append(f"browser {label}")
            print(
                f"{label:48} {median:10.1f} {p95:8.1f}  median <= {READY_MEDIAN_MS:.0f} {verdict}"
            )
            record(f"web.ready.{slug(label)}.median", median, "ms", READY_MEDIAN_MS)
            print("    median ms from navigation start: " + ", ".join(
                f"{name} {statistics.median(values):.1f}" for name, values in phases.items()
            ))  # fmt: skip
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    print(f"\nload average after: {os.getloadavg()}")
    print("missed: " + ", ".join(missed) if missed else "all targets met")


def _get(conn: http.client.HTTPConnection, path: str, encoding: str = "gzip") -> tuple[int, bytes]:
    status, body, _ = _get_timed(conn, path, encoding)
    return status, body


def _get_timed(
    conn: http.client.HTTPConnection, path: str, encoding: str = "gzip"
) -> tuple[int, bytes, float | None]:
    """Status, body as sent, and the page's own `Server-Timing` (ms) when it has one."""
    conn.request("GET", path, headers={"Accept-Encoding": encoding})
    response = conn.getresponse()
    timing = re.search(r"app;dur=([\d.]+)", response.getheader("server-timing") or "")
    return response.status, response.read(), float(timing.group(1)) if timing else None


def _latency(port: int, path: str, count: int) -> tuple[float, float, float, float | None]:
    """p50, p95 and max of the round trip, and p95 of the server's own time."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(20):
        status, body = _get(conn, path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    times = []
    server: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        _, _, app = _get_timed(conn, path)
        times.append((time.perf_counter() - started) * 1000)
        if app is not None:
            server.append(app)
    conn.close()
    times.sort()
    server.sort()
    app_p95 = server[int(len(server) * 0.95) - 1] if server else None
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1], times[-1], app_p95


def _refresh_size(port: int) -> tuple[int, int]:
    """What the browser receives for one refresh of the first 50 rows."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    _, page = _get(conn, "/dashboard/executions", "identity")
    rows = re.findall(rb'<tr data-id="([^"]+)"', page)
    assert len(rows) == 50, f"expected 50 rows on the first page, got {len(rows)}"
    path = f"/dashboard/executions?fragment=rows&extent=50&last={rows[-1].decode()}"
    status, body = _get(conn, path, "gzip")
    assert status == 200
    raw = gzip.decompress(body)
    refreshed = re.findall(rb'<tr data-id="([^"]+)"', raw)
    assert len(refreshed) >= 50, len(refreshed)
    conn.close()
    return len(body), len(raw)


def _browser_ready(port: int, path: str, loads: int) -> tuple[list[float], dict[str, list[float]]]:
    """Navigation start to ready per warm load, and where each load's time went: the
    server's answer (`Server-Timing`), the response's first and last byte, the end of
    parsing (`domInteractive`)."""
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}{path}"
    script = """() => {
        const n = performance.getEntriesByType('navigation')[0];
        const ready = performance.getEntriesByName('runplane-ready')[0].startTime;
        return [ready - n.startTime, n.serverTiming[0]?.duration ?? 0, n.responseStart,
            n.responseEnd, n.domInteractive];
    }"""
    phases: dict[str, list[float]] = {
        "server": [], "first byte": [], "last byte": [], "parsed": []
    }  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        times = []
        for i in range(loads + 1):
            page.goto(url)
            page.wait_for_selector("main[data-ready]", state="attached")
            if i:  # the first load warms connections and the static-file cache
                ready, *marks = page.evaluate(script)
                times.append(float(ready))
                for values, mark in zip(phases.values(), marks, strict=True):
                    values.append(float(mark))
        browser.close()
    return times, phases


if __name__ == "__main__":
    main()
