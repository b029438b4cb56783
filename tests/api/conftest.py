"""API fixtures: a real `runplane serve` process on a free 127.0.0.1 port (one per database
that the API tests asserting by id share, or a fresh one), and an in-process application
for the checks TestClient is enough for."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pydantic_settings import NoDecode

from runplane.model import Execution, ExecutionStatus
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from tests.conftest import (
    ROOT,
    active_ids,
    fast_settings,
    postgres_copy,
    serve_client,
    sqlite_copy,
    wait_until,
)

RUNPLANE = str(Path(sys.executable).with_name("runplane"))


@dataclass
class Server:
    """A running `runplane serve` and a client for it."""

    url: str
    db: Database
    settings: Settings
    process: subprocess.Popen[bytes]
    log: Path
    client: httpx.Client

    def wait_for_status(
        self, execution_id: str, predicate: Callable[[ExecutionStatus], bool], timeout: float = 30
    ) -> dict[str, object]:
        """Poll GET /v1/executions/{id} until its status satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, object] = self.client.get(f"/v1/executions/{execution_id}").json()
            if predicate(ExecutionStatus(str(body["status"]))):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"{execution_id} still {body['status']} after {timeout}s")
            time.sleep(0.05)

    def wait_for_final(self, execution_id: str, timeout: float = 30) -> dict[str, object]:
        return self.wait_for_status(execution_id, lambda s: s.is_final, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(settings: Settings) -> dict[str, str]:
    """The RUNPLANE_* variables that reproduce `settings` in a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPLANE_")}
    for name, value in settings.model_dump(mode="json").items():
        secret = getattr(settings, name)
        if isinstance(secret, SecretStr):  # dumped as stars: the child needs the value
            value = secret.get_secret_value()
        if value is not None:  # unset: the default (None) applies
            env[f"RUNPLANE_{name.upper()}"] = _env_text(name, value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _env_text(name: str, value: object) -> str:
    """Lists as the field reads them: comma-separated when it opts out of JSON decoding."""
    if not isinstance(value, list):
        return str(value)
    metadata = Settings.model_fields[name].metadata
    if any(m is NoDecode or isinstance(m, NoDecode) for m in metadata):
        return ",".join(str(v) for v in value)
    return json.dumps(value)


def start_server(settings: Settings, log: Path) -> Iterator[Server]:
    """Start `runplane serve`, wait until /health answers, stop it with SIGINT afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RUNPLANE, "serve", "--port", str(port)],
            env=server_env(settings),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    client = serve_client(url)
    db = Database(settings.resolved_database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not answer within 30 s:\n{log.read_text()}")
            time.sleep(0.05)
        yield Server(url, db, settings, process, log, client)
    finally:
        client.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        db.dispose()


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    """`runplane serve` on SQLite and on PostgreSQL (intermediate tier)."""
    yield from start_server(settings, tmp_path / "serve.log")


@pytest.fixture(scope="package")
def shared_sqlite_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Server]:
    """One `runplane serve` on SQLite for the API tests that share it."""
    folder = tmp_path_factory.mktemp("serve-sqlite")
    url = sqlite_copy(sqlite_template, folder)
    yield from start_server(fast_settings(folder, url), folder / "serve.log")


@pytest.fixture(scope="package")
def shared_postgresql_server(
    tmp_path_factory: pytest.TempPathFactory, postgres_template: str
) -> Iterator[Server]:
    """One `runplane serve` on PostgreSQL for the API tests that share it, on a database of
    its own (the other tests empty the scratch copy between them)."""
    folder = tmp_path_factory.mktemp("serve-postgresql")
    with postgres_copy(postgres_template) as url:
        yield from start_server(fast_settings(folder, url), folder / "serve.log")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The API tests' shared server on SQLite and on PostgreSQL, for a test that only reads
    or whose writes cannot disturb the others (its own executions, asserted by id).
    Afterwards everything it started must have ended, so the next test finds it idle."""
    server: Server = request.getfixturevalue(f"shared_{request.param}_server")
    yield server
    wait_until_idle(server)


def wait_until_idle(server: Server) -> None:
    """Wait until every execution on the server has ended (a shared server's tests must
    not leave runs behind for the next one)."""
    wait_until(lambda: not active_ids(server.db), timeout=30, what="every run to end")


@pytest.fixture
def basic_server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """`runplane serve` in the basic tier, on SQLite."""
    settings = fast_settings(tmp_path, sqlite_url, tier="basic")
    yield from start_server(settings, tmp_path / "serve.log")


@pytest.fixture
def app(sqlite_db: Database, sqlite_settings: Settings) -> FastAPI:
    """The application without a serving runtime (nothing runs executions)."""
    return create_app(sqlite_db, sqlite_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def ids(executions: list[Execution]) -> list[str]:
    return [e.execution_id for e in executions]
