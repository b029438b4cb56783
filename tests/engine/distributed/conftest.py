"""A real cluster on 127.0.0.1: PostgreSQL, a redis-server the test may restart, one
`runplane serve` with the Celery executor and two `runplane worker` processes (`w1` serves
`default`; `w2` serves `default` and `heavy`)."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import select

from runplane.engine import service
from runplane.model import ExecutionEvent, ExecutionStatus, Trigger
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store.tables import workers
from tests.api.conftest import RUNPLANE, free_port, server_env
from tests.conftest import ROOT, fast_settings, postgres_copy, require, wait_until

WORKERS = {"w1": "default", "w2": "default,heavy"}


@dataclass
class Program:
    """A process the test owns, started again as often as it likes, its output kept."""

    name: str
    args: list[str]
    env: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}-{self.starts}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self.starts += 1
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def text(self) -> str:
        return "\n".join(
            (self.folder / f"{self.name}-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )

    def alive_or_fail(self) -> None:
        assert self.running(), f"{self.name} exited:\n{self.text()[-4000:]}"


@dataclass
class Cluster:
    db: Database
    settings: Settings
    redis_server: Program
    broker: redis.Redis
    serve: Program
    serve_url: str
    workers: dict[str, Program] = field(default_factory=dict)

    def start_redis(self) -> None:
        self.redis_server.start()
        wait_until(self._redis_answers, timeout=10, what="redis-server to answer")

    def start_worker(self, name: str) -> None:
        program = self.workers[name]
        program.start()

        def ready() -> bool:
            program.alive_or_fail()
            return "ready." in program.log.read_text(errors="replace")

        wait_until(ready, timeout=60, what=f"worker {name} to be ready")

    def worker_id(self, name: str) -> str:
        """The row of the worker's latest start."""
        with self.db.read() as conn:
            row = conn.execute(
                select(workers.c.worker_id)
                .where(workers.c.name == name)
                .order_by(workers.c.started_at.desc())
            ).first()
        assert row is not None, f"worker {name} never registered"
        return str(row[0])

    def submit(self, pipeline: str, *, queue: str | None = None, **params: Any) -> str:
        execution = service.submit_execution(
            self.db, pipeline, params, trigger=Trigger.API, triggered_by="test", queue=queue
        )
        return execution.execution_id

    def events(self, execution_id: str) -> list[ExecutionEvent]:
        with self.db.read() as conn:
            return event_store.list_events(conn, execution_id)

    def status(self, execution_id: str) -> ExecutionStatus:
        return ExecutionStatus(self.api("GET", f"/v1/executions/{execution_id}")["status"])

    def api(self, method: str, path: str, **body: Any) -> dict[str, Any]:
        response = httpx.request(
            method, self.serve_url + path, json=body if body else None, timeout=30
        )
        assert response.status_code < 300, response.text
        found: dict[str, Any] = response.json()
        return found

    def page(self, path: str) -> str:
        response = httpx.get(self.serve_url + path, timeout=30)
        assert response.status_code == 200, response.text
        return response.text

    def _redis_answers(self) -> bool:
        self.redis_server.alive_or_fail()
        try:
            return bool(self.broker.ping())
        except redis.ConnectionError:
            return False


@pytest.fixture(scope="module")
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    server = shutil.which("redis-server")
    require(server is not None, "redis-server is not installed")
    assert server is not None
    folder = tmp_path_factory.mktemp("cluster")
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    redis_args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "no", "--dir", str(folder)]  # fmt: skip
    with postgres_copy(request.getfixturevalue("postgres_template")) as url:
        settings = fast_settings(
            folder,
            url,
            executor="celery",
            broker_url=redis_url,
            redispatch_after=1.5,
            worker_timeout=3.0,
            cancel_grace=2.0,
            health_min_free_mb=0,
        )
        env = server_env(settings)
        serve_port = free_port()
        db = Database(url)
        cluster = Cluster(
            db=db,
            settings=settings,
            redis_server=Program("redis", redis_args, env, folder),
            broker=redis.Redis.from_url(redis_url, socket_connect_timeout=0.5),
            serve=Program("serve", [RUNPLANE, "serve", "--port", str(serve_port)], env, folder),
            serve_url=f"http://127.0.0.1:{serve_port}",
        )
        for name, queues in WORKERS.items():
            args = [RUNPLANE, "worker", "--name", name, "--queues", queues, "--concurrency", "2"]
            cluster.workers[name] = Program(name, args, env, folder)
        try:
            cluster.start_redis()
            cluster.serve.start()
            wait_until(lambda: _answers(cluster), timeout=60, what="serve to answer")
            for name in WORKERS:
                cluster.start_worker(name)
            yield cluster
        finally:
            for program in [*cluster.workers.values(), cluster.serve, cluster.redis_server]:
                program.stop()
            cluster.broker.close()
            db.dispose()


@pytest.fixture
def both_workers(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster with both workers running, restarted after a test that stopped one."""
    yield cluster
    if not cluster.redis_server.running():
        cluster.start_redis()
    for name, program in cluster.workers.items():
        if not program.running():
            cluster.start_worker(name)


def _answers(cluster: Cluster) -> bool:
    cluster.serve.alive_or_fail()
    try:
        return httpx.get(cluster.serve_url + "/health", timeout=5).status_code in (200, 503)
    except httpx.TransportError:
        return False
