"""Queries over notification rules, the outbox, problems, deliveries and their attempts.

The outbox is written by the transaction that ends an execution (one insert) and read by
`serve`'s matcher, which marks each row matched in the transaction that creates its
deliveries, so an event is matched once and a rolled-back ending leaves no row at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, case, delete, func, insert, select, update

from runplane.model.notification import (
    NAME,
    Attempt,
    ChannelKind,
    Delivery,
    DeliveryState,
    Message,
    NotifyEvent,
    OutboxEvent,
    OutboxKind,
    Rule,
)
from runplane.store import prepared
from runplane.store.errors import NotFound
from runplane.store.tables import notification_attempts as a
from runplane.store.tables import notification_deliveries as d
from runplane.store.tables import notification_outbox as o
from runplane.store.tables import notification_problems as p
from runplane.store.tables import notification_rules as r


def insert_outbox(
    conn: Connection,
    kind: OutboxKind,
    *,
    at: datetime,
    execution_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    values = {"kind": str(kind), "execution_id": execution_id, "at": at, "detail": detail or None}
    prepared.insert(conn, o, values)


def list_unmatched(conn: Connection, *, limit: int = 200) -> list[OutboxEvent]:
    """Outbox events no matcher has handled yet, oldest first."""
    rows = conn.execute(
        select(o).where(o.c.matched_at.is_(None)).order_by(o.c.event_id).limit(limit)
    )
    return [
        OutboxEvent(
            event_id=row.event_id,
            kind=OutboxKind(row.kind),
            at=row.at,
            execution_id=row.execution_id,
            detail=row.detail or {},
        )
        for row in rows
    ]


def mark_matched(conn: Connection, event_id: int, at: datetime) -> bool:
    """Claim an event for matching; False if another server matched it first."""
    result = conn.execute(
        update(o).where(o.c.event_id == event_id, o.c.matched_at.is_(None)).values(matched_at=at)
    )
    return result.rowcount == 1


def delete_matched_before(conn: Connection, at: datetime) -> int:
    result = conn.execute(delete(o).where(o.c.matched_at.is_not(None), o.c.matched_at < at))
    return result.rowcount


def count_outbox(conn: Connection, *, unmatched: bool = False) -> int:
    query = select(func.count()).select_from(o)
    if unmatched:
        query = query.where(o.c.matched_at.is_(None))
    return int(conn.execute(query).scalar_one())


# Rules


def insert_rule(conn: Connection, rule: Rule) -> None:
    conn.execute(insert(r).values(_rule_row(rule)))


def update_rule(conn: Connection, rule: Rule) -> None:
    values = _rule_row(rule)
    del values["name"], values["created_at"], values["created_by"]
    conn.execute(update(r).where(r.c.name == rule.name).values(values))


def update_enabled(conn: Connection, name: str, enabled: bool, *, at: datetime, by: str) -> None:
    conn.execute(
        update(r).where(r.c.name == name).values(enabled=enabled, updated_at=at, updated_by=by)
    )


def delete_rule(conn: Connection, name: str) -> bool:
    conn.execute(delete(p).where(p.c.rule == name))
    return conn.execute(delete(r).where(r.c.name == name)).rowcount == 1


def find_rule(conn: Connection, name: str) -> Rule | None:
    if not NAME.fullmatch(name):
        return None
    row = conn.execute(select(r).where(r.c.name == name)).first()
    return None if row is None else _rule_from_row(row)


def get_rule(conn: Connection, name: str) -> Rule:
    rule = find_rule(conn, name)
    if rule is None:
        raise NotFound(f"no notification rule named {name[:100]!r}")
    return rule


def list_rules(conn: Connection, *, enabled: bool | None = None) -> list[Rule]:
    query = select(r).order_by(r.c.name)
    if enabled is not None:
        query = query.where(r.c.enabled == enabled)
    return [_rule_from_row(row) for row in conn.execute(query)]


def _rule_row(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "events": [str(e) for e in rule.events],
        "pipelines": list(rule.pipelines),
        "error_classes": list(rule.error_classes),
        "triggers": list(rule.triggers),
        "webhook_env": rule.webhook_env,
        "slack_env": rule.slack_env,
        "emails": list(rule.emails),
        "secret_env": rule.secret_env,
        "window_seconds": rule.window_seconds,
        "enabled": rule.enabled,
        "source": rule.source,
        "created_at": rule.created_at,
        "created_by": rule.created_by,
        "updated_at": rule.updated_at,
        "updated_by": rule.updated_by,
    }


def _rule_from_row(row: Row[Any]) -> Rule:
    return Rule(
        name=row.name,
        events=tuple(NotifyEvent(e) for e in row.events),
        pipelines=tuple(row.pipelines),
        error_classes=tuple(row.error_classes),
        triggers=tuple(row.triggers),
        webhook_env=row.webhook_env,
        slack_env=row.slack_env,
        emails=tuple(row.emails),
        secret_env=row.secret_env,
        window_seconds=row.window_seconds,
        enabled=row.enabled,
        source=row.source,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


# Problems: (rule, pipeline, fingerprint), one message per problem and window


def find_open_problem(
    conn: Connection, rule: str, pipeline: str, fingerprint: str
) -> Row[Any] | None:
    return conn.execute(
        select(p).where(
            p.c.rule == rule,
            p.c.pipeline == pipeline,
            p.c.fingerprint == fingerprint,
            p.c.closed_at.is_(None),
        )
    ).first()


def open_problem(
    conn: Connection, rule: str, pipeline: str, fingerprint: str, at: datetime
) -> None:
    """Start (or restart, after it closed) the problem with a message sent now."""
    key = (p.c.rule == rule, p.c.pipeline == pipeline, p.c.fingerprint == fingerprint)
    if conn.execute(select(p.c.rule).where(*key)).first() is None:
        conn.execute(
            insert(p).values(
                rule=rule, pipeline=pipeline, fingerprint=fingerprint, opened_at=at,
                last_sent_at=at, held=0,
            )
        )  # fmt: skip
    else:
        conn.execute(
            update(p).where(*key).values(opened_at=at, last_sent_at=at, held=0, closed_at=None)
        )


def problem_sent(
    conn: Connection, rule: str, pipeline: str, fingerprint: str, at: datetime
) -> None:
    conn.execute(
        update(p)
        .where(p.c.rule == rule, p.c.pipeline == pipeline, p.c.fingerprint == fingerprint)
        .values(last_sent_at=at, held=0)
    )


def hold_repeat(conn: Connection, rule: str, pipeline: str, fingerprint: str) -> None:
    conn.execute(
        update(p)
        .where(p.c.rule == rule, p.c.pipeline == pipeline, p.c.fingerprint == fingerprint)
        .values(held=p.c.held + 1)
    )


def close_problems(conn: Connection, rule: str, pipeline: str, at: datetime) -> int:
    """Close the rule's open problems of this pipeline (it recovered); returns how many."""
    result = conn.execute(
        update(p)
        .where(p.c.rule == rule, p.c.pipeline == pipeline, p.c.closed_at.is_(None))
        .values(closed_at=at)
    )
    return result.rowcount


