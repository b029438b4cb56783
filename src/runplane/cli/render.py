"""Plain-text rendering for the terminal: aligned tables and an execution's details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from runplane.model import Execution, ExecutionEvent
from runplane.model.cost import money
from runplane.model.json import event_from_json, execution_from_json, parse_iso
from runplane.model.timefmt import absolute, duration, ordinal, relative_day
from runplane.pipelines import UnknownPipeline, registry
from runplane.store.failures import RECURRENCE_WINDOW, Recurrence
from runplane.views.baseline import baseline_from_json, baseline_lines
from runplane.views.cost_explanation import cost_explanation
from runplane.views.execution_detail import ExecutionDetail


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def execution_row(e: Execution, now: datetime) -> list[str]:
    started = e.started_at or e.created_at
    if e.status == "running":
        took = "running " + duration(e.running_for(now))
    elif e.status == "pending":
        took = "queued"
    else:
        took = duration(e.duration_seconds)
    return [
        e.execution_id,
        f"{e.status.icon} {e.status}",
        e.pipeline,
        relative_day(started, now),
        took,
        "—" if e.rows_processed is None else f"{e.rows_processed:,}",
        trigger_text(e),
    ]


def trigger_text(e: Execution) -> str:
    """`manual`, or `manual · auto-retry 2/3` for an automatic retry, as the dashboard says."""
    if not e.triggered_by.startswith("auto-retry:"):
        return str(e.trigger)
    try:
        policy = registry.get(e.pipeline).retry
    except UnknownPipeline:
        policy = None
    of = "" if policy is None else f"/{policy.max_attempts}"
    return f"{e.trigger} · auto-retry {e.attempt}{of}"


EXECUTION_HEADERS = ["id", "status", "pipeline", "started (UTC)", "duration", "rows", "trigger"]


def execution_detail(detail: ExecutionDetail, *, cost_locked: str | None = None) -> str:
    """What `runplane executions show` prints; `cost_locked` is why the tier shows no cost."""
    e, recurrence = detail.execution, detail.recurrence
    lines = [
        f"Execution {e.execution_id}",
        f"  Status:       {e.status.icon} {e.status.upper()}",
        f"  Pipeline:     {e.pipeline}",
        f"  Created:      {absolute(e.created_at)}",
        f"  Started:      {absolute(e.started_at)}",
        f"  Completed:    {absolute(e.completed_at)}",
        f"  Duration:     {duration(e.duration_seconds)}",
        f"  Rows:         {'—' if e.rows_processed is None else f'{e.rows_processed:,}'}",
        f"  Trigger:      {e.trigger} by {e.triggered_by} at {absolute(e.trigger_time)}",
        f"  Attempt:      {e.attempt}" + (f" (retry of {e.retry_of})" if e.retry_of else ""),
        f"  Capture:      {e.capture_id}" + ("  (dry run)" if e.dry_run else ""),
    ]
    lines.append(f"  Cost:         {cost_text(detail, cost_locked)}")
    if e.parent_id:
        lines.append(f"  Parent:       {e.parent_id}")
    if detail.resolved_by is not None:
        r = detail.resolved_by
        lines.append(f"  Resolved by:  {r.execution_id} ({r.status}, attempt {r.attempt})")
    if e.params:
        lines.append("Parameters")
        lines += [f"  {k}: {v}" for k, v in e.params.items()]
    if e.error is not None:
        lines += [
            "Error",
            f"  {e.error.title}",
            f"  {e.error.summary}",
            f"  Class: {e.error.classification}",
        ]
        if recurrence is not None:
            lines.append(f"  Seen before: {recurrence_text(recurrence)}")
        actions = e.error.suggested_actions if detail.standing is None else detail.standing.advice
        lines.append("Suggested actions")
        lines += [f"  {i}. {a.text}" for i, a in enumerate(actions, 1)]
    if detail.baseline is not None and e.status in ("completed", "failed"):
        lines.append("Against the usual")
        lines += [f"  {line}" for line in baseline_lines(detail.baseline)]
    if e.output:
        lines.append("Output")
        lines += [f"  • {bullet}" for bullet in e.output.get("summary", [])]
        lines += [f"  {k}: {v}" for k, v in (e.output.get("figures") or {}).items()]
    if detail.events:
        lines.append("Trail")
        lines += [f"  {event_line(ev)}" for ev in detail.events]
    return "\n".join(lines)


def cost_text(detail: ExecutionDetail, locked: str | None) -> str:
    """`0.00000944 USD (0.42 CPU-s × 0.05 USD/CPU-h + … , recorded at finish)`."""
    if locked is not None:
        return f"locked: {locked}"
    e = detail.execution
    explanation = cost_explanation(e, detail.events)
    if e.cost is None or explanation is None:
        return "— (not finished)" if not e.status.is_final else "— (not recorded)"
    return f"{money(e.cost.amount, e.cost.currency)} ({explanation})"


def recurrence_text(recurrence: Recurrence) -> str:
    days = RECURRENCE_WINDOW.days
    if recurrence.count <= 1 or recurrence.previous is None:
        return f"first failure like this in {days} days (the {days} days up to it)"
    last = recurrence.previous
    return f"{ordinal(recurrence.count)} failure like this in {days} days (last: {last.execution_id}, {absolute(last.created_at)})"


def event_line(event: ExecutionEvent) -> str:
    detail = ", ".join(f"{k}={v}" for k, v in event.detail.items() if v is not None)
    text = f"{absolute(event.at)}  {event.kind.replace('_', ' ')} by {event.actor}"
    return f"{text} ({detail})" if detail else text


def detail_from_json(body: dict[str, Any]) -> ExecutionDetail:
    """What `execution_detail` shows, from the API's `GET /v1/executions/{id}`."""
    execution = execution_from_json(body)
    recurrence = None
    if body.get("recurrence") is not None:
        previous = body["recurrence"].get("previous")
        recurrence = Recurrence(
            count=body["recurrence"]["count"],
            previous=None if previous is None else replace(
                execution, execution_id=previous["execution_id"],
                created_at=parse_iso(previous["created_at"]) or execution.created_at,
            ),
        )  # fmt: skip
    return ExecutionDetail(
        execution=execution,
        events=[event_from_json(execution.execution_id, e) for e in body.get("events", [])],
        chain=[], previous_attempt=None, next_attempt=None, parent=None, children=[],
        twin=None, recurrence=recurrence, baseline=baseline_from_json(body.get("baseline")),
    )  # fmt: skip
