"""Service-level agreements of a pipeline or schedule, and how one execution stands against
them: `met`, `at_risk` or `breached` (by how much, since when). Plain types and rules; the
engine's SLA watch applies them and the store keeps what they answered.

    SLA(max_duration="30m", complete_within="1h")
    parse_duration("1h30m")  # 5400.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
DURATION_RULE = "write a duration like 45s, 30m or 1h30m"
AT_RISK_SHARE = 0.8
"""Running past this share of a limit puts an execution at risk."""


class InvalidDuration(ValueError):
    """A duration that is not `45s`, `30m`, `1h30m`, or is zero."""


def parse_duration(text: str) -> float:
    """Seconds in `45s`, `30m`, `1h30m`; raises `InvalidDuration` saying how to write one."""
    value = text.strip() if isinstance(text, str) else ""
    match = DURATION.match(value)
    if not value or match is None:
        raise InvalidDuration(f"{text!r} is not a duration; {DURATION_RULE}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise InvalidDuration(f"{text!r} is zero; {DURATION_RULE}")
    return float(total)


def format_duration(seconds: float) -> str:
    """The shortest text `parse_duration` reads back: `45s`, `30m`, `1h30m`, `2h`."""
    whole = max(1, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs else "")


class SlaKind(StrEnum):
    """The two limits: one execution's run time, and a scheduled instant's completion."""

    MAX_DURATION = "max_duration"
    COMPLETE_WITHIN = "complete_within"

    @property
    def label(self) -> str:
        return "maximum duration" if self is SlaKind.MAX_DURATION else "completed within"


class SlaState(StrEnum):
    MET = "met"
    AT_RISK = "at_risk"
    BREACHED = "breached"


FLAGGED = (SlaState.BREACHED, SlaState.AT_RISK)
"""The states the list marks and the `sla=` filter selects."""


@dataclass(frozen=True)
class SLA:
    """What a pipeline (at registration) or a schedule promises, as written:
    `SLA(max_duration="30m", complete_within="1h")`. `check()` says what is wrong."""

    max_duration: str | None = None
    complete_within: str | None = None

    def check(self) -> None:
        """Raise `InvalidDuration` naming the field whose duration is not one."""
        for kind in SlaKind:
            text = getattr(self, kind.value)
            if text is None:
                continue
            try:
                parse_duration(text)
            except InvalidDuration as exc:
                raise InvalidDuration(f"SLA {kind.value}: {exc}") from None
        if self.max_duration is None and self.complete_within is None:
            raise InvalidDuration("an SLA needs max_duration or complete_within (e.g. 30m)")

    def limits(self) -> dict[SlaKind, float]:
        """Each declared limit in seconds (call `check()` first)."""
        found = {kind: getattr(self, kind.value) for kind in SlaKind}
        return {kind: parse_duration(text) for kind, text in found.items() if text is not None}

    def merged(self, override: SLA | None) -> SLA:
        """This SLA with a schedule's limits added or replacing its own."""
        if override is None:
            return self
        return SLA(
            max_duration=override.max_duration or self.max_duration,
            complete_within=override.complete_within or self.complete_within,
        )

    def to_json(self) -> dict[str, str | None]:
        """Both limits as written, null where not declared."""
        return {kind.value: getattr(self, kind.value) for kind in SlaKind}

    @classmethod
    def from_json(cls, body: dict[str, Any] | None) -> SLA | None:
        if not body:
            return None
        return cls(
            max_duration=body.get("max_duration"), complete_within=body.get("complete_within")
        )

    def describe(self) -> str:
        """`maximum duration 30m, completed within 1h`, for pages and tables."""
        return ", ".join(f"{SlaKind(k).label} {v}" for k, v in self.to_json().items() if v)


@dataclass(frozen=True)
class SlaStatus:
    """How an execution stands against its SLA; `kind` is the limit that decided it (None
    when met), `since` when it went at risk or was breached, `settled` once it can no
    longer change."""

    state: SlaState
    limits: dict[str, str | None]
    kind: SlaKind | None = None
    breached_by_seconds: float | None = None
    since: datetime | None = None
    settled: bool = False

    def to_json(self) -> dict[str, Any]:
        """The execution JSON's `sla`."""
        return {
            "state": str(self.state),
            "limits": dict(self.limits),
            "kind": None if self.kind is None else str(self.kind),
            "breached_by_seconds": self.breached_by_seconds,
            "since": None if self.since is None else self.since.isoformat().replace("+00:00", "Z"),
        }

    @property
    def stored_state(self) -> str | None:
        """The indexed `sla_state` column: empty once met for good, so the index holds
        only what the watch still follows and the breaches the list filters on."""
        return None if self.settled and self.state is SlaState.MET else str(self.state)

    def to_record(self) -> dict[str, Any]:
        """What the store keeps: the JSON and whether it can still change."""
        return self.to_json() | {"settled": self.settled}

    @classmethod
    def from_json(cls, body: dict[str, Any] | None) -> SlaStatus | None:
        if not body:
            return None
        since = body.get("since")
        return cls(
            state=SlaState(body["state"]),
            limits=dict(body.get("limits") or {}),
            kind=None if body.get("kind") is None else SlaKind(body["kind"]),
            breached_by_seconds=body.get("breached_by_seconds"),
            since=None if since is None else datetime.fromisoformat(since.replace("Z", "+00:00")),
            settled=bool(body.get("settled")),
        )


