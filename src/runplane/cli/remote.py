"""The CLI against a remote server: with `RUNPLANE_URL` (and `RUNPLANE_TOKEN` once users
exist), `runplane run` and `runplane executions ...` call the JSON API instead of opening
the database, and print the same output with the same exit codes.

A refusal (4xx problem+json) becomes the one-line error of exit code 2, worded as the
server's `detail`; a server that cannot be reached is one too.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from runplane import __version__
from runplane.cli.app import BadInput
from runplane.model import Execution, ExecutionEvent, LogLine
from runplane.model.json import event_from_json, execution_from_json, parse_iso
from runplane.tiers import Tier

TIMEOUT = 30.0
PAGE = 200


class Remote:
    """One server's API, as the CLI uses it."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
    ) -> Any:
        target = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"Accept": "application/json", "User-Agent": f"runplane-cli/{__version__}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(target, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise BadInput(_problem(exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BadInput(f"cannot reach {self.url} (RUNPLANE_URL): {reason}") from None

    def run(
        self, pipeline: str, params: dict[str, Any], dry_run: bool, queue: str | None = None
    ) -> Execution:
        request: dict[str, Any] = {"params": params, "dry_run": dry_run}
        if queue is not None:
            request["queue"] = queue
        body = self.call("POST", f"/v1/pipelines/{_segment(pipeline)}/run", body=request)
        return execution_from_json(body)

    def get(self, execution_id: str) -> Execution:
        return execution_from_json(self.detail(execution_id))

    def detail(self, execution_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/v1/executions/{_segment(execution_id)}")
        return found

    def events(self, body: dict[str, Any], after: int = 0) -> list[ExecutionEvent]:
        found = [event_from_json(body["execution_id"], e) for e in body.get("events", [])]
        return [e for e in found if (e.event_id or 0) > after]

    def log_lines(self, execution_id: str, *, after: int = 0, limit: int = 5000) -> list[LogLine]:
        lines: list[LogLine] = []
        while len(lines) < limit:
            page = self.call(
                "GET", f"/v1/executions/{_segment(execution_id)}/logs",
                query=[("after", str(after)), ("limit", str(min(1000, limit - len(lines))))],
            )  # fmt: skip
            for line in page["lines"]:
                at = parse_iso(line["at"])
                assert at is not None
                lines.append(LogLine(execution_id, line["seq"], at, line["level"], line["message"]))
            after = page["next_after"]
            if not page["has_more"] or not page["lines"]:
                break
        return lines

    def list(self, query: list[tuple[str, str]], limit: int) -> list[Execution]:
        found: list[Execution] = []
        cursor = None
        while len(found) < limit:
            page_query = [*query, ("limit", str(min(PAGE, limit - len(found))))]
            if cursor:
                page_query.append(("cursor", cursor))
            page = self.call("GET", "/v1/executions", query=page_query)
            found += [execution_from_json(item) for item in page["items"]]
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
        return found

    def retry(self, execution_id: str, params: dict[str, Any]) -> Execution:
        body = self.call(
            "POST", f"/v1/executions/{_segment(execution_id)}/retry",
            body={"params": params} if params else None,
        )  # fmt: skip
        return execution_from_json(body)

    def cancel(self, execution_id: str) -> Execution:
        return execution_from_json(
            self.call("POST", f"/v1/executions/{_segment(execution_id)}/cancel")
        )

    def compare(self, a: str, b: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call(
            "GET", "/v1/executions/compare", query=[("a", a), ("b", b)]
        )
        return found

    def bulk(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /v1/bulk`: a preview (`preview: true`) or the operation started from one."""
        found: dict[str, Any] = self.call("POST", "/v1/bulk", body=body)
        return found

    def has_history(self) -> bool:
        capabilities = self.call("GET", "/v1/capabilities")
        return bool(capabilities["features"]["history"])

    def tier(self) -> Tier:
        """The server's tier, which decides what its answers carry."""
        return Tier(self.call("GET", "/v1/capabilities")["tier"])


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _problem(exc: urllib.error.HTTPError) -> str:
    """The server's sentence, as the local command would say it (lower case, no stop)."""
    try:
        problem = json.loads(exc.read() or b"{}")
    except ValueError:
        problem = {}
    detail = str(problem.get("detail") or "")
    invalid = re.match(r"The parameters of (\S+) are not valid", detail)
    if problem.get("type", "").endswith(":invalid-params") and invalid and problem.get("errors"):
        fields = "; ".join(
            f"{e['field'].removeprefix('params.')}: {e['message']}" for e in problem["errors"]
        )
        return f"invalid parameters for {invalid[1]}: {fields}"  # as InvalidParams says it
    if not detail:
        return f"the server answered HTTP {exc.code}"
    detail = detail.rstrip(".")
    return detail[:1].lower() + detail[1:] if detail[1:2].islower() else detail
