"""A bulk preview: the executions a filter (or a list of ids) selects now, frozen under a
`preview_id`, with how many match, how many will be acted on and why the others are not.

The filter arrives with its window already fixed to absolute instants (the adapters parse
it with the list's own parsing), so the preview records exactly what it looked at.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from runplane.engine.bulk.checks import assess
from runplane.engine.errors import InvalidBulk
from runplane.model import Execution
from runplane.model.bulk import BulkAction, BulkPreview
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import bulk as bulk_store
from runplane.store import executions as store

MAX_IDS = 1000
"""Most ids one explicit selection may name (a page's rows, not a filter)."""


def preview_bulk(
    db: Database,
    action: BulkAction,
    *,
    actor: str,
    filter: store.ExecutionFilter | None = None,
    filter_json: dict[str, Any] | None = None,
    ids: Sequence[str] | None = None,
    max_set: int = 10_000,
    ttl_seconds: float = 900.0,
    clock: Clock = utcnow,
) -> BulkPreview:
    """Select, assess and record the set; `filter_json` is the filter as the preview shows
    it. Raises `InvalidBulk` for a selection that is missing, doubled or too large."""
    if (filter is None) == (ids is None):
        raise InvalidBulk("filter", "give either filter or ids to select the executions, not both")
    now = clock()
    with db.read() as conn:
        if filter is not None:
            found = store.list_executions(conn, filter, limit=max_set + 1)
            if len(found) > max_set:
                raise InvalidBulk(
                    "filter",
                    f"the filter matches more than {max_set} executions; narrow it "
                    "(a shorter range, a status or a pipeline)",
                )
            shown = dict(filter_json or {})
        else:
            found = _by_ids(conn, list(ids or ()))
            shown = {"ids": [e.execution_id for e in found]}
        selected, skipped = assess(conn, action, found)
    preview = BulkPreview(
        preview_id=str(uuid.uuid4()),
        action=action,
        actor=actor,
        filter=shown,
        matched=len(found),
        selected=tuple(selected),
        skipped=tuple(skipped),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    with db.write() as conn:
        bulk_store.insert_preview(conn, preview)
    return preview


def _by_ids(conn: Connection, ids: list[str]) -> list[Execution]:
    if not ids:
        raise InvalidBulk("ids", "ids is empty; select at least one execution")
    if len(ids) > MAX_IDS:
        raise InvalidBulk(
            "ids", f"ids names {len(ids)} executions; at most {MAX_IDS}, or use a filter"
        )
    if any("\x00" in text for text in ids):
        raise InvalidBulk("ids", "an execution id cannot contain a NUL character")
    whole = [store.resolve_execution_id(conn, text) for text in dict.fromkeys(ids)]
    by_id = store.list_executions_by_id(conn, whole)
    return sorted(by_id.values(), key=lambda e: (e.created_at, e.execution_id), reverse=True)
