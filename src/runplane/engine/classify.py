"""Failure classification: a table of rules turns an exception into an `ExecutionError`.

The first matching rule wins: the pipeline's own rules, then `RULES` below. Rules match
on exception types (and for database errors on the driver's message), never on the
text of an arbitrary exception, so a `KeyError` in pipeline code stays `unknown`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import string
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from runplane.model import ErrorClass, ExecutionError, SuggestedAction
from runplane.pipelines.errors import (
    ConfigError,
    DataError,
    DependencyError,
    InvalidParams,
    PipelineError,
    TransientError,
)
from runplane.pipelines.rules import ErrorRule

_DB_ERRORS: tuple[type[BaseException] | str, ...] = (
    sqlite3.OperationalError,
    "sqlalchemy.exc.OperationalError",
    "psycopg.errors.SerializationFailure",
    "psycopg.errors.DeadlockDetected",
)

_RETRY_LATER = "Wait {wait} and retry; the failure is likely to pass"
_ESCALATE = "If it still fails after 1 hour, escalate to the platform team"

RULES: tuple[ErrorRule, ...] = (
    ErrorRule(
        name="http-5xx",
        cause="upstream service unavailable",
        classification=ErrorClass.TRANSIENT,
        exceptions=(TransientError,),
        status_codes=frozenset({500, 502, 503, 504}),
        title="HTTP {status_code}: {reason}",
        summary="Request to {url} failed. The upstream service returned a {status_code} error.",
        actions=(_RETRY_LATER, "Check {host}'s status page for maintenance or outages", _ESCALATE),
    ),
    ErrorRule(
        name="http-429",
        cause="upstream rate limit",
        classification=ErrorClass.TRANSIENT,
        exceptions=(TransientError,),
        status_codes=frozenset({429}),
        title="HTTP 429: Too Many Requests",
        summary="{host} is rate-limiting requests to {url}. Runs made too soon will be refused too.",
        actions=("Wait 15 minutes and retry", "Check how many runs call {host} at once", _ESCALATE),
    ),
    ErrorRule(
        name="upstream-unreachable",
        cause="upstream unreachable",
        classification=ErrorClass.TRANSIENT,
        exceptions=(TransientError,),
        requires_status=False,
        title="Upstream unreachable: {host}",
        summary="{message}. The connection to {url} timed out or was refused or reset.",
        actions=(_RETRY_LATER, "Check that {host} is up and reachable from the worker", _ESCALATE),
    ),
    ErrorRule(
        name="network",
        cause="network error",
        classification=ErrorClass.TRANSIENT,
        exceptions=(
            TimeoutError,
            ConnectionRefusedError,
            ConnectionResetError,
            ConnectionAbortedError,
        ),
        title="Network error: {type}",
        summary="{message}. A connection timed out or was refused or reset.",
        actions=(_RETRY_LATER, "Check that the upstream is up and reachable", _ESCALATE),
    ),
    ErrorRule(
        name="database-busy",
        cause="database busy",
        classification=ErrorClass.TRANSIENT,
        exceptions=_DB_ERRORS,
        message=re.compile(
            r"database is locked|could not serialize access|deadlock detected", re.IGNORECASE
        ),
        title="Database busy: {type}",
        summary="{message}. Another transaction held the lock or conflicted with this one.",
        actions=(_RETRY_LATER, "If it recurs, look for long transactions on the database"),
    ),
    ErrorRule(
        name="storage-full",
        classification=ErrorClass.TRANSIENT,
        exceptions=(*_DB_ERRORS, "psycopg.errors.DiskFull", OSError),
        message=re.compile(
            r"database or disk is full|no space left on device|could not extend file", re.I
        ),
        title="Storage full: {type}",
        summary="{message}. The disk the run wrote to had no space left; nothing was published.",
        actions=("Free space on that disk", "Then retry: the run can start over safely"),
    ),
    ErrorRule(
        name="file-name-too-long",
        classification=ErrorClass.CONFIG,
        exceptions=(OSError,),
        message=re.compile(r"file name too long", re.I),
        title="File name too long",
        summary="{message}. A path the run was given is longer than the file system allows.",
        actions=(
            "Shorten the path in the parameters (each part at most 255 bytes), then run again",
        ),
    ),
    ErrorRule(
        name="http-4xx",
        cause="source not available",
        classification=ErrorClass.DATA,
        exceptions=(DataError,),
        requires_status=True,
        title="HTTP {status_code}: {reason}",
        summary="Request to {url} was refused with {status_code}. The source is not available there.",
        actions=(
            "Check that the source URL is right and the data is published for these parameters",
            "Retry once the source is available",
        ),
    ),
    ErrorRule(
        name="data",
        cause="input data unusable",
        classification=ErrorClass.DATA,
        exceptions=(DataError,),
        title="Data problem in {source_name}",
        summary="{message}. Nothing was published; runs that read it fail the same way until "
        "it is fixed.",
        actions=(
            "Check that the source is available and its contents are sound",
            "Fix or replace the file, then retry",
        ),
    ),
    ErrorRule(
        name="file-unreadable",
        cause="input file unreadable",
        classification=ErrorClass.DATA,
        exceptions=(FileNotFoundError, IsADirectoryError, PermissionError),
        title="File unreadable: {type}",
        summary="{message}. The input file is missing or cannot be read.",
        actions=("Check that the file exists and is readable by the worker", "Retry once it is"),
    ),
    ErrorRule(
        name="invalid-params",
        cause="parameters refused",
        classification=ErrorClass.CONFIG,
        exceptions=(InvalidParams,),
        title="Invalid parameters",
        summary="{message}. The run was refused before it did any work.",
        actions=("Change the parameters named above and run again",),
    ),
    ErrorRule(
        name="config",
        cause="bad parameter value",
        classification=ErrorClass.CONFIG,
        exceptions=(ConfigError,),
        title="Configuration problem: {parameter}",
        summary="{message}. Nothing was written.",
        actions=("Change the parameter `{parameter}` and retry with the new value",),
    ),
    ErrorRule(
        name="dependency",
        cause="prerequisite missing",
        classification=ErrorClass.DEPENDENCY,
        exceptions=(DependencyError,),
        title="Missing prerequisite: {prerequisite}",
        summary="{message}, so this run wrote nothing; it can succeed once that has completed.",
        actions=("Run {prerequisite} first", "Then retry this execution"),
    ),
)

UNKNOWN_RULE = ErrorRule(
    name="unknown",
    cause="no rule recognises the error",
    classification=ErrorClass.UNKNOWN,
    exceptions=(BaseException,),
    title="{type}: {message}",
    summary="The pipeline raised {type}, which no rule recognises. The logs hold the traceback.",
    actions=(
        "Read the logs from the first error",
        "If the cause is unclear, escalate to the pipeline's owner",
    ),
)


def classify(
    exc: BaseException,
    *,
    pipeline: str,
    rules: Sequence[ErrorRule] = (),
    traceback: str | None = None,
) -> ExecutionError:
    """Explain a pipeline's exception with the first matching rule (`rules`, then `RULES`)."""
    details = _details(exc)
    status_code = details.get("status_code")
    rule = next(
        (r for r in (*rules, *RULES) if r.matches(exc, status_code)),
        UNKNOWN_RULE,
    )
    actions = tuple(SuggestedAction(text=_fill(a, details)) for a in rule.actions)
    if isinstance(exc, DependencyError):
        run = {"pipeline": exc.pipeline, "params": exc.params}
        actions = (SuggestedAction(text=_fill(rule.actions[0], details), run=run), *actions[1:])
    message = details["message"]
    return ExecutionError(
        type=type(exc).__name__,
        message=message,
        classification=rule.classification,
        title=_fill(rule.title, details),
        summary=_capital(_fill(rule.summary, details)),
        cause=rule.cause,
        suggested_actions=actions,
        traceback=traceback,
        fingerprint=fingerprint(pipeline, rule.classification, message),
        details={k: v for k, v in details.items() if v is not None and k in _STORED},
    )


