"""Turns outbox events into deliveries: which rules an event concerns, and whether it is
news (one message per problem per window; at most a capped number of messages an hour).

A problem is (rule, pipeline, failure fingerprint). A repeat inside the rule's window is
counted, not sent; the next message about it carries the count. `recovered` closes it.
Each event is claimed and its deliveries created in one transaction, so two servers
never match the same event and a crash in between leaves it for the next pass.
"""

from __future__ import annotations

import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import (
    STORM_CAP,
    Delivery,
    DeliveryState,
    Message,
    NotifyEvent,
    OutboxEvent,
    OutboxKind,
    Rule,
)
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store import failures as failure_store
from runplane.store import notifications as store

HOUR = timedelta(hours=1)
BATCH = 200
KEEP_MATCHED = timedelta(days=1)
"""How long matched outbox events stay (their deliveries stay with the history)."""
FAILURES = frozenset({NotifyEvent.FAILED, NotifyEvent.WORKER_LOST})
_DIRECT = {
    OutboxKind.CANCELLED: NotifyEvent.CANCELLED,
    OutboxKind.SLA_AT_RISK: NotifyEvent.SLA_AT_RISK,
    OutboxKind.SLA_BREACHED: NotifyEvent.SLA_BREACHED,
    OutboxKind.SCHEDULE_MISSED: NotifyEvent.SCHEDULE_MISSED,
}


@dataclass(frozen=True)
class Links:
    """Where messages point: the dashboard at the public URL."""

    base: str

    def execution(self, execution_id: str | None) -> str | None:
        if execution_id is None:
            return None
        return f"{self.base.rstrip('/')}/dashboard/executions/{execution_id}"


def match_pending(
    db: Database, links: Links, *, clock: Clock = utcnow, storm_cap: int = STORM_CAP
) -> int:
    """Match every unmatched outbox event, a batch per transaction; returns how many
    deliveries were created. Without enabled rules a batch is only marked matched."""
    created = 0
    while True:
        with db.read() as conn:
            events = store.list_unmatched(conn, limit=BATCH)
        if not events:
            return created
        with db.write(lock="notifications:match") as conn:
            now = clock()
            rules = store.list_rules(conn, enabled=True)
            for event in events:
                if store.mark_matched(conn, event.event_id, now) and rules:
                    created += match_event(conn, event, rules, links, now=now, storm_cap=storm_cap)
        if len(events) < BATCH:
            return created


def match_event(
    conn: Connection,
    event: OutboxEvent,
    rules: list[Rule],
    links: Links,
    *,
    now: datetime,
    storm_cap: int,
) -> int:
    """Create the deliveries `event` causes, on the caller's transaction."""
    execution = (
        None
        if event.execution_id is None
        else execution_store.find_execution(conn, event.execution_id)
    )
    previous = None
    if event.kind is OutboxKind.COMPLETED and execution is not None:
        previous = failure_store.find_previous_outcome(conn, execution)
        if previous is not None and previous.error is None:
            previous = None
    created = 0
    for rule in rules:
        kind = _event_for(rule, event, previous)
        if kind is None or not _passes(rule, kind, event, execution, previous):
            continue
        message = _news(conn, rule, kind, event, execution, links, now)
        if message is not None:
            created += _deliver(conn, rule, message, event, now, storm_cap)
    return created


def purge_matched(db: Database, *, clock: Clock = utcnow) -> int:
    """Delete outbox events matched more than `KEEP_MATCHED` ago."""
    with db.write() as conn:
        return store.delete_matched_before(conn, clock() - KEEP_MATCHED)


def _event_for(rule: Rule, event: OutboxEvent, previous: Execution | None) -> NotifyEvent | None:
    """The rule's event for this outbox kind, if the rule listens for it."""
    final = bool(event.detail.get("final", True))
    wanted: NotifyEvent | None
    if event.kind is OutboxKind.WORKER_LOST:
        if NotifyEvent.WORKER_LOST in rule.events:
            return NotifyEvent.WORKER_LOST
        wanted = NotifyEvent.FAILED if final else None
    elif event.kind is OutboxKind.FAILED:
        wanted = NotifyEvent.FAILED if final else None
    elif event.kind is OutboxKind.COMPLETED:
        wanted = NotifyEvent.RECOVERED if previous is not None else None
    else:
        wanted = _DIRECT.get(event.kind)
    return wanted if wanted in rule.events else None


