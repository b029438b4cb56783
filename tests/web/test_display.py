"""How statuses, times, counts and parameters read on the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.model import ErrorClass, Execution, ExecutionStatus, Trigger
from runplane.pipelines import registry
from runplane.web import display

NOW = datetime(2025, 12, 22, 8, 15, 3, tzinfo=UTC)


def test_every_status_and_error_class_has_an_icon_a_word_and_a_tone() -> None:
    icons = {s: display.status_look(s).icon for s in ExecutionStatus}
    assert icons == {
        ExecutionStatus.PENDING: "◯",
        ExecutionStatus.RUNNING: "⏳",
        ExecutionStatus.COMPLETED: "✓",
        ExecutionStatus.FAILED: "❌",
        ExecutionStatus.CANCELLED: "⏹",
        ExecutionStatus.DRY_RUN: "📋",
    }
    assert {display.status_look(s).tone for s in ExecutionStatus} == {
        "gray",
        "blue",
        "green",
        "red",
    }
    assert [display.error_look(c).icon for c in ErrorClass] == ["🔄", "📁", "⚙️", "🔗", "💥", "❓"]
    assert all(display.status_look(s).label for s in ExecutionStatus)


def test_times_are_utc_relative_with_iso_for_hover() -> None:
    assert display.when(NOW - timedelta(minutes=1), NOW) == "08:14 today"
    assert display.when(NOW - timedelta(days=1), NOW) == "yesterday 08:15"
    assert display.iso_z(NOW.replace(microsecond=123)) == "2025-12-22T08:15:03Z"
    assert display.utc(NOW) == "2025-12-22 08:15:03 UTC"
    assert display.since(NOW - timedelta(seconds=82), NOW) == "1m 22s"
    assert display.since(NOW - timedelta(seconds=12), NOW, "ago") == "12s"
    assert display.log_time(NOW.replace(microsecond=456789)) == "08:15:03.456"


def test_counts_and_trends_read_as_words() -> None:
    assert display.rows(15847) == "15,847"
    assert display.rows(None) == "—"
    assert display.trend(3, 1) == "up 2 from 1 the 24 h before"
    assert display.trend(0, 4) == "down 4 from 4 the 24 h before"
    assert display.trend(2, 2) == "same as the 24 h before"


def test_attempt_text_names_the_policy_limit_for_automatic_retries() -> None:
    def run(triggered_by: str, attempt: int) -> Execution:
        return Execution(
            execution_id="x", pipeline="runplane.sleep", status=ExecutionStatus.PENDING,
            params={}, params_hash="h", trigger=Trigger.MANUAL, triggered_by=triggered_by,
            trigger_time=NOW, created_at=NOW, capture_id="c", attempt=attempt,
        )  # fmt: skip

    limit = registry.get("runplane.sleep").retry
    assert limit is not None
    assert display.attempt_text(run("local", 1), registry) is None
    assert display.attempt_text(run("auto-retry:abc", 2), registry) == (
        f"attempt 2 of {limit.max_attempts}"
    )
    assert display.attempt_text(run("local", 2), registry) == "attempt 2"


def test_parameters_read_as_typed_and_dotted_names_may_wrap() -> None:
    assert display.param_text(None) == "null"
    assert display.param_text(True) == "true"
    assert display.param_text(["OTC", "NMS_TIER_1"]) == "OTC, NMS_TIER_1"
    assert display.brief({"week": "2025-12-22", "source": None, "force": False, "tier": "OTC"}) == (
        "2025-12-22 / OTC"
    )
    assert str(display.dotted("finra.otc.ingest")) == "finra.<wbr>otc.<wbr>ingest"
    assert str(display.dotted("<b>.x")) == "&lt;b&gt;.<wbr>x"
