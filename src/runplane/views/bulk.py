"""Bulk operations as the API, dashboard and CLI show them: a bulk filter parsed as the list
parses its query (so it selects what the list shows), a preview's counts and sample, and an
operation's progress.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution
from runplane.model.bulk import (
    SKIP_LABELS,
    BulkItem,
    BulkOperation,
    BulkPreview,
    ItemState,
    SkipReason,
)
from runplane.model.json import iso
from runplane.store import NotFound
from runplane.store import bulk as bulk_store
from runplane.store import executions as execution_store
from runplane.views.list_query import ListingError, parse_filters

SAMPLE = 20
ITEMS = 200

_PARAMETERS = {
    k: p for k, p in inspect.signature(parse_filters).parameters.items() if k != "params"
}
FILTER_KEYS = (*_PARAMETERS, "param")
"""What a bulk filter may say: exactly what the list's filters take, the parameter filters
as the list echoes them (`"param": {"day": ["2025-12-22"]}`)."""


@dataclass(frozen=True)
class BulkFilter:
    """A filter with its window fixed at `now`: what to select and what to show of it."""

    store: execution_store.ExecutionFilter
    shown: dict[str, Any]


def parse_bulk_filter(raw: Mapping[str, Any], now: datetime) -> BulkFilter:
    """The list's filters from a JSON object (`{"status": ["failed"], "range": "24h"}`),
    with a relative range turned into absolute `since`/`until`; raises `ListingError`."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "param":
            values["params"] = _param_pairs(value)
            continue
        if key not in _PARAMETERS:
            raise ListingError(
                f"filter.{key}"[:80],
                f"unknown filter {key[:80]!r}; a bulk filter takes {', '.join(FILTER_KEYS)}",
            )
        many = _PARAMETERS[key].default == ()
        values[key] = _value(key, value, many)
    filters = parse_filters(**values)
    shown = filters.to_json(now)
    return BulkFilter(store=filters.to_store(now), shown=shown)


def _param_pairs(value: Any) -> list[tuple[str, str]]:
    """`{"name": "value" | ["value", ...]}` as the list's `param.NAME=VALUE` pairs."""
    if not isinstance(value, Mapping):
        raise ListingError("filter.param", 'filter param must be an object: {"name": "value"}')
    pairs = []
    for name, given in value.items():
        for one in _value(f"param.{name}"[:80], given, many=True):
            pairs.append((str(name), one))
    return pairs


def _value(key: str, value: Any, many: bool) -> Any:
    if value is None:
        return () if many else None
    if isinstance(value, str):
        return (value,) if many else value
    if many and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    kind = "a string or a list of strings" if many else "a string"
    raise ListingError(f"filter.{key}", f"filter {key} must be {kind}")


def preview_json(conn: Connection, preview: BulkPreview) -> dict[str, Any]:
    """The preview's counts (matched, selected, skipped by reason) and a sample of each."""
    skipped: dict[str, int] = {}
    for skip in preview.skipped:
        skipped[str(skip.reason)] = skipped.get(str(skip.reason), 0) + 1
    sample_ids = list(preview.selected[:SAMPLE])
    skips = list(preview.skipped[:SAMPLE])
    found = execution_store.list_executions_by_id(
        conn, set(sample_ids) | {s.execution_id for s in skips}
    )
    return {
        "preview_id": preview.preview_id,
        "action": str(preview.action),
        "filter": preview.filter,
        "matched": preview.matched,
        "selected": len(preview.selected),
        "skipped": skipped,
        "skipped_total": len(preview.skipped),
        "created_at": iso(preview.created_at),
        "expires_at": iso(preview.expires_at),
        "sample": [_brief(found.get(i), i) for i in sample_ids],
        "skipped_sample": [
            _brief(found.get(s.execution_id), s.execution_id)
            | {"reason": str(s.reason), "message": s.message}
            for s in skips
        ],
    }


@dataclass(frozen=True)
class BulkProgress:
    operation: BulkOperation
    done: int
    queued: int
    skipped: dict[SkipReason, int]
    items: list[BulkItem]

    @property
    def settled(self) -> int:
        return self.done + sum(self.skipped.values())

    @property
    def percent(self) -> int:
        total = self.operation.selected
        return 100 if total == 0 else round(100 * self.settled / total)


def load_progress(conn: Connection, bulk_id: str) -> BulkProgress:
    operation = bulk_store.find_operation(conn, bulk_id)
    if operation is None:
        raise NotFound(f"no bulk operation with id {bulk_id!r}")
    counts = bulk_store.count_items(conn, bulk_id)
    skipped = {
        reason: n
        for (state, reason), n in counts.items()
        if state is ItemState.SKIPPED and reason is not None
    }
    return BulkProgress(
        operation=operation,
        done=sum(n for (state, _), n in counts.items() if state is ItemState.DONE),
        queued=sum(n for (state, _), n in counts.items() if state is ItemState.QUEUED),
        skipped=skipped,
        items=bulk_store.list_items(conn, bulk_id, limit=ITEMS),
    )


def progress_json(progress: BulkProgress) -> dict[str, Any]:
    o = progress.operation
    return {
        "bulk_id": o.bulk_id,
        "preview_id": o.preview_id,
        "action": str(o.action),
        "state": str(o.state),
        "actor": o.actor,
        "filter": o.filter,
        "matched": o.matched,
        "selected": o.selected,
        "done": progress.done,
        "queued": progress.queued,
        "skipped": {str(r): n for r, n in sorted(progress.skipped.items())},
        "percent": progress.percent,
        "created_at": iso(o.created_at),
        "finished_at": iso(o.finished_at),
        "cancelled_by": o.cancelled_by,
        "items": [
            {
                "execution_id": i.execution_id,
                "state": str(i.state),
                "reason": None if i.reason is None else str(i.reason),
                "message": i.message,
                "result_id": i.result_id,
                "updated_at": iso(i.updated_at),
            }
            for i in progress.items
        ],
    }


def skip_label(reason: str) -> str:
    """A reason code in words ("Already resolved by a later success")."""
    try:
        return SKIP_LABELS[SkipReason(reason)]
    except ValueError:
        return reason


def _brief(execution: Execution | None, execution_id: str) -> dict[str, Any]:
    if execution is None:
        return {
            "execution_id": execution_id,
            "pipeline": None,
            "status": None,
            "attempt": None,
            "created_at": None,
        }
    return {
        "execution_id": execution_id,
        "pipeline": execution.pipeline,
        "status": str(execution.status),
        "attempt": execution.attempt,
        "created_at": iso(execution.created_at),
    }
