"""The words every channel shares: a headline and the lines under it."""

from __future__ import annotations

from runplane.model.notification import Message, NotifyEvent

ICONS = {
    NotifyEvent.FAILED: "\N{CROSS MARK}",
    NotifyEvent.WORKER_LOST: "\N{CROSS MARK}",
    NotifyEvent.RECOVERED: "\N{WHITE HEAVY CHECK MARK}",
    NotifyEvent.CANCELLED: "\N{BLACK SQUARE FOR STOP}",
    NotifyEvent.SLA_AT_RISK: "\N{WARNING SIGN}",
    NotifyEvent.SLA_BREACHED: "\N{ALARM CLOCK}",
    NotifyEvent.SCHEDULE_MISSED: "\N{ALARM CLOCK}",
}
WORDS = {
    NotifyEvent.FAILED: "failed",
    NotifyEvent.WORKER_LOST: "lost its worker",
    NotifyEvent.RECOVERED: "recovered",
    NotifyEvent.CANCELLED: "was cancelled",
    NotifyEvent.SLA_AT_RISK: "is at risk of missing its SLA",
    NotifyEvent.SLA_BREACHED: "missed its SLA",
    NotifyEvent.SCHEDULE_MISSED: "missed a scheduled run",
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def headline(message: Message) -> str:
    if message.pipeline is None and message.summary:
        return f"{ICONS[message.event]} Runplane: {message.summary}"
    what = message.pipeline or "a pipeline"
    return f"{ICONS[message.event]} {what} {WORDS[message.event]}"


def lines(message: Message) -> list[str]:
    """Error summary, first suggested action, how often, and what was held back."""
    out: list[str] = []
    error = message.error or {}
    if error.get("title"):
        out.append(f"{error['title']}: {error.get('summary') or error.get('message', '')}")
    if error.get("action"):
        out.append(f"Next: {error['action']}")
    if message.repeat_count > 1:
        out.append(f"{ordinal(message.repeat_count)} failure like this in 7 days")
    if message.suppressed:
        out.append(f"{message.suppressed} repeat(s) since the last message were not sent")
    if message.summary and message.pipeline is not None:
        out.append(message.summary)
    return out
