"""SLA durations and the rules that say how an execution stands against its limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.model.sla import (
    SLA,
    InvalidDuration,
    SlaFacts,
    SlaKind,
    SlaState,
    SlaStatus,
    evaluate,
    format_duration,
    parse_duration,
)

T0 = datetime(2025, 12, 23, 11, 0, tzinfo=UTC)  # Tuesday 06:00 in New York
SLA_BOTH = SLA(max_duration="30m", complete_within="1h")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("30m", 1800), ("1h30m", 5400), ("2h", 7200), ("1m5s", 65)]
)
def test_durations_read_and_write_back(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["", "30", "30x", "1.5h", "m", "0s", "-5m", "30m1h"])
def test_a_bad_duration_says_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidDuration, match="like 45s, 30m or 1h30m"):
        parse_duration(text)


def test_an_sla_names_the_field_whose_duration_is_wrong() -> None:
    with pytest.raises(InvalidDuration, match="SLA complete_within: '1 hour' is not a duration"):
        SLA(max_duration="30m", complete_within="1 hour").check()
    with pytest.raises(InvalidDuration, match="needs max_duration or complete_within"):
        SLA().check()


def test_a_schedules_limits_add_to_and_override_the_pipelines() -> None:
    merged = SLA(max_duration="30m").merged(SLA(complete_within="1h"))
    assert merged == SLA_BOTH
    assert SLA_BOTH.merged(SLA(max_duration="45m")).max_duration == "45m"
    assert merged.describe() == "maximum duration 30m, completed within 1h"


def running(started: float, deadline: bool = False, **more: object) -> SlaFacts:
    return SlaFacts(
        pending=False, started_at=at(started), ended_at=None,
        deadline=at(60) if deadline else None, chain_active=True, **more,  # type: ignore[arg-type]
    )  # fmt: skip


def test_max_duration_is_met_then_at_risk_past_80_percent_then_breached() -> None:
    sla = SLA(max_duration="30m")
    assert evaluate(sla, running(0), at(20)).state is SlaState.MET
    risk = evaluate(sla, running(0), at(25))
    assert (risk.state, risk.kind, risk.since) == (SlaState.AT_RISK, SlaKind.MAX_DURATION, at(24))
    late = evaluate(sla, running(0), at(40))
    assert (late.state, late.breached_by_seconds, late.since) == (SlaState.BREACHED, 600, at(30))
    assert not late.settled


def test_a_finished_run_is_settled_met_or_breached_by_its_duration() -> None:
    sla = SLA(max_duration="30m")
    ok = SlaFacts(pending=False, started_at=at(0), ended_at=at(29))
    assert evaluate(sla, ok, at(90)) == SlaStatus(
        SlaState.MET, {"max_duration": "30m", "complete_within": None}, settled=True
    )
    slow = SlaFacts(pending=False, started_at=at(0), ended_at=at(35))
    found = evaluate(sla, slow, at(90))
    assert (found.state, found.breached_by_seconds, found.settled) == (
        SlaState.BREACHED, 300, True,
    )  # fmt: skip


def test_complete_within_is_at_risk_past_80_percent_then_breached_at_the_deadline() -> None:
    sla = SLA(complete_within="1h")
    assert evaluate(sla, running(0, deadline=True), at(40)).state is SlaState.MET
    risk = evaluate(sla, running(0, deadline=True), at(50))
    assert (risk.state, risk.kind, risk.since) == (
        SlaState.AT_RISK, SlaKind.COMPLETE_WITHIN, at(48),
    )  # fmt: skip
    late = evaluate(sla, running(0, deadline=True), at(75))
    assert (late.state, late.breached_by_seconds, late.since) == (SlaState.BREACHED, 900, at(60))


def test_a_pending_run_is_at_risk_once_its_median_run_time_no_longer_fits() -> None:
    sla = SLA(complete_within="1h")
    waiting = SlaFacts(
        pending=True, started_at=None, ended_at=None, deadline=at(60), chain_active=True,
        median_seconds=20 * 60,
    )  # fmt: skip
    assert evaluate(sla, waiting, at(39)).state is SlaState.MET
    risk = evaluate(sla, waiting, at(41))
    assert (risk.state, risk.since) == (SlaState.AT_RISK, at(40))


def test_complete_within_is_met_by_any_attempt_of_the_chain_in_time() -> None:
    failed_first = SlaFacts(
        pending=False, started_at=at(0), ended_at=at(10), deadline=at(60),
        chain_completed_at=at(50), chain_active=False,
    )  # fmt: skip
    found = evaluate(SLA_BOTH, failed_first, at(90))
    assert (found.state, found.settled) == (SlaState.MET, True)


def test_a_chain_completed_late_is_breached_by_how_late() -> None:
    facts = SlaFacts(
        pending=False, started_at=at(70), ended_at=at(80), deadline=at(60),
        chain_completed_at=at(80),
    )  # fmt: skip
    found = evaluate(SLA_BOTH, facts, at(90))
    assert (found.state, found.kind, found.breached_by_seconds, found.since, found.settled) == (
        SlaState.BREACHED, SlaKind.COMPLETE_WITHIN, 1200, at(60), True,
    )  # fmt: skip


def test_complete_within_does_not_apply_without_a_scheduled_instant() -> None:
    manual = SlaFacts(pending=False, started_at=at(0), ended_at=None)
    assert evaluate(SLA(complete_within="1h"), manual, at(600)).state is SlaState.MET


def test_the_stored_state_is_empty_once_met_for_good() -> None:
    assert SlaStatus(SlaState.MET, {}, settled=True).stored_state is None
    assert SlaStatus(SlaState.MET, {}).stored_state == "met"
    breach = SlaStatus(SlaState.BREACHED, {}, SlaKind.MAX_DURATION, 5.0, T0, settled=True)
    assert breach.stored_state == "breached"
    assert SlaStatus.from_json(breach.to_record()) == breach
    assert breach.to_json() == {
        "state": "breached",
        "limits": {},
        "kind": "max_duration",
        "breached_by_seconds": 5.0,
        "since": "2025-12-23T11:00:00Z",
    }
