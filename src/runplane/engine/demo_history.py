"""The demo's synthetic history, written through the store: backdated executions that
already ended, with their events, log lines and schedule fires, in one transaction whose hourly counts
`insert_execution` notes like any other ending. A fresh demo thus opens on weeks of
plausible activity; each record's first log line says it was written, not run."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from runplane.engine.classify import classify, worker_lost
from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.engine.new_executions import prepare_params
from runplane.model import EventKind, Execution, ExecutionStatus, LogLine, Trigger
from runplane.model.cost import RateCard, Rates, Usage, price
from runplane.model.errors import ExecutionError
from runplane.model.schedule import ScheduleFire
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.plugins import DemoPast
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store import schedules as schedule_store

LABEL = "Synthetic demo history: this record was written by `runplane demo`, it never ran"
API_CALLER = "local"
"""Who an API run of the history was started by: the API's caller without users configured."""
_FINAL = {
    "completed": ExecutionStatus.COMPLETED,
    "failed": ExecutionStatus.FAILED,
    "cancelled": ExecutionStatus.CANCELLED,
    "dry_run": ExecutionStatus.DRY_RUN,
}
_EVENT = {
    ExecutionStatus.COMPLETED: EventKind.COMPLETED,
    ExecutionStatus.DRY_RUN: EventKind.COMPLETED,
    ExecutionStatus.FAILED: EventKind.FAILED,
    ExecutionStatus.CANCELLED: EventKind.CANCELLED,
}


def write_history(
    db: Database,
    history: Sequence[DemoPast],
    *,
    now: datetime,
    actor: str,
    registry: Registry = default_registry,
    rates: RateCard | None = None,
) -> Counter[str]:
    """Store `history` (oldest first, each ended before `now`); returns how many of each
    status were written. Manual runs are recorded as `actor`, API runs as `local`; with
    `rates`, each is priced as if it had used 0.6 of a core and 150 MB while it ran."""
    rng = random.Random(len(history))  # the same history gives the same queue delays
    written: list[Execution] = []
    with db.write() as conn:
        for past in history:
            execution = _execution(past, written, actor, registry, rng)
            priced = None if rates is None else rates.for_pipeline(execution.pipeline)
            if priced is not None:
                execution = _priced(execution, past, priced)
            if execution.completed_at is None or execution.completed_at > now:
                raise ValueError(f"a demo history entry of {past.pipeline} ends after now")
            store.insert_execution(conn, execution)
            log_store.insert_log_lines(conn, _log(execution, past))
            for kind, at, who, detail in _events(execution, priced):
                event_store.insert_event(
                    conn, execution.execution_id, kind, actor=who, at=at, **detail
                )
            if execution.triggered_by.startswith("schedule:") and past.after is None:
                instant = past.at.replace(second=0, microsecond=0)  # the cron's minute
                fire = ScheduleFire(str(past.schedule), instant, past.at, execution.execution_id)
                schedule_store.insert_fire(conn, fire)
            if past.retry_of is not None:
                event_store.insert_event(
                    conn, written[past.retry_of].execution_id, EventKind.RETRIED,
                    actor="auto-retry" if past.auto else actor, at=execution.created_at,
                    new_execution_id=execution.execution_id,
                )  # fmt: skip
            written.append(execution)
    return Counter(str(e.status) for e in written)


