"""Deletes what no reader will ever see: the rows of captures whose execution ended
without publishing them (it failed, was cancelled, or its process was killed mid-write).

Runs when a serving process starts, after a recovery ended lost executions, and every
RUNPLANE_HOUSEKEEPING_INTERVAL seconds. Each capture goes in a transaction of its own,
with a `discarded` event in its execution's trail saying how many rows went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table

from runplane.model import EventKind
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import events as event_store

log = logging.getLogger(__name__)

ACTOR = "system:housekeeping"


@dataclass(frozen=True)
class Discarded:
    execution_id: str
    capture_id: str
    rows: int


def discard_unpublished(
    db: Database,
    tables: Sequence[Table],
    *,
    clock: Clock = utcnow,
    batch: int = 100,
    go_on: Callable[[], bool] = lambda: True,
) -> list[Discarded]:
    """Delete every unpublished capture of an ended execution, with the domains' rows of
    it (`tables`); returns what went. `go_on` is asked before each batch (in `serve`: the
    sweep's lease still held)."""
    discarded: list[Discarded] = []
    while go_on():
        with db.read() as conn:
            found = capture_store.list_unpublished_of_ended(conn, limit=batch)
        owners = {c.capture_id: c.execution_id for c in found}  # a capture has rows per asset
        for capture_id, execution_id in sorted(owners.items()):
            with db.write() as conn:
                rows = capture_store.delete_captures(conn, tables, [capture_id])
                event_store.insert_event(
                    conn, execution_id, EventKind.DISCARDED, actor=ACTOR, at=clock(),
                    capture_id=capture_id, rows=rows,
                )  # fmt: skip
            log.info("discarded %d unpublished rows of %s (%s)", rows, execution_id, capture_id)
            discarded.append(Discarded(execution_id, capture_id, rows))
        if len(found) < batch:
            return discarded
    return discarded
