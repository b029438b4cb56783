"""Sends due deliveries, records every attempt, and retries what may still succeed.

Each delivery is sent at least once: a pending one stays pending until an attempt is
recorded, so after a crash or restart a later pass sends it again. Before each attempt the
sender claims the delivery by compare-and-set (its next attempt moved past the send's
timeout), so two senders never both send it; its id is also the `Idempotency-Key`
receivers use to drop a duplicate. A 5xx answer, a timeout or no connection is retried
with backoff; a 4xx answer, or the last allowed attempt, fails it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from runplane.engine.failure_log import FailureLog
from runplane.engine.notifications.channels import Outcome, email, slack, webhook
from runplane.engine.notifications.matching import Links, match_pending, purge_matched
from runplane.engine.serving.lease import Lease
from runplane.engine.serving.loop import ServeLoop
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import Attempt, ChannelKind, Delivery, DeliveryState, Rule
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as store

log = logging.getLogger(__name__)

BACKOFF_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 3600.0
PURGE_SECONDS = 3600.0
OnOutcome = Callable[[ChannelKind, bool], None]


def send_one(
    delivery: Delivery,
    rule: Rule | None,
    settings: Settings,
    *,
    environ: Mapping[str, str],
    now: datetime,
) -> Outcome:
    """One attempt at `delivery` through its channel, with the secrets read now."""
    if rule is None:
        return Outcome(False, error=f"the rule {delivery.rule} was removed")
    timeout = settings.notification_timeout
    if delivery.channel is ChannelKind.EMAIL:
        if not settings.smtp_url or not settings.smtp_from:
            return Outcome(False, error="RUNPLANE_SMTP_URL or RUNPLANE_SMTP_FROM is not set")
        return email.send(
            delivery, smtp_url=settings.smtp_url, sender=settings.smtp_from, timeout=timeout
        )
    url = environ.get(delivery.target)
    if not url:
        return Outcome(False, error=f"the variable {delivery.target} is not set", retry=True)
    if delivery.channel is ChannelKind.SLACK:
        return slack.send(delivery, url=url, timeout=timeout)
    secret = environ.get(rule.secret_env) if rule.secret_env else None
    return webhook.send(delivery, url=url, secret=secret, timeout=timeout, at=int(now.timestamp()))


def send_due(
    db: Database,
    settings: Settings,
    *,
    clock: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
    on_outcome: OnOutcome | None = None,
) -> int:
    """Attempt every due delivery once (those this sender claims); returns how many
    attempts were made."""
    env = os.environ if environ is None else environ
    with db.read() as conn:
        due = store.list_due(conn, clock())
        rules = {rule.name: rule for rule in store.list_rules(conn)} if due else {}
    made = 0
    for delivery in due:
        if not _claim(db, delivery, settings, clock()):
            continue  # another sender took it between the read and now
        made += 1
        started = time.monotonic()
        outcome = send_one(delivery, rules.get(delivery.rule), settings, environ=env, now=clock())
        elapsed = int((time.monotonic() - started) * 1000)
        now = clock()
        attempts = delivery.attempts + 1
        if outcome.delivered:
            state, next_at = DeliveryState.SENT, None
        elif outcome.retry and attempts < settings.notification_max_attempts:
            state, next_at = DeliveryState.PENDING, now + backoff(attempts, settings)
        else:
            state, next_at = DeliveryState.FAILED, None
        attempt = Attempt(delivery.delivery_id, now, outcome.status_code, outcome.error, elapsed)
        with db.write() as conn:
            store.record_attempt(conn, attempt, state=state, next_attempt_at=next_at)
        if not outcome.delivered:
            log.warning(
                "notification %s (rule %s, %s) not delivered: %s",
                delivery.delivery_id, delivery.rule, delivery.channel, outcome.error,
            )  # fmt: skip
        if on_outcome is not None and state is not DeliveryState.PENDING:
            on_outcome(delivery.channel, outcome.delivered)
    return made


def _claim(db: Database, delivery: Delivery, settings: Settings, now: datetime) -> bool:
    """Take one due delivery for an attempt: until the send's timeout has passed twice over,
    no other sender finds it due (and after a crash mid-send, it is due again)."""
    until = now + timedelta(seconds=2 * settings.notification_timeout)
    with db.write() as conn:
        return store.claim_due(conn, delivery.delivery_id, now=now, until=until)


def backoff(attempts: int, settings: Settings) -> timedelta:
    seconds = min(BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds * settings.retry_backoff_scale)


class NotificationLoop(ServeLoop):
    """The thread `serve` keeps alive: match new outbox events, then send what is due (on
    the one server holding its lease)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        links: Links,
        *,
        clock: Clock = utcnow,
        on_outcome: OnOutcome | None = None,
        lease: Lease | None = None,
    ) -> None:
        super().__init__(
            "runplane-notify", settings.notification_interval,
            FailureLog(log, "notifications could not match or send"), lease=lease,
            join_timeout=settings.notification_timeout + 5,
        )  # fmt: skip
        self._db = db
        self._settings = settings
        self._links = links
        self._clock = clock
        self._on_outcome = on_outcome
        self._purged_at: float | None = None

    def tick(self) -> None:
        match_pending(self._db, self._links, clock=self._clock)
        send_due(self._db, self._settings, clock=self._clock, on_outcome=self._on_outcome)
        if self._purged_at is None or time.monotonic() - self._purged_at > PURGE_SECONDS:
            self._purged_at = time.monotonic()
            purge_matched(self._db, clock=self._clock)
        self._failures.succeeded()
