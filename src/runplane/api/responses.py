"""JSON responses for the hot read paths (lists, detail, log pages).

Their bodies are already shaped by `model/json.py`, so they are serialized once, in
Rust, without FastAPI validating them again; the response models still document them,
and the schemathesis suite checks every response against that document.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from fastapi import Response
from pydantic_core import to_json

from runplane.model import Execution
from runplane.model.json import execution_json
from runplane.tiers import Tier


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(to_json(body), status_code=status_code, media_type="application/json")


class ItemJson:
    """Serialized list items, kept for finished executions (which no longer change)."""

    def __init__(self, max_entries: int = 2000) -> None:
        self._entries: OrderedDict[tuple[str, str | None, Tier], bytes] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def encode(self, execution: Execution, resolved_by: str | None = None, *, tier: Tier) -> bytes:
        """The item as `tier` shows it; `resolved_by` is the later attempt that made a
        failure good (kept only once final and its SLA standing settled)."""
        if not execution.status.is_final or (execution.sla and not execution.sla.settled):
            return to_json(execution_json(execution, tier=tier) | {"resolved_by": resolved_by})
        key = (execution.execution_id, resolved_by, tier)
        with self._lock:
            cached = self._entries.get(key)
        if cached is None:
            cached = to_json(execution_json(execution, tier=tier) | {"resolved_by": resolved_by})
            with self._lock:
                self._entries[key] = cached
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return cached


def list_response(items: Sequence[bytes], rest: dict[str, Any]) -> Response:
    """`{"items": [...], **rest}` from pre-serialized items."""
    body = b'{"items":[' + b",".join(items) + b"]," + to_json(rest)[1:]
    return Response(body, media_type="application/json")
