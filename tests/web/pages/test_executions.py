"""The executions list in-process: columns, filters and presets in the URL, unresolved
failures, retry blocked by an identical run, the refresh fragment, empty and error states."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from runplane.model import ErrorClass, Execution, ExecutionError, Trigger
from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.views import listing
from tests.conftest import FakeClock
from tests.factories import make_execution, sla_standing
from tests.web.conftest import row_ids, text


def error(message: str = "HTTP 503 from api.finra.org") -> ExecutionError:
    return ExecutionError(
        type="TransientError",
        message=message,
        classification=ErrorClass.TRANSIENT,
        title="HTTP 503: Service Unavailable",
        summary="The upstream returned 503.",
        fingerprint="fp-503",
    )


def test_rows_show_every_column_newest_first(
    clocked_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    now = clock.now
    with sqlite_db.write() as conn:
        done = make_execution(
            conn, pipeline="runplane.sleep", created_at=now - timedelta(minutes=5),
            started_at=now - timedelta(minutes=5), completed_at=now - timedelta(minutes=5, seconds=-82),
            rows_processed=15847, trigger=Trigger.SCHEDULED, triggered_by="schedule:weekly",
        )  # fmt: skip
        running = make_execution(
            conn, status="running", created_at=now - timedelta(minutes=1),
            started_at=now - timedelta(seconds=45),
        )  # fmt: skip
        pending = make_execution(conn, status="pending", created_at=now - timedelta(seconds=12))
    page = clocked_client.get("/dashboard/executions").text
    assert row_ids(page) == [pending.execution_id, running.execution_id, done.execution_id]
    words = text(page)
    assert "Status Pipeline Started (UTC) Duration Rows Cost 🔒 Trigger" in words
    assert "Completed runplane.sleep" in words
    assert "1m 22s 15,847 Scheduled" in words
    assert (
        f'<time datetime="{done.started_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")}"'
        in page
    )
    assert "queued 12s" in words
    assert f'data-since="{running.started_at.replace(microsecond=0).isoformat()[:19]}Z"' in page
    assert "running 45s" in words
    assert 'href="/dashboard/pipelines/runplane.sleep"' in page
    clock.advance(seconds=1)
    later = text(clocked_client.get("/dashboard/executions").text)
    assert ("queued 13s" in later, "running 46s" in later) == (True, True)


def test_actions_follow_the_status(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", created_at=now, error=error())
        cancelled = make_execution(
            conn, status="cancelled", created_at=now, pipeline="runplane.fail"
        )
        running = make_execution(conn, status="running", created_at=now, pipeline="runplane.sleep")
        make_execution(conn, status="completed", created_at=now)
    page = client.get("/dashboard/executions").text
    for execution in (failed, cancelled):
        assert f"/dashboard/executions/{execution.execution_id}/retry?" in page
    assert f"/dashboard/executions/{running.execution_id}/cancel?" in page
    assert page.count('data-action="retry"') == 2
    assert page.count('data-action="cancel"') == 1


def test_retry_is_disabled_with_reason_and_link_while_an_identical_run_is_active(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    params = {"seconds": 3.0, "lines_per_second": 0}
    with sqlite_db.write() as conn:
        failed = make_execution(
            conn, pipeline="runplane.sleep", params=params, status="failed", created_at=now
        )
        twin = make_execution(
            conn, pipeline="runplane.sleep", params=params, status="running", created_at=now
        )
    page = client.get("/dashboard/executions").text
    assert f"/dashboard/executions/{failed.execution_id}/retry" not in page
    assert f'disabled aria-describedby="why-{failed.execution_id}"' in page
    assert (
        f'id="why-{failed.execution_id}">Identical run <a href="/dashboard/executions/{twin.execution_id}">running</a>'
        in page
    )


def test_filters_narrow_the_rows_and_are_shown_selected(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        old = make_execution(conn, created_at=now - timedelta(days=3), pipeline="runplane.sleep")
        failed = make_execution(
            conn, status="failed", created_at=now - timedelta(minutes=1), pipeline="runplane.sleep"
        )
        api = make_execution(conn, created_at=now, trigger=Trigger.API, pipeline="runplane.noop")
    assert row_ids(client.get("/dashboard/executions").text) == [
        api.execution_id,
        failed.execution_id,
    ]
    page = client.get("/dashboard/executions?status=failed").text
    assert row_ids(page) == [failed.execution_id]
    assert '<option value="failed" selected>Failed</option>' in page
    page = client.get("/dashboard/executions?trigger=api&range=7d").text
    assert row_ids(page) == [api.execution_id]
    assert '<option value="7d" selected>Last 7 days</option>' in page
    assert '<option value="api" selected>API</option>' in page
    page = client.get("/dashboard/executions?pipeline=runplane.sleep&range=30d").text
    assert row_ids(page) == [failed.execution_id, old.execution_id]
    assert "<option selected>runplane.sleep</option>" in page
    assert "This pipeline: runplane.sleep" in text(page)


def test_parameter_filters_show_as_removable_chips_and_survive_apply(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        both = make_execution(conn, params={"day": "2025-12-22", "tier": "OTC"}, created_at=now)
        make_execution(conn, params={"day": "2025-12-22", "tier": "NMS"}, created_at=now)
        make_execution(conn, params={"day": "2025-12-29", "tier": "OTC"}, created_at=now)
    page = client.get("/dashboard/executions?param.day=2025-12-22&param.tier=OTC&status=").text
    assert row_ids(page) == [both.execution_id]
    assert "day = 2025-12-22" in text(page)
    assert '<input type="hidden" name="param.tier" value="OTC">' in page
    assert 'href="/dashboard/executions?param.tier=OTC" aria-label="Remove the filter day' in page
    back = quote("param.day=2025-12-22&param.tier=OTC", safe="")
    assert f"back={back}" in page  # rows link to the detail with the filtered list to return to
    none = text(client.get("/dashboard/executions?param.day=2026-01-05").text)
    assert "No executions matching these parameters in the last 24 h" in none


def test_the_unresolved_summary_counts_within_the_parameter_filter(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        for day in ("2025-12-22", "2025-12-29", "2025-12-29"):
            make_execution(conn, params={"day": day}, status="failed", created_at=now)
    assert "3 unresolved failures" in text(client.get("/dashboard/executions").text)
    narrowed = text(client.get("/dashboard/executions?param.day=2025-12-22").text)
    assert "1 unresolved failure in the last 24 h" in narrowed


def test_the_search_box_narrows_by_id_pipeline_and_value(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        otc = make_execution(conn, params={"tier": "OTC"}, created_at=now)
        sleeper = make_execution(conn, pipeline="runplane.sleep", created_at=now)
    assert row_ids(client.get("/dashboard/executions?q=otc").text) == [otc.execution_id]
    page = client.get("/dashboard/executions?q=sleep").text
    assert row_ids(page) == [sleeper.execution_id]
    assert 'name="q" value="sleep"' in page
    prefix = sleeper.execution_id[:8]
    assert row_ids(client.get(f"/dashboard/executions?q={prefix}").text) == [sleeper.execution_id]


def test_counts_of_a_parameter_filter_past_the_cap_say_so(
    client: TestClient, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    now = utcnow()
    with sqlite_db.write() as conn:
        for i in range(3):
            make_execution(
                conn, params={"day": "2025-12-22"}, created_at=now - timedelta(seconds=i)
            )
    words = text(client.get("/dashboard/executions?param.day=2025-12-22").text)
    assert "2+ executions in the last 24 h (counted up to 2)" in words


def test_a_custom_window_takes_utc_from_and_to_fields(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow().replace(microsecond=0)
    with sqlite_db.write() as conn:
        inside = make_execution(conn, created_at=now - timedelta(days=2))
        make_execution(conn, created_at=now - timedelta(days=5))
        make_execution(conn, created_at=now)
    since = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    until = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    page = client.get(f"/dashboard/executions?range=custom&since={since}&until={until}").text
    assert row_ids(page) == [inside.execution_id]
    assert '<option value="custom" selected>' in page
    assert f'value="{since}:00Z"' in page  # ISO-8601 UTC, never the browser's locale
    assert 'type="datetime-local"' not in page
    assert f"execution from {since}:00Z to " in text(page)
    opened = client.get(f"/dashboard/executions?range=custom&since={since}").text
    assert f"executions since {since}:00Z" in text(opened)
    assert " in since " not in text(opened)
    anytime = client.get("/dashboard/executions?range=custom").text
    assert len(row_ids(anytime)) == 3
    assert "at any time" in text(anytime)
    assert '<option value="any" selected>Any time</option>' in anytime
    assert "data-custom hidden" in anytime


def test_running_now_shows_only_the_controls_it_uses(client: TestClient) -> None:
    page = client.get("/dashboard/executions?preset=running-now").text
    assert 'name="range" value="any"' in page  # kept for Apply, not shown
    assert "Custom from/to" not in page
    assert 'name="since"' not in page
    assert "any time" not in text(page)
    assert "Nothing is running right now" in text(page)


def test_presets_set_their_filters_visibly(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", created_at=now - timedelta(hours=2))
        make_execution(conn, status="failed", created_at=now - timedelta(days=2))
        running = make_execution(conn, status="running", created_at=now - timedelta(days=3))
        make_execution(conn, created_at=now)
    page = client.get("/dashboard/executions?preset=recent-failures").text
    assert row_ids(page) == [failed.execution_id]
    assert '<option value="failed" selected>Failed</option>' in page
    assert '<option value="24h" selected>Last 24 h</option>' in page
    assert 'href="/dashboard/executions?preset=recent-failures" aria-current="true"' in page
    page = client.get("/dashboard/executions?preset=running-now").text
    assert row_ids(page) == [running.execution_id]
    assert '<option value="running" selected>Running</option>' in page
    assert '<input type="hidden" name="range" value="any">' in page


def test_unresolved_failures_stay_summarised_above_the_list(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        fixed = make_execution(conn, status="failed", created_at=now - timedelta(hours=3))
        make_execution(
            conn,
            status="completed",
            retry_of=fixed.execution_id,
            created_at=now - timedelta(hours=2),
        )
        for hours in (1, 2):
            make_execution(conn, status="failed", created_at=now - timedelta(hours=hours))
        for minutes in range(60):
            make_execution(conn, created_at=now - timedelta(minutes=minutes))
    page = client.get("/dashboard/executions").text
    assert "2 unresolved failures in the last 24 h" in text(page)
    assert 'href="/dashboard/executions?preset=recent-failures">Show recent failures</a>' in page
    assert len(row_ids(page)) == 50


def test_load_more_continues_with_older_rows_and_the_fragment_refreshes_the_extent(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        made = [make_execution(conn, created_at=now - timedelta(minutes=i)) for i in range(60)]
    page = client.get("/dashboard/executions").text
    assert row_ids(page) == [e.execution_id for e in made[:50]]
    link = page.split("data-load-more")[0].rsplit('href="', 1)[1].split('"')[0]
    more = client.get(link.replace("&amp;", "&") + "&fragment=rows").text
    assert row_ids(more) == [e.execution_id for e in made[50:]]
    assert '<template data-part="rows">' in more
    with sqlite_db.write() as conn:
        newest = make_execution(conn, created_at=utcnow())
    last = made[59].execution_id
    refreshed = client.get(f"/dashboard/executions?fragment=rows&extent=60&last={last}").text
    assert row_ids(refreshed) == [newest.execution_id] + [e.execution_id for e in made]
    assert "data-load-more" not in refreshed
    top = client.get(f"/dashboard/executions?fragment=rows&extent=50&last={made[49].execution_id}")
    assert row_ids(top.text) == [newest.execution_id] + [e.execution_id for e in made[:50]]
    assert "data-load-more" in top.text
    assert "<html" not in refreshed


def test_rows_link_to_the_detail_with_the_list_url_to_come_back_to(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", created_at=utcnow())
    page = client.get("/dashboard/executions?status=failed&range=7d").text
    href = f"/dashboard/executions/{failed.execution_id}?back={quote('status=failed&range=7d', safe='')}"
    assert f'<a href="{href.replace("&", "&amp;")}" class="open">' in page
    detail = client.get(href).text
    assert (
        '<a href="/dashboard/executions?status=failed&amp;range=7d" data-back>← Executions</a>'
        in detail
    )


def test_empty_state_says_what_is_empty_and_how_to_widen(client: TestClient) -> None:
    words = text(client.get("/dashboard/executions").text)
    assert "No executions in the last 24 h — widen the range." in words
    assert "Show the last 7 days" in words
    failed = text(client.get("/dashboard/executions?status=failed&pipeline=runplane.fail").text)
    assert (
        "No failed executions of runplane.fail in the last 24 h — widen the range or clear the filters."
        in failed
    )


def test_a_bad_filter_is_a_400_page_naming_the_value(client: TestClient) -> None:
    response = client.get("/dashboard/executions?status=broken")
    assert response.status_code == 400
    assert "Unknown execution status 'broken'" in text(response.text)
    assert "Reset the filters" in response.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("param.=x", "A parameter filter needs a name"),
        ("param.day=", "The filter param.day has no value"),
        ("param.bad-name=1", "Parameter name 'bad-name' is not valid"),
    ],
)
def test_a_bad_parameter_filter_is_a_400_page_saying_how_to_fix_it(
    client: TestClient, query: str, words: str
) -> None:
    response = client.get(f"/dashboard/executions?{query}")
    assert response.status_code == 400
    assert words in text(response.text)


def test_filter_values_are_escaped(client: TestClient) -> None:
    page = client.get("/dashboard/executions", params={"param.x": "<b>\"'", "q": "<i>"}).text
    assert "<b>" not in page
    assert "<i>" not in page
    assert "x = &lt;b&gt;&#34;&#39;" in page


def test_user_text_is_escaped(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        make_execution(conn, created_at=utcnow(), triggered_by="<script>alert(1)</script>")
    page = client.get("/dashboard/executions").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_basic_tier_shows_the_locked_card(
    basic_client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        execution = make_execution(conn, created_at=utcnow())
    for path in ("/dashboard/executions", f"/dashboard/executions/{execution.execution_id}"):
        response = basic_client.get(path)
        assert response.status_code == 200
        words = text(response.text)
        assert "📊 Execution History" in words
        assert "Execution history is available in the Intermediate tier." in words
        assert "Basic tier supports sync execution with immediate results." in words
        assert (
            '<a class="btn primary" href="/dashboard/tiers">Learn about tiers</a>' in response.text
        )
        assert execution.execution_id not in response.text
    nav = basic_client.get("/dashboard").text
    assert 'aria-label="(locked in the Basic tier)">🔒</span>' in nav


def test_repeated_failures_say_how_many_failed_like_them(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        repeats = [
            make_execution(
                conn, status="failed", created_at=now - timedelta(hours=h), error=error()
            )
            for h in (1, 2, 30)
        ]
        make_execution(conn, status="failed", created_at=now - timedelta(days=9), error=error())
        once = make_execution(
            conn, status="failed", created_at=now, error=replace(error(), fingerprint="fp-other")
        )
    page = client.get("/dashboard/executions?range=7d").text
    shown = {}
    for execution in repeats:
        row = text(page.split(f'data-id="{execution.execution_id}"')[1].split("</tr>")[0])
        shown[execution.execution_id] = row
        detail = text(client.get(f"/dashboard/executions/{execution.execution_id}").text)
        if "🔁" in row:  # the row and the detail say the same: one definition
            count = row.split("🔁 ")[1].split(" failure like this in 7 days")[0]
            assert f"{count} failure like this in 7 days" in detail
        else:
            assert "First failure like this in 7 days" in detail
    assert ["🔁 3rd" in shown[e.execution_id] for e in repeats] == [True, False, False]
    assert ["🔁 2nd" in shown[e.execution_id] for e in repeats] == [False, True, False]
    assert "like this" not in page.split(f'data-id="{once.execution_id}"')[1].split("</tr>")[0]


def test_a_failure_fixed_by_a_retry_says_so_on_its_row_and_summary(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        fixed = make_execution(
            conn, status="failed", created_at=now - timedelta(hours=2), error=error()
        )
        done = make_execution(
            conn, status="completed", retry_of=fixed.execution_id, attempt=2,
            created_at=now - timedelta(hours=1),
        )  # fmt: skip
    page = client.get("/dashboard/executions").text
    row = page.split(f'data-id="{fixed.execution_id}"')[1].split("</tr>")[0]
    assert f"resolved by {done.execution_id[:8]}" in text(row)
    assert 'data-action="retry"' not in row
    detail = client.get(f"/dashboard/executions/{fixed.execution_id}").text
    assert f"resolved by {done.execution_id[:8]}" in text(detail)
    assert f"Resolved by {done.execution_id[:8]} (attempt 2, completed)" in text(detail)
    assert 'data-action="retry"' not in detail
    assert "unresolved failure" not in text(page)


def test_the_unresolved_banner_counts_retry_chains_not_attempts(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        for problem in range(3):
            previous = None
            for attempt in (1, 2, 3) if problem < 2 else (1,):
                previous = make_execution(
                    conn, status="failed", attempt=attempt,
                    retry_of=None if previous is None else previous.execution_id,
                    created_at=now - timedelta(hours=problem + 1, minutes=-attempt),
                )  # fmt: skip
    assert "3 unresolved failures in the last 24 h" in text(
        client.get("/dashboard/executions").text
    )


def test_an_automatic_retry_says_so_in_its_trigger_column(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        first = make_execution(conn, status="failed", created_at=now - timedelta(minutes=3))
        retry = make_execution(
            conn, status="failed", attempt=2, retry_of=first.execution_id,
            triggered_by=f"auto-retry:{first.execution_id}", created_at=now - timedelta(minutes=2),
        )  # fmt: skip
    page = client.get("/dashboard/executions").text
    row = page.split(f'data-id="{retry.execution_id}"')[1].split("</tr>")[0]
    assert "Manual · auto-retry 2/3" in text(row)
    detail = text(client.get(f"/dashboard/executions/{retry.execution_id}").text)
    assert "Trigger Manual · auto-retry 2/3 by automatic retry of" in detail


def _flagged(db: Database) -> dict[str, str]:
    now = utcnow()
    with db.write() as conn:
        return {
            state: make_execution(
                conn, pipeline="tests.sla", status="running", sla=sla_standing(state),
                created_at=now - timedelta(minutes=5 + i),
            ).execution_id
            for i, state in enumerate(("breached", "at_risk", "met"))
        }  # fmt: skip


def test_at_risk_and_breached_rows_are_marked_and_the_preset_shows_only_them(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    rows = _flagged(sqlite_db)
    page = advanced_client.get("/dashboard/executions").text
    assert 'data-sla="breached"' in page
    assert 'data-sla="at_risk"' in page
    assert 'data-sla="met"' not in page
    assert "SLA breached +2m 0s" in text(page)
    preset = advanced_client.get("/dashboard/executions?preset=sla-breaches").text
    assert row_ids(preset) == [rows["breached"], rows["at_risk"]]
    assert 'aria-current="true">SLA breaches' in preset
    only = advanced_client.get("/dashboard/executions?sla=at_risk").text
    assert row_ids(only) == [rows["at_risk"]]
    assert '<option value="at_risk" selected>At risk</option>' in only
    bad = advanced_client.get("/dashboard/executions?sla=late")
    assert bad.status_code == 400
    assert "Unknown SLA state 'late'; use one of breached, at_risk" in text(bad.text)


def test_sla_marks_are_locked_in_the_intermediate_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    _flagged(sqlite_db)
    page = client.get("/dashboard/executions").text
    assert "data-sla=" not in page
    assert "data-sla-filter" not in page
    assert 'data-locked="sla"' in page
    for url in ("/dashboard/executions?preset=sla-breaches", "/dashboard/executions?sla=breached"):
        locked = text(client.get(url).text)
        assert "SLA breach indicators are available in the Advanced tier." in locked
        assert "Learn about tiers" in locked


def costed_runs(db: Database, now: datetime) -> list[Execution]:
    with db.write() as conn:
        return [
            make_execution(
                conn,
                pipeline=pipeline,
                trigger=trigger,
                created_at=now - timedelta(minutes=m),
                cost_amount=cost,
                cost_currency="USD",
                cpu_seconds=cost * 1000,
                gb_seconds=1.0,
                cost_rates_version="v1234567",
            )
            for pipeline, trigger, m, cost in (
                ("runplane.sleep", Trigger.SCHEDULED, 5, 0.5),
                ("runplane.noop", Trigger.API, 10, 0.25),
                ("runplane.sleep", Trigger.API, 70, 0.125),
            )
        ]


def test_the_advanced_tier_shows_each_runs_cost_and_the_summary_above_the_list(
    advanced_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    runs = costed_runs(sqlite_db, clock.now)
    page = advanced_client.get("/dashboard/executions").text
    words = text(page)
    assert "Status Pipeline Started (UTC) Duration Rows Cost Trigger" in words
    assert "0.5 USD Scheduled" in words
    assert "0.25 USD API" in words
    assert "Cost in the last 24 h: 0.875 USD for 3 executions" in words
    assert (
        "By pipeline Pipeline Executions Cost runplane.sleep 2 0.625 USD runplane.noop 1 0.25 USD"
        in words
    )
    assert "By trigger Trigger Executions Cost Scheduled 1 0.5 USD API 2 0.375 USD" in words
    assert page.index("data-cost-summary") < page.index(f'<tr data-id="{runs[0].execution_id}"')
    narrowed = text(advanced_client.get("/dashboard/executions?trigger=api").text)
    assert "Cost in the last 24 h: 0.375 USD for 2 executions" in narrowed
    refresh = advanced_client.get("/dashboard/executions?fragment=rows").text
    assert 'data-part="cost"' in refresh
    assert "0.875 USD" in refresh


def test_below_the_advanced_tier_cost_is_locked_with_the_tiers_wording(
    clocked_client: TestClient, sqlite_db: Database, clock: FakeClock
) -> None:
    costed_runs(sqlite_db, clock.now)
    page = clocked_client.get("/dashboard/executions").text
    words = text(page)
    assert "Cost attribution is available in the Advanced tier." in words
    assert "USD" not in words
    assert "Learn about tiers" in words
