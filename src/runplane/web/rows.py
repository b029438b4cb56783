"""The executions list's rows as HTML. A finished execution's row only changes with its
relative start text, the run blocking its Retry, the count of failures like it, the attempt
that resolved it and the list it links back to, so its HTML
is kept (one per server process) and refreshes re-render only the rows still in flight.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from markupsafe import Markup

from runplane.model import Execution
from runplane.model.sla import SlaStatus
from runplane.web.display import when
from runplane.web.templating import env
from runplane.web.urls import executions_url

MAX_ROWS = 5000


class ListRow(Protocol):
    @property
    def execution(self) -> Execution: ...
    @property
    def attempt(self) -> str | None: ...
    @property
    def twin(self) -> Execution | None: ...
    @property
    def similar(self) -> int: ...
    @property
    def resolved_by(self) -> str | None: ...
    @property
    def sla(self) -> SlaStatus | None: ...


class RowCache:
    """Rendered rows of finished executions, least recently used dropped first."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self._rows: OrderedDict[Hashable, Markup] = OrderedDict()
        self._max = max_rows
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            html = self._rows.get(key)
            if html is not None:
                self._rows.move_to_end(key)
            return html

    def put(self, key: Hashable, html: Markup) -> None:
        with self._lock:
            self._rows[key] = html
            self._rows.move_to_end(key)
            while len(self._rows) > self._max:
                self._rows.popitem(last=False)


cache = RowCache()


def rows_html(
    rows: Sequence[ListRow],
    *,
    back: str,
    now: datetime,
    denied: Mapping[str, str | None] | None = None,
    cost: bool = False,
) -> list[Markup]:
    """Each row's `<tr>`, from the cache when its execution has finished; `denied` says
    why the caller may not retry or cancel (their buttons are then disabled); `cost`,
    whether the tier shows what each run cost (its cell is empty otherwise)."""
    refusals = (None, None) if denied is None else (denied.get("retry"), denied.get("cancel"))
    denied = {"retry": refusals[0], "cancel": refusals[1]}
    template = env.get_template("_row.html")
    links = {
        "back_q": f"?back={quote(back, safe='')}" if back else "",
        "list_q": quote(executions_url(back), safe=""),
    }
    out = []
    for row in rows:
        e = row.execution
        key = None
        if e.status.is_final:
            twin = None if row.twin is None else (row.twin.execution_id, str(row.twin.status))
            started = when(e.started_at or e.created_at, now)
            key = (
                e.execution_id, str(e.status), back, started, twin, row.similar, refusals,
                row.resolved_by, None if row.sla is None else repr(row.sla), cost,
            )  # fmt: skip
            html = cache.get(key)
            if html is not None:
                out.append(html)
                continue
        html = Markup(template.render(row=row, now=now, denied=denied, cost=cost, **links))
        if key is not None:
            cache.put(key, html)
        out.append(html)
    return out
