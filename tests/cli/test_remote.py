"""The CLI against a remote server (RUNPLANE_URL + RUNPLANE_TOKEN) says and exits exactly as
it does on the database directly: both modes run against the same expectations."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace

import pytest

from tests.cli.conftest import Modes


def _normal(result: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    """Exit code and output with ids, times and durations blanked (they differ per run)."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", result.stdout)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC|\d\d:\d\d:\d\d\.\d{3}", "TIME", text)
    text = re.sub(r"in [\d.]+ ?m?s", "in DURATION", text)
    return result.returncode, text


def _error(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().rstrip(".").lower()


@pytest.mark.slow
def test_run_wait_says_and_exits_the_same_in_both_modes(modes: Modes) -> None:
    for pipeline, code in (("runplane.noop", 0), ("runplane.fail", 1)):
        local = modes.local.run("run", pipeline, "--wait")
        remote = modes.remote.run("run", pipeline, "--wait")
        assert local.returncode == remote.returncode == code, (local.stderr, remote.stderr)
        assert _normal(local) == _normal(remote)
    queued = modes.remote.run("run", "runplane.noop")
    assert queued.returncode == 0
    assert "queued; follow it with" in queued.stdout


@pytest.mark.slow
def test_executions_commands_say_and_exit_the_same_in_both_modes(modes: Modes) -> None:
    failed = modes.local.run("run", "runplane.fail", "--wait")
    execution_id = failed.stderr.split("Submitted ", 1)[1].split()[0]
    assert modes.local.run("run", "runplane.sleep", "-p", "seconds=0", "--wait").returncode == 0
    for args in (
        ("executions", "list", "--range", "1h"),
        ("executions", "list", "--where", "seconds=0", "--search", "sleep"),
        ("executions", "list", "--where", "seconds=1", "--search", execution_id[:8]),
        ("executions", "list", "--status", "failed", "--json"),
        ("executions", "show", execution_id),
        ("executions", "show", execution_id, "--json"),
        ("executions", "logs", execution_id),
        ("executions", "compare", execution_id, execution_id[:8]),
        ("executions", "compare", execution_id, execution_id, "--json"),
    ):
        local, remote = modes.local.run(*args), modes.remote.run(*args)
        assert local.returncode == remote.returncode == 0, (args, local.stderr, remote.stderr)
        assert local.stdout == remote.stdout, args
        if "--where" in args:  # the sleep matches the first, nothing matches the second
            assert ("runplane.sleep" in remote.stdout) == ("seconds=0" in args), remote.stdout
    for args in (
        ("executions", "show", "no-such-id"),
        ("executions", "compare", execution_id, "no-such-id"),
        ("executions", "cancel", execution_id),
        ("executions", "retry", execution_id, "-p", "nope=1"),
        ("executions", "list", "--where", "seconds"),
    ):
        local, remote = modes.local.run(*args), modes.remote.run(*args)
        assert local.returncode == remote.returncode == 2, args
        assert _error(local) == _error(remote), args
    retried = modes.remote.run("executions", "retry", execution_id)
    assert retried.returncode == 0, retried.stderr
    assert re.fullmatch(r"Submitted \S+ \(attempt 2 of runplane.fail\)\n", retried.stdout)
    shown = modes.local.run("executions", "list", "--json", "--range", "1h")
    assert '"triggered_by": "user:ops"' in shown.stdout


@pytest.mark.slow
def test_logs_search_says_and_exits_the_same_in_both_modes(modes: Modes) -> None:
    assert modes.local.run("run", "runplane.fail", "--wait").returncode == 1
    for args in (
        ("logs", "search", "level:error diagnostic"),
        ("logs", "search", '"about to fail"', "--status", "failed", "--level", "info"),
        ("logs", "search", "quokka"),
    ):
        local, remote = modes.local.run(*args), modes.remote.run(*args)
        assert local.returncode == remote.returncode == 0, (args, local.stderr, remote.stderr)
        assert local.stdout == remote.stdout, args
    local_json, remote_json = (
        json.loads(mode.run("logs", "search", "diagnostic", "--json").stdout)
        for mode in (modes.local, modes.remote)
    )
    for body in (local_json, remote_json):
        assert body["filters"].pop("since")  # "7 days before now", a moment apart
    assert local_json == remote_json
    for query in ('"open', "*", "level:loud"):
        local = modes.local.run("logs", "search", query)
        remote = modes.remote.run("logs", "search", query)
        assert local.returncode == remote.returncode == 2, query
        assert _error(local) == _error(remote), query


@pytest.mark.slow
def test_a_bad_or_missing_token_is_a_one_line_error(modes: Modes) -> None:
    for token in ("", "rp_" + "x" * 43):
        env = {**modes.remote.env, "RUNPLANE_TOKEN": token}
        result = replace(modes.remote, env=env).run("executions", "list")
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
