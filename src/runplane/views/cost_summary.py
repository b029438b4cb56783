"""What the executions of a list's filter cost, by pipeline and by trigger: the summary
above the executions list and `GET /v1/executions/summary` (the advanced tier).

Served from the hourly counts (`store/costs.py`), so a day or a month sums one row per
pipeline or trigger and hour whatever the number of executions. A filter the counts do
not keep (such as parameters) has to sum the executions themselves instead
(`costs.sum_executions` over the filter's clauses), which is slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runplane.model import ExecutionStatus
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database
from runplane.store import costs as cost_store
from runplane.store.costs import CostSums
from runplane.views.list_query import ListFilters
from runplane.views.listing import check_pipelines


@dataclass(frozen=True)
class CostSummary:
    """Executions and their cost for one filter, largest cost first in each grouping."""

    currency: str
    total: CostSums
    by_pipeline: list[tuple[str, CostSums]]
    by_trigger: list[tuple[str, CostSums]]
    filters: ListFilters
    now: datetime


def cost_summary(
    db: Database,
    filters: ListFilters,
    *,
    currency: str,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> CostSummary:
    """The cost of the executions `filters` selects (`currency`: the rates' currency, the
    one the recorded costs are in). Raises `ListingError` for a pipeline that neither
    exists nor ran, as the list does."""
    now = clock()
    query = filters.to_store(now)
    statuses = [s for s in ExecutionStatus if not query.statuses or s in query.statuses]
    with db.read() as conn:
        check_pipelines(conn, filters.pipelines, registry)
        if query.narrowed:
            by_pipeline, by_trigger = cost_store.sum_executions(
                conn, query.where(conn.dialect.name)
            )
        else:
            by_pipeline, by_trigger = cost_store.sum_costs(
                conn, statuses, pipelines=query.pipelines, triggers=query.triggers,
                since=query.since, until=query.until,
            )  # fmt: skip
    total = sum(by_trigger.values(), CostSums())
    return CostSummary(
        currency=currency,
        total=total,
        by_pipeline=_ranked(by_pipeline),
        by_trigger=_ranked(by_trigger),
        filters=filters,
        now=now,
    )


def _ranked(sums: dict[str, CostSums]) -> list[tuple[str, CostSums]]:
    return sorted(sums.items(), key=lambda item: (-item[1].cost, -item[1].executions, item[0]))


def summary_json(summary: CostSummary) -> dict[str, Any]:
    """`GET /v1/executions/summary`."""
    return {
        "currency": summary.currency,
        "total": _sums_json(summary.total),
        "by_pipeline": [{"pipeline": p} | _sums_json(s) for p, s in summary.by_pipeline],
        "by_trigger": [{"trigger": t} | _sums_json(s) for t, s in summary.by_trigger],
        "filters": summary.filters.to_json(summary.now),
    }


def _sums_json(sums: CostSums) -> dict[str, Any]:
    return {"executions": sums.executions, "cost": sums.cost, "cpu_seconds": sums.cpu_seconds}
