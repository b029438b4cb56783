"""`runplane schedules ...` and `runplane serve --schedules FILE`, as real commands."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runplane.model.schedule import CatchUp
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store.schema import upgrade
from tests.cli.conftest import Cli, free_port, wait_for_port
from tests.factories import make_schedule

FILE = """
[schedules.noop-every-minute]
pipeline = "runplane.noop"
cron = "* * * * *"

[schedules.finra-weekly]
pipeline = "finra.otc_transparency.ingest_week"
cron = "0 6 * * 2"
timezone = "America/New_York"
params = { week_ending = "{{ last_week_ending }}", tier = "OTC" }
"""


def listed(cli: Cli) -> list[dict[str, object]]:
    data = cli.json("schedules", "list")
    assert isinstance(data, list)
    return data


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_add_list_show_disable_enable_remove(cli: Cli) -> None:
    added = cli.run(
        "schedules",
        "add",
        "finra-weekly",
        "--pipeline",
        "finra.otc_transparency.ingest_week",
        "--cron",
        "0 6 * * 2",
        "--timezone",
        "America/New_York",
        "-p",
        "week_ending={{ last_week_ending }}",
        "-p",
        "timeout_seconds=60",
    )
    assert added.returncode == 0, added.stderr
    assert (
        "Added schedule finra-weekly: finra.otc_transparency.ingest_week, at 06:00 on Tuesday"
        in added.stdout
    )
    assert "(Tue 06:00 " in added.stdout
    assert "none is running now" in added.stderr
    [schedule] = listed(cli)
    assert schedule["params"] == {"week_ending": "{{ last_week_ending }}", "timeout_seconds": 60.0}
    assert (schedule["source"], schedule["editable"], schedule["overdue"]) == ("cli", True, False)
    next_run = datetime.fromisoformat(str(schedule["next_run"]))
    assert next_run.astimezone(UTC).hour in (10, 11)  # 06:00 New York, summer or winter
    assert str(schedule["next_run_local"]).endswith(("-05:00", "-04:00"))
    table = cli.run("schedules", "list").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "PIPELINE",
        "WHEN",
        "NEXT",
        "RUN",
        "(UTC)",
        "LAST",
        "RUN",
        "STATE",
        "SOURCE",
    ]
    assert table[1].split()[:2] == ["finra-weekly", "finra.otc_transparency.ingest_week"]
    assert "never" in table[1]
    assert "enabled" in table[1]
    shown = cli.run("schedules", "show", "finra-weekly").stdout
    assert "At 06:00 on Tuesday" in shown
    assert "week_ending: {{ last_week_ending }}" in shown

    assert cli.run("schedules", "disable", "finra-weekly").returncode == 0
    [off] = listed(cli)
    assert (off["enabled"], off["next_run"]) == (False, None)
    enabled = cli.run("schedules", "enable", "finra-weekly")
    assert "Enabled finra-weekly; next run" in enabled.stdout
    removed = cli.run("schedules", "remove", "finra-weekly")
    assert removed.stdout.startswith("Removed schedule finra-weekly")
    assert listed(cli) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pipeline", "runplane.noop", "--cron", "61 * * * *"],
            "cron: '61 * * * *' is not a valid cron expression: its minute field takes 0-59",
        ),
        (["--pipeline", "runplane.nop", "--cron", "@daily"], "pipeline: unknown pipeline"),
        (
            ["--pipeline", "runplane.noop", "--cron", "@daily", "--timezone", "Europe/Londn"],
            "timezone: unknown time zone 'Europe/Londn' (did you mean Europe/London",
        ),
        (
            [
                "--pipeline",
                "finra.otc_transparency.ingest_week",
                "--cron",
                "@daily",
                "-p",
                "week_ending={{ last_weak_ending }}",
            ],
            "params.week_ending: unknown template {{ last_weak_ending }}",
        ),
        (
            ["--pipeline", "runplane.sleep", "--cron", "@daily", "-p", "seconds=abc"],
            "params.seconds: Input should be a valid number",
        ),
        (["--pipeline", "runplane.noop", "--cron", "@daily", "-p", "x=1"], "params.x: unknown"),
        (["--pipeline", "runplane.noop", "--cron", "@daily", "--catch-up", "some"], "--catch-up"),
        (["--pipeline", "runplane.noop"], "Missing option '--cron'"),
        (["--pipeline", "runplane.noop", "--cron", "@daily", "-p", "novalue"], "key=value"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    cli: Cli, args: list[str], message: str
) -> None:
    line = one_line_error(cli.run("schedules", "add", "nightly", *args))
    assert message in line
    assert listed(cli) == []


def test_a_bad_name_and_an_existing_name_are_refused(cli: Cli) -> None:
    line = one_line_error(
        cli.run(
            "schedules", "add", "my schedule", "--pipeline", "runplane.noop", "--cron", "@daily"
        )
    )
    assert "name: a schedule name is 1-100 letters" in line
    add = ("schedules", "add", "nightly", "--pipeline", "runplane.noop", "--cron", "@daily")
    assert cli.run(*add).returncode == 0
    assert "already exists (defined by cli)" in one_line_error(cli.run(*add))
    assert cli.run(*add, "--cron", "@hourly", "--replace").returncode == 0
    assert [s["cron"] for s in listed(cli)] == ["0 * * * *"]
    assert "no schedule named 'nope'" in one_line_error(cli.run("schedules", "enable", "nope"))


def test_the_basic_tier_shows_the_locked_explanation(cli: Cli, tmp_path: Path) -> None:
    cli.env["RUNPLANE_TIER"] = "basic"
    for args in (("list",), ("add", "x", "--pipeline", "runplane.noop", "--cron", "@daily")):
        line = one_line_error(cli.run("schedules", *args))
        assert "Scheduling is available in the Intermediate tier." in line
    path = tmp_path / "schedules.toml"
    path.write_text(FILE)
    served = cli.run_process(
        "serve", "--port", str(free_port()), "--schedules", str(path), timeout=30
    )
    assert "--schedules: Scheduling is available in the Intermediate tier" in one_line_error(served)


def test_serve_loads_a_file_whose_schedules_the_cli_cannot_change(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text(FILE)
    port = free_port()
    serve = cli.serve(port, "--schedules", str(path))
    try:
        wait_for_port(port, serve)
        schedules = {s["name"]: s for s in listed(cli)}
        assert set(schedules) == {"noop-every-minute", "finra-weekly"}
        assert schedules["finra-weekly"]["source"] == f"file:{path.resolve()}"
        assert schedules["finra-weekly"]["editable"] is False
        line = one_line_error(cli.run("schedules", "remove", "finra-weekly"))
        assert f"is defined in {path.resolve()} and can only be removed there" in line
        replace = cli.run(
            "schedules",
            "add",
            "finra-weekly",
            "--pipeline",
            "runplane.noop",
            "--cron",
            "@daily",
            "--replace",
        )
        assert "can only be changed there" in one_line_error(replace)
        disabled = cli.run("schedules", "disable", "finra-weekly")
        assert "its setting applies again when serve loads the file" in disabled.stdout
    finally:
        serve.terminate()
        serve.wait(timeout=20)
    log = (cli.home / f"serve-{port}.log").read_text()
    assert f"Schedules from {path}: 2 added" in log


def test_serve_refuses_a_bad_file_with_one_line_and_loads_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text(FILE.replace('cron = "0 6 * * 2"', 'cron = "0 6 * * 9"'))
    result = cli.run_process(
        "serve", "--port", str(free_port()), "--schedules", str(path), timeout=30
    )
    line = one_line_error(result)
    assert "[schedules.finra-weekly] cron: '0 6 * * 9' is not a valid cron expression" in line
    assert listed(cli) == []
    missing = cli.run_process("serve", "--schedules", str(tmp_path / "nope.toml"), timeout=30)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


@pytest.mark.slow
def test_two_servers_on_one_database_catch_up_each_missed_instant_once(
    cli: Cli, database_url: str
) -> None:
    """Both servers start at once on a schedule that missed five minutes (catch_up=all);
    each missed instant becomes exactly one execution, and they all complete."""
    cli.env["RUNPLANE_DATABASE_URL"] = database_url
    db = Database(database_url)
    upgrade(db)
    since = datetime.now(UTC).replace(second=30, microsecond=0) - timedelta(minutes=5)
    with db.write() as conn:
        make_schedule(
            conn, name="minutely", catch_up=CatchUp.ALL, created_at=since, checked_until=since
        )
    started = datetime.now(UTC)
    missed = [since + timedelta(seconds=30 + 60 * m) for m in range(5)]
    assert all(instant <= started for instant in missed)
    ports = [free_port(), free_port()]
    servers = [cli.serve(port) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_for_port(port, server)
        deadline = time.monotonic() + 30
        while True:
            with db.read() as conn:
                runs = execution_store.list_executions(conn, limit=100)
            if len(runs) >= 5 and all(r.status.is_final for r in runs):
                break
            assert time.monotonic() < deadline, [r.status for r in runs]
            time.sleep(0.1)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
    with db.read() as conn:
        runs = execution_store.list_executions(conn, limit=100)
    db.dispose()
    instants = [r.trigger_time for r in runs]
    assert len(instants) == len(set(instants)), "an instant fired twice"
    assert set(missed) <= set(instants)
    assert {r.triggered_by for r in runs} == {"schedule:minutely"}
    assert {str(r.status) for r in runs} == {"completed"}
    oldest = min(runs, key=lambda r: r.trigger_time)
    shown = json.loads(cli.run("executions", "show", oldest.execution_id, "--json").stdout)
    created = shown["events"][0]["detail"]
    assert (created["trigger"], created["late"], created["catch_up"]) == ("scheduled", True, "all")


def test_a_schedules_sla_is_saved_and_shown(cli: Cli) -> None:
    cli.env["RUNPLANE_TIER"] = "advanced"
    add = ("schedules", "add", "weekly", "--pipeline", "runplane.noop", "--cron", "0 6 * * 2")
    assert (
        cli.run(*add, "--timezone", "America/New_York", "--sla-complete-within", "1h").returncode
        == 0
    )
    assert "SLA:        completed within 1h" in cli.run("schedules", "show", "weekly").stdout
    listed_json = json.loads(cli.run("schedules", "list", "--json").stdout)
    assert listed_json[0]["sla"] == {"max_duration": None, "complete_within": "1h"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pipeline", "runplane.noop", "--sla-complete-within", "1 hour"],
            "sla: SLA complete_within: '1 hour' is not a duration; write a duration like 45s, 30m or 1h30m",
        ),
        (["--pipeline", "runplane.noop", "--sla-max-duration", "0m"], "'0m' is zero"),
        (
            ["--pipeline", "no.such", "--sla-max-duration", "30m"],
            "an SLA needs a registered pipeline",
        ),
    ],
)
def test_an_invalid_sla_exits_2_and_saves_nothing(cli: Cli, args: list[str], message: str) -> None:
    cli.env["RUNPLANE_TIER"] = "advanced"
    line = one_line_error(cli.run("schedules", "add", "nightly", "--cron", "@daily", *args))
    assert message in line
    assert listed(cli) == []


def test_a_schedules_sla_is_locked_in_the_intermediate_tier(cli: Cli) -> None:
    args = ["--pipeline", "runplane.noop", "--cron", "@daily", "--sla-complete-within", "1h"]
    line = one_line_error(cli.run("schedules", "add", "nightly", *args))
    assert "SLA breach indicators are available in the Advanced tier." in line
    assert listed(cli) == []
