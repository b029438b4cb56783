"""Schedules from a TOML file: upserted by name, the file wins, stale ones removed, and a
file with any problem loads nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from runplane.engine.errors import InvalidScheduleFile
from runplane.engine.scheduling.schedule_file import load_schedule_file
from runplane.model.schedule import CatchUp
from runplane.model.sla import SLA
from runplane.store import Database
from runplane.store import schedules as store
from tests.conftest import FakeClock
from tests.factories import make_schedule

FILE = """
[schedules.noop-every-minute]
pipeline = "runplane.noop"
cron = "* * * * *"

[schedules.finra-weekly]
pipeline = "finra.otc_transparency.ingest_week"
cron = "0 6 * * 2"
timezone = "America/New_York"
catch_up = "all"
params = { week_ending = "{{ last_week_ending }}", tier = "OTC" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedules.toml"
    path.write_text(text)
    return path


def names(db: Database) -> dict[str, str]:
    with db.read() as conn:
        return {s.name: s.source for s in store.list_schedules(conn)}


def test_loading_adds_the_schedules_with_the_file_as_their_source(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    path = write(tmp_path, FILE)
    result = load_schedule_file(db, path, by="user:ana", clock=clock)
    assert sorted(result.added) == ["finra-weekly", "noop-every-minute"]
    source = f"file:{path.resolve()}"
    assert names(db) == {"finra-weekly": source, "noop-every-minute": source}
    with db.read() as conn:
        weekly = store.get_schedule(conn, "finra-weekly")
    assert (weekly.timezone, weekly.catch_up) == ("America/New_York", CatchUp.ALL)
    assert weekly.params == {"week_ending": "{{ last_week_ending }}", "tier": "OTC"}
    assert weekly.file == str(path.resolve())


def test_loading_again_unchanged_keeps_the_cursor_for_catch_up(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    path = write(tmp_path, FILE)
    load_schedule_file(db, path, by="user:ana", clock=clock)
    with db.write() as conn:
        store.update_checked_until(conn, "noop-every-minute", clock.now + timedelta(minutes=5))
    clock.advance(hours=2)
    result = load_schedule_file(db, path, by="user:ana", clock=clock)
    assert sorted(result.unchanged) == ["finra-weekly", "noop-every-minute"]
    with db.read() as conn:
        kept = store.get_schedule(conn, "noop-every-minute")
    assert kept.checked_until == clock.now - timedelta(hours=2) + timedelta(minutes=5)


def test_the_file_wins_over_a_schedule_defined_elsewhere_and_drops_what_it_no_longer_holds(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    path = write(
        tmp_path, FILE + '\n[schedules.old]\npipeline = "runplane.noop"\ncron = "@daily"\n'
    )
    load_schedule_file(db, path, by="user:ana", clock=clock)
    with db.write() as conn:
        make_schedule(conn, name="by-hand", cron="@hourly")
    path.write_text(
        FILE.replace('cron = "* * * * *"', 'cron = "*/5 * * * *"')
        + '\n[schedules.by-hand]\npipeline = "runplane.noop"\ncron = "@daily"\n'
    )
    result = load_schedule_file(db, path, by="user:ana", clock=clock)
    assert sorted(result.updated) == ["by-hand", "noop-every-minute"]
    assert result.removed == ["old"]
    assert result.taken_over == {"by-hand": "cli"}
    with db.read() as conn:
        assert store.get_schedule(conn, "by-hand").cron == "0 0 * * *"
        assert store.get_schedule(conn, "noop-every-minute").cron == "*/5 * * * *"
    assert "old" not in names(db)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[schedules.x\n", "is not valid TOML"),
        ('pipeline = "runplane.noop"\n', "define each schedule as a [schedules.NAME] table"),
        ('[schedules.x]\npipeline = "runplane.noop"\n', "[schedules.x] cron is required"),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\ncrom = 1\n',
            "[schedules.x] unknown key 'crom'",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\ncatch_up = "some"\n',
            "catch_up 'some' is not one of latest, all, none",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\nenabled = "yes"\n',
            "enabled must be true or false",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = 5\n',
            "cron must be a string",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "61 * * * *"\n',
            "[schedules.x] cron: '61 * * * *' is not a valid cron expression",
        ),
        (
            '[schedules."a b"]\npipeline = "runplane.noop"\ncron = "@daily"\n',
            "[schedules.a b] name: a schedule name is 1-100 letters",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\n'
            'sla = { complete_within = "1 hour" }\n',
            "[schedules.x] sla: SLA complete_within: '1 hour' is not a duration",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\nsla = { within = "1h" }\n',
            "[schedules.x] sla: unknown key 'within'; an SLA takes max_duration, complete_within",
        ),
        (
            '[schedules.x]\npipeline = "runplane.noop"\ncron = "@daily"\nsla = "1h"\n',
            "[schedules.x] sla must be a table",
        ),
        (
            '[schedules.x]\npipeline = "no.such"\ncron = "@daily"\n'
            'sla = { complete_within = "1h" }\n',
            "[schedules.x] sla: an SLA needs a registered pipeline; 'no.such' is not one",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_schedule_and_key(
    db: Database, tmp_path: Path, clock: FakeClock, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidScheduleFile) as caught:
        load_schedule_file(db, path, by="user:ana", clock=clock)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert names(db) == {}


def test_one_bad_schedule_loads_none_and_every_problem_is_named(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    path = write(
        tmp_path,
        FILE + '\n[schedules.bad]\npipeline = "no.such"\ncron = "@daily"\ntimezone = "Mars/Base"\n',
    )
    with pytest.raises(InvalidScheduleFile) as caught:
        load_schedule_file(db, path, by="user:ana", clock=clock)
    message = str(caught.value)
    assert "[schedules.bad] pipeline: unknown pipeline 'no.such'" in message
    assert "[schedules.bad] timezone: unknown time zone 'Mars/Base'" in message
    assert names(db) == {}


def test_a_schedules_sla_loads_from_the_file(
    db: Database, tmp_path: Path, clock: FakeClock
) -> None:
    path = write(tmp_path, FILE + 'sla = { complete_within = "1h" }\n')
    load_schedule_file(db, path, by="user:ana", clock=clock)
    with db.read() as conn:
        assert store.get_schedule(conn, "finra-weekly").sla == SLA(complete_within="1h")
        assert store.get_schedule(conn, "noop-every-minute").sla is None
