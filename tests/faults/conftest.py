"""The fault-injection suite's fixtures: a real `runplane serve` that a test may kill, restart
and pause at an engine point (`RUNPLANE_FAULT_AT`), and the checks every fault ends with:
no execution `running` without a process, nothing half-published, nothing accepted lost
or doubled, and `/health` telling the truth.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select

from runplane.engine import processes
from runplane.model import Execution, ExecutionStatus
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import queue as queue_store
from runplane.store.schema import upgrade
from runplane.store.tables import captures
from tests.api.conftest import RUNPLANE, free_port, server_env
from tests.conftest import ROOT, fast_settings, serve_client, wait_until


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One test process runs the fault tests one after another (`make test` distributes by
    group): each times its recovery, and two faults at once on two cores would time each
    other."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("faults"))


@dataclass
class FaultPoint:
    """The folder a paused process reports to; `reached` waits for it, `release` lets it go."""

    folder: Path

    def reached(self, point: str, timeout: float = 30) -> dict[str, Any]:
        marker = self.folder / f"{point}.json"
        wait_until(marker.exists, timeout=timeout, what=f"a process to reach {point}")
        found: dict[str, Any] = json.loads(marker.read_text())
        return found

    def release(self, point: str) -> None:
        (self.folder / f"{point}.go").touch()


@dataclass
class Serve:
    """A `runplane serve` the test owns: started, killed, restarted; its log kept."""

    settings: Settings
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"serve-{self.starts}.log"

    def start(self, *, wait: bool = True, **env: str) -> None:
        self.starts += 1
        self.port = free_port()
        environment = {**server_env(self.settings), **self.extra_env, **env}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [RUNPLANE, "serve", "--port", str(self.port)],
                env=environment,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_answering()

    def wait_answering(self, timeout: float = 30) -> None:
        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited {self.process.returncode}:\n{self.text()}")
            try:
                return httpx.get(f"{self.url}/health", timeout=5).status_code in (200, 503)
            except httpx.TransportError:
                return False

        wait_until(answers, timeout=timeout, what="serve to answer")

    def client(self) -> httpx.Client:
        return serve_client(self.url)

    def health(self) -> tuple[int, dict[str, Any]]:
        response = httpx.get(f"{self.url}/health", timeout=30)
        body: dict[str, Any] = response.json()
        return response.status_code, body

    def kill(self) -> None:
        """kill -9: no shutdown, no stopped worker row."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def fork_server(self) -> psutil.Process:
        assert self.process is not None
        for child in psutil.Process(self.process.pid).children():
            if "runplane.engine.executors.forkserver" in " ".join(child.cmdline()):
                return child
        raise AssertionError("serve runs no fork server")

    def rss(self) -> int:
        assert self.process is not None
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def text(self) -> str:
        return "\n".join(
            (self.folder / f"serve-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )


@pytest.fixture
def fault(tmp_path: Path) -> FaultPoint:
    folder = tmp_path / "fault"
    folder.mkdir()
    return FaultPoint(folder)


def serve_on(folder: Path, database_url: str, **overrides: object) -> Serve:
    """A stopped `serve` on a migrated database, with the suite's short timings."""
    db = Database(database_url)
    upgrade(db)
    db.dispose()
    values: dict[str, object] = {
        "worker_timeout": 3.0,
        "final_write_timeout": 1.0,
        "health_probe_interval": 0.5,
        "health_min_free_mb": 0,
        "max_workers": 2,
    }
    settings = fast_settings(folder, database_url, **(values | overrides))
    return Serve(settings, folder)


@pytest.fixture
def serve(tmp_path: Path, sqlite_url: str) -> Iterator[Serve]:
    server = serve_on(tmp_path, sqlite_url)
    yield server
    server.stop()


def post_form(client: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    """A dashboard form post as a browser sends it: this server's Origin, the page's token."""
    page = client.get("/dashboard/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "the page carries no CSRF token"
    origin = str(client.base_url).rstrip("/")
    return client.post(url, data={**data, "csrf": token[1]}, headers={"Origin": origin})


def submit(client: httpx.Client, pipeline: str, **params: object) -> str:
    response = client.post(f"/v1/pipelines/{pipeline}/run", json={"params": params})
    assert response.status_code == 201, response.text
    execution_id: str = response.json()["execution_id"]
    return execution_id


def status_of(db: Database, execution_id: str) -> Execution:
    with db.read() as conn:
        return store.get_execution(conn, execution_id)


def wait_final(db: Database, execution_id: str, timeout: float = 30) -> Execution:
    wait_until(
        lambda: status_of(db, execution_id).status.is_final,
        timeout=timeout,
        what=f"{execution_id} to end",
    )
    return status_of(db, execution_id)


def assert_settled(db: Database, accepted: list[str]) -> None:
    """What every fault ends with: nothing `running` without a process, no capture of an
    execution that did not complete published, each accepted submission there once."""
    with db.read() as conn:
        for execution in queue_store.list_running(conn):
            alive = execution.pid is not None and processes.is_alive(
                execution.pid, execution.process_started_at
            )
            assert alive, f"{execution.execution_id} is running without a process"
        published = conn.execute(
            select(captures.c.execution_id).where(captures.c.published_at.is_not(None))
        ).scalars()
        for execution_id in published:
            status = store.get_execution(conn, execution_id).status
            assert status is ExecutionStatus.COMPLETED, f"{execution_id} published as {status}"
        found = store.list_executions_by_id(conn, accepted)
    assert sorted(found) == sorted(set(accepted)), "an accepted submission is missing"
    assert len(accepted) == len(set(accepted))


def tracebacks(serve: Serve) -> int:
    return serve.text().count("Traceback (most recent call last)")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def seconds_since(start: float) -> float:
    return round(time.monotonic() - start, 2)
