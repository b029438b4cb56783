"""Reading the audit trail: filtered pages, newest first, with an opaque cursor, and the
JSON shape the API and `runplane audit export --format json` share.

    page = list_audit_page(conn, AuditQuery(actor="user:alice"), limit=50)
    page.next_cursor   # 'a1234': the entry id the next page starts below
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from runplane.model.audit import AuditAction, AuditEntry
from runplane.model.json import iso
from runplane.store import audit as store
from runplane.store.audit import AuditFilter
from runplane.views.list_query import ListingError, parse_instant

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_CURSOR_PREFIX = "a"


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    next_cursor: str | None
    has_more: bool


def parse_audit_filter(
    *,
    actor: str | None = None,
    actions: tuple[str, ...] = (),
    target: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> AuditFilter:
    """Raises `ListingError` naming the parameter at fault."""
    known = {str(a) for a in AuditAction}
    for action in actions:
        if action not in known:
            raise ListingError(
                "action", f"unknown action {action[:60]!r}; one of {', '.join(sorted(known))}"
            )
    start = parse_instant("since", since)
    end = parse_instant("until", until)
    if start is not None and end is not None and end <= start:
        raise ListingError("until", "until must be after since")
    return AuditFilter(
        actor=actor or None,
        actions=frozenset(AuditAction(a) for a in actions),
        target=target or None,
        since=start,
        until=end,
    )


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ListingError("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def parse_cursor(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.removeprefix(_CURSOR_PREFIX)
    if not value.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 18:
        raise ListingError("cursor", "cursor is not one this endpoint gave out (next_cursor)")
    return int(digits)


def list_audit_page(
    conn: Connection, query: AuditFilter, *, limit: int, cursor: int | None = None
) -> AuditPage:
    rows = store.list_entries(conn, query, limit=limit + 1, before=cursor)
    has_more = len(rows) > limit
    items = rows[:limit]
    last = items[-1].entry_id if has_more and items else None
    return AuditPage(items, None if last is None else f"{_CURSOR_PREFIX}{last}", has_more)


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": str(entry.action),
        "target": entry.target,
        "detail": entry.detail,
        "address": entry.address,
        "user_agent": entry.user_agent,
        "token": entry.token,
        "count": entry.count,
    }
