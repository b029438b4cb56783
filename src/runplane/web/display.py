"""How the dashboard shows things: status and error-class icons and words, times in UTC,
durations, counts. Pure functions, used as template filters and globals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from runplane.model import ErrorClass, Execution, ExecutionStatus
from runplane.model.json import iso
from runplane.model.sla import SLA, SlaState, SlaStatus
from runplane.model.timefmt import absolute, ago, duration, relative_day
from runplane.pipelines import Registry, UnknownPipeline
from runplane.pipelines.registry import RetryPolicy


@dataclass(frozen=True)
class Look:
    """An icon with the words that say the same thing (status is never shown by colour alone)."""

    icon: str
    label: str
    tone: str
    """A CSS colour family: gray, blue, green, red."""


TONES = {
    ExecutionStatus.PENDING: "gray",
    ExecutionStatus.RUNNING: "blue",
    ExecutionStatus.COMPLETED: "green",
    ExecutionStatus.FAILED: "red",
    ExecutionStatus.CANCELLED: "gray",
    ExecutionStatus.DRY_RUN: "blue",
}
"""The page spec's colour of each status."""
STATUS = {s: Look(s.icon, s.label, TONES[s]) for s in ExecutionStatus}

ERROR_CLASS = {
    ErrorClass.TRANSIENT: Look("🔄", "Transient", "blue"),
    ErrorClass.DATA: Look("📁", "Data issue", "red"),
    ErrorClass.CONFIG: Look("⚙️", "Config error", "red"),
    ErrorClass.DEPENDENCY: Look("🔗", "Dependency", "red"),
    ErrorClass.WORKER_LOST: Look("💥", "Worker lost", "red"),
    ErrorClass.UNKNOWN: Look("❓", "Unknown", "gray"),
}

TRIGGER_LABELS = {"scheduled": "Scheduled", "manual": "Manual", "api": "API"}


def status_look(status: ExecutionStatus | str) -> Look:
    return STATUS[ExecutionStatus(status)]


def error_look(classification: ErrorClass | str) -> Look:
    return ERROR_CLASS[ErrorClass(classification)]


def when(at: datetime | None, now: datetime) -> str:
    """`08:15 today`, `yesterday 17:30` (UTC), or an em dash."""
    return "—" if at is None else relative_day(at, now)


def utc(at: datetime | None) -> str:
    """`2025-12-22 08:10:15 UTC`."""
    return absolute(at)


def iso_z(at: datetime | None) -> str:
    """`2025-12-22T08:10:15Z`: whole seconds, for `title` attributes and `datetime`."""
    if at is None:
        return ""
    return iso(at.replace(microsecond=0)) or ""


def queued_for(execution: Execution, now: datetime) -> str:
    """`queued 12s` for a pending execution."""
    return f"queued {ago((now - execution.created_at).total_seconds())}"


def elapsed(execution: Execution, now: datetime) -> str:
    """The duration so far: final for a finished run, up to now for a running one."""
    seconds = execution.running_for(now)
    if seconds is None:
        return "—"
    return duration(max(0.0, seconds))


def since(at: datetime | None, now: datetime, fmt: str = "duration") -> str:
    """Time from `at` to now: `1m 22s` (`duration`) or compact `12s`, `3m` (`ago`)."""
    if at is None:
        return "—"
    seconds = max(0.0, (now - at).total_seconds())
    return ago(seconds) if fmt == "ago" else duration(seconds)


def log_time(at: datetime) -> str:
    """`08:10:27.456`, as log lines print their time."""
    return f"{at:%H:%M:%S}.{at.microsecond // 1000:03d}"


