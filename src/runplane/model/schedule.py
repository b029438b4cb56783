"""Schedules (a pipeline on a cron timetable) and their fires (one scheduled instant each).

Plain types; the engine's scheduler creates fires and the store keeps both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from runplane.model.sla import SLA

FILE_SOURCE = "file:"
"""Prefix of `Schedule.source` for schedules loaded by `runplane serve --schedules FILE`."""


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
NAME_RULE = (
    "a schedule name is 1-100 letters, digits, '.', '_' or '-', starting with a letter "
    "or digit (e.g. nightly-report)"
)


class CatchUp(StrEnum):
    """Which instants missed while no scheduler ran are fired once one runs again."""

    LATEST = "latest"
    ALL = "all"
    NONE = "none"


class ScheduleSource(StrEnum):
    """Where a schedule was defined, unless it comes from a file (`file:<path>`)."""

    CLI = "cli"
    API = "api"


@dataclass(frozen=True)
class Schedule:
    """A pipeline run on a cron timetable in a time zone, with parameter templates.

    `params` keep their templates (e.g. `{"day": "{{ yesterday }}"}`);
    they are filled in for each scheduled instant. Instants after `active_since` are
    due; those up to `checked_until` were already fired or skipped.
    """

    name: str
    pipeline: str
    cron: str
    timezone: str
    params: dict[str, Any]
    enabled: bool
    catch_up: CatchUp
    source: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    active_since: datetime
    checked_until: datetime
    sla: SLA | None = None
    """Limits this schedule adds to, or overrides in, its pipeline's SLA."""

    @property
    def file(self) -> str | None:
        """The TOML file that defines this schedule, if any."""
        return self.source[len(FILE_SOURCE) :] if self.source.startswith(FILE_SOURCE) else None


@dataclass(frozen=True)
class ScheduleFire:
    """One scheduled instant handled: the execution it created, or why it created none.

    `late`: fired after the instant had passed by more than the late threshold (missed
    while no scheduler ran). `skipped`: earlier missed instants this fire stands in for,
    left out by the catch-up policy.
    """

    schedule: str
    scheduled_for: datetime
    fired_at: datetime
    execution_id: str | None
    late: bool = False
    skipped: int = 0
    error: str | None = None
