"""Bodies of `/v1/logs/search`: executions whose logs match, with their matching lines."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runplane.api.schemas.executions import AppliedFilters, ExecutionOut, LogLineOut


class SearchLineOut(LogLineOut):
    match: bool = Field(description="True for a matching line, false for a neighbour of one.")


class ExecutionMatchesOut(BaseModel):
    """One execution whose log matches: its first matching lines, each with a neighbour
    either side (`seq` addresses the line in the execution's log)."""

    execution: ExecutionOut
    matches: int = Field(description="Matching lines in this execution's log, shown or not.")
    lines: list[SearchLineOut]


class SearchFilters(AppliedFilters):
    level: list[str] = Field(description="Only lines of these levels (and the query's level:).")


class LogSearchPage(BaseModel):
    query: str = Field(
        description="The query as parsed: words lower case, a word with punctuation as the "
        'phrase of its pieces (`sales.eu` → `"sales eu"`).'
    )
    items: list[ExecutionMatchesOut] = Field(description="Executions newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page.")
    has_more: bool
    filters: SearchFilters
