"""What a list of executions asks for: filters and presets parsed from query strings, the
page size, and the opaque keyset cursor. Shared by the JSON API, the dashboard and the CLI.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.bounds import RANGE_TEXT, in_range
from runplane.model.json import iso
from runplane.model.param_filters import PREFIX, ParamMatch
from runplane.model.sla import FLAGGED, SlaState
from runplane.model.timerange import DEFAULT_RANGE, LABELS, RANGES, resolve_range
from runplane.pipelines.registry import NAME as PIPELINE_NAME
from runplane.store import executions as store
from runplane.views.list_errors import ListingError as ListingError
from runplane.views.list_errors import UnknownFilterValue as UnknownFilterValue
from runplane.views.param_query import parse_params, parse_search

STATUSES = tuple(str(s) for s in ExecutionStatus)
TRIGGERS = tuple(str(t) for t in Trigger)
RANGE_NAMES = tuple(RANGES)
SLA_STATES = tuple(str(s) for s in FLAGGED)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Preset:
    """Quick filters of the executions page; each expands to explicit filters."""

    RECENT_FAILURES = "recent-failures"
    RUNNING_NOW = "running-now"
    TODAYS_RUNS = "todays-runs"
    THIS_PIPELINE = "this-pipeline"
    SLA_BREACHES = "sla-breaches"


PRESETS = (
    Preset.RECENT_FAILURES,
    Preset.RUNNING_NOW,
    Preset.TODAYS_RUNS,
    Preset.THIS_PIPELINE,
    Preset.SLA_BREACHES,
)
PRESET_LABELS = {
    Preset.RECENT_FAILURES: "Recent failures",
    Preset.RUNNING_NOW: "Running now",
    Preset.TODAYS_RUNS: "Today's runs",
    Preset.THIS_PIPELINE: "This pipeline",
    Preset.SLA_BREACHES: "SLA breaches",
}


@dataclass(frozen=True)
class ListFilters:
    """What a list shows once presets are expanded; this is what responses echo back.

    `range` is a named window relative to now; when it is None, `since`/`until` give a
    fixed window (either may be open), and all three None means no time limit.
    `params` and `search` narrow it by parameter values and free text (`param_query`).
    """

    statuses: tuple[ExecutionStatus, ...] = ()
    pipelines: tuple[str, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    range: str | None = DEFAULT_RANGE
    since: datetime | None = None
    until: datetime | None = None
    preset: str | None = None
    sla: tuple[SlaState, ...] = ()
    """At risk or breached only (advanced tier): the rows the SLA watch flagged."""
    params: tuple[ParamMatch, ...] = ()
    search: str | None = None

    @property
    def narrowed(self) -> bool:
        """Filters on parameters, free text or SLA standing: counted row by row, up to a cap."""
        return bool(self.params) or self.search is not None or bool(self.sla)

    def window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The `(since, until)` instants this filter covers at `now`."""
        if self.range is not None:
            return resolve_range(self.range, now)
        return self.since, self.until

    @property
    def window_label(self) -> str:
        """The time window in words, for headings and empty states ("the last 24 h")."""
        if self.range is not None:
            return LABELS[self.range]
        if self.since is None and self.until is None:
            return "any time"
        if self.until is None:
            return f"since {_instant_text(self.since)}"
        if self.since is None:
            return f"before {_instant_text(self.until)}"
        return f"{_instant_text(self.since)} to {_instant_text(self.until)}"

    @property
    def window_phrase(self) -> str:
        """The window as the end of a sentence: "in the last 24 h", "since …", "from … to …",
        "at any time", and "right now" for the running-now preset (which has no time limit)."""
        if self.preset == Preset.RUNNING_NOW:
            return "right now"
        label = self.window_label
        if label == "any time":
            return "at any time"
        if self.range is None:  # "since X", "before Y", "X to Y"
            return label if self.since is None or self.until is None else f"from {label}"
        return f"in {label}"

    def to_store(self, now: datetime) -> store.ExecutionFilter:
        since, until = self.window(now)
        return store.ExecutionFilter(
            statuses=frozenset(self.statuses),
            pipelines=frozenset(self.pipelines),
            triggers=frozenset(self.triggers),
            since=since,
            until=until,
            sla_states=frozenset(str(s) for s in self.sla),
            params=self.params,
            search=self.search,
        )

    def cache_key(self) -> tuple[Any, ...]:
        """Equal for filters that select the same rows, whatever preset produced them."""
        return (
            tuple(sorted(self.statuses)),
            tuple(sorted(self.pipelines)),
            tuple(sorted(self.triggers)),
            self.range,
            self.since,
            self.until,
            tuple(sorted(self.sla)),
            tuple(sorted((m.name, tuple(sorted(m.values))) for m in self.params)),
            self.search,
        )

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The applied filters, with the window resolved to instants."""
        since, until = self.window(now)
        return {
            "status": [str(s) for s in self.statuses],
            "pipeline": list(self.pipelines),
            "trigger": [str(t) for t in self.triggers],
            "range": self.range,
            "since": iso(since),
            "until": iso(until),
            "preset": self.preset,
            "sla": [str(s) for s in self.sla],
            "param": {m.name: list(m.values) for m in self.params},
            "q": self.search,
        }

    def query_params(self) -> list[tuple[str, str]]:
        """Query parameters that reproduce this view (for links and the URL bar)."""
        params: list[tuple[str, str]] = [("preset", self.preset)] if self.preset else []
        params += [("status", str(s)) for s in self.statuses]
        params += [("pipeline", p) for p in self.pipelines]
        params += [("trigger", str(t)) for t in self.triggers]
        params += [("sla", str(s)) for s in self.sla]
        if self.range is not None and self.range != DEFAULT_RANGE:
            params.append(("range", self.range))
        if self.since is not None:
            params.append(("since", _instant_text(self.since)))
        if self.until is not None:
            params.append(("until", _instant_text(self.until)))
        params += [(f"{PREFIX}{m.name}", value) for m in self.params for value in m.values]
        if self.search is not None:
            params.append(("q", self.search))
        return params


def parse_filters(
    *,
    status: Sequence[str] = (),
    pipeline: Sequence[str] = (),
    trigger: Sequence[str] = (),
    range: str | None = None,
    since: str | None = None,
    until: str | None = None,
    preset: str | None = None,
    sla: Sequence[str] = (),
    params: Sequence[tuple[str, str]] = (),
    q: str | None = None,
) -> ListFilters:
    """Validate raw query values and expand a preset; raises `ListingError` naming the value.

    Empty values count as absent, so a form's "All" option can send `status=`; `params`
    are the `(NAME, VALUE)` of `param.NAME=VALUE` filters, which need both.
    """
    statuses = tuple(
        ExecutionStatus(v) for v in _choices("status", status, STATUSES, "execution status")
    )
    triggers = tuple(Trigger(v) for v in _choices("trigger", trigger, TRIGGERS, "trigger"))
    pipelines = _pipelines(pipeline)
    flagged = tuple(SlaState(v) for v in _choices("sla", sla, SLA_STATES, "SLA state"))
    range = (range or "").strip() or None
    if range is not None and range not in RANGES:
        raise ListingError("range", f"unknown range {range!r}; use one of {', '.join(RANGE_NAMES)}")
    start = parse_instant("since", since)
    end = parse_instant("until", until)
    if range is not None and (start is not None or end is not None):
        raise ListingError("range", "use either range or since/until (a custom window), not both")
    if start is not None and end is not None and start >= end:
        raise ListingError("until", f"until ({iso(end)}) must be later than since ({iso(start)})")
    filters = ListFilters(
        statuses=statuses,
        pipelines=pipelines,
        triggers=triggers,
        range=range,
        since=start,
        until=end,
        sla=flagged,
        params=parse_params(params),
        search=parse_search(q),
    )
    preset = (preset or "").strip() or None
    if preset is not None:
        return _expand(preset, filters)
    if range is None and start is None and end is None:
        return replace(filters, range=DEFAULT_RANGE)
    return filters


def parse_instant(param: str, value: str | None) -> datetime | None:
    """An ISO-8601 instant with a zone (`2025-12-22T08:00:00Z`), as UTC; None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    example = "e.g. 2025-12-22T08:00:00Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ListingError(
            param, f"the {param} value {text!r} is not an ISO-8601 date and time ({example})"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ListingError(
            param,
            f"the {param} value {text!r} has no time zone; add Z for UTC or an offset ({example})",
        )
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not in_range(instant):
        raise ListingError(
            param,
            f"the {param} value {text!r} is out of range: it must be {RANGE_TEXT} ({example})",
        )
    return instant


