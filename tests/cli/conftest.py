"""The `runplane` command against a temporary database: in this process through click's
CliRunner, where a subprocess would prove nothing more, and as a real process where the
process is the behaviour (`serve`, signals, exit codes of a killed or interrupted run).

Commands run in-process still start a real fork server (a separate process) when they run
an execution here, as `run --wait` does with no server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner

from runplane.cli import main
from runplane.store import Database
from runplane.store import database as database_module
from tests.conftest import ROOT


@dataclass
class Cli:
    env: dict[str, str]
    home: Path

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """`runplane ARGS` in this process, with this fixture's RUNPLANE_* variables only."""
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("RUNPLANE_")}
        env |= {k: v for k, v in self.env.items() if k.startswith("RUNPLANE_")}
        env["PYTHONPATH"] = self.env["PYTHONPATH"]  # for the fork server a run starts
        opened: list[Database] = []

        class Tracked(Database):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                opened.append(self)

        with mock.patch.object(database_module, "Database", Tracked):
            result = CliRunner().invoke(
                main.cli, list(args), env=env, prog_name="runplane", input=input
            )
        for db in opened:
            db.dispose()
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert result.exc_info is not None
            stderr += "".join(traceback.format_exception(*result.exc_info))
        return subprocess.CompletedProcess(
            ["runplane", *args], result.exit_code, result.stdout, stderr
        )

    def run_process(
        self, *args: str, timeout: float = 60, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`runplane ARGS` as a process of its own, for commands whose process is the subject."""
        return subprocess.run(
            [sys.executable, "-m", "runplane", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "runplane", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def serve(self, port: int, *args: str) -> subprocess.Popen[str]:
        """`runplane serve` with its output in a file (a pipe nobody reads would fill up)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / f"serve-{port}.log").open("w") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "runplane", "serve", "--port", str(port), *args],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )

    def json(self, *args: str) -> object:
        result = self.run(*args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {
        **os.environ,
        "RUNPLANE_HOME": str(tmp_path / "home"),
        "RUNPLANE_DATABASE_URL": f"sqlite:///{tmp_path / 'home' / 'runplane.db'}",
        "RUNPLANE_DATA_DIR": str(tmp_path / "data"),
        "RUNPLANE_PIPELINE_MODULES": "tests.support.pipelines",
        "RUNPLANE_POLL_INTERVAL": "0.02",
        "RUNPLANE_HEARTBEAT_INTERVAL": "0.2",
        "RUNPLANE_WORKER_TIMEOUT": "3",
        "RUNPLANE_CANCEL_GRACE": "1",
        "RUNPLANE_MAX_WORKERS": "2",
        "PYTHONPATH": str(ROOT),
    }
    return Cli(env=env, home=tmp_path / "home")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(cli: Cli) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A real `runplane serve` on a free port; yields the process and its port."""
    port = free_port()
    process = cli.serve(port)
    wait_for_port(port, process)
    yield process, port
    process.terminate()
    process.wait(timeout=20)


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with code {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"serve did not listen on {port}")


@dataclass
class Modes:
    local: Cli
    remote: Cli


@pytest.fixture
def modes(cli: Cli) -> Iterator[Modes]:
    added = cli.run("users", "add", "ops", "--role", "operator", "--password-stdin",
                    input="a long password\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = cli.run("tokens", "create", "cli", "--user", "ops")
    assert token.returncode == 0, token.stderr
    port = free_port()
    serve = cli.serve(port)
    wait_for_port(port, serve)
    remote_env = {**cli.env, "RUNPLANE_URL": f"http://127.0.0.1:{port}",
                  "RUNPLANE_TOKEN": token.stdout.strip(), "RUNPLANE_DATABASE_URL": "sqlite:////nonexistent/db"}  # fmt: skip
    yield Modes(cli, replace(cli, env=remote_env))
    serve.terminate()
    serve.wait(timeout=20)
