"""Two executions side by side: what differs in their parameters, status, duration, rows,
peak memory, cost and output figures, and the first line where their logs diverge. The
compare page, `GET /v1/executions/compare` and `runplane executions compare` read this.

Logs are compared line by line in `seq` order, streamed a batch at a time from each
(memory stays at two batches, whatever their length), on the level and the message with
what differs from run to run masked (`mask_line`), so two runs that did the same thing
read as identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution, LogLine
from runplane.model.json import iso
from runplane.store import NotFound
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store import successes as success_store
from runplane.tiers import Feature, Tier, includes
from runplane.views.baseline import MEASURES, NAMES
from runplane.views.list_query import ListingError

MEASURE_FEATURES = {"peak_rss": Feature.RESOURCES, "cost": Feature.COST}
"""The measures a tier may lock (null in the JSON, the locked wording on the page)."""
LOG_BATCH = 1000

_MASKS = (
    (re.compile(r"cap_\d{8}_\d{6}_[0-9a-f]{6}"), "<capture>"),
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<time>",
    ),
    (re.compile(r"(?<!\d)\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"), "<time>"),
    (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "<id>",
    ),
    (
        re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{6,}(?![0-9A-Za-z])"),
        "<id>",
    ),
    (re.compile(r"\bpid[ =:]?\d+"), "pid <n>"),
    (
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?)(?![\w])"
        ),
        "<duration>",
    ),
)


def mask_line(text: str) -> str:
    """`08:10:15.123 took 1.52s for 45934f8b-...` reads `<time> took <duration> for <id>`:
    ISO timestamps and times of day, UUIDs, hex ids of 6+ digits (with a letter and a digit),
    capture ids, process ids and numbers with a time unit (ms, s, m, h) are masked; other
    numbers (row counts) are not, since they are what a divergence is about."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Divergence:
    """Where two logs part: `identical`, `differ` (both lines given), or `a_ends_first` /
    `b_ends_first` (the other's next line given)."""

    result: str
    line_a: LogLine | None = None
    line_b: LogLine | None = None
    compared: int = 0
    """Lines read in each before the answer."""


@dataclass(frozen=True)
class Comparison:
    a: Execution
    b: Execution
    divergence: Divergence


def parse_pair(a: str | None, b: str | None) -> tuple[str, str]:
    """The two ids a comparison needs; raises `ListingError` naming the one missing, and
    `NotFound` for one no execution can have (a NUL byte)."""
    for name, value in (("a", a), ("b", b)):
        if not value:
            raise ListingError(
                name, f"give both executions to compare (?a=ID&b=ID): {name} is missing"
            )
        if "\x00" in (value or ""):
            raise NotFound(f"no execution with id {value!r}")
    return a or "", b or ""


def load_comparison(conn: Connection, a: str, b: str) -> Comparison:
    """Both executions (whole ids or unique prefixes) and their first log divergence.
    Raises `NotFound` (or `AmbiguousId`) naming the id that does not fit."""
    first = store.get_execution(conn, store.resolve_execution_id(conn, a))
    second = store.get_execution(conn, store.resolve_execution_id(conn, b))
    return Comparison(
        first, second, first_divergence(conn, first.execution_id, second.execution_id)
    )


def find_last_success(conn: Connection, execution: Execution) -> Execution | None:
    """The latest successful run of the same pipeline before `execution`: what "compare
    with the last success" opens beside it."""
    position = (execution.created_at, execution.execution_id)
    found = success_store.list_success_keys(conn, execution.pipeline, position, limit=1)
    return store.find_execution(conn, found[0][0]) if found else None


def first_divergence(conn: Connection, a: str, b: str) -> Divergence:
    """The first pair of lines that differ once masked, reading both logs in step."""
    compared = 0
    for left, right in zip_longest(_lines(conn, a), _lines(conn, b)):
        if left is None:
            return Divergence("a_ends_first", None, right, compared)
        if right is None:
            return Divergence("b_ends_first", left, None, compared)
        compared += 1
        same = left.level == right.level and left.message == right.message
        if not same and _key(left) != _key(right):
            return Divergence("differ", left, right, compared)
    return Divergence("identical", compared=compared)


