"""Body of `GET /v1/executions/compare`: two executions side by side."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant
from runplane.model import ExecutionStatus


class CompareSide(BaseModel):
    execution_id: str
    pipeline: str
    status: ExecutionStatus
    attempt: int
    created_at: Instant
    params: dict[str, Any]
    cost_currency: str | None = Field(
        description="The currency its `cost` measure is in; null when it recorded no cost."
    )


class ParamsDiff(BaseModel):
    """How b's parameters differ from a's."""

    added: dict[str, Any] = Field(description="Only b has these (b's values).")
    removed: dict[str, Any] = Field(description="Only a has these (a's values).")
    changed: dict[str, dict[str, Any]] = Field(description='Both, unequal: `{"a": .., "b": ..}`.')
    same: dict[str, Any]


class Pair(BaseModel):
    a: float | None
    b: float | None


class CompareMeasures(BaseModel):
    """Each measure of both; `peak_rss` (bytes) and `cost` are null below the advanced tier,
    and `{"a": null, "b": null}` while not recorded."""

    duration: Pair | None = Field(description="Seconds from start to end.")
    rows: Pair | None
    peak_rss: Pair | None
    cost: Pair | None


class Figure(BaseModel):
    name: str
    a: Any
    b: Any


class LogDivergence(BaseModel):
    """The first line where the logs differ, compared on level and message with ISO
    timestamps, times of day, UUIDs, hex ids, capture ids, pids and durations masked."""

    result: Literal["identical", "differ", "a_ends_first", "b_ends_first"]
    compared: int = Field(description="Line pairs read before the answer.")
    line_a: int | None = Field(description="Line number (`seq`) in a's log.")
    line_b: int | None
    text_a: str | None = Field(description="That line, `HH:MM:SS.mmm LEVEL message`.")
    text_b: str | None


class Comparison(BaseModel):
    a: CompareSide
    b: CompareSide
    params: ParamsDiff
    measures: CompareMeasures
    figures: list[Figure] = Field(
        description="The scalar top-level fields of each output and of its `figures`."
    )
    logs: LogDivergence
