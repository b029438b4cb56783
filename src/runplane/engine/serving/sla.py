"""The SLA watch of `runplane serve` (advanced tier): every `RUNPLANE_SLA_INTERVAL` seconds
it finds how each execution under an SLA stands (met, at risk, breached), writes that on
the execution with an event when it goes at risk or is breached, and records the
scheduled instants that missed their `complete_within` with nothing run.

An execution's SLA is its pipeline's, with its schedule's limits added or overriding; the
schedule is that of the first attempt of its retry chain, whose instant starts the
`complete_within` clock for every attempt (a manual retry does not reset it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from runplane.engine.failure_log import FailureLog
from runplane.engine.notifications import outbox
from runplane.engine.scheduling.timetable import timetable
from runplane.engine.serving.lease import Lease
from runplane.engine.serving.loop import ServeLoop
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import OutboxKind
from runplane.model.schedule import Schedule
from runplane.model.sla import SLA, SlaFacts, SlaKind, SlaState, SlaStatus, evaluate
from runplane.model.timefmt import duration
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database, retries
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import schedules as schedule_store
from runplane.store import sla as sla_store
from runplane.store.sla import SlaMiss

log = logging.getLogger(__name__)

ACTOR = "system:sla"
LOOKBACK = timedelta(days=7)
"""How far back the watch settles standings and looks for missed instants."""
MAX_INSTANTS = 1000
"""Instants of one schedule looked at per check, so a minutely schedule cannot stall it."""

OnBreach = Callable[[str, SlaKind], None]
_EVENTS = {SlaState.AT_RISK: EventKind.SLA_AT_RISK, SlaState.BREACHED: EventKind.SLA_BREACHED}


@dataclass(frozen=True)
class Transition:
    """An execution whose standing the watch changed."""

    execution_id: str
    pipeline: str
    before: SlaState | None
    after: SlaStatus


class SlaWatch(ServeLoop):
    """Checks on a thread of its own (on the one server holding its lease); `check()` is
    one pass, for tests and the thread."""

    def __init__(
        self,
        db: Database,
        interval: float = 5.0,
        *,
        clock: Clock = utcnow,
        registry: Registry = default_registry,
        on_breach: OnBreach | None = None,
        lease: Lease | None = None,
    ) -> None:
        failures = FailureLog(log, "the SLA watch could not check")
        super().__init__("sla-watch", interval, failures, lease=lease)
        self.db = db
        self.clock = clock
        self.registry = registry
        self.on_breach = on_breach
        self._checked_until: dict[str, datetime] = {}
        self._own: dict[str, SLA] = {}
        """Each pipeline's registered SLA, read once per check."""

    def tick(self) -> tuple[list[Transition], list[SlaMiss]]:
        return self.check()

    def check(self) -> tuple[list[Transition], list[SlaMiss]]:
        """One pass at the clock's now: standings changed, then instants newly missed."""
        now = self.clock()
        self._own = {p.name: p.sla for p in self.registry if p.sla is not None}
        with self.db.read() as conn:
            schedules = {s.name: s for s in schedule_store.list_schedules(conn)}
        changed = self._check_executions(now, schedules)
        missed = self._check_instants(now, schedules)
        self._failures.succeeded()
        return changed, missed

    def _check_executions(self, now: datetime, schedules: dict[str, Schedule]) -> list[Transition]:
        declared = set(self._own) | {s.pipeline for s in schedules.values() if s.sla is not None}
        timed = {name for name in declared if _has_deadline(name, self._own, schedules)}
        medians: dict[str, float | None] = {}
        changed = []
        with self.db.read() as conn:
            watched = sla_store.list_watched(conn, declared, since=now - LOOKBACK)
            found = [
                (e, self._status(conn, e, schedules, medians, now, e.pipeline in timed))
                for e in watched
            ]
        for execution, status in found:
            if status is None or status == execution.sla:
                continue
            transition = self._write(execution, status, now)
            if transition is not None:
                changed.append(transition)
        return changed

    def _status(
        self,
        conn: Connection,
        execution: Execution,
        schedules: dict[str, Schedule],
        medians: dict[str, float | None],
        now: datetime,
        timed: bool,
    ) -> SlaStatus | None:
        chain = retries.list_retry_chain(conn, execution) if timed else [execution]
        schedule = _schedule_of(chain[0], schedules)
        sla = self._sla(execution.pipeline, schedule)
        if sla is None:
            return None
        deadline = None
        within = sla.limits().get(SlaKind.COMPLETE_WITHIN)
        if within is not None and schedule is not None:
            deadline = chain[0].trigger_time + timedelta(seconds=within)
        pending = execution.status is ExecutionStatus.PENDING
        if pending and execution.pipeline not in medians:
            medians[execution.pipeline] = sla_store.find_median_duration(conn, execution.pipeline)
        completions = [
            e.completed_at
            for e in chain
            if e.status is ExecutionStatus.COMPLETED and e.completed_at is not None
        ]
        facts = SlaFacts(
            pending=pending,
            started_at=execution.started_at,
            ended_at=execution.completed_at if execution.status.is_final else None,
            deadline=deadline,
            chain_completed_at=min(completions, default=None),
            chain_active=any(not e.status.is_final for e in chain),
            median_seconds=medians.get(execution.pipeline),
        )
        return _rounded(evaluate(sla, facts, now))

    def _sla(self, pipeline: str, schedule: Schedule | None) -> SLA | None:
        own = self._own.get(pipeline)
        extra = None if schedule is None else schedule.sla
        if own is None:
            return extra
        return own.merged(extra)

    def _write(self, execution: Execution, status: SlaStatus, now: datetime) -> Transition | None:
        before = None if execution.sla is None else execution.sla.state
        flagged = status.state in _EVENTS and before is not status.state
        with self.db.write() as conn:
            expected = None if execution.sla is None else execution.sla.stored_state
            if not sla_store.update_sla(conn, execution.execution_id, expected, status):
                return None
            if flagged:
                event_store.insert_event(
                    conn, execution.execution_id, _EVENTS[status.state], actor=ACTOR, at=now,
                    sla=None if status.kind is None else str(status.kind),
                    limits=status.limits, since=None if status.since is None else
                    status.since.isoformat().replace("+00:00", "Z"),
                )  # fmt: skip
                outbox.record(
                    conn, _OUTBOX[status.state], at=now, execution_id=execution.execution_id,
                    summary=_summary(status),
                )  # fmt: skip
        if flagged and status.state is SlaState.BREACHED:
            log.warning("%s breached its SLA (%s)", execution.execution_id, status.kind)
            if self.on_breach is not None and status.kind is not None:
                self.on_breach(execution.pipeline, status.kind)
        return Transition(execution.execution_id, execution.pipeline, before, status)

    def _check_instants(self, now: datetime, schedules: dict[str, Schedule]) -> list[SlaMiss]:
        """Only schedules whose SLA (their own, or their pipeline's) has `complete_within`."""
        missed = []
        for schedule in schedules.values():
            sla = self._sla(schedule.pipeline, schedule)
            within = None if sla is None else sla.limits().get(SlaKind.COMPLETE_WITHIN)
            if within is None or not schedule.enabled:
                continue
            missed += self._check_schedule(schedule, timedelta(seconds=within), now)
        return missed

    def _check_schedule(
        self, schedule: Schedule, within: timedelta, now: datetime
    ) -> list[SlaMiss]:
        """Instants whose deadline passed since the last check with no execution started."""
        start = max(schedule.active_since, now - LOOKBACK)
        start = max(start, self._checked_until.get(schedule.name, start))
        instants = timetable(schedule.cron, schedule.timezone).after(start)
        missed = []
        for _ in range(MAX_INSTANTS):
            instant = next(instants, None)
            if instant is None or instant + within > now:
                break
            self._checked_until[schedule.name] = instant
            miss = self._find_miss(schedule, instant, instant + within, now)
            if miss is None:
                continue
            with self.db.write() as conn:
                inserted = sla_store.insert_miss(conn, miss)
                if inserted:
                    outbox.record(
                        conn, OutboxKind.SCHEDULE_MISSED, at=now, pipeline=schedule.pipeline,
                        schedule=schedule.name,
                        summary=f"Nothing completed for its {instant:%Y-%m-%d %H:%M} UTC instant "
                        f"by {miss.deadline:%H:%M} UTC",
                    )  # fmt: skip
            if inserted:
                missed.append(miss)
                log.warning("schedule %s missed its SLA at %s", schedule.name, instant)
                if self.on_breach is not None:
                    self.on_breach(schedule.pipeline, SlaKind.COMPLETE_WITHIN)
        return missed

    def _find_miss(
        self, schedule: Schedule, instant: datetime, deadline: datetime, now: datetime
    ) -> SlaMiss | None:
        with self.db.read() as conn:
            fire = schedule_store.find_fire(conn, schedule.name, instant)
            execution = None
            if fire is not None and fire.execution_id is not None:
                execution = store.find_execution(conn, fire.execution_id)
        started = None if execution is None else execution.started_at
        if started is not None and started <= deadline:
            return None
        reason = "pending" if execution is not None else "not_fired"
        return SlaMiss(
            schedule=schedule.name, scheduled_for=instant, pipeline=schedule.pipeline,
            deadline=deadline, recorded_at=now, reason=reason,
            execution_id=None if execution is None else execution.execution_id,
        )  # fmt: skip


