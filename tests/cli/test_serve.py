"""`runplane serve`: runs queued work, survives a kill -9 without orphans, refuses old schemas."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.error
import urllib.request

import psutil
import pytest
from sqlalchemy import text

from runplane.store import Database
from runplane.store.schema import HEAD
from tests.cli.conftest import Cli, free_port, wait_for_port
from tests.conftest import wait_until


def status(cli: Cli, execution_id: str) -> str:
    return str(json.loads(cli.run("executions", "show", execution_id, "--json").stdout)["status"])


def test_serve_runs_what_the_cli_queued_and_answers_health(
    cli: Cli, server: tuple[subprocess.Popen[str], int]
) -> None:
    _, port = server
    queued = cli.run("run", "runplane.noop")
    assert "queued; follow it with" in queued.stdout
    execution_id = queued.stderr.split("Submitted ", 1)[1].split()[0]
    wait_until(lambda: status(cli, execution_id) == "completed", timeout=20, what="completed")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        assert response.status == 200


def test_kill_9_mid_run_leaves_no_orphan_and_restart_marks_it_lost(cli: Cli) -> None:
    port = free_port()
    serve = cli.serve(port)
    wait_for_port(port, serve)
    execution_id = (
        cli.run("run", "runplane.sleep", "-p", "seconds=120")
        .stderr.split("Submitted ", 1)[1]
        .split()[0]
    )
    wait_until(lambda: status(cli, execution_id) == "running", timeout=20, what="running")
    shown = json.loads(cli.run("executions", "show", execution_id, "--json").stdout)
    tree = [serve.pid, *(p.pid for p in psutil.Process(serve.pid).children(recursive=True))]
    assert len(tree) >= 3  # serve, its fork server, the execution
    serve.send_signal(signal.SIGKILL)
    serve.wait()
    wait_until(
        lambda: (
            not any(
                psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                for pid in tree
            )
        ),
        timeout=10,
        what="every process of the killed server to end",
    )
    assert shown["status"] == "running"

    restart_port = free_port()
    restarted = cli.serve(restart_port)
    try:
        wait_for_port(restart_port, restarted)
        final = json.loads(cli.run("executions", "show", execution_id, "--json").stdout)
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)
    assert final["status"] == "failed"
    assert final["error"]["classification"] == "worker_lost"
    assert "is gone" in final["error"]["message"]


def test_pending_work_is_picked_up_after_a_restart(cli: Cli) -> None:
    execution_id = cli.run("run", "runplane.noop").stderr.split("Submitted ", 1)[1].split()[0]
    port = free_port()
    serve = cli.serve(port)
    try:
        wait_for_port(port, serve)
        wait_until(lambda: status(cli, execution_id) == "completed", timeout=20, what="completed")
    finally:
        serve.terminate()
        serve.wait(timeout=20)


def test_serve_refuses_a_database_without_a_domains_head_with_the_command_to_run(
    cli: Cli,
) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:  # as if the domain were installed after the database was made
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = 'finra_otc_0001'"))
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        for name in [row[0] for row in tables if row[0].startswith("finra_otc_")]:
            conn.execute(text(f'DROP TABLE "{name}"'))
    db.dispose()
    result = cli.run_process("serve", "--port", str(free_port()), timeout=30)
    assert result.returncode == 2
    assert (
        f"at schema revision {HEAD}, older than this Runplane's {HEAD} + finra_otc_0001"
        in result.stderr
    )
    assert "run `runplane db upgrade`" in result.stderr
    upgraded = cli.run("db", "upgrade")
    assert f"from schema {HEAD} to {HEAD} + finra_otc_0001" in upgraded.stdout


def test_serve_refuses_a_newer_schema(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:
        conn.execute(
            text(f"UPDATE alembic_version SET version_num = '9999' WHERE version_num = '{HEAD}'")
        )
    db.dispose()
    result = cli.run_process("serve", "--port", str(free_port()), timeout=30)
    assert result.returncode == 2
    assert "written by a newer version" in result.stderr


def test_serve_on_a_busy_port_says_so_and_how_to_pick_another(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli.run("serve", "--port", str(port))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is busy" in result.stderr
    assert f"runplane serve --port {port + 1}" in result.stderr


def test_a_loopback_clients_forwarded_for_is_not_believed_without_trusted_proxies(
    cli: Cli,
) -> None:
    added = cli.run("users", "add", "ops", "--role", "operator", "--password-stdin",
                    input="a long password\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    port = free_port()
    serve = cli.serve(port)
    try:
        wait_for_port(port, serve)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/executions", headers={"X-Forwarded-For": "203.0.113.9"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    finally:
        serve.terminate()
        serve.wait(timeout=20)
    entries = json.loads(cli.run("audit", "export", "--since", "1d", "--format", "json").stdout)
    refused_entries = [e for e in entries if e["action"] == "request.refused"]
    assert [e["address"] for e in refused_entries] == ["127.0.0.1"]
