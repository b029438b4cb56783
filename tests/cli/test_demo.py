"""`runplane demo` as a user runs it: a separate process, synthetic data, the real executor."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
    started = datetime.now(UTC) - timedelta(seconds=1)
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
        everything = store.list_executions(conn, store.ExecutionFilter(), limit=1000)
        schedules = {s.name: s for s in schedule_store.list_schedules(conn)}
    db.dispose()
    runs = [e for e in everything if e.created_at >= started]  # the ones it ran
    past = [e for e in everything if e.created_at < started]
    assert f"Wrote {len(past)} synthetic past executions over the last 30 days" in done.stderr
    assert started - min(e.created_at for e in past) >= timedelta(days=29)
    assert {str(e.trigger) for e in past} == {"scheduled", "manual", "api"}
    assert schedules["nightly-housekeeping"].pipeline == "runplane.sleep"
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
    documented = re.compile(r"^(user:.+|os:.+|local|schedule:.+|auto-retry:[0-9a-f-]{36})$")
    assert [e.triggered_by for e in runs if not documented.match(e.triggered_by)] == []
    names = (tmp_path / "demo" / "data" / "finra-otc" / "OTC").glob("*.psv")
    for path in names:
        rows = path.read_text().splitlines()[1:]
        assert all(row.split("|")[2].endswith("(synthetic)") for row in rows)


@pytest.fixture(scope="module")
def serving_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """`make demo` as a new user runs it: the default home (`.runplane` in the folder the
    command runs in), serving on a free port; yields that folder and the port."""
    folder = tmp_path_factory.mktemp("demo-folder")
    port = _free_port()
    log = folder / "demo.log"
    with (
        log.open("w") as output,
        subprocess.Popen(
            [RUNPLANE, "demo", "--rows", "200", "--port", str(port)],
            env=_user_env(),
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as server,
    ):
        try:
            health = _wait_for_health(port, server, log)
            assert '"status":"ok"' in health
            yield folder, port
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    assert f"Dashboard: http://127.0.0.1:{port}/dashboard" in log.read_text()
    assert not (folder / ".runplane" / "demo" / "serving.json").exists()


def _user_env() -> dict[str, str]:
    """A shell's environment with no RUNPLANE_* variable set, as the README's commands run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    return env | {"RUNPLANE_MAX_WORKERS": "2"}


def _in_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUNPLANE, *args], env=_user_env(), cwd=folder, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_a_second_demo_is_refused_while_one_serves(serving_demo: tuple[Path, int]) -> None:
    folder, _ = serving_demo
    second = _in_folder(folder, "demo", "--no-serve")
    assert second.returncode == 2
    assert "still running on the demo database" in second.stderr


def test_the_readmes_commands_in_a_second_terminal_use_the_serving_demo(
    serving_demo: tuple[Path, int],
) -> None:
    folder, port = serving_demo
    note = f"Using the demo serving at http://127.0.0.1:{port}"
    queued = _in_folder(folder, "run", "runplane.noop")
    assert queued.returncode == 0, queued.stderr
    assert "queued; follow it with" in queued.stdout
    assert [line for line in queued.stderr.splitlines() if line.startswith("Using")] == [
        line for line in queued.stderr.splitlines() if note in line
    ]
    execution_id = queued.stderr.split("Submitted ", 1)[1].split()[0]
    waited = _in_folder(folder, "run", "runplane.sleep", "-p", "seconds=1", "--wait")
    assert waited.returncode == 0, waited.stderr
    listed = _in_folder(folder, "executions", "list", "--status", "failed", "--range", "7d")
    assert listed.returncode == 0, listed.stderr
    assert note in listed.stderr
    assert "finra.otc_transparency.ingest_week" in listed.stdout
    failed = listed.stdout.splitlines()[1].split()[0]
    for args in (
        ("executions", "show", execution_id[:8]),
        ("executions", "logs", execution_id),
        ("executions", "logs", execution_id, "--follow"),
        ("pipelines", "list"),
        ("db", "upgrade"),
    ):
        done = _in_folder(folder, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr.count(note) == 1, (args, done.stderr)
    shown = _in_folder(folder, "executions", "show", failed)
    assert "FAILED" in shown.stdout
    assert not (folder / ".runplane" / "runplane.db").exists(), "a second database was made"


def test_one_execution_is_running_while_the_demo_serves(serving_demo: tuple[Path, int]) -> None:
    folder, _ = serving_demo
    running = _in_folder(folder, "executions", "list", "--status", "running")
    assert running.returncode == 0, running.stderr
    rows = running.stdout.splitlines()[1:]
    assert len(rows) == 1, running.stdout
    assert "runplane.sleep" in rows[0]


def test_a_busy_port_stops_the_demo_before_it_does_any_work(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [RUNPLANE, "demo", "--port", str(port)], env=_env(tmp_path), cwd=tmp_path,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is busy" in done.stderr
    assert f"`runplane demo --port {port + 1}` or `make demo PORT={port + 1}`" in done.stderr
    assert "Created" not in done.stderr
    assert "Dashboard:" not in done.stderr
    assert not (tmp_path / "demo").exists()


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