@dataclass(frozen=True)
class SlaFacts:
    """What the rules need of one execution and its retry chain.

    `deadline` is the scheduled instant plus `complete_within` (None unless the chain
    began at a scheduled instant); `chain_completed_at` the earliest completion of any
    attempt of that chain; `median_seconds` the pipeline's median run time lately.
    """

    pending: bool
    started_at: datetime | None
    ended_at: datetime | None
    deadline: datetime | None = None
    chain_completed_at: datetime | None = None
    chain_active: bool = False
    median_seconds: float | None = None


def evaluate(sla: SLA, facts: SlaFacts, now: datetime) -> SlaStatus:
    """The worse of the two limits' answers at `now` (breached, then at risk, then met)."""
    limits = sla.limits()
    found: list[SlaStatus] = []
    shown = sla.to_json()
    if SlaKind.MAX_DURATION in limits:
        found.append(_max_duration(limits[SlaKind.MAX_DURATION], facts, now, shown))
    if SlaKind.COMPLETE_WITHIN in limits and facts.deadline is not None:
        found.append(_complete_within(limits[SlaKind.COMPLETE_WITHIN], facts, now, shown))
    if not found:
        return SlaStatus(SlaState.MET, shown, settled=facts.ended_at is not None)
    order = {SlaState.BREACHED: 0, SlaState.AT_RISK: 1, SlaState.MET: 2}
    worst = min(found, key=lambda s: order[s.state])
    return SlaStatus(
        worst.state, shown, worst.kind, worst.breached_by_seconds, worst.since,
        settled=all(s.settled for s in found),
    )  # fmt: skip


def _max_duration(
    limit: float, f: SlaFacts, now: datetime, shown: dict[str, str | None]
) -> SlaStatus:
    kind = SlaKind.MAX_DURATION
    if f.started_at is None:
        return SlaStatus(SlaState.MET, shown, settled=f.ended_at is not None)
    end = f.ended_at or now
    ran = (end - f.started_at).total_seconds()
    since = f.started_at + timedelta(seconds=limit)
    if ran > limit:
        return SlaStatus(SlaState.BREACHED, shown, kind, ran - limit, since, f.ended_at is not None)
    if f.ended_at is None and ran > AT_RISK_SHARE * limit:
        at_risk = f.started_at + timedelta(seconds=AT_RISK_SHARE * limit)
        return SlaStatus(SlaState.AT_RISK, shown, kind, since=at_risk)
    return SlaStatus(SlaState.MET, shown, settled=f.ended_at is not None)


def _complete_within(
    limit: float, f: SlaFacts, now: datetime, shown: dict[str, str | None]
) -> SlaStatus:
    """Met by any attempt of the chain completing by the deadline; a retry keeps the clock."""
    kind = SlaKind.COMPLETE_WITHIN
    deadline = f.deadline
    assert deadline is not None
    done = f.chain_completed_at
    if done is not None and done <= deadline:
        return SlaStatus(SlaState.MET, shown, settled=True)
    if done is not None or now > deadline:
        end = done or now
        late = (end - deadline).total_seconds()
        settled = done is not None or not f.chain_active
        return SlaStatus(SlaState.BREACHED, shown, kind, late, deadline, settled)
    instant = deadline - timedelta(seconds=limit)
    risk_at = instant + timedelta(seconds=AT_RISK_SHARE * limit)
    if f.started_at is not None and f.ended_at is None and now > risk_at:
        return SlaStatus(SlaState.AT_RISK, shown, kind, since=risk_at)
    if f.pending and f.median_seconds is not None:
        latest_start = deadline - timedelta(seconds=f.median_seconds)
        if now > latest_start:
            return SlaStatus(SlaState.AT_RISK, shown, kind, since=latest_start)
    return SlaStatus(SlaState.MET, shown)