def _passes(
    rule: Rule,
    kind: NotifyEvent,
    event: OutboxEvent,
    execution: Execution | None,
    previous: Execution | None,
) -> bool:
    pipeline = execution.pipeline if execution is not None else event.detail.get("pipeline")
    if rule.pipelines and not (
        isinstance(pipeline, str) and any(fnmatchcase(pipeline, g) for g in rule.pipelines)
    ):
        return False
    if rule.triggers and (execution is None or str(execution.trigger) not in rule.triggers):
        return False
    if rule.error_classes and kind in (*FAILURES, NotifyEvent.RECOVERED):
        failure = previous if kind is NotifyEvent.RECOVERED else execution
        error = None if failure is None else failure.error
        if error is None or str(error.classification) not in rule.error_classes:
            return False
    return True


def _news(
    conn: Connection,
    rule: Rule,
    kind: NotifyEvent,
    event: OutboxEvent,
    execution: Execution | None,
    links: Links,
    now: datetime,
) -> Message | None:
    """The message to send, or None when it repeats a problem inside the rule's window."""
    pipeline = execution.pipeline if execution is not None else event.detail.get("pipeline")
    error = None if execution is None else execution.error
    repeat_count = suppressed = 0
    if kind in FAILURES and execution is not None and error is not None and error.fingerprint:
        problem = store.find_open_problem(conn, rule.name, execution.pipeline, error.fingerprint)
        if problem is not None and now - problem.last_sent_at < timedelta(
            seconds=rule.window_seconds
        ):
            store.hold_repeat(conn, rule.name, execution.pipeline, error.fingerprint)
            return None
        if problem is None:
            store.open_problem(conn, rule.name, execution.pipeline, error.fingerprint, now)
        else:
            suppressed = problem.held
            store.problem_sent(conn, rule.name, execution.pipeline, error.fingerprint, now)
        recurrence = failure_store.find_recurrence(conn, execution)
        repeat_count = 1 if recurrence is None else recurrence.count
    elif kind is NotifyEvent.RECOVERED and execution is not None:
        store.close_problems(conn, rule.name, execution.pipeline, now)
    return Message(
        event=kind,
        rule=rule.name,
        pipeline=pipeline if isinstance(pipeline, str) else None,
        execution_id=event.execution_id,
        status=None if execution is None else str(execution.status),
        error=None if error is None or kind is NotifyEvent.RECOVERED else _error_facts(error),
        url=links.execution(event.execution_id) or _detail_url(event, links),
        at=event.at,
        repeat_count=repeat_count,
        suppressed=suppressed,
        summary=str(event.detail.get("summary", "")),
    )


def _deliver(
    conn: Connection, rule: Rule, message: Message, event: OutboxEvent, now: datetime, cap: int
) -> int:
    """One delivery per channel, unless the rule already sent `cap` messages this hour: then
    one summary saying so, and nothing more until the hour has passed."""
    sent = store.count_messages_since(conn, rule.name, now - HOUR)
    if sent > cap:
        return 0
    if sent == cap:
        message = Message(
            event=message.event,
            rule=rule.name,
            pipeline=None,
            execution_id=None,
            status=None,
            error=None,
            url=message.url,
            at=now,
            summary=f"Rule {rule.name} sent {cap} messages in the last hour; "
            "further ones are held back for an hour. See the Notifications page.",
        )
    for channel, target in rule.channels():
        delivery = Delivery(
            delivery_id=str(uuid.uuid4()),
            rule=rule.name,
            channel=channel,
            target=target,
            message=message,
            state=DeliveryState.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            execution_id=message.execution_id,
        )
        store.insert_delivery(conn, delivery, event_id=event.event_id)
    return len(rule.channels())


def _error_facts(error: Any) -> dict[str, Any]:
    actions = [a.text for a in error.suggested_actions if not a.text.startswith("Automatic retry")]
    return {
        "class": str(error.classification),
        "title": error.title,
        "summary": error.summary,
        "message": error.message[:500],
        "action": actions[0] if actions else None,
        "fingerprint": error.fingerprint,
    }


def _detail_url(event: OutboxEvent, links: Links) -> str | None:
    """A missed instant has no execution: its pipeline's page lists the schedule's misses."""
    pipeline = event.detail.get("pipeline")
    if isinstance(event.detail.get("schedule"), str) and isinstance(pipeline, str):
        name = urllib.parse.quote(pipeline, safe="")
        return f"{links.base.rstrip('/')}/dashboard/pipelines/{name}"
    return None
