"""Bodies of `/health` and `/v1/capabilities`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant
from runplane.api.schemas.workers import BrokerOut
from runplane.tiers import Tier


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
    accepting: bool = Field(description="It can start processes (its fork server runs).")
    restarts: int = Field(description="Times its fork server died and was started again.")
    unrecorded: int = Field(
        description="Executions whose process ended but whose end waits for the database."
    )
    problem: str | None = Field(description="Why it is not taking work, as a sentence.")


class CheckOut(BaseModel):
    name: Literal[
        "database",
        "database_writable",
        "database_file",
        "disk_space",
        "executor",
        "executor_taking_work",
        "heartbeat",
        "scheduler",
        "notifications",
    ]
    status: Literal["ok", "degraded", "down", "skipped"] = Field(
        description="What this check makes of the whole: the worst check is `status`."
    )
    detail: str = Field(description="What it found, or why it does not apply here.")


class WorkerHealthOut(BaseModel):
    worker_id: str
    kind: str = Field(description="`serve`, `run` (`run --wait`) or `celery`.")
    host: str
    pid: int
    max_workers: int = Field(description="Executions it may run at once (its concurrency).")
    heartbeat_seconds_ago: float
    name: str | None = Field(description="What an operator called it (`runplane worker --name`).")
    queues: list[str] = Field(description="The queues it takes executions from; empty for serve.")
    busy: int | None = Field(
        description="Slots taken at its last heartbeat; null when it does not say."
    )


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "down"] = Field(
        description="`down` (HTTP 503): the database does not answer or cannot take work; "
        "`degraded`: queued executions will not start or schedules will not fire."
    )
    message: str = Field(description="The reason of the worst check, or that all is well.")
    checked_at: Instant
    database: DatabaseHealthOut | None = Field(
        None, description="Left out without credentials once users exist, as are the others."
    )
    executor: ExecutorHealthOut | None = Field(
        None, description="Null when this process runs none."
    )
    workers: list[WorkerHealthOut] | None = Field(
        None, description="Every live worker (heartbeat younger than the worker timeout)."
    )
    worker_count: int | None = Field(None, description="How many workers are live.")
    checks: list[CheckOut] | None = Field(None, description="Every check, with what it found.")
    broker: BrokerOut | None = Field(
        None,
        description="With RUNPLANE_EXECUTOR=celery: whether the broker answers and the "
        "messages waiting in each queue; reported, never judged in `status`. Null otherwise.",
    )
