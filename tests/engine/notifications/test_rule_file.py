"""`[notifications.NAME]` tables in the schedules file: validated as a whole, the file wins
for the names it holds, a rule it no longer holds is removed, its rules are edited there."""

from __future__ import annotations

from pathlib import Path

import pytest

from runplane.engine.errors import InvalidRule, RuleRefused
from runplane.engine.notifications.rule_file import load_rules
from runplane.engine.notifications.rules import RuleSpec, remove_rule, save_rule
from runplane.engine.scheduling.schedule_file import read_schedule_file
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as store

ENV = {"ONCALL_HOOK": "http://127.0.0.1:9/hook", "ONCALL_SECRET": "whsec"}
FILE = """
[schedules.nightly]
pipeline = "runplane.noop"
cron = "0 6 * * *"

[notifications.on-call]
on = ["failed", "recovered"]
pipelines = ["runplane.*"]
error_classes = ["data", "transient"]
webhook_env = "ONCALL_HOOK"
secret_env = "ONCALL_SECRET"
window = "2h"

[notifications.quiet]
on = "cancelled"
webhook_env = "ONCALL_HOOK"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runplane.toml"
    path.write_text(text)
    return path


def test_the_file_defines_rules_beside_schedules_and_wins_for_its_names(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path, FILE)
    assert [s.name for s in read_schedule_file(path)] == ["nightly"]
    save_rule(db, RuleSpec("on-call", ["cancelled"], webhook_env="ONCALL_HOOK"), settings,
              by="user:ana", environ=ENV)  # fmt: skip
    result = load_rules(db, path, settings, by="os:ops", environ=ENV)
    assert (result.added, result.updated) == (["quiet"], ["on-call"])
    with db.read() as conn:
        rule = store.get_rule(conn, "on-call")
        quiet = store.get_rule(conn, "quiet")
    assert [str(e) for e in rule.events] == ["failed", "recovered"]
    assert (rule.window_seconds, rule.secret_env, rule.source) == (
        7200, "ONCALL_SECRET", f"file:{path.resolve()}",
    )  # fmt: skip
    assert quiet.enabled is False
    with pytest.raises(RuleRefused, match="change it there"):
        save_rule(db, RuleSpec("on-call", ["failed"], webhook_env="ONCALL_HOOK"), settings,
                  by="user:ana", environ=ENV)  # fmt: skip
    with pytest.raises(RuleRefused, match="remove it there"):
        remove_rule(db, "quiet")
    write(tmp_path, FILE.split("[notifications.quiet]")[0])
    assert load_rules(db, path, settings, by="os:ops", environ=ENV).removed == ["quiet"]


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('on = ["failed", "exploded"]\nwebhook_env = "ONCALL_HOOK"', "unknown event 'exploded'"),
        ('on = ["failed"]\nwebhook_env = "MISSING_HOOK"', "has no variable MISSING_HOOK"),
        ('on = ["failed"]\nwebhook_env = "ONCALL_HOOK"\nwindow = "1 week"', "window '1 week'"),
        ('on = ["failed"]\nwebhook_env = "ONCALL_HOOK"\ncolour = "red"', "unknown key 'colour'"),
    ],
)  # fmt: skip
def test_a_file_with_a_bad_rule_loads_nothing(
    db: Database, settings: Settings, tmp_path: Path, table: str, says: str
) -> None:
    good = '[notifications.good]\non = ["failed"]\nwebhook_env = "ONCALL_HOOK"\n'
    path = write(tmp_path, good + "[notifications.bad]\n" + table + "\n")
    with pytest.raises(InvalidRule, match=r"\[notifications\.bad\] .*" + says.replace("(", r"\(")):
        load_rules(db, path, settings, by="os:ops", environ=ENV)
    with db.read() as conn:
        assert store.list_rules(conn) == []
