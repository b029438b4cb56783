"""`/dashboard/executions`: the list with filters, presets, unresolved failures, and the
fragment auto-refresh and "Load more" fetch (`?fragment=rows`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import QueryParams

from runplane.model import Execution, ExecutionStatus
from runplane.model.param_filters import PREFIX
from runplane.model.sla import SlaStatus
from runplane.model.status import RETRYABLE_STATUSES
from runplane.model.timerange import TITLES
from runplane.pipelines import registry
from runplane.store import failures as failure_store
from runplane.store import queue as queue_store
from runplane.tiers import Feature, locked_reason
from runplane.views import list_query, listing
from runplane.views.cost_summary import cost_summary
from runplane.views.overview import unresolved_failures
from runplane.views.param_query import param_pairs
from runplane.views.resolution import is_auto_retry
from runplane.web import display
from runplane.web.deps import CallerDep, FeatureLocked, StateDep, denied, requires
from runplane.web.errors import DashboardRoute
from runplane.web.rows import rows_html
from runplane.web.templating import recent_health, render, render_fragment

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])

MAX_EXTENT = 1000
"""Rows one refresh may re-fetch after several "Load more" clicks."""
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
VIEW_PARAMS = ("preset", "status", "pipeline", "trigger", "range", "since", "until", "sla", "q")


@dataclass(frozen=True)
class Row:
    """One execution as a list row shows it."""

    execution: Execution
    attempt: str | None
    """`attempt 2` of a manual retry (an automatic one says it in its trigger)."""
    twin: Execution | None
    """The identical pending or running run that blocks Retry on this row."""
    similar: int = 0
    """Failures with this one's error fingerprint in the recurrence window up to it (it included)."""
    resolved_by: str | None = None
    """The later attempt that made this failure good, if one did."""
    trigger: str = ""
    """`Manual`, or `Manual · auto-retry 2/3` for an automatic retry."""
    sla: SlaStatus | None = None
    """Its SLA standing, in a tier that shows it (None otherwise)."""


@router.get("/executions")
def executions_page(request: Request, s: StateDep, caller: CallerDep) -> Response:
    """What ran, when, and what failed: newest first, filtered by the URL."""
    query = request.query_params
    back = _view_query(query)
    try:
        filters = parse_view(query)
        if filters.sla and (reason := locked_reason(Feature.SLA, s.settings.tier)):
            raise FeatureLocked(Feature.SLA, reason)
        limit = _limit(query)
        page = listing.list_page(
            s.db, filters, limit=limit, cursor=query.get("cursor"), counts=s.counts,
            finished=s.finished, clock=s.clock,
        )  # fmt: skip
    except list_query.ListingError as exc:
        return render(
            request, "executions.html", title="Executions", nav="executions", status=400,
            error=exc, filters=None, page=None, rows=[], unresolved=0, back=back,
            choices=_choices(),
        )  # fmt: skip
    page = _through(page, query.get("last"))
    rows = list_rows(s, page.items, resolved_by=page.resolved_by)
    unresolved = unresolved_failures(s.db, filters, cache=s.counts, clock=lambda: page.now)
    cost_locked = locked_reason(Feature.COST, s.settings.tier)
    cost = None
    if cost_locked is None:
        cost = cost_summary(
            s.db, filters, currency=s.settings.cost_currency, clock=lambda: page.now
        )
    context: dict[str, Any] = {
        "page": page, "rows": rows, "unresolved": unresolved, "back": back, "filters": filters,
        "cost": cost, "cost_locked": cost_locked,
        "row_html": rows_html(
            rows, back=back, now=page.now, denied=denied(caller), cost=cost_locked is None
        ),
    }  # fmt: skip
    if query.get("fragment") == "rows":
        health = recent_health(s)
        return render_fragment(
            "_refresh.html", request=request, now=page.now, health=health, **context
        )
    return render(
        request, "executions.html", title="Executions", nav="executions", now=page.now,
        error=None, choices=_choices(), **context,
    )  # fmt: skip


