"""Every error as `application/problem+json` (RFC 9457): type, title, status and a sentence.

Engine refusals, store look-ups, list filters and request validation each map to one
status here, so routes raise what they raise and never build error responses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from runplane.engine.errors import (
    BulkRefused,
    CancelRefused,
    InvalidBulk,
    InvalidRule,
    InvalidSchedule,
    Refused,
    RetryRefused,
    ScheduleRefused,
)
from runplane.pipelines import InvalidParams, UnknownPipeline
from runplane.store import NotFound, StorageUnavailable, storage_problem
from runplane.views.list_query import ListingError, UnknownFilterValue

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:runplane:problem:"


class FieldError(BaseModel):
    field: str = Field(description="The parameter or body field, e.g. `params.count`, `limit`.")
    message: str


class Problem(BaseModel):
    """An error: `detail` is a sentence saying what was wrong and what to do instead."""

    type: str = Field(description="A stable identifier, e.g. urn:runplane:problem:not-found.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(
        None, description="One entry per field at fault (400 and 422)."
    )
    active_execution_id: str | None = Field(
        None, description="With retry-refused: the identical run that is pending or running."
    )


class ApiProblem(Exception):
    """Raised by routes and dependencies for refusals with no engine exception behind them."""

    def __init__(self, status: int, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    errors: Sequence[FieldError] = (),
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": _TYPE + kind,
        "title": title,
        "status": status,
        "detail": sentence(detail),
    }
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses (published as problem+json)."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


def sentence(text: str) -> str:
    """Start with a capital and end with a full stop, as an operator reads it."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problems."""
    app.add_exception_handler(ApiProblem, _api_problem)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownPipeline, _unknown_pipeline)  # type: ignore[arg-type]
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidParams, _invalid_params)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidSchedule, _invalid_schedule)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidRule, _invalid_rule)  # type: ignore[arg-type]
    app.add_exception_handler(ListingError, _listing)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidBulk, _invalid_bulk)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(StorageUnavailable, _unexpected)
    app.add_exception_handler(SQLAlchemyError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)


_DESCRIPTIONS = {
    400: "Malformed request: an unknown filter value, a bad date, limit or cursor, a "
    "body that is not JSON, or a notification rule that cannot be saved.",
    401: "No valid API token.",
    403: "Not available in this tier, not allowed for the caller's role, or a write from "
    "another site (a foreign `Origin`, or `Sec-Fetch-Site: cross-site`).",
    415: "A body that is not `application/json`.",
    404: "No such execution, pipeline or schedule.",
    409: "Refused by the execution's state, a schedule defined in a file, or a bulk preview "
    "that expired, already started an operation or selects more than `max`; nothing was "
    "changed.",
    413: "The request body is larger than the server reads (RUNPLANE_MAX_BODY_BYTES).",
    422: "Invalid request body, pipeline parameters or schedule, one entry per field.",
    503: "The database cannot take this now: `type` ends in storage-full, database-busy or "
    "database-unavailable; nothing was written. Try again once /health is ok.",
}
RETRY_AFTER_SECONDS = 10
"""What a 503 tells clients to wait before trying again."""


async def _api_problem(_: Request, exc: ApiProblem) -> JSONResponse:
    return problem(exc.status, exc.kind, exc.title, exc.detail)


async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
    return problem(404, "not-found", "Not found", str(exc))


async def _unknown_pipeline(_: Request, exc: UnknownPipeline) -> JSONResponse:
    return problem(404, "unknown-pipeline", "Unknown pipeline", str(exc))


async def _refused(_: Request, exc: Refused) -> JSONResponse:
    if isinstance(exc, RetryRefused):
        return problem(
            409, "retry-refused", "Retry refused", str(exc), active_execution_id=exc.active_id
        )
    if isinstance(exc, CancelRefused):
        return problem(409, "cancel-refused", "Cancel refused", str(exc))
    if isinstance(exc, BulkRefused):
        return problem(409, "bulk-refused", "Bulk action refused", str(exc))
    if isinstance(exc, ScheduleRefused):
        return problem(409, "schedule-refused", "Schedule change refused", str(exc))
    return problem(409, "refused", "Refused", str(exc))


