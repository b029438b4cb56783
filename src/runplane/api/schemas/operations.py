"""Bodies of `/health` and `/v1/capabilities`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant
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
    database: DatabaseHealthOut | None = Field(
        None, description="Left out without credentials once users exist, as are the others."
    )
    executor: ExecutorHealthOut | None = Field(
        None, description="Null when this process runs none."
    )
    workers: list[WorkerHealthOut] | None = None