def _execution(
    past: DemoPast, earlier: list[Execution], actor: str, registry: Registry, rng: random.Random
) -> Execution:
    status = _FINAL[past.status]
    params, identity = prepare_params(past.pipeline, dict(past.params), registry)
    original = earlier[past.retry_of] if past.retry_of is not None else None
    trigger = Trigger(original.trigger if original and past.auto else past.trigger)
    if original is not None and past.auto:
        triggered_by = f"auto-retry:{original.execution_id}"
    elif trigger == Trigger.SCHEDULED:
        triggered_by = f"schedule:{past.schedule}"
    else:
        triggered_by = API_CALLER if trigger == Trigger.API else actor
    started = past.at + timedelta(seconds=round(rng.uniform(0.2, 2.5), 3))
    ended = started + timedelta(seconds=past.seconds)
    cancelled = status == ExecutionStatus.CANCELLED
    return Execution(
        execution_id=new_execution_id(),
        pipeline=past.pipeline,
        status=status,
        params=params,
        params_hash=identity,
        trigger=trigger,
        triggered_by=triggered_by,
        trigger_time=original.trigger_time if original and past.auto else past.at,
        created_at=past.at,
        capture_id=new_capture_id(past.at),
        dry_run=status == ExecutionStatus.DRY_RUN,
        attempt=original.attempt + 1 if original else 1,
        retry_of=original.execution_id if original else None,
        after_id=earlier[past.after].execution_id if past.after is not None else None,
        started_at=started,
        completed_at=ended,
        rows_processed=past.rows if status == ExecutionStatus.COMPLETED else None,
        output=_output(past) if status in (ExecutionStatus.COMPLETED, ExecutionStatus.DRY_RUN) else None,
        error=_error(past, registry) if status == ExecutionStatus.FAILED else None,
        cancel_requested_at=ended - timedelta(seconds=1.5) if cancelled else None,
        cancel_requested_by=actor if cancelled else None,
    )  # fmt: skip


def _output(past: DemoPast) -> dict[str, object]:
    return {
        "rows_processed": past.rows,
        "figures": {**past.figures, "synthetic": True},
        "summary": [*past.summary, "Synthetic demo history (written, not run)"],
    }


def _error(past: DemoPast, registry: Registry) -> ExecutionError:
    """Classified as the live failure would be; a failure without an exception is a lost
    worker (its process was killed)."""
    if past.error is None:
        reason = "the process running it was killed (signal 9, out of memory)"
        return worker_lost(pipeline=past.pipeline, reason=reason, host=None)
    rules = registry.get(past.pipeline).error_rules
    return classify(past.error, pipeline=past.pipeline, rules=rules)


def _log(e: Execution, past: DemoPast) -> list[LogLine]:
    assert e.started_at is not None
    assert e.completed_at is not None
    lines = [
        (e.created_at, "INFO", LABEL),
        (e.started_at, "INFO", f"Starting {e.pipeline} (attempt {e.attempt})"),
    ]
    end = e.completed_at
    if e.error is not None:
        lines.append((end, "ERROR", f"{e.error.type}: {e.error.message}"))
    elif e.status == ExecutionStatus.CANCELLED:
        lines.append((end, "WARNING", "Stopped on request before finishing; nothing was published"))
    else:
        lines += [(end, "INFO", line) for line in past.summary]
    lines.append((end, "INFO", f"Ended {e.status} after {past.seconds:.1f}s"))
    return [
        LogLine(e.execution_id, n, at, level, text) for n, (at, level, text) in enumerate(lines, 1)
    ]


def _priced(e: Execution, past: DemoPast, rates: Rates) -> Execution:
    usage = Usage(
        cpu_seconds=round(past.seconds * 0.6, 3), gb_seconds=round(past.seconds * 0.15, 3)
    )
    return replace(
        e, cpu_seconds=usage.cpu_seconds, gb_seconds=usage.gb_seconds,
        peak_rss_bytes=150 * 1024 * 1024, cost_amount=price(usage, rates),
        cost_currency=rates.currency, cost_rates_version=rates.version,
    )  # fmt: skip


def _events(
    e: Execution, rates: Rates | None = None
) -> list[tuple[EventKind, datetime, str, dict[str, object]]]:
    assert e.started_at is not None
    assert e.completed_at is not None
    events: list[tuple[EventKind, datetime, str, dict[str, object]]] = [
        (EventKind.CREATED, e.created_at, e.triggered_by, {"trigger": str(e.trigger)}),
        (EventKind.STARTED, e.started_at, "executor", {}),
    ]
    if e.cancel_requested_at is not None and e.cancel_requested_by is not None:
        events.append(
            (EventKind.CANCEL_REQUESTED, e.cancel_requested_at, e.cancel_requested_by, {})
        )
    priced: dict[str, object] = {}
    if rates is not None:
        priced["rates"] = rates.to_dict() | {"version": rates.version}
    events.append((_EVENT[e.status], e.completed_at, "executor", priced))
    return events
