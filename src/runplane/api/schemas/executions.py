"""Bodies of `/v1/executions`: an execution, its detail, the list and a log page; the retry request."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runplane.api.schemas.values import Instant, Params
from runplane.model import ErrorClass, EventKind, ExecutionStatus, Trigger


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
    cause: str = Field(
        "", description="What went wrong in a few words, e.g. `upstream service unavailable`."
    )


class SlaLimitsOut(BaseModel):
    """An SLA's limits as declared (`45s`, `30m`, `1h30m`); absent when not declared."""

    max_duration: str | None = Field(None, description="Longest one execution may run.")
    complete_within: str | None = Field(
        None,
        description="Delay after the scheduled instant by which an attempt of its retry "
        "chain must have completed.",
    )


class SlaOut(BaseModel):
    """How an execution stands against its SLA (the pipeline's, with its schedule's limits
    added or overriding), as the server's SLA watch last found it."""

    state: Literal["met", "at_risk", "breached"] = Field(
        description="`at_risk`: running past 80 % of a limit, or pending when it can no "
        "longer finish in time at its pipeline's median duration."
    )
    limits: SlaLimitsOut
    kind: Literal["max_duration", "complete_within"] | None = Field(
        description="The limit at risk or breached; null when met."
    )
    breached_by_seconds: float | None = Field(
        description="How far past the limit; null unless breached."
    )
    since: Instant | None = Field(description="When it went at risk or was breached.")


class CostOut(BaseModel):
    """What an execution cost, recorded when it ended from its process tree's own
    accounting (CPU seconds at every sample and at exit, RSS integrated over wall time),
    at the rates in force then: later rate changes do not rewrite it."""

    amount: float = Field(description="CPU-hours × the CPU rate + GB-hours × the memory rate.")
    currency: str = Field(description="ISO 4217, e.g. USD (`RUNPLANE_COST_CURRENCY`).")
    cpu_seconds: float = Field(description="CPU seconds of the process and its children.")
    gb_seconds: float = Field(description="Resident memory (GB) integrated over wall seconds.")
    rates_version: str = Field(
        description="A short id of the rates that priced it (changes with any rate)."
    )


class ExecutionOut(BaseModel):
    """One run of a pipeline: what ran, when, with which inputs, and how it ended."""

    execution_id: str
    pipeline: str
    status: ExecutionStatus
    trigger: Trigger
    triggered_by: str = Field(
        description="Who started it: `user:<name>` (a Runplane user, by session or token), "
        "`os:<login>` (the CLI on a local database), `local` (no users configured), "
        "`schedule:<name>`, `auto-retry:<id>`; executions from before access control may "
        "carry `user:<os login>`."
    )
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
    sla: SlaOut | None = Field(
        description="Its SLA standing; null when no SLA applies or the tier has no SLA "
        "breach indicators."
    )
    bulk_id: str | None = Field(
        None,
        description="The bulk operation (`GET /v1/bulk/{id}`) that created this execution "
        "(a bulk retry) or cancelled it (a bulk cancel); null otherwise.",
    )
    queue: str | None = Field(
        None,
        description="The queue it is routed to: only Celery workers serving it run it "
        "(RUNPLANE_EXECUTOR=celery); null means `default`.",
    )
    cost: CostOut | None = Field(
        None,
        description="Null while it has not finished, if it never ran, and below the advanced tier.",
    )
    resolved_by: str | None = Field(
        None,
        description="For a failed or cancelled execution, the earliest later attempt of its "
        "retry chain that succeeded; null while none has.",
    )


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


class MeasureOut(BaseModel):
    """One measure of an execution against its baseline."""

    value: float | None = Field(description="This execution's own value.")
    median: float
    p90: float = Field(description="90th percentile, interpolated between closest ranks.")
    delta_pct: float | None = Field(
        description="(value - median) / median in percent: `85.0` is 85 % above the median."
    )


class BaselineOut(BaseModel):
    """The execution against the last 20 successful runs (completed, not dry runs) of its
    pipeline and parameters class created before it. With fewer than `min_runs` runs every
    measure is null and `summary` says "not enough history (2 of 3 successful runs)"."""

    runs: int = Field(description="Successful runs found, up to `window`.")
    window: int
    min_runs: int
    class_params: dict[str, Any] = Field(
        description="The parameters that define the class: the pipeline's `baseline_params`, "
        "else all but its date and date-time ones."
    )
    last_success: str | None = Field(description="The most recent run of the baseline.")
    duration: MeasureOut | None = Field(description="Seconds from start to end.")
    rows: MeasureOut | None = Field(description="Rows processed.")
    peak_rss: MeasureOut | None = Field(description="Peak memory in bytes (null until recorded).")
    cost: MeasureOut | None = Field(description="Cost of the run (null until recorded).")
    outside_p90: list[str] = Field(description="The measures whose value is above the p90.")
    summary: list[str] = Field(
        description="In words, e.g. `+85 % slower than usual (2m 10s vs 1m 10s median)`."
    )


class ExecutionDetail(ExecutionOut):
    """An execution with its trail of events and the executions linked to it."""

    events: list[EventOut]
    retry_chain: list[ExecutionRef] = Field(description="Every attempt, first attempt first.")
    previous_attempt: ExecutionRef | None
    next_attempt: ExecutionRef | None
    parent: ExecutionRef | None
    children: list[ExecutionRef]
    recurrence: RecurrenceOut | None = Field(description="Null unless the execution failed.")
    next_steps: list[SuggestedActionOut] | None = Field(
        None,
        description="What to do now, read when asked: the error's suggested actions with the "
        "retry's current state first (resolved, scheduled, running, or every attempt failed). "
        "Null unless the execution failed.",
    )
    baseline: BaselineOut | None = Field(
        None,
        description="Against the usual of its pipeline (advanced tier; null below it). "
        "Only the detail carries it, so the list costs no more.",
    )


class StatusCounts(BaseModel):
    """Executions per status for the list's filter (0 for statuses the filter excludes)."""

    pending: int
    running: int
    completed: int
    failed: int
    cancelled: int
    dry_run: int
    total: int
    capped: bool = Field(
        description="More than 1,000 executions match a filter on parameters or free text: "
        'only the first 1,000 were counted, so each count is a lower bound ("1,000+").'
    )


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
    preset: (
        Literal["recent-failures", "running-now", "todays-runs", "this-pipeline", "sla-breaches"]
        | None
    )
    sla: list[Literal["breached", "at_risk"]] = Field(
        description="SLA states the list is narrowed to (the sla-breaches preset: both)."
    )
    param: dict[str, list[str]] = Field(
        description="The parameter filters, by name: each name's values as given (`param.NAME`)."
    )
    q: str | None = Field(description="The free-text search, stripped; null when none.")


class ExecutionList(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")
    has_more: bool
    counts: StatusCounts
    filters: AppliedFilters


class CostSums(BaseModel):
    executions: int = Field(description="Executions, pending and running ones included.")
    cost: float = Field(description="Their recorded costs summed (unfinished ones add 0).")
    cpu_seconds: float


class PipelineCost(CostSums):
    pipeline: str


class TriggerCost(CostSums):
    trigger: Trigger


class CostSummaryOut(BaseModel):
    """Cost and executions for the list's filters, by pipeline and by trigger, largest cost
    first; summed from the hourly counts, so a day or a month answers as fast as an hour."""

    currency: str = Field(description="The currency of the current rates.")
    total: CostSums
    by_pipeline: list[PipelineCost]
    by_trigger: list[TriggerCost]
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


class RetryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: Params | None = Field(
        None, description="Parameters to change; the others are those of the original."
    )