def parse_limit(value: str | int | None) -> int:
    """The page size: 1..200, default 50."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise ListingError("limit", f"limit {value!r} is not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ListingError("limit", f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
    return limit


def encode_cursor(execution: Execution) -> str:
    """An opaque position after `execution`, e.g. `MjAyNS0xMi0yMlQwODowMDowMFp8YWJj`."""
    text = f"{execution.created_at.astimezone(UTC).isoformat()}|{execution.execution_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str | None) -> store.Cursor | None:
    """The `(created_at, execution_id)` behind a cursor; raises `ListingError` if malformed."""
    token = (token or "").strip()
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, execution_id = text.split("|", 1)
        at = datetime.fromisoformat(created)
        if at.tzinfo is None or not execution_id.isprintable() or len(execution_id) > 64:
            raise ValueError(text)
        return at.astimezone(UTC), execution_id
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise ListingError(
            "cursor",
            "cursor is not one this server issued; drop it to start again from the newest",
        ) from None


def _choices(param: str, values: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    chosen: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if value not in allowed:
            raise ListingError(param, f"unknown {what} {value!r}; use one of {', '.join(allowed)}")
        if value not in chosen:
            chosen.append(value)
    return chosen


MAX_PIPELINE_NAME = 200


def _pipelines(values: Sequence[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if not PIPELINE_NAME.match(value) or len(value) > MAX_PIPELINE_NAME:
            raise ListingError(
                "pipeline",
                f"pipeline name {value[:80]!r} is not valid: use dotted lowercase, "
                "e.g. runplane.noop",
            )
        if value not in chosen:
            chosen.append(value)
    return tuple(chosen)


def _expand(preset: str, f: ListFilters) -> ListFilters:
    """Apply a preset's filters; one that contradicts an explicit filter is an error."""
    custom = f.since is not None or f.until is not None
    if preset == Preset.RECENT_FAILURES:
        _require_statuses(preset, f, ExecutionStatus.FAILED)
        if custom or f.range not in (None, "24h"):
            raise _conflict(preset, "covers the last 24 h", "range or since/until")
        return replace(f, statuses=(ExecutionStatus.FAILED,), range="24h", preset=preset)
    if preset == Preset.RUNNING_NOW:
        _require_statuses(preset, f, ExecutionStatus.RUNNING)
        if custom or f.range is not None:
            raise _conflict(preset, "has no time limit", "range or since/until")
        return replace(f, statuses=(ExecutionStatus.RUNNING,), range=None, preset=preset)
    if preset == Preset.TODAYS_RUNS:
        if custom or f.range not in (None, "today"):
            raise _conflict(preset, "covers today (UTC)", "range or since/until")
        return replace(f, range="today", preset=preset)
    if preset == Preset.THIS_PIPELINE:
        if len(f.pipelines) != 1:
            raise ListingError("pipeline", "preset this-pipeline needs exactly one pipeline=NAME")
        window = f.range if f.range is not None or custom else DEFAULT_RANGE
        return replace(f, range=window, preset=preset)
    if preset == Preset.SLA_BREACHES:
        window = f.range if f.range is not None or custom else DEFAULT_RANGE
        return replace(f, sla=f.sla or FLAGGED, range=window, preset=preset)
    raise ListingError("preset", f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")


def _require_statuses(preset: str, f: ListFilters, status: ExecutionStatus) -> None:
    if f.statuses and f.statuses != (status,):
        shown = ", ".join(str(s) for s in f.statuses)
        raise _conflict(preset, f"shows {status} executions only", f"status={shown}")


def _conflict(preset: str, what: str, given: str) -> ListingError:
    return ListingError(
        "preset", f"preset {preset} {what}; it cannot be combined with {given}: drop one of them"
    )


def _instant_text(at: datetime | None) -> str:
    return iso(at) or ""
