"""The published OpenAPI document: errors as `application/problem+json`, not FastAPI's 422s,
and the bearer-token security scheme.

Query and path errors answer 400 here, so FastAPI's generated `HTTPValidationError`
responses are removed, and every declared error response is re-labelled problem+json.
Every operation but the public ones (`PUBLIC`) requires a token once users exist, and
declares the 401 it then answers without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from runplane.api.errors import PROBLEM_JSON

_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"
PUBLIC = frozenset({"/health", "/v1/capabilities"})
"""Answered without credentials (`/health` then says only its status and why)."""
SCHEME = "bearerToken"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token (`rp_...`) from `runplane tokens create NAME --user USER`, "
    "sent as `Authorization: Bearer <token>`. Needed once users exist (`runplane users add`); "
    "viewers read, operators also run, retry and cancel, admins also change schedules and "
    "read the audit trail. Cookies never authenticate the API.",
}
_UNAUTHENTICATED = {
    "description": "No valid API token: none sent while users exist, or one that is "
    "malformed, unknown, revoked or expired.",
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def query_schema(**schema: Any) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` publishing a query parameter as what it accepts on the wire.

    Routes take such parameters as optional strings and validate them themselves (to
    answer 400 with a sentence), which pydantic would publish as `anyOf: [string, null]`.
    """

    def publish(generated: dict[str, Any]) -> None:
        generated.pop("anyOf", None)
        generated.update(schema)

    return publish


def published_openapi(app: FastAPI) -> dict[str, Any]:
    """Build the document once per application."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            _fix_responses(operation.get("responses", {}))
            if path in PUBLIC:
                operation["security"] = []
            else:
                responses = operation.setdefault("responses", {})
                responses.setdefault("401", _UNAUTHENTICATED)
                operation["responses"] = dict(sorted(responses.items()))
    components = document.setdefault("components", {})
    components["securitySchemes"] = {SCHEME: SECURITY_SCHEME}
    document["security"] = [{SCHEME: []}]
    schemas = components.get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = document
    return document


def _fix_responses(responses: dict[str, Any]) -> None:
    for status in list(responses):
        content = responses[status].get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if schema.get("$ref") == _FASTAPI_VALIDATION:
            del responses[status]
        elif _is_problem(status, schema) and "application/json" in content:
            content[PROBLEM_JSON] = content.pop("application/json")
    if "503" in responses:  # documented on every router: listed after the route's own
        responses["503"] = responses.pop("503")


def _is_problem(status: str, schema: dict[str, Any]) -> bool:
    """Declared errors are problems, except /health's 503: its own report of the server."""
    return status.isdigit() and int(status) >= 400 and schema.get("$ref") != _HEALTH


_HEALTH = "#/components/schemas/HealthOut"
