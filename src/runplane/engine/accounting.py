"""An execution's usage as the OS accounts it, and the cost its end records.

The runner reads its own getrusage (itself and the children it waited for) just before
its final write, so a run shorter than one resource sample still has its CPU time; an
end the executor records (cancelled, killed, lost) uses the rusage of the waited child
that its fork server reports. Memory GB-seconds integrate the sampler's RSS samples.
"""

from __future__ import annotations

import resource
import sys
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution
from runplane.model.cost import ExitUsage, Rates, cost_of
from runplane.store import costs as cost_store
from runplane.store import resources as resource_store

_RSS_UNIT = 1 if sys.platform == "darwin" else 1024
"""`ru_maxrss` is in bytes on macOS and in kilobytes on Linux."""


def own_usage() -> ExitUsage:
    """This process's CPU seconds with those of its waited-for children, and its peak RSS."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ExitUsage(
        cpu_seconds=me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
        peak_rss_bytes=max(me.ru_maxrss, children.ru_maxrss) * _RSS_UNIT,
    )


def waited_usage(rusage: Any) -> ExitUsage:
    """The usage in a `os.wait4` result (the child and the children it waited for)."""
    return ExitUsage(
        cpu_seconds=float(rusage.ru_utime + rusage.ru_stime),
        peak_rss_bytes=int(rusage.ru_maxrss) * _RSS_UNIT,
    )


def cost_columns(
    conn: Connection,
    execution: Execution,
    *,
    rates: Rates,
    usage: ExitUsage | None,
    ended: datetime,
) -> dict[str, Any]:
    """The columns its end records: usage, cost, currency and rates version (one indexed
    read of its samples, on the finishing transaction)."""
    samples = resource_store.list_usage(conn, execution.execution_id)
    cost, peak = cost_of(
        rates=rates, exit_usage=usage, samples=samples, started=execution.started_at, ended=ended
    )
    return cost_store.cost_values(cost, peak)
