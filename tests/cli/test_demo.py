"""`runplane demo` as a user runs it: a separate process, synthetic data, the real executor."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from runplane.store import Database
from runplane.store import executions as store
from runplane.store import schedules as schedule_store

pytestmark = pytest.mark.slow
RUNPLANE = str(Path(sys.executable).with_name("runplane"))


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    return env | {"RUNPLANE_HOME": str(home), "RUNPLANE_MAX_WORKERS": "2"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_demo_runs_successes_and_each_kind_of_failure_on_synthetic_data(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [RUNPLANE, "demo", "--no-serve", "--rows", "500"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "synthetic" in done.stderr
    db = Database(f"sqlite:///{tmp_path / 'demo' / 'runplane.db'}")
    with db.read() as conn:
        runs = store.list_executions(conn, store.ExecutionFilter(), limit=100)
        schedules = {s.name: s for s in schedule_store.list_schedules(conn)}
    db.dispose()
    assert schedules["finra-weekly"].params["week_ending"] == "{{ last_week_ending }}"
    assert schedules["heartbeat"].enabled
    failures = {
        (e.pipeline.rsplit(".", 1)[1], e.error.classification): e.error.message
        for e in runs
        if e.error is not None and e.attempt == 1
    }
    assert failures[("ingest_week", "transient")] == "HTTP 503 from 127.0.0.1"
    assert "no file at" in failures[("ingest_week", "data")]
    assert "has no published normalize" in failures[("aggregate_week", "dependency")]
    completed = [
        e.pipeline.rsplit(".", 1)[1]
        for e in runs
        if e.status == "completed" and e.trigger != "scheduled"  # a heartbeat may fire
    ]
    assert sorted(set(completed)) == [
        "aggregate_week",
        "backfill_range",
        "compute_rolling",
        "ingest_week",
        "normalize_week",
    ]
    assert any(e.status == "dry_run" for e in runs)
    names = (tmp_path / "demo" / "data" / "finra-otc" / "OTC").glob("*.psv")
    for path in names:
        rows = path.read_text().splitlines()[1:]
        assert all(row.split("|")[2].endswith("(synthetic)") for row in rows)


def test_the_demo_serves_and_refuses_a_second_demo_while_it_runs(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "demo.log"
    with (
        log.open("w") as output,
        subprocess.Popen(
            [RUNPLANE, "demo", "--rows", "200", "--port", str(port)],
            env=_env(tmp_path),
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as server,
    ):
        try:
            health = _wait_for_health(port, server, log)
            assert '"status":"ok"' in health
            second = subprocess.run(
                [RUNPLANE, "demo", "--no-serve"],
                env=_env(tmp_path),
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 2
            assert "still running on the demo database" in second.stderr
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    assert f"Dashboard: http://127.0.0.1:{port}/dashboard" in log.read_text()


def _wait_for_health(port: int, server: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 240
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                return str(answer.read().decode())
        except OSError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the demo never started serving"
            time.sleep(0.5)
