"""`runplane executions retry|cancel` with filters: a preview, then the bulk operation
(confirmed, or with --yes), locally and through a remote server; one-line errors otherwise."""

from __future__ import annotations

import time

from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.store import bulk as bulk_store
from tests.cli.conftest import Cli, Modes
from tests.factories import failed_typed, make_execution

FAILED_24H = ("--status", "failed", "--range", "24h")


def seed(cli: Cli) -> tuple[list[str], str]:
    """Two failed runs and a completed one, made just now; their ids."""
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    now = utcnow()
    with db.write() as conn:
        failed = [failed_typed(conn, n, created_at=now).execution_id for n in (1, 2)]
        done = make_execution(conn, created_at=now).execution_id
    db.dispose()
    return failed, done


def operations(cli: Cli) -> list[str]:
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.read() as conn:
        found = [o.bulk_id for o in bulk_store.list_running(conn)]
    db.dispose()
    return found


def test_a_preview_then_the_action_with_yes(cli: Cli) -> None:
    failed, _ = seed(cli)
    shown = cli.run("executions", "retry", *FAILED_24H, "--preview")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Matched 2 executions: would retry 2, skip 0")
    assert {f[:8] for f in failed} <= set(shown.stdout.split())
    assert operations(cli) == []
    started = cli.run("executions", "retry", *FAILED_24H, "--yes")
    assert started.returncode == 0, started.stderr
    assert "Started bulk retry " in started.stdout
    (bulk_id,) = operations(cli)
    assert bulk_id in started.stdout
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.read() as conn:
        items = bulk_store.list_items(conn, bulk_id)
    db.dispose()
    assert sorted(i.execution_id for i in items) == sorted(failed)


def test_the_action_asks_first_and_a_no_starts_nothing(cli: Cli) -> None:
    seed(cli)
    answered = cli.run("executions", "cancel", "--pipeline", "tests.typed", "--range", "24h",
                       input="n\n")  # fmt: skip
    assert answered.returncode == 0
    assert "would cancel 0, skip 2" in answered.stdout
    assert "Nothing to cancel" in answered.stdout
    refused = cli.run("executions", "retry", *FAILED_24H, input="n\n")
    assert refused.returncode == 2
    assert "nothing started (answer y, or pass --yes)" in refused.stderr
    assert operations(cli) == []
    over = cli.run("executions", "retry", *FAILED_24H, "--yes", "--max", "1")
    assert over.returncode == 2
    assert "selects 2 executions, more than max 1" in over.stderr


def test_an_id_and_filters_or_neither_are_one_line_errors(cli: Cli) -> None:
    failed, _ = seed(cli)
    cases = [
        (("executions", "retry"), "give an execution id, or filters to act on many"),
        (("executions", "cancel", "--yes"), "give an execution id, or filters"),
        (("executions", "retry", failed[0], "--status", "failed"), "not both"),
        (("executions", "retry", *FAILED_24H, "-p", "count=3"), "takes no parameter overrides"),
        (("executions", "retry", "--preset", "running-now", "--status", "failed"), "preset"),
    ]
    for args, phrase in cases:
        result = cli.run(*args)
        assert result.returncode == 2, (args, result.stdout)
        assert phrase in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_through_a_remote_server_the_bulk_retry_runs_there(modes: Modes) -> None:
    failed, _ = seed(modes.local)
    shown = modes.remote.run("executions", "retry", *FAILED_24H, "--preview")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Matched 2 executions: would retry 2, skip 0")
    started = modes.remote.run("executions", "retry", *FAILED_24H, "--yes")
    assert started.returncode == 0, started.stderr
    db = Database(modes.local.env["RUNPLANE_DATABASE_URL"])
    deadline = time.monotonic() + 30
    while True:
        with db.read() as conn:
            running = bulk_store.list_running(conn)
            retried = bulk_store.list_bulk_retried(conn, failed)
        if not running and retried == set(failed):
            break
        assert time.monotonic() < deadline, "the server did not work through the operation"
        time.sleep(0.05)
    db.dispose()


def test_where_narrows_the_bulk_set_to_a_parameter_value(cli: Cli) -> None:
    failed, _ = seed(cli)
    shown = cli.run("executions", "retry", *FAILED_24H, "--where", "count=2", "--preview")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Matched 1 execution"), shown.stdout
    assert failed[1][:8] in shown.stdout.split()
    assert failed[0][:8] not in shown.stdout.split()
    bad = cli.run("executions", "retry", *FAILED_24H, "--where", "count", "--preview")
    assert bad.returncode == 2
    assert "is not NAME=VALUE" in bad.stderr