def _lines(conn: Connection, execution_id: str) -> Iterator[LogLine]:
    return log_store.iter_log_lines(conn, execution_id, batch=LOG_BATCH)


def _key(line: LogLine) -> str:
    return f"{line.level} {mask_line(line.message)}"


def params_diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """`added` (only in b), `removed` (only in a), `changed` (`{"a", "b"}`) and `same`."""
    return {
        "added": {k: v for k, v in b.items() if k not in a},
        "removed": {k: v for k, v in a.items() if k not in b},
        "changed": {k: {"a": a[k], "b": b[k]} for k in a if k in b and a[k] != b[k]},
        "same": {k: v for k, v in a.items() if k in b and a[k] == b[k]},
    }


def output_figures(output: dict[str, Any] | None) -> dict[str, Any]:
    """The scalar top-level fields of an output and the scalar entries of its `figures`
    (a figure named like a top-level field is `figures.<name>`)."""
    output = output or {}
    found = {k: v for k, v in output.items() if _scalar(v)}
    for name, value in (output.get("figures") or {}).items():
        if _scalar(value):
            found[f"figures.{name}" if name in found else name] = value
    return found


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def compare_json(c: Comparison, tier: Tier) -> dict[str, Any]:
    """`GET /v1/executions/compare`: both sides of every figure; a measure of a feature
    `tier` lacks (peak memory, cost below advanced) is null."""
    left, right = output_figures(c.a.output), output_figures(c.b.output)
    names = list(left) + [n for n in right if n not in left]
    return {
        "a": _head(c.a),
        "b": _head(c.b),
        "params": params_diff(c.a.params, c.b.params),
        "measures": {
            name: None
            if name in MEASURE_FEATURES and not includes(tier, MEASURE_FEATURES[name])
            else {"a": _value(name, c.a), "b": _value(name, c.b)}
            for name in NAMES
        },
        "figures": [{"name": n, "a": left.get(n), "b": right.get(n)} for n in names],
        "logs": _divergence_json(c.divergence),
    }


def _value(name: str, e: Execution) -> float | None:
    value_of = MEASURES.get(name)
    return None if value_of is None else value_of(e)


def _head(e: Execution) -> dict[str, Any]:
    return {
        "execution_id": e.execution_id,
        "pipeline": e.pipeline,
        "status": str(e.status),
        "attempt": e.attempt,
        "created_at": iso(e.created_at),
        "params": e.params,
        "cost_currency": e.cost_currency,
    }


def _divergence_json(d: Divergence) -> dict[str, Any]:
    return {
        "result": d.result,
        "compared": d.compared,
        "line_a": None if d.line_a is None else d.line_a.seq,
        "line_b": None if d.line_b is None else d.line_b.seq,
        "text_a": None if d.line_a is None else d.line_a.as_text(),
        "text_b": None if d.line_b is None else d.line_b.as_text(),
    }


def logs_text(logs: dict[str, Any]) -> str:
    """The log comparison in words, from `compare_json`'s `logs`."""
    n = logs["compared"]
    lines = f"{n:,} line{'' if n == 1 else 's'}"
    match logs["result"]:
        case "identical" if n == 0:
            return "logs identical (neither run logged a line)"
        case "identical":
            return f"logs identical ({lines}, timestamps and ids masked)"
        case "differ":
            return f"logs diverge at line {logs['line_a']} of A and line {logs['line_b']} of B"
        case "a_ends_first":
            return f"one log ends first: A after {lines}; B goes on at line {logs['line_b']}"
        case _:
            return f"one log ends first: B after {lines}; A goes on at line {logs['line_a']}"
