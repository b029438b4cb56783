"""Earlier successes of a pipeline, newest first: what a baseline and "the last success"
read. Read-only; the executions table is the only source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from runplane.model import ExecutionStatus
from runplane.store.executions import Cursor, older_than
from runplane.store.tables import executions as t

SuccessKey = tuple[str, datetime, dict[str, Any]]
"""`(execution_id, created_at, params)` of a success: enough to pick a baseline's runs."""


def list_success_keys(
    conn: Connection,
    pipeline: str,
    before: Cursor,
    *,
    limit: int,
    params_hash: str | None = None,
) -> list[SuccessKey]:
    """Completed runs (not dry runs) of `pipeline` created before `before`, newest first:
    a keyset page through `ix_executions_pipeline_status_created`, or through
    `ix_executions_identity` when `params_hash` narrows it. Only the id, time and
    parameters are read, so a page of a few hundred costs little."""
    query: Select[Any] = select(t.c.execution_id, t.c.created_at, t.c.params).where(
        t.c.pipeline == pipeline,
        t.c.status == str(ExecutionStatus.COMPLETED),
        t.c.dry_run.is_(False),
        older_than(before),
    )
    if params_hash is not None:
        query = query.where(t.c.params_hash == params_hash)
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]
