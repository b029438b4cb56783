"""`runplane run`: exit codes, bad input, queueing without a server, Ctrl-C."""

from __future__ import annotations

import select
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tests.cli.conftest import Cli


def test_run_wait_completes_and_exits_zero(cli: Cli) -> None:
    result = cli.run("run", "runplane.noop", "--wait")
    assert result.returncode == 0, result.stderr
    assert "Created a new Runplane database at" in result.stderr
    assert "Starting runplane.noop" in result.stdout
    assert "COMPLETED runplane.noop" in result.stdout


def test_a_failed_run_exits_one_and_explains_why(cli: Cli) -> None:
    result = cli.run("run", "runplane.fail", "-p", "error=data", "--wait")
    assert result.returncode == 1
    assert "FAILED runplane.fail" in result.stdout
    assert "Data problem in diagnostic.psv, line 2" in result.stdout
    assert "1. Check that the source is available" in result.stdout


def test_a_dry_run_exits_zero_with_status_dry_run(cli: Cli) -> None:
    result = cli.run("run", "runplane.noop", "--dry-run", "--wait")
    assert result.returncode == 0
    assert "DRY_RUN runplane.noop" in result.stdout


def test_bad_input_exits_two_with_one_line_and_writes_nothing(cli: Cli) -> None:
    cases = {
        ("run", "no.such.pipeline"): "unknown pipeline 'no.such.pipeline'",
        ("run", "tests.typed", "-p", "count=eleven"): "count: Input should be a valid integer",
        ("run", "tests.typed", "-p", "count=99"): "count: Input should be less than or equal to 10",
        ("run", "tests.typed", "-p", "count"): "'count' is not key=value",
        ("run", "tests.typed", "-p", "count=1", "-p", "colour=red"): "colour: unknown parameter",
    }
    for args, message in cases.items():
        result = cli.run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1
    listed = cli.json("executions", "list")
    assert listed == []


def test_run_without_wait_and_no_server_says_how_to_get_it_run(cli: Cli) -> None:
    result = cli.run("run", "runplane.noop")
    assert result.returncode == 0
    assert "queued; no executor running — start `runplane serve` or use --wait" in result.stdout
    (queued,) = cli.json("executions", "list")  # type: ignore[misc]
    assert queued["status"] == "pending"
    assert queued["triggered_by"].startswith("os:")
    assert queued["trigger"] == "manual"


def test_ctrl_c_requests_a_cancel_and_shows_the_stop_stages(cli: Cli) -> None:
    with interruptible(cli, "run", "runplane.sleep", "-p", "seconds=60", "--wait") as process:
        first = following(process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    stdout = first + stdout
    assert process.returncode == 3, stderr
    assert "cancel requested" in stderr
    assert "stop signal sent" in stderr
    assert "stopped (stopped cooperatively)" in stderr
    assert "CANCELLED runplane.sleep" in stdout


def test_a_second_ctrl_c_kills_a_run_that_ignores_the_stop(cli: Cli) -> None:
    cli.env["RUNPLANE_CANCEL_GRACE"] = "60"
    with interruptible(cli, "run", "tests.stubborn", "-p", "seconds=60", "--wait") as process:
        first = following(process)
        process.send_signal(signal.SIGINT)
        assert process.stderr is not None
        seen = ""
        while "stop signal sent" not in seen:  # reported while following again: the first
            line = read_line(process.stderr)  # Ctrl-C was handled, and now the second comes
            assert line, f"the run ended before it reported the stop signal: {seen}"
            seen += line
        assert "cancel requested" in seen
        process.send_signal(signal.SIGINT)
        stdout, rest = process.communicate(timeout=30)
    stdout, stderr = first + stdout, seen + rest
    assert process.returncode == 3, stderr
    assert "killed" in stderr
    assert "CANCELLED tests.stubborn" in stdout


@contextmanager
def interruptible(cli: Cli, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`runplane ARGS` as a process to interrupt; killed and reaped if a test fails first."""
    process = cli.popen(*args)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def following(process: subprocess.Popen[str]) -> str:
    """Wait for the run's first log line and return it. Once the command printed it, it is
    following the run and a Ctrl-C reaches its cancel handling; the execution's running
    status alone can come before the command got there."""
    assert process.stdout is not None
    line = read_line(process.stdout)
    assert "Starting " in line, f"the run's first output is not its first log line: {line!r}"
    return line


def read_line(stream: IO[str], timeout: float = 30) -> str:
    """The next line of a child's output ('' once it closed), failing after `timeout`."""
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"no output within {timeout} s"
    return stream.readline()


def test_a_bad_setting_names_the_variable_without_a_traceback(cli: Cli) -> None:
    cli.env["RUNPLANE_TIER"] = "gold"
    result = cli.run("executions", "list")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: invalid setting: RUNPLANE_TIER: Input should be 'basic', 'intermediate' or 'advanced'"
    )
