"""`runplane executions list|show|logs|retry|cancel`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from runplane.model.clock import utcnow
from runplane.store import Database
from tests.cli.conftest import Cli
from tests.factories import make_execution


def run_and_get_id(cli: Cli, *args: str) -> str:
    result = cli.run("run", *args, "--wait")
    assert result.returncode in (0, 1), result.stderr
    return result.stderr.split("Submitted ", 1)[1].split()[0]


def test_list_shows_newest_first_with_status_and_filters(cli: Cli) -> None:
    ok = run_and_get_id(cli, "runplane.noop")
    bad = run_and_get_id(cli, "runplane.fail")
    table = cli.run("executions", "list")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "STATUS", "PIPELINE"]
    assert lines[1].startswith(bad)
    assert "❌ failed" in lines[1]
    assert lines[2].startswith(ok)
    assert "✓ completed" in lines[2]
    failed = cli.json("executions", "list", "--status", "failed")
    assert [e["execution_id"] for e in failed] == [bad]  # type: ignore[union-attr]
    by_pipeline = cli.json("executions", "list", "--pipeline", "runplane.noop")
    assert [e["execution_id"] for e in by_pipeline] == [ok]  # type: ignore[union-attr]


def test_an_automatic_retry_says_so_in_the_trigger_column(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:
        now = utcnow()
        first = make_execution(conn, pipeline="runplane.sleep", status="failed", created_at=now)
        retry = make_execution(
            conn, pipeline="runplane.sleep", status="failed", attempt=2, created_at=now,
            retry_of=first.execution_id, triggered_by=f"auto-retry:{first.execution_id}",
        )  # fmt: skip
    db.dispose()
    listed = cli.run("executions", "list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert lines[retry.execution_id].endswith("manual · auto-retry 2/3")
    assert lines[first.execution_id].endswith("manual")


def test_an_empty_range_says_how_to_widen_it(cli: Cli) -> None:
    result = cli.run("executions", "list", "--range", "1h")
    assert result.returncode == 0
    assert "No executions in the last hour — widen it with --range 7d" in result.stdout


def test_list_narrows_by_where_and_search_and_refuses_bad_conditions(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:
        now = utcnow()
        week = make_execution(conn, params={"week_ending": "2025-12-22", "n": 5.0}, created_at=now)
        make_execution(conn, params={"week_ending": "2025-12-29", "n": 5}, created_at=now)
        sleeper = make_execution(conn, pipeline="runplane.sleep", created_at=now)
    db.dispose()
    both = cli.json("executions", "list", "--where", "week_ending=2025-12-22", "--where", "n=5")
    assert [e["execution_id"] for e in both] == [week.execution_id]  # type: ignore[union-attr]
    found = cli.json("executions", "list", "--search", "sleep")
    assert [e["execution_id"] for e in found] == [sleeper.execution_id]  # type: ignore[union-attr]
    none = cli.run("executions", "list", "--where", "week_ending=2026-01-05")
    assert "No executions in the last 24 h match --where/--search" in none.stdout
    for condition, words in (
        ("week_ending", "is not NAME=VALUE"),
        ("=2025-12-22", "needs a name"),
        ("week-ending=1", "is not valid"),
        ("week_ending=", "has no value"),
    ):
        refused = cli.run("executions", "list", "--where", condition)
        assert refused.returncode == 2, refused.stderr
        assert words in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


def test_show_gives_the_error_actions_and_trail(cli: Cli) -> None:
    failed = run_and_get_id(cli, "runplane.fail", "-p", "error=config")
    shown = cli.run("executions", "show", failed)
    assert shown.returncode == 0
    assert "❌ FAILED" in shown.stdout
    assert "Configuration problem: message" in shown.stdout
    assert "Change the parameter `message`" in shown.stdout
    assert "created by os:" in shown.stdout
    assert "Seen before: first failure like this in 7 days" in shown.stdout
    again = run_and_get_id(cli, "runplane.fail", "-p", "error=config")
    assert (
        f"2nd failure like this in 7 days (last: {failed},"
        in cli.run("executions", "show", again).stdout
    )
    data = cli.json("executions", "show", failed)
    assert data["error"]["classification"] == "config"  # type: ignore[index]
    assert [e["kind"] for e in data["events"]] == ["created", "started", "failed"]  # type: ignore[index]
    assert data["created_at"].endswith("Z")  # type: ignore[index]


def test_logs_prints_every_line_as_time_level_message(cli: Cli) -> None:
    execution = run_and_get_id(cli, "tests.noisy")
    logs = cli.run("executions", "logs", execution)
    assert logs.returncode == 0
    lines = logs.stdout.splitlines()
    assert any(line.endswith("INFO  from print") for line in lines)
    assert any(line.endswith("ERROR from stderr") for line in lines)
    assert lines[-1].endswith("INFO  Execution complete: COMPLETED")
    assert all(line[2] == ":" and line[8] == "." for line in lines)


def test_retry_creates_attempt_two_and_refuses_a_completed_run(cli: Cli) -> None:
    failed = run_and_get_id(cli, "runplane.fail", "-p", "error=data")
    retried = cli.run("executions", "retry", failed, "-p", "error=config")
    assert retried.returncode == 0, retried.stderr
    assert "attempt 2 of runplane.fail" in retried.stdout
    newest = cli.json("executions", "list")[0]  # type: ignore[index]
    assert (newest["retry_of"], newest["attempt"], newest["params"]["error"]) == (
        failed,
        2,
        "config",
    )
    ok = run_and_get_id(cli, "runplane.noop")
    refused = cli.run("executions", "retry", ok)
    assert refused.returncode == 2
    assert "is completed; only failed or cancelled executions can be retried" in refused.stderr


def test_cancel_of_a_finished_or_unknown_execution_exits_two(cli: Cli) -> None:
    ok = run_and_get_id(cli, "runplane.noop")
    finished = cli.run("executions", "cancel", ok)
    assert finished.returncode == 2
    assert "already ended completed; nothing to cancel" in finished.stderr
    unknown = cli.run("executions", "cancel", "not-an-id")
    assert unknown.returncode == 2
    assert "no execution with id 'not-an-id'" in unknown.stderr
    assert cli.run("executions", "show", "not-an-id").returncode == 2


def test_cancel_of_a_queued_execution_is_immediate(cli: Cli) -> None:
    queued = cli.run("run", "runplane.noop").stderr.split("Submitted ", 1)[1].split()[0]
    cancelled = cli.run("executions", "cancel", queued)
    assert cancelled.returncode == 0
    assert f"Cancelled {queued}" in cancelled.stdout
    assert (
        json.loads(cli.run("executions", "show", queued, "--json").stdout)["status"] == "cancelled"
    )


def test_basic_tier_locks_execution_history_with_an_explanation(cli: Cli) -> None:
    cli.env["RUNPLANE_TIER"] = "basic"
    locked = cli.run("executions", "list")
    assert locked.returncode == 2
    assert "Execution history is available in the Intermediate tier" in locked.stderr
    ran = cli.run("run", "runplane.noop")
    assert ran.returncode == 0
    assert "COMPLETED runplane.noop" in ran.stdout


def test_an_id_prefix_as_the_dashboard_shows_it_works_in_every_command(cli: Cli) -> None:
    failed = run_and_get_id(cli, "runplane.fail")
    short = failed[:8]
    shown = cli.run("executions", "show", short)
    assert shown.returncode == 0, shown.stderr
    assert f"Execution {failed}" in shown.stdout
    assert cli.run("executions", "logs", short).returncode == 0
    retried = cli.run("executions", "retry", short)
    assert retried.returncode == 0, retried.stderr
    too_short = cli.run("executions", "show", failed[:4])
    assert too_short.returncode == 2
    assert "at least 6 characters" in too_short.stderr


def test_show_says_how_a_run_compares_with_its_baseline_in_the_advanced_tier(cli: Cli) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    with db.write() as conn:
        runs = [
            make_execution(
                conn, pipeline="tests.readings", params={"region": "emea"},
                created_at=start + timedelta(hours=h),
                completed_at=start + timedelta(hours=h, seconds=s), rows_processed=100,
            ).execution_id
            for h, s in enumerate([70.0, 70.0, 80.0, 130.0])
        ]  # fmt: skip
    db.dispose()
    advanced = replace(cli, env={**cli.env, "RUNPLANE_TIER": "advanced"})
    shown = advanced.run("executions", "show", runs[-1])
    assert shown.returncode == 0, shown.stderr
    assert (
        "Against the usual\n"
        "  +86 % slower than usual (2m 10s vs 1m 10s median), above the p90 of 1m 18s\n"
        "  rows as the median (100 vs 100)\n"
    ) in shown.stdout
    assert "Against the usual" not in cli.run("executions", "show", runs[-1]).stdout


def test_show_prints_what_a_run_cost_in_the_advanced_tier(cli: Cli) -> None:
    cli.env["RUNPLANE_TIER"] = "advanced"
    cli.env["RUNPLANE_COST_CURRENCY"] = "EUR"
    done = run_and_get_id(cli, "runplane.noop")
    shown = cli.run("executions", "show", done)
    assert shown.returncode == 0, shown.stderr
    cost_line = next(line for line in shown.stdout.splitlines() if "Cost:" in line)
    assert " EUR (" in cost_line
    assert "CPU-s × 0.05 EUR/CPU-h + " in cost_line
    assert cost_line.endswith("recorded at finish)")
    data = cli.json("executions", "show", done)
    assert data["cost"]["currency"] == "EUR"  # type: ignore[index]
    assert data["cost"]["cpu_seconds"] > 0  # type: ignore[index]


def test_show_says_cost_is_locked_below_the_advanced_tier(cli: Cli) -> None:
    done = run_and_get_id(cli, "runplane.noop")
    shown = cli.run("executions", "show", done)
    assert (
        "Cost:         locked: Cost attribution is available in the Advanced tier." in shown.stdout
    )
    assert cli.json("executions", "show", done)["cost"] is None  # type: ignore[index]