def worker_lost(*, pipeline: str, reason: str, host: str | None) -> ExecutionError:
    """The failure recorded when the process running an execution died or vanished."""
    where = host or "its worker's host"
    return ExecutionError(
        type="WorkerLost",
        message=reason,
        classification=ErrorClass.WORKER_LOST,
        title="Worker lost",
        cause="the process running it ended without a result",
        summary=f"{reason}. The run never reported a result, so nothing it wrote was published.",
        suggested_actions=(
            SuggestedAction("Retry: it is safe, nothing from this run was published"),
            SuggestedAction(f"Check {where} for memory pressure, restarts or killed processes"),
        ),
        fingerprint=fingerprint(pipeline, ErrorClass.WORKER_LOST, "worker lost"),
        details={"host": host} if host else {},
    )


_STORED = {"url", "host", "status_code", "file", "row", "parameter", "pipeline", "params"}
_NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<id>"),
    (re.compile(r"cap_\d{8}_\d{6}_[0-9a-f]+"), "<capture>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?"),
        "<time>",
    ),
    (re.compile(r"0x[0-9a-f]+", re.I), "<hex>"),
    (re.compile(r"\d+(\.\d+)?"), "<n>"),
]


def fingerprint(pipeline: str, classification: ErrorClass, message: str) -> str:
    """Groups failures that differ only in numbers, ids and timestamps."""
    normalised = message.lower()
    for pattern, replacement in _NORMALISE:
        normalised = pattern.sub(replacement, normalised)
    text = f"{pipeline}\n{classification}\n{' '.join(normalised.split())}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _details(exc: BaseException) -> dict[str, Any]:
    message = exc.message if isinstance(exc, PipelineError) else str(exc)
    details: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": (message or type(exc).__name__).rstrip("."),
    }
    if isinstance(exc, PipelineError):
        details.update(exc.details())
    url = details.get("url")
    details["host"] = urlsplit(url).hostname if url else None
    status = details.get("status_code")
    if status is not None:
        try:
            details["reason"] = HTTPStatus(status).phrase
        except ValueError:
            details["reason"] = "HTTP error"
    if status in (502, 503, 504):
        details["wait"] = "5-10 minutes"
    if isinstance(exc, DependencyError):
        params_text = " / ".join(str(v) for v in exc.params.values())
        details["params_text"] = params_text
        details["prerequisite"] = (
            f"{exc.pipeline} for {params_text}" if params_text else exc.pipeline
        )
    if isinstance(exc, DataError):
        where = exc.file or exc.url or "source"
        details["where"] = f"{where}, line {exc.row}" if exc.row else where
        name = PurePosixPath(urlsplit(where).path or where).name or where
        details["source_name"] = f"{name}, line {exc.row}" if exc.row else name
    return details


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return {"wait": "a few minutes", "host": "the upstream", "url": "the upstream"}.get(
            key, "?"
        )


def _capital(text: str) -> str:
    """A summary starts a sentence, even when it starts with the exception's own message."""
    return text[:1].upper() + text[1:]


def _fill(template: str, details: Mapping[str, Any]) -> str:
    values = _Blank({k: v for k, v in details.items() if v is not None})
    return string.Formatter().vformat(template, (), values)
