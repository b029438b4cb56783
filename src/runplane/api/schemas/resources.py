"""Body of `GET /v1/executions/{id}/resources`: CPU and memory series with their peaks."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant
from runplane.model import ExecutionStatus


class PeakOut(BaseModel):
    elapsed_seconds: float = Field(description="When the highest sample was taken.")
    value: float = Field(description="The highest sample, in the series' unit.")


class SeriesOut(BaseModel):
    """One measure over the execution's elapsed time."""

    unit: str = Field(description="`percent` (of one CPU core) or `bytes` (resident set size).")
    points: list[tuple[float, float]] = Field(
        description="`[elapsed_seconds, value]` pairs, oldest first; when downsampled, each "
        "point is the highest value of its stretch of time, at that stretch's start."
    )
    peak: PeakOut | None = Field(description="The highest sample; null without samples.")


class ResourceSeries(BaseModel):
    cpu: SeriesOut
    memory: SeriesOut


class ResourceUsageOut(BaseModel):
    """CPU % and memory (RSS) of an execution's process, sampled about once a second while
    it runs, downsampled on the server to at most `resolution` points per series."""

    execution_id: str
    status: ExecutionStatus
    finished: bool = Field(description="The execution ended: no more samples will come.")
    started_at: Instant | None
    elapsed_seconds: float = Field(
        description="The time axis: from its start to its end, or to now while it runs."
    )
    resolution: int = Field(description="The most points per series this answer could hold.")
    samples: int = Field(description="Samples taken, before downsampling.")
    downsampled: bool = Field(description="Points stand for several samples each.")
    series: ResourceSeries