def _has_deadline(pipeline: str, own: dict[str, SLA], schedules: dict[str, Schedule]) -> bool:
    """Whether a run of `pipeline` may have a `complete_within` deadline (only then is its
    retry chain worth reading)."""
    slas = [own.get(pipeline), *(s.sla for s in schedules.values() if s.pipeline == pipeline)]
    return any(sla is not None and sla.complete_within for sla in slas)


_OUTBOX = {SlaState.AT_RISK: OutboxKind.SLA_AT_RISK, SlaState.BREACHED: OutboxKind.SLA_BREACHED}


def _summary(status: SlaStatus) -> str:
    """One line for a notification: which limit, and by how much once breached."""
    limit = str(status.kind).replace("_", " ") if status.kind is not None else "its SLA"
    if status.state is SlaState.BREACHED and status.breached_by_seconds is not None:
        return f"SLA {limit} breached by {duration(status.breached_by_seconds)}"
    return f"SLA {limit} at risk"


def _schedule_of(first: Execution, schedules: dict[str, Schedule]) -> Schedule | None:
    """The schedule whose instant created the chain's first attempt, if one did."""
    prefix = "schedule:"
    if first.trigger is not Trigger.SCHEDULED or not first.triggered_by.startswith(prefix):
        return None
    return schedules.get(first.triggered_by[len(prefix) :])


def _rounded(status: SlaStatus) -> SlaStatus:
    """Whole seconds, so a breach still running is rewritten once a second at most."""
    if status.breached_by_seconds is None:
        return status
    return SlaStatus(
        status.state, status.limits, status.kind, float(round(status.breached_by_seconds)),
        status.since, status.settled,
    )  # fmt: skip
