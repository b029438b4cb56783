"""`runplane users`, `tokens` and `audit export` as a newcomer uses them, bad input as one-line
errors with exit code 2 and nothing written, and `serve` refusing other addresses than
loopback until users exist."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest
from sqlalchemy import func, select

from runplane.store import Database
from runplane.store import tables as t
from tests.cli.conftest import Cli, free_port, wait_for_port


def _counts(cli: Cli) -> tuple[int, int, int]:
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    try:
        with db.read() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.users, t.api_tokens, t.audit_log)
            )
    finally:
        db.dispose()


def _add(cli: Cli, name: str, role: str, password: str = "a long password") -> object:
    return cli.run("users", "add", name, "--role", role, "--password-stdin", input=password + "\n")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("users", "add", "bad name", "--role", "admin"), "not a valid user name"),
        (("users", "add", "tab\tname", "--role", "admin"), "not a valid user name"),
        (("users", "add", "carol", "--role", "boss"), "there is no role 'boss'"),
        (("users", "remove", "alice"), "last admin"),
        (("users", "set-role", "alice", "--role", "viewer"), "last admin"),
        (("users", "set-role", "nobody", "--role", "viewer"), "no user named"),
        (
            ("tokens", "create", "ci", "--user", "alice", "--expires", "2020-01-01"),
            "not in the future",
        ),
        (("tokens", "create", "ci", "--user", "alice", "--expires", "soon"), "is not a duration"),
        (("tokens", "create", "bad name", "--user", "alice"), "not a valid token name"),
        (("tokens", "create", "ci", "--user", "nobody"), "no user named"),
        (("tokens", "revoke", "nope"), "no active token"),
        (("audit", "export", "--since", "yesterday"), "--since"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    cli: Cli, args: tuple[str, ...], words: str
) -> None:
    assert _add(cli, "alice", "admin").returncode == 0  # type: ignore[attr-defined]
    before = _counts(cli)
    result = cli.run(*args, input="a long password\n")
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _counts(cli) == before


def test_a_short_password_or_a_taken_name_is_refused(cli: Cli) -> None:
    short = _add(cli, "alice", "admin", "short")
    assert short.returncode == 2  # type: ignore[attr-defined]
    assert "at least 8 characters" in short.stderr  # type: ignore[attr-defined]
    assert _add(cli, "alice", "admin").returncode == 0  # type: ignore[attr-defined]
    assert _add(cli, "alice", "viewer").returncode == 2  # type: ignore[attr-defined]


def test_tokens_print_once_list_without_secrets_and_revoke(cli: Cli) -> None:
    _add(cli, "alice", "admin")
    created = cli.run("tokens", "create", "ci", "--user", "alice", "--expires", "30d")
    assert created.returncode == 0
    secret = created.stdout.strip()
    assert secret.startswith("rp_")
    assert len(secret) == 46
    listed = cli.run("tokens", "list")
    assert "ci" in listed.stdout
    assert "active" in listed.stdout
    assert secret not in listed.stdout
    assert cli.run("tokens", "revoke", "ci").returncode == 0
    assert "revoked" in cli.run("tokens", "list").stdout


def test_the_audit_export_holds_every_change_as_csv_and_json(cli: Cli) -> None:
    _add(cli, "alice", "admin")
    _add(cli, "bob", "viewer")
    cli.run("users", "set-role", "bob", "--role", "operator")
    cli.run("tokens", "create", "ci", "--user", "bob")
    cli.run("run", "runplane.noop")
    entries = json.loads(cli.run("audit", "export", "--since", "1d", "--format", "json").stdout)
    assert [e["action"] for e in entries] == [
        "user.add", "user.add", "user.set-role", "token.create", "execution.run",
    ]  # fmt: skip
    assert all(e["actor"].startswith("os:") for e in entries)
    assert entries[2]["detail"] == {"role": "operator", "previous": "viewer"}
    rows = list(csv.DictReader(io.StringIO(cli.run("audit", "export", "--since", "2000-01-01",
                                                   "--format", "csv").stdout)))  # fmt: skip
    assert [r["action"] for r in rows] == [e["action"] for e in entries]


@pytest.mark.slow
def test_serve_on_every_address_is_refused_until_users_and_hosts_are_set(cli: Cli) -> None:
    refused = cli.run_process("serve", "--host", "0.0.0.0", "--port", str(free_port()), timeout=30)
    assert refused.returncode == 2
    assert "runplane users add NAME --role admin" in refused.stderr
    _add(cli, "alice", "admin")
    no_hosts = cli.run_process("serve", "--host", "0.0.0.0", "--port", str(free_port()), timeout=30)
    assert no_hosts.returncode == 2
    assert "RUNPLANE_ALLOWED_HOSTS" in no_hosts.stderr
    port = free_port()
    cli.env["RUNPLANE_ALLOWED_HOSTS"] = "127.0.0.1"
    serve = cli.serve(port, "--host", "0.0.0.0")
    try:
        wait_for_port(port, serve)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            assert json.loads(response.read())["status"] in ("ok", "degraded")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/executions")
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(request, timeout=5)
        assert failure.value.code == 401
        failure.value.close()
    finally:
        serve.terminate()
        serve.wait(timeout=20)
    log = (cli.home / f"serve-{port}.log").read_text()
    assert "Sign in at" in log