# Deliveries and attempts


def insert_delivery(conn: Connection, delivery: Delivery, *, event_id: int | None) -> None:
    conn.execute(
        insert(d).values(
            delivery_id=delivery.delivery_id,
            rule=delivery.rule,
            channel=str(delivery.channel),
            target=delivery.target,
            event_id=event_id,
            execution_id=delivery.execution_id,
            event=str(delivery.message.event),
            message=delivery.message.to_json(),
            state=str(delivery.state),
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
        )
    )


def count_messages_since(conn: Connection, rule: str, since: datetime) -> int:
    """Messages (not channel copies) the rule created since `since`; a storm summary included."""
    query = select(func.count(func.distinct(d.c.event_id))).where(
        d.c.rule == rule, d.c.created_at >= since
    )
    return int(conn.execute(query).scalar_one())


def list_due(conn: Connection, now: datetime, *, limit: int = 50) -> list[Delivery]:
    """Pending deliveries whose next attempt is due, oldest first."""
    rows = conn.execute(
        select(d)
        .where(d.c.state == str(DeliveryState.PENDING), d.c.next_attempt_at <= now)
        .order_by(d.c.next_attempt_at, d.c.delivery_id)
        .limit(limit)
    )
    return [_delivery(row) for row in rows]


def next_due_at(conn: Connection) -> datetime | None:
    query = select(func.min(d.c.next_attempt_at)).where(d.c.state == str(DeliveryState.PENDING))
    value: datetime | None = conn.execute(query).scalar_one()
    return value


