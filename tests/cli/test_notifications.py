"""`runplane notifications ...`: rules added, listed, shown, tested, switched and removed;
bad input is one line (exit 2) with nothing saved, and no secret is ever printed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from runplane.store import Database
from tests.cli.conftest import Cli
from tests.factories import make_user
from tests.support.receivers import http_receiver

SECRET_URL_PART = "T000/B000/hook-s3cret"


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--on", "failed,exploded", "--webhook-env", "HOOK"], "unknown event 'exploded'"),
        (["--on", "failed", "--webhook-env", "HOOK", "--error-class", "oops"], "unknown error class"),
        (["--on", "failed", "--webhook-env", "HOOK", "--trigger", "cron"], "unknown trigger 'cron'"),
        (["--on", "failed", "--webhook-env", "HOOK", "--pipeline", "a b"], "is not a pipeline name or glob"),
        (["--on", "failed", "--webhook-env", "HOOK", "--window", "soon"], "window 'soon' is not a duration"),
        (["--on", "failed", "--webhook-env", "NOPE_NOT_SET"], "has no variable NOPE_NOT_SET"),
        (["--on", "failed"], "a rule needs a channel"),
        (["--on", "failed", "--email", "ops@example.com"], "RUNPLANE_SMTP_URL"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_saves_nothing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.setenv("HOOK", "http://127.0.0.1:9/hook")
    assert says in one_line_error(cli.run("notifications", "add", "on-call", *args))
    assert cli.json("notifications", "list") == []


def test_add_list_show_test_disable_enable_remove(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_receiver() as receiver:
        monkeypatch.setenv("ONCALL_SLACK_URL", receiver.url + "/" + SECRET_URL_PART)
        added = cli.run(
            "notifications", "add", "on-call", "--on", "failed,recovered",
            "--slack-env", "ONCALL_SLACK_URL", "--pipeline", "tests.*", "--window", "30m",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert "Added rule on-call: failed, recovered to slack ONCALL_SLACK_URL" in added.stdout
        tested = cli.run("notifications", "test", "on-call")
        assert tested.returncode == 0, tested.stderr
        assert tested.stdout.strip() == "slack ONCALL_SLACK_URL: delivered"
    (request,) = receiver.requests
    assert json.loads(request.body)["text"].endswith("runplane.example failed")
    (rule,) = cli.json("notifications", "list")  # type: ignore[misc]
    assert rule["slack_env"] == "ONCALL_SLACK_URL"
    assert rule["window_seconds"] == 1800
    shown = cli.run("notifications", "show", "on-call")
    assert "Pipelines: tests.*" in shown.stdout
    for output in (added.stdout, tested.stdout, shown.stdout, json.dumps(rule)):
        assert SECRET_URL_PART not in output
    assert cli.run("notifications", "disable", "on-call").returncode == 0
    (rule,) = cli.json("notifications", "list")  # type: ignore[misc]
    assert rule["enabled"] is False
    assert cli.run("notifications", "enable", "on-call").returncode == 0
    assert cli.run("notifications", "remove", "on-call").returncode == 0
    assert "no notification rule named 'on-call'" in one_line_error(
        cli.run("notifications", "show", "on-call")
    )


def test_serve_loads_rules_from_its_file_and_refuses_links_nobody_can_reach(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "runplane.toml"
    path.write_text('[notifications.on-call]\non = ["failed"]\nwebhook_env = "HOOK"\n')
    cli.env["HOOK"] = "http://127.0.0.1:9/hook"
    cli.env["RUNPLANE_ALLOWED_HOSTS"] = "runplane.example.com"
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:
        make_user(conn, "root", role="admin")
    db.dispose()
    result = cli.run_process("serve", "--host", "0.0.0.0", "--port", "0", "--schedules", str(path))
    assert "RUNPLANE_PUBLIC_URL" in one_line_error(result)
    assert "Notification rules from" in result.stderr
    (rule,) = cli.json("notifications", "list")  # type: ignore[misc]
    assert rule["source"] == f"file:{path.resolve()}"
