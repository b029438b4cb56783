"""The built-in pipelines' part of the demo's synthetic history: a nightly housekeeping job
for 30 days (one night its worker was killed and an operator retried it in the morning),
operators' and scripts' runs through the day, a configuration and an unexplained failure,
and a long run someone cancelled. Written as ended records, never run."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from runplane.engine.scheduling.schedules import ScheduleSpec
from runplane.pipelines.errors import ConfigError
from runplane.plugins import DemoPast

NIGHTLY = ScheduleSpec(
    name="nightly-housekeeping", pipeline="runplane.sleep", cron="30 2 * * *",
    params={"seconds": 90},
)  # fmt: skip
"""A daily job the history shows firing every night; saved with the demo's schedules."""
DAYS = 30
LOST_NIGHT = 8
"""Days ago the nightly run's worker was killed."""


def history(now: datetime) -> list[DemoPast]:
    """The last 30 days up to `now` (UTC), oldest first."""
    rng = random.Random(DAYS)
    past: list[DemoPast] = []
    for days in range(DAYS, -1, -1):
        day = now.date() - timedelta(days=days)
        fired = datetime.combine(day, time(2, 30), tzinfo=now.tzinfo)
        if days == 0:  # today: only the night's run, once it would have ended
            if fired + timedelta(minutes=5) < now:
                past.append(DemoPast(NIGHTLY.pipeline, dict(NIGHTLY.params), fired, 90.3, schedule=NIGHTLY.name, rows=0, summary=("Slept 90.0s",)))  # fmt: skip
            break
        at = fired + timedelta(milliseconds=rng.randint(15, 300))
        nightly = dict(NIGHTLY.params)
        if days == LOST_NIGHT:
            past.append(DemoPast(NIGHTLY.pipeline, nightly, at, 37.2, "failed", schedule=NIGHTLY.name))  # fmt: skip
            morning = datetime.combine(day, time(8, 12, 40), tzinfo=now.tzinfo)
            past.append(
                DemoPast(
                    NIGHTLY.pipeline, nightly, morning, 90.4, trigger="manual", rows=0,
                    retry_of=len(past) - 1, auto=False, summary=("Slept 90.0s",),
                )
            )  # fmt: skip
        else:
            seconds = round(90 + rng.uniform(0.05, 1.4), 2)
            past.append(
                DemoPast(
                    NIGHTLY.pipeline, nightly, at, seconds, schedule=NIGHTLY.name, rows=0,
                    summary=("Slept 90.0s",),
                )
            )  # fmt: skip
        if days % 3 == 0:  # a script's quick check through the API, every few days
            at = datetime.combine(
                day, time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=now.tzinfo
            )
            past.append(DemoPast("runplane.noop", {}, at, round(rng.uniform(0.08, 0.3), 2), trigger="api", rows=0))  # fmt: skip
        if days % 5 == 2:  # an operator trying something by hand
            at = datetime.combine(
                day, time(rng.randint(10, 16), rng.randint(0, 59)), tzinfo=now.tzinfo
            )
            seconds = rng.choice((5, 12, 30))
            past.append(DemoPast("runplane.sleep", {"seconds": seconds}, at, seconds + 0.2, trigger="manual", rows=0))  # fmt: skip
    config = {"error": "config", "message": "REPORT_BUCKET is not set"}
    unknown = {"error": "unknown", "message": "division by zero in report totals"}
    past += [
        DemoPast(
            "runplane.fail", config, _at(now, 12, 14, 3), 0.3, "failed", "manual",
            error=ConfigError(config["message"], parameter="message"),
        ),
        DemoPast(
            "runplane.fail", unknown, _at(now, 5, 16, 41), 1.1, "failed", "api",
            error=ZeroDivisionError(unknown["message"]),
        ),
        DemoPast("runplane.sleep", {"seconds": 600}, _at(now, 3, 13, 20), 47.5, "cancelled", "manual"),
    ]  # fmt: skip
    return past


def _at(now: datetime, days: int, hour: int, minute: int) -> datetime:
    return datetime.combine(
        now.date() - timedelta(days=days), time(hour, minute), tzinfo=now.tzinfo
    )