def claim_due(conn: Connection, delivery_id: str, *, now: datetime, until: datetime) -> bool:
    """Take a due pending delivery for one attempt by moving its next attempt to `until`;
    False if it is no longer due (another sender claimed it, or it was settled)."""
    claimed = conn.execute(
        update(d)
        .where(
            d.c.delivery_id == delivery_id,
            d.c.state == str(DeliveryState.PENDING),
            d.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
    )
    return claimed.rowcount == 1


def record_attempt(
    conn: Connection,
    attempt: Attempt,
    *,
    state: DeliveryState,
    next_attempt_at: datetime | None,
) -> bool:
    """Store one attempt and the delivery's new state; False if it is no longer pending."""
    moved = conn.execute(
        update(d)
        .where(d.c.delivery_id == attempt.delivery_id, d.c.state == str(DeliveryState.PENDING))
        .values(
            state=str(state),
            attempts=d.c.attempts + 1,
            next_attempt_at=next_attempt_at,
            sent_at=attempt.at if state is DeliveryState.SENT else None,
            last_error=attempt.error,
        )
    )
    if moved.rowcount != 1:
        return False
    conn.execute(
        insert(a).values(
            delivery_id=attempt.delivery_id,
            at=attempt.at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )
    )
    return True


def list_deliveries(
    conn: Connection,
    *,
    execution_id: str | None = None,
    rule: str | None = None,
    limit: int = 50,
) -> list[Delivery]:
    """Newest first."""
    query = select(d).order_by(d.c.created_at.desc(), d.c.event_id.desc(), d.c.delivery_id)
    query = query.limit(limit)
    if execution_id is not None:
        query = query.where(d.c.execution_id == execution_id)
    if rule is not None:
        query = query.where(d.c.rule == rule)
    return [_delivery(row) for row in conn.execute(query)]


def list_attempts(conn: Connection, delivery_ids: Sequence[str]) -> list[Attempt]:
    rows = conn.execute(
        select(a).where(a.c.delivery_id.in_(list(delivery_ids))).order_by(a.c.attempt_id)
    )
    return [
        Attempt(row.delivery_id, row.at, row.status_code, row.error, row.duration_ms)
        for row in rows
    ]


def rule_facts(conn: Connection) -> dict[str, tuple[datetime | None, int]]:
    """Per rule: when it last sent a message, and how many of its deliveries failed."""
    failed = func.sum(case((d.c.state == str(DeliveryState.FAILED), 1), else_=0))
    rows = conn.execute(select(d.c.rule, func.max(d.c.sent_at), failed).group_by(d.c.rule))
    return {rule: (sent_at, int(failures or 0)) for rule, sent_at, failures in rows}


def recent_outcomes(conn: Connection, since: datetime) -> list[tuple[ChannelKind, bool]]:
    """Each attempt since `since`, oldest first, as (channel, whether it was delivered)."""
    rows = conn.execute(
        select(d.c.channel, a.c.error)
        .join(d, d.c.delivery_id == a.c.delivery_id)
        .where(a.c.at >= since)
        .order_by(a.c.attempt_id)
    )
    return [(ChannelKind(row.channel), row.error is None) for row in rows]


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        delivery_id=row.delivery_id,
        rule=row.rule,
        channel=ChannelKind(row.channel),
        target=row.target,
        message=Message.from_json(row.message),
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        execution_id=row.execution_id,
    )
