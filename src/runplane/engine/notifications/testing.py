"""`test NAME`: a sample message through each of a rule's channels, sent now, with the
outcome of each; audited, and never stored as a delivery (it is about no execution)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from runplane.engine.access.audit import append
from runplane.engine.notifications.channels import Outcome
from runplane.engine.notifications.matching import Links
from runplane.engine.notifications.sender import send_one
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import ChannelKind, Delivery, DeliveryState, Message
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as store


@dataclass(frozen=True)
class SampleResult:
    channel: ChannelKind
    target: str
    outcome: Outcome


def send_test(
    db: Database,
    name: str,
    settings: Settings,
    links: Links,
    *,
    origin: Origin | None = None,
    clock: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
) -> list[SampleResult]:
    """Send the rule's sample message to every channel it names; raises `NotFound`."""
    with db.read() as conn:
        rule = store.get_rule(conn, name)
    now = clock()
    message = Message(
        event=rule.events[0],
        rule=rule.name,
        pipeline="runplane.example",
        execution_id=None,
        status="failed",
        error={
            "class": "data",
            "title": "Test message",
            "summary": f"Rule {rule.name} reaches this channel.",
            "message": "a test message from Runplane",
            "action": "Nothing to do: this is a test",
            "fingerprint": None,
        },
        url=f"{links.base.rstrip('/')}/dashboard/notifications",
        at=now,
        summary="Test message",
    )
    results = []
    for channel, target in rule.channels():
        delivery = Delivery(
            str(uuid.uuid4()), rule.name, channel, target, message,
            DeliveryState.PENDING, 0, now, now,
        )  # fmt: skip
        env = os.environ if environ is None else environ
        outcome = send_one(delivery, rule, settings, environ=env, now=now)
        results.append(SampleResult(channel, target, outcome))
    with db.write() as conn:
        append(
            conn, origin, AuditAction.NOTIFICATION_TEST, f"notification:{name}", now,
            delivered=sum(r.outcome.delivered for r in results), channels=len(results),
        )  # fmt: skip
    return results
