"""The execution detail in-process: header, the four tabs by URL, and each summary: a
failure's class, actions and recurrence; why a pending run waits; how a cancelled run
stopped; what a completed run produced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from runplane.engine.classify import classify
from runplane.model import EventKind, LogLine
from runplane.model.clock import utcnow
from runplane.model.cost import Rates, Usage, price
from runplane.pipelines.errors import ConfigError, DependencyError, TransientError
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import logs as log_store
from tests.factories import make_execution
from tests.web.conftest import text


def test_header_names_status_pipeline_times_and_actions(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow().replace(microsecond=0)
    with sqlite_db.write() as conn:
        parent = make_execution(conn, pipeline="tests.fan_out", created_at=now)
        failed = make_execution(
            conn, status="failed", pipeline="runplane.fail", created_at=now,
            started_at=now, completed_at=now + timedelta(seconds=12), parent_id=parent.execution_id,
        )  # fmt: skip
    page = client.get(f"/dashboard/executions/{failed.execution_id}").text
    words = text(page)
    assert f"Execution {failed.execution_id}" in words
    assert "FAILED" in words
    assert '<svg class="ic i-failed"' in page
    assert f"Started {now:%Y-%m-%d %H:%M:%S} UTC" in words
    assert "Duration 12s" in words
    assert f"/dashboard/executions/{failed.execution_id}/retry?back=" in page
    assert f'data-copy="{failed.execution_id}"' in page
    assert f'href="/dashboard/executions/{parent.execution_id}">tests.<wbr>fan_out</a>' in page
    parent_page = client.get(f"/dashboard/executions/{parent.execution_id}").text
    assert "Children" in text(parent_page)
    assert f'href="/dashboard/executions/{failed.execution_id}"' in parent_page


@pytest.mark.parametrize("tab", ["summary", "parameters", "logs", "output"])
def test_each_tab_has_its_own_url(client: TestClient, sqlite_db: Database, tab: str) -> None:
    with sqlite_db.write() as conn:
        execution = make_execution(conn, created_at=utcnow())
    page = client.get(f"/dashboard/executions/{execution.execution_id}?tab={tab}").text
    assert f'aria-current="page">{tab.capitalize()}</a>' in page
    assert f'<section class="tab card" aria-label="{tab.capitalize()}">' in page


def test_a_failure_explains_itself_with_class_actions_and_recurrence(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    error = classify(
        DependencyError(
            "OTC week 2025-12-22 has no normalize",
            pipeline="finra.otc_transparency.normalize_week",
            params={"week_ending": "2025-12-22", "tier": "OTC"},
        ),
        pipeline="finra.otc_transparency.aggregate_week",
    )
    with sqlite_db.write() as conn:
        first = make_execution(
            conn, status="failed", error=error, created_at=now - timedelta(days=2)
        )
        make_execution(conn, status="failed", error=error, created_at=now - timedelta(days=1))
        latest = make_execution(conn, status="failed", error=error, created_at=now)
        make_execution(conn, status="failed", error=error, created_at=now - timedelta(days=10))
    page = client.get(f"/dashboard/executions/{latest.execution_id}").text
    words = text(page)
    assert (
        "Missing prerequisite: finra.otc_transparency.normalize_week for 2025-12-22 / OTC" in words
    )
    assert "🔗 Dependency" in words
    assert "Run finra.otc_transparency.normalize_week for 2025-12-22 / OTC first" in words
    run_link = (
        "/dashboard/pipelines/finra.otc_transparency.normalize_week/run?"
        "p.week_ending=2025-12-22&amp;p.tier=OTC&amp;back="
    )
    assert run_link in page
    assert (
        'aria-label="Run now: finra.otc_transparency.normalize_week for 2025-12-22 / OTC">' in page
    )
    assert (
        words.count("finra.otc_transparency.normalize_week for 2025-12-22 / OTC") == 2
    )  # title, action
    assert "3rd failure like this in 7 days (last:" in words
    second = client.get(f"/dashboard/executions/{first.execution_id}").text
    assert "First failure like this in 7 days (the 7 days up to it)." in text(second)


def test_a_transient_failure_shows_its_icon_and_escapes_its_message(
    client: TestClient, sqlite_db: Database
) -> None:
    error = classify(
        TransientError("<img src=x onerror=alert(1)>", url="https://x.example/a", status_code=503),
        pipeline="runplane.fail",
    )
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", error=error, created_at=utcnow())
    page = client.get(f"/dashboard/executions/{failed.execution_id}").text
    assert "🔄 Transient" in text(page)
    assert "HTTP 503: Service Unavailable" in text(page)
    assert "<img src=x" not in page


def test_a_pending_run_says_why_it_has_not_started(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        make_execution(conn, status="pending", created_at=now - timedelta(minutes=2))
        waiting = make_execution(
            conn, status="pending", created_at=now - timedelta(minutes=1),
            not_before=now + timedelta(minutes=5),
        )  # fmt: skip
    words = text(client.get(f"/dashboard/executions/{waiting.execution_id}").text)
    assert "It waits out its automatic-retry backoff until" in words
    assert "1 pending execution queued ahead of it (place 2nd)." in words
    assert "No worker is running" in words
    assert "nothing will start it until runplane serve runs." in words


def test_a_cancelled_run_shows_its_stop_stages(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        cancelled = make_execution(conn, status="cancelled", created_at=now)
        for kind, seconds, detail in (
            (EventKind.CANCEL_REQUESTED, 0, {"grace_seconds": 30}),
            (EventKind.STOP_SIGNAL_SENT, 1, {}),
            (EventKind.STOPPED, 2, {"how": "stopped cooperatively"}),
            (EventKind.CANCELLED, 2, {}),
        ):
            event_store.insert_event(
                conn, cancelled.execution_id, kind, actor="local",
                at=now + timedelta(seconds=seconds), **detail,
            )  # fmt: skip
    words = text(client.get(f"/dashboard/executions/{cancelled.execution_id}").text)
    assert "How it stopped" in words
    for stage in (
        "cancel requested by local",
        "stop signal sent",
        "stopped by local",
        "how: stopped cooperatively",
    ):
        assert stage in words
    assert (
        words.index("cancel requested")
        < words.index("stop signal sent")
        < words.index("stopped by")
    )


def test_a_completed_run_shows_what_it_produced_and_links_to_its_data(
    client: TestClient, sqlite_db: Database
) -> None:
    output = {
        "rows_processed": 15847,
        "figures": {"symbols_added": 342, "weeks_updated": ["2025-12-22"]},
        "summary": ["Ingested OTC data for week ending 2025-12-22"],
        "assets": [{"kind": "finra_otc", "keys": {"tier": "OTC", "week": "2025-12-22"}}],
    }
    with sqlite_db.write() as conn:
        done = make_execution(conn, created_at=utcnow(), output=output, rows_processed=15847)
    summary = text(client.get(f"/dashboard/executions/{done.execution_id}").text)
    assert "What was produced 15,847 rows processed" in summary
    assert "Ingested OTC data for week ending 2025-12-22" in summary
    page = client.get(f"/dashboard/executions/{done.execution_id}?tab=output").text
    words = text(page)
    assert "Rows processed 15,847 Symbols added 342 Weeks updated 1 (2025-12-22)" in words
    assert 'href="/dashboard/assets?week=2025-12-22&amp;tier=OTC"' in page


def test_parameters_tab_lists_params_metadata_chain_and_trail(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        first = make_execution(
            conn, status="failed", pipeline="runplane.sleep", params={"seconds": 2.0},
            created_at=now - timedelta(minutes=1), triggered_by="user:ops",
        )  # fmt: skip
        second = make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 2.0}, created_at=now,
            attempt=2, retry_of=first.execution_id, triggered_by=f"auto-retry:{first.execution_id}",
        )  # fmt: skip
        event_store.insert_event(
            conn, second.execution_id, EventKind.CREATED, actor="auto-retry", at=now
        )
    page = client.get(f"/dashboard/executions/{second.execution_id}?tab=parameters").text
    words = text(page)
    assert "seconds 2.0" in words
    for key in ("capture_id", "triggered_by", "trigger", "trigger_time", "dry_run", "attempt"):
        assert f"<dt>{key}</dt>" in page
    assert f"auto-retry:{first.execution_id}" in words
    assert f'href="/dashboard/executions/{first.execution_id}">attempt 1</a>' in page
    assert "attempt 2 (this one)" in words
    assert "created auto-retry" in words


def test_logs_tab_opens_with_the_first_lines_escaped_and_the_end_marker(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        done = make_execution(conn, created_at=now)
        log_store.insert_log_lines(
            conn,
            [
                LogLine(done.execution_id, 1, now, "INFO", "escape me <script>alert(1)</script>"),
                LogLine(done.execution_id, 2, now, "ERROR", "HTTP 503 from api.finra.org"),
            ],
        )
    page = client.get(f"/dashboard/executions/{done.execution_id}?tab=logs").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert (
        f'{now:%H:%M:%S}.{now.microsecond // 1000:03d}</span> <span class="lv">ERROR</span>' in page
    )
    assert 'data-first-error="2"' in page
    assert "─── END OF LOGS ───</p>" in page
    assert "data-log-end hidden" not in page


def test_an_unknown_execution_is_a_404_page_in_the_shell(client: TestClient) -> None:
    response = client.get("/dashboard/executions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "No execution with id '00000000-0000-0000-0000-000000000000'." in text(response.text)
    assert 'aria-label="Sections"' in response.text


def test_the_live_fragment_carries_the_parts_that_change(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        running = make_execution(conn, status="running", created_at=utcnow(), started_at=utcnow())
    fragment = client.get(f"/dashboard/executions/{running.execution_id}?fragment=live").text
    assert '<template data-part="head">' in fragment
    assert '<template data-part="summary">' in fragment
    assert '<template data-part="final"></template>' in fragment
    assert "<html" not in fragment


def test_the_summary_has_the_classification_line_action_icons_and_code_not_backticks(
    client: TestClient, sqlite_db: Database
) -> None:
    transient = classify(
        TransientError(
            "HTTP 503 from api.finra.org", url="https://api.finra.org/otc", status_code=503
        ),
        pipeline="runplane.fail",
    )
    config = classify(ConfigError("must be shorter", parameter="message"), pipeline="runplane.fail")
    with sqlite_db.write() as conn:
        upstream = make_execution(conn, status="failed", error=transient, created_at=utcnow())
        bad_value = make_execution(conn, status="failed", error=config, created_at=utcnow())
    page = client.get(f"/dashboard/executions/{upstream.execution_id}").text
    words = text(page)
    assert "Classification: 🔄 Transient — upstream service unavailable" in words
    assert "⏰ Wait 5-10 minutes and retry" in words
    assert "🔍 Check api.finra.org's status page" in words
    assert "📧 If it still fails after 1 hour, escalate" in words
    other = client.get(f"/dashboard/executions/{bad_value.execution_id}").text
    assert "Change the parameter <code>message</code>" in other
    assert "`" not in text(other).split("Suggested actions")[1].split("Recurrence")[0]


def costed_run(db: Database) -> str:
    """A finished run with the cost its end recorded, and the rates in its end event."""
    rates = Rates(0.05, 0.01, "USD")
    with db.write() as conn:
        run = make_execution(
            conn, cost_amount=price(Usage(0.42, 1.3), rates), cost_currency="USD",
            cpu_seconds=0.42, gb_seconds=1.3, cost_rates_version=rates.version,
        )  # fmt: skip
        event_store.insert_event(
            conn, run.execution_id, EventKind.COMPLETED, actor="runner", at=run.created_at,
            rates=rates.to_dict() | {"version": rates.version},
        )  # fmt: skip
    return run.execution_id


def test_the_detail_says_what_a_run_cost_and_how_it_was_computed(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    execution_id = costed_run(sqlite_db)
    words = text(advanced_client.get(f"/dashboard/executions/{execution_id}").text)
    version = Rates(0.05, 0.01, "USD").version
    assert (
        "Cost 0.00000944 USD 0.42 CPU-s × 0.05 USD/CPU-h + 1.3 GB-s × 0.01 USD/GB-h = "
        f"0.00000944 USD, rates {version}, recorded at finish" in words
    )


def test_below_the_advanced_tier_the_detail_shows_cost_locked(
    client: TestClient, sqlite_db: Database
) -> None:
    execution_id = costed_run(sqlite_db)
    words = text(client.get(f"/dashboard/executions/{execution_id}").text)
    assert "Cost 🔒 Cost attribution is available in the Advanced tier." in words
    assert "CPU-s" not in words
