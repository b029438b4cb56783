"""Bodies of `/v1/bulk`: the request (a preview, or the action on one), the preview and the
operation with its progress."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from runplane.api.schemas.values import Instant

FilterValue = Annotated[
    str | list[Annotated[str, Field(max_length=200)]], Field(description="A value or values.")
]


class BulkRequest(BaseModel):
    """Either a preview (`preview: true`, an `action` and a `filter` or `ids`), or the
    action on a preview (`preview_id` and `max`), never a fresh filter."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["retry", "cancel"] | None = Field(None, description="For a preview.")
    filter: dict[str, FilterValue] | None = Field(
        None,
        description="The list's filters (`GET /v1/executions`): `status`, `pipeline`, "
        "`trigger`, `range`, `since`, `until`, `preset` and whatever else it takes; a "
        "relative range is fixed to absolute instants at preview time.",
        max_length=20,
    )
    ids: list[Annotated[str, Field(max_length=64)]] | None = Field(
        None,
        description="Explicit executions (whole ids or unique prefixes), instead of a filter: "
        "the rows ticked on a page.",
        max_length=1000,
    )
    preview: bool = Field(False, description="True: preview only; nothing is acted on.")
    preview_id: str | None = Field(
        None, description="Act on exactly the ids this preview selected.", max_length=64
    )
    max: int | None = Field(
        None,
        ge=0,
        description="With preview_id: refuse (409) if the preview selects more executions.",
    )


class BulkExecutionBrief(BaseModel):
    execution_id: str
    pipeline: str | None
    status: str | None
    attempt: int | None
    created_at: Instant | None


class BulkSkippedBrief(BulkExecutionBrief):
    reason: str = Field(
        description="`not_allowed`, `resolved`, `not_latest`, `identical_active`, "
        "`already_bulk_retried`, `operation_cancelled` or `failed`."
    )
    message: str


class BulkPreviewOut(BaseModel):
    """What acting on the preview will do; `preview_id` is what the action names."""

    preview_id: str
    action: Literal["retry", "cancel"]
    filter: dict[str, object] = Field(
        description='The filter with its window fixed (`since`/`until`), or `{"ids": [...]}`.'
    )
    matched: int = Field(description="Executions the filter or ids matched.")
    selected: int = Field(description="Executions the action will act on.")
    skipped: dict[str, int] = Field(description="Executions left alone, per reason.")
    skipped_total: int
    created_at: Instant
    expires_at: Instant = Field(description="Act before this (RUNPLANE_BULK_PREVIEW_SECONDS).")
    sample: list[BulkExecutionBrief] = Field(description="The first selected executions.")
    skipped_sample: list[BulkSkippedBrief] = Field(description="The first skipped ones.")


class BulkItemOut(BaseModel):
    execution_id: str
    state: Literal["queued", "done", "skipped"]
    reason: str | None = Field(description="Why it was skipped, re-checked when reached.")
    message: str | None
    result_id: str | None = Field(description="The retry a bulk retry created.")
    updated_at: Instant | None


class BulkOperationOut(BaseModel):
    """A recorded bulk operation and how far it got; served by `runplane serve`, throttled
    (RUNPLANE_BULK_MAX_PENDING, RUNPLANE_BULK_RATE) and resumed after a restart."""

    bulk_id: str
    preview_id: str
    action: Literal["retry", "cancel"]
    state: Literal["running", "completed", "cancelled"]
    actor: str
    filter: dict[str, object]
    matched: int
    selected: int
    done: int
    queued: int
    skipped: dict[str, int]
    percent: int
    created_at: Instant
    finished_at: Instant | None
    cancelled_by: str | None
    items: list[BulkItemOut] = Field(description="Its first 200 items, in the set's order.")
