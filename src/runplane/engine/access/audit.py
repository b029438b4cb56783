"""Appending to the audit trail: inside the transaction of the change it records (`append`),
on its own (`record`), or folded per address and minute (`record_refused`).

Nothing here edits or deletes an entry; the API, dashboard and CLI only read the trail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.model.audit import AGGREGATED, AuditAction, AuditEntry, Origin
from runplane.model.clock import Clock, utcnow
from runplane.store import Database, storage_problem
from runplane.store import audit as store

log = logging.getLogger(__name__)


def append(
    conn: Connection,
    origin: Origin | None,
    action: AuditAction,
    target: str,
    at: datetime,
    **detail: Any,
) -> None:
    """Add the entry in the caller's transaction, so the change and its record commit together.

    Without an origin (a scheduled fire, an automatic retry) nothing is recorded: those are
    in the execution's own events.
    """
    if origin is not None:
        store.insert_entry(conn, AuditEntry.of(origin, action, target, at, **detail))


def record(
    db: Database,
    origin: Origin,
    action: AuditAction,
    target: str,
    *,
    clock: Clock = utcnow,
    **detail: Any,
) -> None:
    """Append one entry in a transaction of its own (a login, a logout)."""
    if action in AGGREGATED:
        record_refused(db, origin, action, target, clock=clock, **detail)
        return
    with db.write() as conn:
        append(conn, origin, action, target, clock(), **detail)


def record_refused(
    db: Database,
    origin: Origin,
    action: AuditAction,
    target: str,
    *,
    clock: Clock = utcnow,
    **detail: Any,
) -> None:
    """Count a refused request in its address's entry for this minute (the first one's
    target and detail stand for the minute), so a flood adds one row a minute."""
    now = clock()
    bucket = f"{action}|{origin.address or '-'}|{now:%Y-%m-%dT%H:%M}"
    entry = AuditEntry.of(origin, action, target, now, **detail)
    try:
        with db.write() as conn:
            store.insert_or_count(conn, entry, bucket)
    except Exception as exc:  # the refusal stands; a storage failure must not replace it
        problem = storage_problem(exc, db.location)
        if problem is None:
            raise
        log.warning("refused %s from %s, not audited: %s", target, origin.address, problem)