async def _invalid_params(_: Request, exc: InvalidParams) -> JSONResponse:
    errors = [FieldError(field=f"params.{name}", message=msg) for name, msg in exc.errors.items()]
    fields = ", ".join(exc.errors)
    return problem(
        422,
        "invalid-params",
        "Invalid parameters",
        f"the parameters of {exc.pipeline} are not valid ({fields}); see `errors` for each field",
        errors=errors,
    )


async def _invalid_schedule(_: Request, exc: InvalidSchedule) -> JSONResponse:
    errors = [FieldError(field=name, message=sentence(msg)) for name, msg in exc.errors.items()]
    fields = ", ".join(exc.errors)
    return problem(
        400 if "sla" in exc.errors else 422,  # an SLA is refused as a bad value, like a filter
        "invalid-schedule",
        "Invalid schedule",
        f"the schedule {exc.name[:100]!r} was not saved ({fields}); see `errors` for each field",
        errors=errors,
    )


async def _invalid_rule(_: Request, exc: InvalidRule) -> JSONResponse:
    return problem(400, "invalid-rule", "Invalid notification rule", str(exc))


async def _listing(_: Request, exc: ListingError) -> JSONResponse:
    if isinstance(exc, UnknownFilterValue):
        return problem(404, "unknown-pipeline", "Unknown pipeline", exc.message)
    return problem(
        400,
        "bad-query",
        "Bad query parameter",
        exc.message,
        errors=[FieldError(field=exc.param, message=sentence(exc.message))],
    )


async def _invalid_bulk(_: Request, exc: InvalidBulk) -> JSONResponse:
    return problem(
        400,
        "bad-bulk",
        "Bad bulk request",
        str(exc),
        errors=[FieldError(field=exc.field, message=sentence(str(exc)))],
    )


async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    found = list(exc.errors())
    invalid_json = next((e for e in found if e.get("type") == "json_invalid"), None)
    if invalid_json is not None:
        reason = (invalid_json.get("ctx") or {}).get("error", "malformed")
        return problem(
            400,
            "bad-body",
            "Malformed request body",
            f"the request body is not valid JSON ({reason}); send a JSON object",
        )
    in_body = all(e["loc"] and e["loc"][0] == "body" for e in found)
    errors = [FieldError(field=_field(e), message=_message(e)) for e in found]
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
    if in_body:
        detail = f"the request body is not valid ({summary}); see `errors` for each field"
        return problem(422, "invalid-body", "Invalid request body", detail, errors=errors)
    detail = f"a query or path parameter is not valid ({summary})"
    return problem(400, "bad-query", "Bad query parameter", detail, errors=errors)


async def _http(_: Request, exc: HTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed"}
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = "there is nothing at this address; the API lives under /v1 (see /docs)"
    elif exc.status_code == 405:
        detail = "this address does not take that method (see /docs)"
    response = problem(exc.status_code, "http", titles.get(exc.status_code, "HTTP error"), detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A storage failure is a 503 naming it; anything else a 500 with the error in the log."""
    found = storage_problem(exc, request.app.state.db.location)
    if found is not None:
        log.warning("%s %s: %s", request.method, request.url.path, found)
        response = problem(503, found.kind, found.title, str(found))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "internal",
        "Internal error",
        "the server failed on this request; the error is in its log",
    )


def _field(error: Any) -> str:
    location = [str(part) for part in error["loc"]]
    if location and location[0] in ("body", "query", "path", "header"):
        location = location[1:]
    return ".".join(location) or "body"


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field; remove it"
    if error.get("type") == "missing":
        return "required"
    return str(error.get("msg", "invalid")).rstrip(".")
