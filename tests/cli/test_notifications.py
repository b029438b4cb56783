"""`runplane notifications ...`: rules added, listed, shown, tested, switched and removed;
bad input is one line (exit 2) with nothing saved, and no secret is ever printed."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.cli.conftest import Cli
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
