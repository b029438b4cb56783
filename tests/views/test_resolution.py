"""Where a failure stands now: its automatic retry's state is read when asked, never the
note written when it failed; a success later in its chain resolves it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from runplane.model import ErrorClass, ExecutionError, SuggestedAction
from runplane.store import Database
from runplane.store import executions as store
from runplane.views.execution_detail import detail_json, load_execution_detail
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 6, 52, 34, tzinfo=UTC)
ACTIONS = (
    SuggestedAction("Wait 5-10 minutes and retry"),
    SuggestedAction("Check api.finra.org's status page for maintenance or outages"),
)


def failure(retry_id: str | None = None, at: datetime = T0) -> ExecutionError:
    """A 503 as lifecycle stores it: the retry note first when it scheduled one."""
    note = (
        ()
        if retry_id is None
        else (
            SuggestedAction(
                f"Automatic retry scheduled for {at:%H:%M:%S} UTC (attempt 2 of 3): "
                "no action needed yet",
                execution_id=retry_id,
            ),
        )
    )
    return ExecutionError(
        type="TransientError",
        message="HTTP 503 from api.finra.org",
        classification=ErrorClass.TRANSIENT,
        title="HTTP 503: Service Unavailable",
        summary="The upstream returned 503.",
        suggested_actions=(*note, *ACTIONS),
        fingerprint="fp",
    )


def chain(db: Database, second: str, third: str | None) -> tuple[str, str, str | None]:
    """Attempt 1 failed; attempt 2 in status `second`; attempt 3 in `third` (if any)."""
    with db.write() as conn:
        first = make_execution(conn, status="failed", created_at=T0 - timedelta(minutes=1))
        two = make_execution(
            conn, status=second, attempt=2, retry_of=first.execution_id, created_at=T0,
            triggered_by=f"auto-retry:{first.execution_id}", not_before=T0,
            error=failure() if second == "failed" else None,
            **({"started_at": None} if second == "pending" else {}),
        )  # fmt: skip
        store.update_execution(conn, first.execution_id, error=failure(two.execution_id).to_dict())
        three = None
        if third is not None:
            three = make_execution(
                conn, status=third, attempt=3, retry_of=two.execution_id,
                triggered_by=f"auto-retry:{two.execution_id}", created_at=T0 + timedelta(minutes=1),
                error=failure() if third == "failed" else None,
            )  # fmt: skip
    return first.execution_id, two.execution_id, None if three is None else three.execution_id


def advice(db: Database, execution_id: str) -> list[str]:
    with db.read() as conn:
        detail = load_execution_detail(conn, execution_id)
    assert detail.standing is not None
    return [a.text for a in detail.standing.advice]


def test_a_scheduled_retry_says_when_it_runs(db: Database) -> None:
    first, _, _ = chain(db, "pending", None)
    assert advice(db, first)[0] == (
        "Automatic retry scheduled for 06:52:34 UTC (attempt 2 of 3): no action needed yet"
    )


def test_a_running_retry_says_it_is_running(db: Database) -> None:
    first, _, _ = chain(db, "running", None)
    assert advice(db, first)[0].startswith("Automatic retry running since 06:52:34 UTC")


def test_when_every_attempt_failed_the_advice_says_act_now_before_the_next_action(
    db: Database,
) -> None:
    first, _, third = chain(db, "failed", "failed")
    assert third is not None
    for execution_id in (first, third):
        steps = advice(db, execution_id)
        assert steps[0] == "All 3 attempts failed — act now"
        assert steps[1:] == [a.text for a in ACTIONS]
        assert not any("scheduled" in step for step in steps)


def test_a_retry_that_succeeded_resolves_the_failure_in_the_api_too(db: Database) -> None:
    first, second, third = chain(db, "failed", "completed")
    assert third is not None
    for execution_id in (first, second):
        assert advice(db, execution_id) == [
            f"Resolved by {third[:8]} (attempt 3, completed): no action needed"
        ]
        with db.read() as conn:
            body = detail_json(load_execution_detail(conn, execution_id))
        assert body["resolved_by"] == third
        assert body["next_steps"][0]["execution_id"] == third
    with db.read() as conn:
        stored = detail_json(load_execution_detail(conn, first))["error"]["suggested_actions"]
    assert stored[0]["text"].startswith("Automatic retry scheduled")  # as written, unchanged


def test_a_failure_never_retried_keeps_its_stored_actions(db: Database) -> None:
    with db.write() as conn:
        once = make_execution(conn, status="failed", error=replace(failure(), fingerprint="x"))
    assert advice(db, once.execution_id) == [a.text for a in ACTIONS]
