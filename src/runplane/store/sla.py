"""What the SLA watch reads and writes: the executions it follows, their standing (a
compare-and-set on `sla_state`), recent run times for the median, and the scheduled
instants that missed their SLA with nothing run (one row per schedule and instant).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from runplane.model import Execution, ExecutionStatus
from runplane.model.sla import SlaStatus
from runplane.store.execution_rows import from_row
from runplane.store.tables import executions as t
from runplane.store.tables import sla_misses as m

_ACTIVE = (str(ExecutionStatus.PENDING), str(ExecutionStatus.RUNNING))
_MEDIAN_OF = 20


@dataclass(frozen=True)
class SlaMiss:
    """A scheduled instant whose `complete_within` passed with nothing run: no fire
    (`not_fired`: no scheduler ran) or its execution still waiting (`pending`)."""

    schedule: str
    scheduled_for: datetime
    pipeline: str
    deadline: datetime
    recorded_at: datetime
    reason: str
    execution_id: str | None = None


def list_watched(
    conn: Connection, pipelines: Collection[str], *, since: datetime
) -> list[Execution]:
    """Active executions of `pipelines`, and those created after `since` whose standing is
    not yet settled (read from the partial index on `sla_state`)."""
    active = and_(t.c.status.in_(_ACTIVE), t.c.pipeline.in_(sorted(pipelines)))
    open_ = and_(t.c.sla_state.is_not(None), t.c.created_at >= since)
    rows = conn.execute(
        select(t).where(or_(active, open_) if pipelines else open_).order_by(t.c.created_at)
    )
    return [from_row(row) for row in rows]


def update_sla(
    conn: Connection, execution_id: str, expected: str | None, status: SlaStatus
) -> bool:
    """Write `status` if the row's `sla_state` is still `expected`; returns whether it did,
    so two watches never record the same transition twice."""
    same = t.c.sla_state.is_(None) if expected is None else t.c.sla_state == expected
    result = conn.execute(
        update(t)
        .where(t.c.execution_id == execution_id, same)
        .values(sla_state=status.stored_state, sla=status.to_record())
    )
    return result.rowcount == 1


def find_median_duration(conn: Connection, pipeline: str) -> float | None:
    """The median run time of the pipeline's last completed executions, in seconds."""
    rows = conn.execute(
        select(t.c.started_at, t.c.completed_at)
        .where(t.c.pipeline == pipeline, t.c.status == str(ExecutionStatus.COMPLETED))
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(_MEDIAN_OF)
    ).all()
    durations: list[float] = sorted(
        (done - start).total_seconds() for start, done in rows if start is not None and done
    )
    if not durations:
        return None
    middle = len(durations) // 2
    if len(durations) % 2:
        return durations[middle]
    return (durations[middle - 1] + durations[middle]) / 2


def insert_miss(conn: Connection, miss: SlaMiss) -> bool:
    """Record a missed instant once; returns False when it was already recorded (by this
    watch earlier, or by another server's at the same moment: `ON CONFLICT DO NOTHING`)."""
    values = {
        "schedule": miss.schedule,
        "scheduled_for": miss.scheduled_for,
        "pipeline": miss.pipeline,
        "deadline": miss.deadline,
        "recorded_at": miss.recorded_at,
        "reason": miss.reason,
        "execution_id": miss.execution_id,
    }
    unique = ["schedule", "scheduled_for"]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(m)
        .values(values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(m.c.schedule)
    )
    return conn.execute(statement).first() is not None


def list_misses(
    conn: Connection, *, pipeline: str | None = None, since: datetime | None = None, limit: int = 20
) -> list[SlaMiss]:
    """Missed instants, latest deadline first (of one pipeline, if given)."""
    query = select(m)
    if pipeline is not None:
        query = query.where(m.c.pipeline == pipeline)
    if since is not None:
        query = query.where(m.c.deadline >= since)
    rows = conn.execute(query.order_by(m.c.deadline.desc(), m.c.schedule).limit(limit))
    return [
        SlaMiss(
            schedule=r.schedule, scheduled_for=r.scheduled_for, pipeline=r.pipeline,
            deadline=r.deadline, recorded_at=r.recorded_at, reason=r.reason,
            execution_id=r.execution_id,
        )
        for r in rows
    ]  # fmt: skip
