"""Notification rules: validated in one place for the file, the CLI and the API, and changed
in one transaction each (with the audit entry of an API or dashboard change).

Validation checks that every variable a rule names exists in this server's environment,
so a rule that could never send is refused when it is saved, not when a run fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from runplane.engine.access.audit import append
from runplane.engine.errors import InvalidRule, RuleRefused
from runplane.model import ErrorClass, Trigger
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import (
    DEFAULT_WINDOW_SECONDS,
    FILE_SOURCE,
    NAME,
    NotifyEvent,
    Rule,
)
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as store
from runplane.tiers import Feature, locked_reason

_GLOB = re.compile(r"[A-Za-z0-9_.*?\[\]!-]{1,200}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")
_EMAIL = re.compile(r"[^@\s,<>]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
_WINDOW = re.compile(r"(\d{1,6})([smhd])")
SLA_EVENTS = frozenset(
    {NotifyEvent.SLA_AT_RISK, NotifyEvent.SLA_BREACHED, NotifyEvent.SCHEDULE_MISSED}
)
"""Events of the SLA evaluator: rules may name them in the advanced tier."""
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
E = TypeVar("E", NotifyEvent, ErrorClass, Trigger)


@dataclass(frozen=True)
class RuleSpec:
    """A rule as a user wrote it (file table, CLI flags or API body), not yet validated."""

    name: str
    events: Sequence[str]
    pipelines: Sequence[str] = ()
    error_classes: Sequence[str] = ()
    triggers: Sequence[str] = ()
    webhook_env: str | None = None
    slack_env: str | None = None
    emails: Sequence[str] = ()
    secret_env: str | None = None
    window: str | int | None = None
    enabled: bool = True
    extra: Mapping[str, object] = field(default_factory=dict)


def parse_window(value: str | int | None) -> int:
    """Seconds of `30m`, `1h`, `7d` or a plain number of seconds (default one hour)."""
    if value is None:
        return DEFAULT_WINDOW_SECONDS
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 30 * 86400:
        return value
    match = _WINDOW.fullmatch(value) if isinstance(value, str) else None
    seconds = 0 if match is None else int(match[1]) * _UNIT[match[2]]
    if not 0 < seconds <= 30 * 86400:
        raise InvalidRule(
            f"window {str(value)[:20]!r} is not a duration like 30m, 1h or 7d (at most 30d)"
        )
    return seconds


def validate_rule(
    spec: RuleSpec, settings: Settings, *, environ: Mapping[str, str] | None = None
) -> Rule:
    """The rule `spec` describes, or `InvalidRule` naming the first problem and its fix."""
    env = os.environ if environ is None else environ
    if not NAME.fullmatch(spec.name):
        raise InvalidRule(
            f"rule name {spec.name[:70]!r} must be 1-64 lowercase letters, digits, - or _"
        )
    if spec.extra:
        raise InvalidRule(f"unknown key {sorted(spec.extra)[0]!r} in rule {spec.name!r}")
    events = _choices("event", spec.events, NotifyEvent)
    if not events:
        raise InvalidRule(f"name at least one event ({', '.join(NotifyEvent)})")
    locked = locked_reason(Feature.SLA, settings.tier)
    for event in events:
        if event in SLA_EVENTS and locked is not None:
            raise InvalidRule(f"event {event}: {locked}")
    error_classes = _choices("error class", spec.error_classes, ErrorClass)
    triggers = _choices("trigger", spec.triggers, Trigger)
    for glob in spec.pipelines:
        if not _GLOB.fullmatch(glob) or glob.count("[") != glob.count("]"):
            raise InvalidRule(
                f"pipeline glob {glob[:60]!r} is not a pipeline name or glob "
                "(letters, digits, . _ - and * ? [...], e.g. sales.*)"
            )
    emails = tuple(spec.emails)
    for address in emails:
        if not _EMAIL.fullmatch(address):
            raise InvalidRule(f"{address[:80]!r} is not an email address (name@example.com)")
    if emails and not settings.smtp_url:
        raise InvalidRule("email needs RUNPLANE_SMTP_URL set on the server (smtp://host:587)")
    if emails and not settings.smtp_from:
        raise InvalidRule("email needs RUNPLANE_SMTP_FROM set on the server (the sender)")
    for option, variable in (
        ("webhook-env", spec.webhook_env),
        ("slack-env", spec.slack_env),
        ("secret-env", spec.secret_env),
    ):
        if variable is None:
            continue
        if not _ENV.fullmatch(variable):
            raise InvalidRule(f"--{option} {variable[:60]!r} is not an environment variable name")
        if not env.get(variable):
            raise InvalidRule(
                f"the server's environment has no variable {variable} (named by --{option}); "
                "set it where serve runs, then save the rule again"
            )
    if not (spec.webhook_env or spec.slack_env or emails):
        raise InvalidRule("a rule needs a channel: --webhook-env, --slack-env or --email")
    return Rule(
        name=spec.name,
        events=events,
        pipelines=tuple(spec.pipelines),
        error_classes=tuple(str(c) for c in error_classes),
        triggers=tuple(str(t) for t in triggers),
        webhook_env=spec.webhook_env,
        slack_env=spec.slack_env,
        emails=emails,
        secret_env=spec.secret_env,
        window_seconds=parse_window(spec.window),
        enabled=spec.enabled,
    )


def _choices(what: str, values: Sequence[str], kind: type[E]) -> tuple[E, ...]:
    chosen: list[E] = []
    for value in values:
        try:
            choice = kind(value)
        except ValueError:
            raise InvalidRule(
                f"unknown {what} {value[:40]!r}; use {', '.join(str(k) for k in kind)}"
            ) from None
        if choice not in chosen:
            chosen.append(choice)
    return tuple(chosen)


def save_rule(
    db: Database,
    spec: RuleSpec,
    settings: Settings,
    *,
    by: str,
    source: str = "cli",
    origin: Origin | None = None,
    clock: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
) -> tuple[Rule, bool]:
    """Add or replace the rule named in `spec`; returns it and whether it was new.

    A rule the schedules file defines can only be changed in that file.
    """
    rule = validate_rule(spec, settings, environ=environ)
    now = clock()
    with db.write(lock="notifications:rules") as conn:
        old = store.find_rule(conn, rule.name)
        if old is not None and old.source.startswith(FILE_SOURCE) and source != old.source:
            raise RuleRefused(
                f"rule {rule.name!r} is defined in {old.source.removeprefix(FILE_SOURCE)}; "
                "change it there"
            )
        rule = replace(
            rule,
            source=source,
            created_at=now if old is None else old.created_at,
            created_by=by if old is None else old.created_by,
            updated_at=now,
            updated_by=by,
        )
        if old is None:
            store.insert_rule(conn, rule)
        else:
            store.update_rule(conn, rule)
        append(conn, origin, AuditAction.NOTIFICATION_SAVE, f"notification:{rule.name}", now)
    return rule, old is None


def set_enabled(
    db: Database,
    name: str,
    enabled: bool,
    *,
    by: str,
    origin: Origin | None = None,
    clock: Clock = utcnow,
) -> Rule:
    now = clock()
    with db.write(lock="notifications:rules") as conn:
        rule = store.get_rule(conn, name)
        store.update_enabled(conn, name, enabled, at=now, by=by)
        action = AuditAction.NOTIFICATION_ENABLE if enabled else AuditAction.NOTIFICATION_DISABLE
        append(conn, origin, action, f"notification:{name}", now)
        return replace(rule, enabled=enabled, updated_at=now, updated_by=by)


def remove_rule(
    db: Database, name: str, *, origin: Origin | None = None, clock: Clock = utcnow
) -> Rule:
    """Delete a rule (its deliveries stay in the history); a file-defined one is refused."""
    now = clock()
    with db.write(lock="notifications:rules") as conn:
        rule = store.get_rule(conn, name)
        if rule.source.startswith(FILE_SOURCE):
            raise RuleRefused(
                f"rule {name!r} is defined in {rule.source.removeprefix(FILE_SOURCE)}; "
                "remove it there"
            )
        store.delete_rule(conn, name)
        append(conn, origin, AuditAction.NOTIFICATION_REMOVE, f"notification:{name}", now)
    return rule
