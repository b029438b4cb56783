"""Bodies of `/v1/pipelines`: pipelines with their last run and schedules, and the run request."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from runplane.api.schemas.executions import ExecutionOut, SlaLimitsOut
from runplane.api.schemas.values import Instant, Params
from runplane.model import ErrorClass
from runplane.model.routing import QUEUE, checked_queue


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: Params = Field(default_factory=dict)
    dry_run: StrictBool = Field(
        False, description="Validate and compute everything, write nothing."
    )
    queue: Annotated[str, AfterValidator(checked_queue)] | None = Field(
        None,
        json_schema_extra={"pattern": QUEUE.pattern},
        description="Route this run to the Celery workers serving this queue instead of the "
        "pipeline's own (`default` unless the pipeline names one).",
        examples=["heavy"],
    )


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
    sla: SlaLimitsOut | None = Field(
        description="The SLA it declared at registration; null when none, or in a tier "
        "without SLA breach indicators."
    )
    recent_runs: list[ExecutionOut] = Field(description="Newest first, at most 10.")
    schedules: list[ScheduleSummary] = Field(
        description="Its schedules by name; empty in the basic tier (no scheduling)."
    )