def rows(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def number(value: Any) -> str:
    """Thousands separators for whole numbers; other values as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if value is None:
        return "—"
    return str(value)


def trigger_text(execution: Execution, registry: Registry) -> str:
    """`Scheduled`, `Manual`, `API`; an automatic retry says so: `Manual · auto-retry 2/3`."""
    label = TRIGGER_LABELS[str(execution.trigger)]
    if not execution.triggered_by.startswith("auto-retry:"):
        return label
    policy = _retry_policy(execution, registry)
    of = "" if policy is None else f"/{policy.max_attempts}"
    return f"{label} · auto-retry {execution.attempt}{of}"


def _retry_policy(execution: Execution, registry: Registry) -> RetryPolicy | None:
    try:
        return registry.get(execution.pipeline).retry
    except UnknownPipeline:
        return None


def attempt_text(execution: Execution, registry: Registry) -> str | None:
    """`attempt 2 of 3` for an automatic retry, `attempt 2` for a manual one; None for a first run."""
    if execution.attempt <= 1:
        return None
    if execution.triggered_by.startswith("auto-retry:"):
        policy = _retry_policy(execution, registry)
        if policy is not None:
            return f"attempt {execution.attempt} of {policy.max_attempts}"
    return f"attempt {execution.attempt}"


def param_text(value: Any) -> str:
    """A parameter value as an operator types it: `true`, `emea, apac`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(param_text(v) for v in value)
    return str(value)


def trend(now: int, before: int) -> str:
    """`up 3 from 2`, `down 1 from 4`, `same as the 24 h before`."""
    if now == before:
        return "same as the 24 h before"
    direction = "up" if now > before else "down"
    return f"{direction} {abs(now - before)} from {before} the 24 h before"


def brief(params: dict[str, Any]) -> str:
    """The telling parameter values of a run: `2025-12-22 / emea` (unset and false ones left out)."""
    shown = [param_text(v) for v in params.values() if v not in (None, False, "", [])]
    text = " / ".join(shown[:4])
    return text + (" / …" if len(shown) > 4 else "")


def named(params: dict[str, Any]) -> str:
    """Parameters with their names, for a run listed without a heading: `day=2025-12-15
    · region=emea` (unset and false ones left out)."""
    shown = [f"{k}={param_text(v)}" for k, v in params.items() if v not in (None, False, "", [])]
    return " · ".join(shown[:4]) + (" · …" if len(shown) > 4 else "")


def dotted(name: str) -> Markup:
    """A dotted name that may wrap after its dots (`sales.<wbr>daily_report.<wbr>by_region`)."""
    return Markup(str(escape(name)).replace(".", ".<wbr>"))


HEALTH_WORDS = {"ok": "Healthy", "degraded": "Degraded", "down": "Down"}
"""The header indicator's word for each state of `/health`."""
CHECK_LABELS = {
    "database": "Database",
    "database_writable": "Writes",
    "database_file": "Database file",
    "disk_space": "Disk",
    "executor": "Executor",
    "executor_taking_work": "Queue",
    "heartbeat": "Heartbeat",
    "scheduler": "Scheduler",
    "notifications": "Notifications",
}


_TICKS = re.compile(r"`([^`\n]+)`")


def ticks(text: Any) -> Markup:
    """Markdown's inline code in our own sentences: "Change the parameter `message`" shows
    `message` as code, not its backticks (the text is escaped first)."""
    return Markup(_TICKS.sub(r"<code>\1</code>", str(escape(text))))


_ACTION_ICONS = (
    ("resolved", "✓"),
    ("all ", "⚠️"),
    ("automatic retry", "⟳"),
    ("retry ", "⟳"),
    ("attempt ", "⚠️"),
    ("wait", "⏰"),
    ("check", "🔍"),
    ("read the logs", "📄"),
    ("run ", "▶"),
    ("fix", "🛠"),
    ("change", "⚙️"),
)


def action_icon(text: str) -> str:
    """The page spec's icon for a suggested action: ⏰ wait, 🔍 check, 📧 escalate, ..."""
    lowered = text.lower()
    if "escalate" in lowered or "contact" in lowered:
        return "📧"
    return next((icon for start, icon in _ACTION_ICONS if lowered.startswith(start)), "•")


SLA_WORDS = {"met": "SLA met", "at_risk": "SLA at risk", "breached": "SLA breached"}


def sla_badge(sla: SlaStatus) -> str:
    """A list row's mark: `SLA at risk`, `SLA breached +2m 0s`."""
    words = SLA_WORDS[str(sla.state)]
    if sla.state is SlaState.BREACHED and sla.breached_by_seconds is not None:
        return f"{words} +{duration(sla.breached_by_seconds)}"
    return words


def sla_sentence(sla: SlaStatus) -> str:
    """The Summary's line: which SLA, by how much, since when."""
    limit = "" if sla.kind is None else f"{sla.kind.label} {sla.limits.get(str(sla.kind))}"
    declared = SLA.from_json(sla.limits)
    if sla.state is SlaState.BREACHED:
        by = "" if sla.breached_by_seconds is None else f" by {duration(sla.breached_by_seconds)}"
        return f"Breached its SLA ({limit}){by}, since {utc(sla.since)}."
    if sla.state is SlaState.AT_RISK:
        return f"At risk of missing its SLA ({limit}) since {utc(sla.since)}."
    shown = "" if declared is None else f" ({declared.describe()})"
    return f"Met its SLA{shown}." if sla.settled else f"On track for its SLA{shown}."
