"""Notification rules with their last message and failures, recent deliveries, and the
notifications an execution caused, for the API, the dashboard and the CLI.

Rules name variables, never their values; deliveries carry their message, which holds
no secret (it is built from the execution), and their target: a variable or an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runplane.model.notification import Attempt, Delivery, Rule
from runplane.store import Database
from runplane.store import notifications as store


@dataclass(frozen=True)
class RuleState:
    rule: Rule
    last_sent_at: datetime | None
    failed_deliveries: int


@dataclass(frozen=True)
class DeliveryView:
    delivery: Delivery
    attempts: list[Attempt]


def list_rule_states(db: Database) -> list[RuleState]:
    with db.read() as conn:
        rules = store.list_rules(conn)
        facts = store.rule_facts(conn)
    return [RuleState(rule, *facts.get(rule.name, (None, 0))) for rule in rules]


def get_rule_state(db: Database, name: str) -> RuleState:
    with db.read() as conn:
        rule = store.get_rule(conn, name)
        facts = store.rule_facts(conn)
    return RuleState(rule, *facts.get(name, (None, 0)))


def list_delivery_views(
    db: Database, *, execution_id: str | None = None, rule: str | None = None, limit: int = 50
) -> list[DeliveryView]:
    """Newest first, each with its attempts oldest first."""
    with db.read() as conn:
        deliveries = store.list_deliveries(conn, execution_id=execution_id, rule=rule, limit=limit)
        attempts = store.list_attempts(conn, [d.delivery_id for d in deliveries])
    by_id: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        by_id.setdefault(attempt.delivery_id, []).append(attempt)
    return [DeliveryView(d, by_id.get(d.delivery_id, [])) for d in deliveries]


def rule_json(state: RuleState) -> dict[str, Any]:
    return {
        **state.rule.to_json(),
        "last_sent_at": None if state.last_sent_at is None else state.last_sent_at.isoformat(),
        "failed_deliveries": state.failed_deliveries,
    }


def delivery_json(view: DeliveryView) -> dict[str, Any]:
    d = view.delivery
    return {
        "delivery_id": d.delivery_id,
        "rule": d.rule,
        "channel": str(d.channel),
        "target": d.target,
        "event": str(d.message.event),
        "execution_id": d.execution_id,
        "state": str(d.state),
        "attempts": [
            {
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in view.attempts
        ],
        "created_at": d.created_at.isoformat(),
        "sent_at": None if d.sent_at is None else d.sent_at.isoformat(),
        "last_error": d.last_error,
    }
