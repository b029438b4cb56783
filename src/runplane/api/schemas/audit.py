"""Bodies of `/v1/audit`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant


class AuditEntryOut(BaseModel):
    entry_id: int
    at: Instant
    actor: str = Field(description="`user:<name>`, `os:<login>`, `local` or `anonymous`.")
    action: str = Field(description="e.g. `execution.retry`, `login.failure`, `request.refused`.")
    target: str = Field(
        description="`execution:<id>`, `pipeline:<name>`, `schedule:<name>`, `user:<name>`, "
        "`token:<name>`, or the method and path of a refused request."
    )
    detail: dict[str, Any] = Field(description="What was asked: parameters, role, status, reason.")
    address: str | None
    user_agent: str | None
    token: str | None = Field(description="The name of the API token used, if any.")
    count: int = Field(
        description="How many requests this entry stands for: refused requests are one entry "
        "per address and minute."
    )


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")
    has_more: bool
