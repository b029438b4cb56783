"""Bodies of `/v1/schedules`: a schedule's definition, state and fires; the PUT body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from runplane.api.schemas.executions import SlaLimitsOut
from runplane.api.schemas.values import Instant, Params
from runplane.model import ExecutionStatus
from runplane.model.schedule import CatchUp


class FireOut(BaseModel):
    """One scheduled instant handled by the scheduler."""

    scheduled_for: Instant = Field(description="The instant; the execution's `trigger_time`.")
    fired_at: Instant
    late: bool = Field(
        description="Fired after its instant had passed (missed while no scheduler ran)."
    )
    skipped: int = Field(description="Earlier missed instants the catch-up policy left out.")
    execution_id: str | None = Field(description="Null when the fire created no execution.")
    status: ExecutionStatus | None = Field(description="The execution's current status.")
    error: str | None = Field(description="Why no execution was created, e.g. invalid params.")


class ScheduleOut(BaseModel):
    """A schedule: a pipeline run on a cron timetable in a time zone."""

    name: str
    pipeline: str
    cron: str = Field(description="Five fields: minute hour day-of-month month day-of-week.")
    description: str = Field(description="The timetable in words, e.g. At 06:00 on Tuesday.")
    timezone: str = Field(description="IANA name of the wall clock the cron is read on.")
    params: dict[str, Any] = Field(
        description="As saved, with templates such as {{ last_week_ending }} unfilled."
    )
    enabled: bool
    catch_up: CatchUp = Field(description="Which missed instants run after downtime.")
    source: str = Field(description="`cli`, `api`, or `file:<path>` for a schedules file.")
    editable: bool = Field(description="False for a file-defined schedule: edit the file.")
    created_at: Instant
    created_by: str
    updated_at: Instant
    updated_by: str
    next_run: Instant | None = Field(description="Null while the schedule is disabled.")
    next_run_local: str | None = Field(
        description="The next run on the schedule's wall clock, ISO-8601 with its offset."
    )
    last_due: Instant | None = Field(
        description="The latest instant at or before now since the schedule became active."
    )
    overdue: bool = Field(
        description="`last_due` passed a few seconds ago or more without an execution."
    )
    last_fire: FireOut | None
    sla: SlaLimitsOut | None = Field(
        description="Limits this schedule adds to, or overrides in, its pipeline's SLA; null "
        "when none, or in a tier without SLA breach indicators."
    )


class ScheduleDetail(ScheduleOut):
    recent_fires: list[FireOut] = Field(description="Newest instant first, at most 20.")


class ScheduleIn(BaseModel):
    """A schedule to create or replace; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    pipeline: str = Field(max_length=200, description="A registered pipeline.")
    cron: str = Field(max_length=200, description="E.g. `0 6 * * 2` (Tuesdays 06:00) or `@daily`.")
    timezone: str = Field("UTC", max_length=64, description="E.g. America/New_York.")
    params: Params = Field(
        default_factory=dict,
        description="String values may use {{ last_week_ending }}, {{ today }}, {{ yesterday }}.",
    )
    enabled: StrictBool = True
    catch_up: CatchUp = Field(
        CatchUp.LATEST,
        description="After downtime: run the latest missed instant, all of them, or none.",
    )
    sla: SlaIn | None = Field(
        None,
        description="Limits added to, or overriding, the pipeline's SLA (advanced tier; 403 "
        "in the others); an invalid duration is a 400.",
    )


class SlaIn(BaseModel):
    """Durations written like `45s`, `30m`, `1h30m`."""

    model_config = ConfigDict(extra="forbid")

    max_duration: str | None = Field(None, max_length=20, description="E.g. `30m`.")
    complete_within: str | None = Field(
        None, max_length=20, description="After each scheduled instant, e.g. `1h`."
    )