def parse_view(query: QueryParams) -> list_query.ListFilters:
    """The list filters of a dashboard URL; `range=custom` means the from/to fields (ISO-8601,
    UTC when they name no zone), both empty meaning no time limit, as `range=any` does."""
    custom = query.get("range") in ("custom", "any")
    since, until = (_instant(query.get(name)) for name in ("since", "until"))
    if query.get("range") == "any":
        since = until = None
    filters = list_query.parse_filters(
        status=query.getlist("status"),
        pipeline=query.getlist("pipeline"),
        trigger=query.getlist("trigger"),
        range=None if custom else query.get("range"),
        since=since,
        until=until,
        preset=query.get("preset"),
        sla=query.getlist("sla"),
        params=param_pairs(query.multi_items()),
        q=query.get("q"),
    )
    if custom and since is None and until is None and not filters.preset:
        return replace(filters, range=None)
    return filters


def list_rows(
    s: StateDep, executions: list[Execution], *, resolved_by: dict[str, str]
) -> list[Row]:
    """Rows with what their cells need: the run blocking Retry, the attempt text, how many
    failures like each failed one happened lately (so repeats stand out) and the attempt
    that resolved it."""
    retryable = [e for e in executions if e.status in RETRYABLE_STATUSES]
    failed = [e for e in executions if e.status is ExecutionStatus.FAILED]
    with s.db.read() as conn:
        twins = queue_store.list_active_twins(
            conn, [(e.pipeline, e.params_hash) for e in retryable]
        )
        similar = failure_store.count_recurrences(conn, failed)
    shows_sla = s.settings.has(Feature.SLA)
    return [
        Row(
            execution=e,
            attempt=None if is_auto_retry(e) else display.attempt_text(e, registry),
            trigger=display.trigger_text(e, registry),
            twin=twins.get((e.pipeline, e.params_hash)) if e.status in RETRYABLE_STATUSES else None,
            similar=similar.get(e.execution_id, 0),
            resolved_by=resolved_by.get(e.execution_id),
            sla=e.sla if shows_sla else None,
        )
        for e in executions
    ]


def _limit(query: QueryParams) -> int:
    """A page (`limit`), or for a refresh the rows already shown plus room for new ones."""
    extent = query.get("extent")
    if extent is None:
        return list_query.parse_limit(query.get("limit"))
    try:
        value = int(extent)
    except ValueError:
        raise list_query.ListingError(
            "extent", f"extent {extent!r} is not a whole number"
        ) from None
    return max(1, min(value + list_query.DEFAULT_LIMIT, MAX_EXTENT))


def _through(page: listing.ExecutionPage, last: str | None) -> listing.ExecutionPage:
    """A refresh ends at the last row the browser shows (`last=<id>`), so rows above it
    update in place and "Load more" continues after it."""
    ids = [e.execution_id for e in page.items]
    if last is None or last not in ids:
        return page
    end = ids.index(last) + 1
    items = page.items[:end]
    more = page.has_more or end < len(page.items)
    cursor = list_query.encode_cursor(items[-1]) if more else None
    return replace(page, items=items, has_more=more, next_cursor=cursor)


def _instant(value: str | None) -> str | None:
    """The form's fields are labelled UTC, so a value without a zone is UTC (a date alone
    is its midnight)."""
    text = (value or "").strip()
    if not NAIVE.match(text):
        return text or None
    return (text if len(text) > 10 else text + "T00:00:00") + "Z"


def _view_query(query: QueryParams) -> str:
    """The part of the URL that reproduces the view, for back links and refreshes."""
    return urlencode(
        [(k, v) for k, v in query.multi_items() if (k in VIEW_PARAMS or k.startswith(PREFIX)) and v]
    )


def _choices() -> dict[str, object]:
    return {
        "statuses": [(str(s), display.STATUS[s].label) for s in ExecutionStatus],
        "pipelines": registry.names(),
        "ranges": list(TITLES.items()),
        "presets": list(list_query.PRESET_LABELS.items()),
    }
