"""Request and response bodies of the JSON API, as pydantic models.

They exist so the published OpenAPI document describes every response; the execution
shape itself comes from `model/json.py`, which the CLI's `--json` output shares.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from runplane.model import ErrorClass, EventKind, ExecutionStatus, Trigger
from runplane.model.schedule import CatchUp
from runplane.tiers import Tier

Instant = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="ISO-8601 UTC, e.g. 2025-12-22T08:10:15.123456Z",
    ),
]


class SuggestedActionOut(BaseModel):
    text: str
    run: dict[str, Any] | None = Field(
        None, description="A pipeline and parameters to offer as a one-click run."
    )
    execution_id: str | None = Field(None, description="A related execution, e.g. the retry.")


class ErrorOut(BaseModel):
    """Why an execution failed, classified, with what to do next."""

    type: str
    message: str
    classification: ErrorClass
    title: str
    summary: str
    suggested_actions: list[SuggestedActionOut]
    traceback: str | None
    fingerprint: str | None
    details: dict[str, Any]


class ExecutionOut(BaseModel):
    """One run of a pipeline, as PRODUCT.md defines it."""

    execution_id: str
    pipeline: str
    status: ExecutionStatus
    trigger: Trigger
    triggered_by: str = Field(description="`user:<name>`, `local`, `schedule:<name>`, ...")
    trigger_time: Instant
    created_at: Instant
    started_at: Instant | None
    completed_at: Instant | None
    not_before: Instant | None = Field(description="Waits until then (automatic retry backoff).")
    duration_seconds: float | None
    rows_processed: int | None
    params: dict[str, Any]
    dry_run: bool
    capture_id: str
    retry_of: str | None
    attempt: int
    parent_id: str | None
    after_id: str | None
    output: dict[str, Any] | None
    error: ErrorOut | None
    progress: dict[str, Any] | None
    cancel_requested_at: Instant | None
    cancel_requested_by: str | None


class ExecutionRef(BaseModel):
    """A linked execution (attempt, parent or child), enough to show and link it."""

    execution_id: str
    pipeline: str
    status: ExecutionStatus
    attempt: int
    created_at: Instant


class RecurrenceOut(BaseModel):
    """How often a failure like this one (same error fingerprint) happened lately."""

    window_days: int
    count: int = Field(description="Failures like this in the window up to this one, it included.")
    previous: ExecutionRef | None = Field(description="The most recent earlier one.")


class EventOut(BaseModel):
    event_id: int | None
    kind: EventKind
    actor: str
    at: Instant
    detail: dict[str, Any]


class ExecutionDetail(ExecutionOut):
    """An execution with its trail of events and the executions linked to it."""

    events: list[EventOut]
    retry_chain: list[ExecutionRef] = Field(description="Every attempt, first attempt first.")
    previous_attempt: ExecutionRef | None
    next_attempt: ExecutionRef | None
    parent: ExecutionRef | None
    children: list[ExecutionRef]
    recurrence: RecurrenceOut | None = Field(description="Null unless the execution failed.")


class StatusCounts(BaseModel):
    """Executions per status for the list's filter (0 for statuses the filter excludes)."""

    pending: int
    running: int
    completed: int
    failed: int
    cancelled: int
    dry_run: int
    total: int


class AppliedFilters(BaseModel):
    """The filters the list applied, presets expanded; `since`/`until` resolved to instants."""

    status: list[ExecutionStatus]
    pipeline: list[str]
    trigger: list[Trigger]
    range: Literal["1h", "24h", "7d", "30d", "today"] | None = Field(
        description="Null for a custom window (since/until) or no time limit."
    )
    since: Instant | None
    until: Instant | None
    preset: Literal["recent-failures", "running-now", "todays-runs", "this-pipeline"] | None


