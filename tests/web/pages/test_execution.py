"""The execution detail in-process: header, the tabs by URL, and each summary: a
failure's class, actions and recurrence; why a pending run waits; how a cancelled run
stopped; what a completed run produced; the Resources tab's graphs (advanced tier)."""

from __future__ import annotations

import html
import re
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
from tests.conftest import FakeClock
from tests.factories import make_execution, make_samples, sla_standing
from tests.web.conftest import row_ids, text


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


def test_the_header_names_the_queue_of_a_routed_execution(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        routed = make_execution(conn, queue="heavy", created_at=utcnow())
        plain = make_execution(conn, created_at=utcnow())
    assert "Queue heavy" in text(client.get(f"/dashboard/executions/{routed.execution_id}").text)
    assert "<dt>Queue</dt>" not in client.get(f"/dashboard/executions/{plain.execution_id}").text


@pytest.mark.parametrize("tab", ["summary", "parameters", "logs", "output", "resources"])
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
    runs = re.search(r'href="([^"]+)" data-param-runs>runs with this seconds<', page)
    assert runs is not None
    listed = client.get(html.unescape(runs[1])).text  # the list of runs with seconds=2
    assert "param.seconds=2&" in html.unescape(runs[1])
    assert row_ids(listed) == [second.execution_id, first.execution_id]


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


def _resources(client: TestClient, execution_id: str, fragment: bool = False) -> str:
    suffix = "&fragment=live" if fragment else ""
    response = client.get(f"/dashboard/executions/{execution_id}?tab=resources{suffix}")
    assert response.status_code == 200, response.text
    return response.text


def _live_text(fragment: str) -> str:
    """The words of a live fragment's parts (`text` leaves templates out)."""
    return text(fragment.replace("<template", "<div").replace("</template>", "</div>"))


def test_resources_tab_graphs_cpu_and_memory_with_their_peaks(
    advanced_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    start = clock.now
    with sqlite_db.write() as conn:
        e = make_execution(conn, started_at=start, completed_at=start + timedelta(seconds=90))
        make_samples(conn, e, [10.0, 95.5, 20.0] * 30, [200_000_000] * 89 + [1_500_000_000])
    clock.advance(minutes=5)
    page = _resources(advanced_client, e.execution_id)
    words = text(page)
    assert page.count('role="img"') == 2
    assert "peak 95.5 % at 1.0s" in words
    assert "peak 1.5 GB at 1m 29s" in words
    assert "Elapsed time (s)" in words
    assert "90 samples over 1m 30s" in words
    section = page[page.index('<section class="tab card"') :]
    assert " style=" not in section
    assert "<script" not in section


def test_resources_of_a_long_run_are_downsampled_to_500_points(
    advanced_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    start = clock.now - timedelta(days=2)
    with sqlite_db.write() as conn:
        e = make_execution(conn, started_at=start, completed_at=start + timedelta(seconds=100_000))
        make_samples(conn, e, [float(i % 90) for i in range(100_000)])
    page = _resources(advanced_client, e.execution_id)
    lines = re.findall(r'<polyline class="line" points="([^"]+)"', page)
    assert len(lines) == 2
    assert all(250 <= len(points.split()) <= 500 for points in lines)
    assert "100,000 samples over 27h 46m" in text(page)
    assert "500 points at most" in text(page)


@pytest.mark.parametrize(
    ("status", "words"),
    [("running", "No samples yet."), ("completed", "Finished before the first sample.")],
)
def test_resources_without_samples_say_why(
    advanced_client: TestClient, sqlite_db: Database, status: str, words: str
) -> None:
    with sqlite_db.write() as conn:
        e = make_execution(conn, status=status, created_at=utcnow())
    page = _resources(advanced_client, e.execution_id)
    assert words in text(page)
    assert 'role="img"' not in page


def test_a_running_executions_graph_grows_with_the_live_refresh(
    advanced_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    with sqlite_db.write() as conn:
        e = make_execution(conn, status="running", started_at=clock.now)
        make_samples(conn, e, [10.0, 20.0])
    clock.advance(seconds=2)
    before = _resources(advanced_client, e.execution_id, fragment=True)
    assert '<template data-part="resources">' in before
    assert "2 samples over 2.0s" in _live_text(before)
    with sqlite_db.write() as conn:
        make_samples(conn, e, [60.0], start=clock.now)
    clock.advance(seconds=1)
    after = _resources(advanced_client, e.execution_id, fragment=True)
    assert "3 samples over 3.0s" in _live_text(after)
    assert "peak 60 % at 2.0s" in _live_text(after)


def test_resources_tab_is_locked_below_the_advanced_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        e = make_execution(conn, created_at=utcnow())
        make_samples(conn, e, [10.0])
    page = _resources(client, e.execution_id)
    words = text(page)
    assert "Resource utilisation graphs are available in the Advanced tier." in words
    assert "Learn about tiers" in words
    assert 'role="img"' not in page


def timed_runs(db: Database, durations: list[float]) -> list[str]:
    """Completed runs of tests.readings an hour apart, taking `durations` seconds."""
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    with db.write() as conn:
        return [
            make_execution(
                conn, pipeline="tests.readings", params={"region": "emea", "day": "2025-12-01"},
                created_at=start + timedelta(hours=h), started_at=start + timedelta(hours=h),
                completed_at=start + timedelta(hours=h, seconds=s), rows_processed=100,
            ).execution_id
            for h, s in enumerate(durations)
        ]  # fmt: skip


def test_the_summary_says_how_a_run_compares_with_its_baseline(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    *usual, slow = timed_runs(sqlite_db, [70.0, 70.0, 80.0, 130.0])
    page = advanced_client.get(f"/dashboard/executions/{slow}").text
    words = text(page)
    assert "Against the usual" in words
    assert "+86 % slower than usual (2m 10s vs 1m 10s median), above the p90 of 1m 18s" in words
    assert "rows as the median (100 vs 100)" in words
    assert "(last 3 successful runs with region=emea)" in words
    assert "Outside the usual range (above p90): duration" in words
    assert f"/dashboard/executions/compare?a={slow}&amp;b={usual[-1]}" in page
    first = text(advanced_client.get(f"/dashboard/executions/{usual[1]}").text)
    assert "not enough history (1 of 3 successful runs)" in first


def test_below_advanced_the_baseline_is_locked_but_compare_is_offered(
    client: TestClient, sqlite_db: Database
) -> None:
    *usual, slow = timed_runs(sqlite_db, [70.0, 70.0, 80.0, 130.0])
    page = client.get(f"/dashboard/executions/{slow}").text
    words = text(page)
    assert "Comparison with baseline is available in the Advanced tier." in words
    assert "slower than usual" not in words
    assert "Compare with the last success" in words
    assert f"/dashboard/executions/compare?a={slow}&amp;b={usual[-1]}" in page


def test_the_summary_says_which_sla_by_how_much_and_since_when(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        late = make_execution(conn, pipeline="tests.sla", sla=sla_standing("breached"))
        fine = make_execution(conn, pipeline="tests.sla", sla=sla_standing("met"))
    page = text(advanced_client.get(f"/dashboard/executions/{late.execution_id}").text)
    assert (
        "SLA breached +2m 0s — Breached its SLA (maximum duration 10m) by 2m 0s, "
        "since 2025-12-22 08:10:00 UTC." in page
    )
    met = text(advanced_client.get(f"/dashboard/executions/{fine.execution_id}").text)
    assert "SLA met — Met its SLA (maximum duration 10m)." in met


def test_the_summary_locks_the_sla_below_the_advanced_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        late = make_execution(conn, pipeline="tests.sla", sla=sla_standing("breached"))
        plain = make_execution(conn)
    page = client.get(f"/dashboard/executions/{late.execution_id}").text
    assert "SLA breached" not in text(page)
    assert "SLA breach indicators are available in the Advanced tier." in text(page)
    assert 'data-locked="sla"' not in client.get(f"/dashboard/executions/{plain.execution_id}").text


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
