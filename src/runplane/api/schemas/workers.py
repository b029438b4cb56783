"""Bodies of `GET /v1/workers`, whose worker and broker shapes `/health` shares."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant


class WorkerOut(BaseModel):
    worker_id: str
    name: str | None = Field(description="What an operator called it (`runplane worker --name`).")
    kind: str = Field(description="`serve`, `run` (`run --wait`) or `celery`.")
    host: str
    pid: int
    queues: list[str] = Field(description="The queues it takes executions from; empty for serve.")
    concurrency: int = Field(description="Executions it may run at once.")
    busy: int | None = Field(
        description="Slots taken at its last heartbeat; null when it does not say."
    )
    started_at: Instant
    heartbeat_at: Instant
    heartbeat_seconds_ago: float


class BrokerOut(BaseModel):
    url: str = Field(description="The broker, its password shown as `***`.")
    reachable: bool
    queue_depths: dict[str, int] = Field(
        description="Messages waiting in each queue (every priority counted): the default "
        "queue `celery` and every queue a live worker serves."
    )
    error: str | None = Field(description="Why it could not be read, as a sentence.")


class WorkersOut(BaseModel):
    checked_at: Instant
    workers: list[WorkerOut] = Field(description="Every live worker, oldest first.")
    broker: BrokerOut | None = Field(description="Null unless RUNPLANE_EXECUTOR=celery.")