class ExecutionList(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")
    has_more: bool
    counts: StatusCounts
    filters: AppliedFilters


class LogLineOut(BaseModel):
    seq: int = Field(description="Line number, from 1.")
    at: Instant
    level: str
    message: str


class LogPage(BaseModel):
    """Log lines after `after`, filtered server-side, and where the first error is."""

    execution_id: str
    status: ExecutionStatus
    finished: bool = Field(description="The execution ended: no more lines will come.")
    lines: list[LogLineOut]
    next_after: int = Field(description="Pass as `after` to continue after this page.")
    has_more: bool
    total_lines: int
    first_error_seq: int | None = Field(description="Line number of the first ERROR line.")


def _storable(value: Any) -> Any:
    """Refuse what no database column can hold: NUL characters and non-finite numbers."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    if isinstance(value, list):
        for item in value:
            _storable(item)
    return value


Params = Annotated[dict[str, Any], AfterValidator(_storable)]


class RetryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: Params | None = Field(
        None, description="Parameters to change; the others are those of the original."
    )


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: Params = Field(default_factory=dict)
    dry_run: bool = Field(False, description="Validate and compute everything, write nothing.")


class ScheduleSummary(BaseModel):
    """A schedule of a pipeline, enough to show when it runs next and whether it is late."""

    name: str
    enabled: bool
    cron: str
    timezone: str
    next_run: Instant | None = Field(description="Null while the schedule is disabled.")
    overdue: bool = Field(description="Its latest instant passed without an execution.")


class PipelineOut(BaseModel):
    name: str
    title: str = Field(description="First line of the description.")
    description: str
    last_run: ExecutionOut | None
    schedules: list[ScheduleSummary] = Field(
        description="Its schedules by name; empty in the basic tier (no scheduling)."
    )


class RetryPolicyOut(BaseModel):
    max_attempts: int
    backoff_seconds: float
    backoff_factor: float
    classes: list[ErrorClass]


class PipelineDetail(BaseModel):
    name: str
    title: str
    description: str
    params_schema: dict[str, Any] = Field(description="JSON Schema of the parameters.")
    retry: RetryPolicyOut | None = Field(description="Automatic retries; null when none.")
    recent_runs: list[ExecutionOut] = Field(description="Newest first, at most 10.")
    schedules: list[ScheduleSummary] = Field(
        description="Its schedules by name; empty in the basic tier (no scheduling)."
    )


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
    enabled: bool = True
    catch_up: CatchUp = Field(
        CatchUp.LATEST,
        description="After downtime: run the latest missed instant, all of them, or none.",
    )


class Features(BaseModel):
    history: bool
    scheduling: bool
    sla: bool
    cost: bool
    resources: bool
    baseline: bool


class Capabilities(BaseModel):
    tier: Tier
    features: Features


class DatabaseHealthOut(BaseModel):
    ok: bool
    dialect: str
    latency_ms: float
    error: str | None


class ExecutorHealthOut(BaseModel):
    alive: bool
    last_tick_seconds_ago: float
    running: int
    max_workers: int


class WorkerHealthOut(BaseModel):
    worker_id: str
    kind: str
    host: str
    pid: int
    max_workers: int
    heartbeat_seconds_ago: float


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "down"] = Field(
        description="`down` (HTTP 503): the database does not answer; `degraded`: no executor."
    )
    message: str
    checked_at: Instant
    database: DatabaseHealthOut
    executor: ExecutorHealthOut | None = Field(description="Null when this process runs none.")
    workers: list[WorkerHealthOut]


class CaptureOut(BaseModel):
    """A published capture of one stage of a week, with its headline figures."""

    capture_id: str
    stage: str = Field(description="ingest, normalize, aggregate or rolling.")
    tier: str
    week_ending: str = Field(json_schema_extra={"format": "date"})
    rows: int
    rows_rejected: int
    symbols: int | None
    published_at: Instant
    execution_id: str
    source_capture_id: str | None
    symbols_added: int | None
    total_shares: int | None
    top_symbol: str | None
    top_shares: int | None
    weeks_used: int | None


class WeekOut(BaseModel):
    tier: str
    week_ending: str = Field(json_schema_extra={"format": "date"})
    rows: int = Field(description="Rows of the ingest capture readers see.")
    captures: int = Field(description="Published captures of the week, all stages.")
    stages: dict[str, CaptureOut] = Field(description="The capture readers see, per stage.")


class WeekListOut(BaseModel):
    weeks: list[WeekOut]


class VenueOut(BaseModel):
    mpid: str
    participant_name: str
    shares: int
    trades: int
    share: float = Field(description="Fraction of the symbol's weekly shares, 0..1.")


class SymbolVolumeOut(BaseModel):
    rank: int
    symbol: str
    issue_name: str
    shares: int
    trades: int
    hhi: float = Field(description="Venue concentration (Herfindahl-Hirschman), 0..1.")
    venues: list[VenueOut]


class WeekSymbolsOut(BaseModel):
    capture: CaptureOut
    total: int = Field(description="Symbols in the week.")
    symbols: list[SymbolVolumeOut]


class CaptureRecordOut(BaseModel):
    capture_id: str
    stage: str
    execution_id: str
    pipeline: str
    created_at: Instant
    published_at: Instant | None = Field(description="Null: never published (failed/cancelled).")
    rows: int | None
    current: bool = Field(description="The capture readers see for this stage.")


class SymbolWeekOut(BaseModel):
    week_ending: str = Field(json_schema_extra={"format": "date"})
    capture_id: str
    rank: int
    shares: int
    trades: int
    venues: int
    hhi: float
    average_shares: float | None
    change: float | None = Field(description="Week-over-week change of shares, as a fraction.")
    weeks_used: int | None


class SymbolHistoryOut(BaseModel):
    tier: str
    symbol: str
    weeks: list[SymbolWeekOut]
