"""`/v1/executions`: real HTTP against `runplane serve` on SQLite and PostgreSQL, plus in-process
checks of filters, paging and refusals.

Over HTTP, tests that assert by the ids they created share the module's server; the one
that reads a list it expects to hold only its own run gets a server and database of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runplane.api.deps import ListCaches
from runplane.model import ErrorClass, ExecutionError, ExecutionStatus, Trigger
from runplane.model.clock import utcnow
from runplane.model.sla import SlaKind, SlaState, SlaStatus
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store.tables import execution_events, executions
from runplane.tiers import Tier
from runplane.views.list_caches import CountCache
from tests.api.conftest import Server
from tests.conftest import fast_settings
from tests.factories import make_execution

PROBLEM = "application/problem+json"


def row_counts(db: Database, execution_id: str) -> tuple[int, int]:
    """(all executions, events of this one): a refused request leaves both unchanged."""
    events = select(func.count()).where(execution_events.c.execution_id == execution_id)
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(executions)).scalar_one(),
            conn.execute(events).scalar_one(),
        )


def assert_problem(response: Any, status: int, *phrases: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:runplane:problem:")
    assert body["detail"][0].isupper(), body["detail"]
    assert body["detail"].endswith("."), body["detail"]
    for phrase in phrases:
        assert phrase in body["detail"], body["detail"]
    return body


# --- over real HTTP, against a real server and database ---------------------------------


def test_run_then_list_and_show_over_http(server: Server) -> None:
    created = server.client.post("/v1/pipelines/runplane.noop/run")
    assert created.status_code == 201
    execution_id = created.json()["execution_id"]
    assert created.json()["trigger"] == "api"
    assert created.json()["triggered_by"] == "local"

    done = server.wait_for_final(execution_id)
    assert done["status"] == "completed"
    kinds = [e["kind"] for e in done["events"]]  # type: ignore[union-attr]
    assert kinds == ["created", "started", "completed"]
    assert done["events"][0]["actor"] == "local"  # type: ignore[index]

    listed = server.client.get("/v1/executions").json()
    assert [e["execution_id"] for e in listed["items"]] == [execution_id]
    assert listed["counts"]["completed"] == 1
    assert listed["counts"]["total"] == 1
    assert listed["filters"]["range"] == "24h"


def test_failed_execution_retry_links_both_attempts(shared_server: Server) -> None:
    failed = shared_server.client.post(
        "/v1/pipelines/runplane.fail/run", json={"params": {"error": "data"}}
    ).json()
    original = shared_server.wait_for_final(failed["execution_id"])
    assert original["status"] == "failed"
    assert original["error"]["classification"] == "data"  # type: ignore[index]
    assert original["error"]["suggested_actions"]  # type: ignore[index]

    retry = shared_server.client.post(
        f"/v1/executions/{failed['execution_id']}/retry",
        json={"params": {"error": "config"}},
    )
    assert retry.status_code == 201
    body = retry.json()
    assert body["retry_of"] == failed["execution_id"]
    assert body["attempt"] == 2
    assert body["params"]["error"] == "config"
    assert (body["trigger"], body["triggered_by"]) == ("api", "local")

    second = shared_server.wait_for_final(body["execution_id"])
    assert second["previous_attempt"]["execution_id"] == failed["execution_id"]  # type: ignore[index]
    first = shared_server.client.get(f"/v1/executions/{failed['execution_id']}").json()
    assert first["next_attempt"]["execution_id"] == body["execution_id"]
    assert [a["attempt"] for a in first["retry_chain"]] == [1, 2]


def test_retry_while_identical_run_is_active_is_refused_and_changes_nothing(
    shared_server: Server,
) -> None:
    params = {"params": {"seconds": 30}}
    first = shared_server.client.post("/v1/pipelines/runplane.sleep/run", json=params).json()
    shared_server.wait_for_status(first["execution_id"], lambda s: s is ExecutionStatus.RUNNING)
    shared_server.client.post(f"/v1/executions/{first['execution_id']}/cancel")
    shared_server.wait_for_final(first["execution_id"])
    twin = shared_server.client.post("/v1/pipelines/runplane.sleep/run", json=params).json()

    before = row_counts(shared_server.db, first["execution_id"])
    refused = shared_server.client.post(f"/v1/executions/{first['execution_id']}/retry")
    body = assert_problem(refused, 409, "already")
    assert body["active_execution_id"] == twin["execution_id"]
    assert row_counts(shared_server.db, first["execution_id"]) == before
    shared_server.client.post(f"/v1/executions/{twin['execution_id']}/cancel")


def test_cancel_running_then_cancel_again_is_refused(shared_server: Server) -> None:
    started = shared_server.client.post(
        "/v1/pipelines/runplane.sleep/run", json={"params": {"seconds": 30}}
    ).json()
    shared_server.wait_for_status(started["execution_id"], lambda s: s is ExecutionStatus.RUNNING)

    accepted = shared_server.client.post(f"/v1/executions/{started['execution_id']}/cancel")
    assert accepted.status_code == 202
    assert accepted.json()["cancel_requested_by"] == "local"
    final = shared_server.wait_for_final(started["execution_id"])
    assert final["status"] == "cancelled"
    kinds = [e["kind"] for e in final["events"]]  # type: ignore[union-attr]
    assert "cancel_requested" in kinds
    assert "stopped" in kinds

    before = row_counts(shared_server.db, started["execution_id"])
    assert_problem(
        shared_server.client.post(f"/v1/executions/{started['execution_id']}/cancel"),
        409,
        "already ended cancelled",
    )
    assert row_counts(shared_server.db, started["execution_id"]) == before


def test_retry_of_a_completed_execution_is_refused(shared_server: Server) -> None:
    done = shared_server.client.post("/v1/pipelines/runplane.noop/run").json()
    shared_server.wait_for_final(done["execution_id"])
    before = row_counts(shared_server.db, done["execution_id"])
    assert_problem(
        shared_server.client.post(f"/v1/executions/{done['execution_id']}/retry"),
        409,
        "only failed or cancelled executions can be retried",
    )
    assert row_counts(shared_server.db, done["execution_id"]) == before


def test_retry_with_invalid_params_lists_each_field_and_changes_nothing(
    shared_server: Server,
) -> None:
    failed = shared_server.client.post("/v1/pipelines/runplane.fail/run").json()
    shared_server.wait_for_final(failed["execution_id"])
    before = row_counts(shared_server.db, failed["execution_id"])
    refused = shared_server.client.post(
        f"/v1/executions/{failed['execution_id']}/retry",
        json={"params": {"error": "meteor", "colour": "red"}},
    )
    body = assert_problem(refused, 422, "runplane.fail")
    assert {e["field"] for e in body["errors"]} == {"params.error", "params.colour"}
    assert row_counts(shared_server.db, failed["execution_id"]) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/executions/{id}"),
        ("GET", "/v1/executions/{id}/logs"),
        ("POST", "/v1/executions/{id}/retry"),
        ("POST", "/v1/executions/{id}/cancel"),
    ],
)
def test_unknown_execution_is_404_everywhere(shared_server: Server, method: str, path: str) -> None:
    response = shared_server.client.request(method, path.format(id="no-such-id"))
    assert_problem(response, 404, "No execution with id 'no-such-id'")


def test_pages_over_http_cover_every_execution_once(shared_server: Server) -> None:
    """Every execution the list holds (these and the earlier tests' runs), once, in order."""
    server = shared_server
    now = utcnow()
    with server.db.write() as conn:
        for i in range(7):
            make_execution(conn, created_at=now - timedelta(minutes=i // 2))
    with server.db.read() as conn:
        stored = conn.execute(select(executions.c.created_at, executions.c.execution_id)).all()
    assert len(stored) >= 7
    assert all(created > now - timedelta(hours=23) for created, _ in stored)  # all in the 24h
    expected = [execution_id for _, execution_id in sorted(stored, reverse=True)]
    seen: list[str] = []
    cursor = ""
    while True:
        page = server.client.get("/v1/executions", params={"limit": 3, "cursor": cursor}).json()
        seen += [e["execution_id"] for e in page["items"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert seen == expected


def test_a_parameter_filter_over_http(shared_server: Server) -> None:
    server = shared_server
    now = utcnow()
    with server.db.write() as conn:
        made = [
            make_execution(
                conn, params={"label": f"http-{i % 2}"}, created_at=now - timedelta(seconds=i)
            )
            for i in range(5)
        ]
    page = server.client.get("/v1/executions", params={"param.label": "http-0", "limit": 2}).json()
    rest = server.client.get(
        "/v1/executions", params={"param.label": "http-0", "cursor": page["next_cursor"]}
    ).json()
    wanted = [e.execution_id for e in made if e.params["label"] == "http-0"]
    assert [e["execution_id"] for e in page["items"] + rest["items"]] == wanted
    assert page["counts"]["total"] == 3
    searched = server.client.get("/v1/executions", params={"q": "http-1"}).json()
    assert {e["execution_id"] for e in searched["items"]} == {
        made[1].execution_id,
        made[3].execution_id,
    }


# --- in process ---------------------------------------------------------------------------


def test_presets_expand_and_are_echoed(client: TestClient, sqlite_db: Database) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        failed = make_execution(conn, status="failed", created_at=now - timedelta(hours=1))
        make_execution(conn, status="failed", created_at=now - timedelta(hours=30))
        running = make_execution(conn, status="running", created_at=now - timedelta(days=9))
        make_execution(conn, status="completed", created_at=now - timedelta(minutes=5))

    recent = client.get("/v1/executions", params={"preset": "recent-failures"}).json()
    assert [e["execution_id"] for e in recent["items"]] == [failed.execution_id]
    assert recent["filters"]["status"] == ["failed"]
    assert recent["filters"]["range"] == "24h"
    assert recent["filters"]["preset"] == "recent-failures"
    assert recent["counts"] == {
        "pending": 0,
        "running": 0,
        "completed": 0,
        "failed": 1,
        "cancelled": 0,
        "dry_run": 0,
        "total": 1,
        "capped": False,
    }

    running_now = client.get("/v1/executions", params={"preset": "running-now"}).json()
    assert [e["execution_id"] for e in running_now["items"]] == [running.execution_id]
    assert running_now["filters"]["range"] is None
    assert running_now["filters"]["since"] is None


def test_filters_narrow_by_pipeline_trigger_and_custom_window(
    client: TestClient, sqlite_db: Database
) -> None:
    t0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    with sqlite_db.write() as conn:
        inside = make_execution(conn, pipeline="runplane.sleep", trigger=Trigger.API, created_at=t0)
        make_execution(conn, pipeline="runplane.sleep", trigger=Trigger.MANUAL, created_at=t0)
        make_execution(conn, pipeline="runplane.noop", trigger=Trigger.API, created_at=t0)
        make_execution(
            conn, pipeline="runplane.sleep", trigger=Trigger.API, created_at=t0 + timedelta(hours=2)
        )
    page = client.get(
        "/v1/executions",
        params={
            "pipeline": "runplane.sleep",
            "trigger": "api",
            "since": "2025-12-22T07:00:00Z",
            "until": "2025-12-22T09:00:00+00:00",
        },
    ).json()
    assert [e["execution_id"] for e in page["items"]] == [inside.execution_id]
    assert page["filters"]["since"] == "2025-12-22T07:00:00Z"
    assert page["filters"]["until"] == "2025-12-22T09:00:00Z"
    assert page["filters"]["range"] is None


@pytest.mark.parametrize(
    ("query", "field", "phrase"),
    [
        ({"status": "done"}, "status", "unknown execution status 'done'"),
        ({"trigger": "cron"}, "trigger", "unknown trigger 'cron'"),
        ({"range": "2w"}, "range", "unknown range '2w'"),
        ({"preset": "everything"}, "preset", "unknown preset 'everything'"),
        ({"since": "yesterday"}, "since", "is not an ISO-8601 date and time"),
        ({"until": "2025-12-22T08:00:00"}, "until", "has no time zone"),
        ({"since": "2025-12-23T00:00:00Z", "until": "2025-12-22T00:00:00Z"}, "until", "later"),
        ({"range": "7d", "since": "2025-12-22T00:00:00Z"}, "range", "not both"),
        ({"limit": "0"}, "limit", "between 1 and 200"),
        ({"limit": "201"}, "limit", "between 1 and 200"),
        ({"limit": "ten"}, "limit", "not a whole number"),
        ({"cursor": "not-a-cursor"}, "cursor", "not one this server issued"),
        ({"pipeline": "Not A Name"}, "pipeline", "pipeline name 'Not A Name' is not valid"),
        ({"preset": "recent-failures", "status": "running"}, "preset", "cannot be combined"),
        ({"preset": "recent-failures", "range": "7d"}, "preset", "cannot be combined"),
        ({"preset": "running-now", "range": "1h"}, "preset", "cannot be combined"),
        ({"preset": "todays-runs", "since": "2025-12-22T00:00:00Z"}, "preset", "cannot be"),
        ({"preset": "this-pipeline"}, "pipeline", "needs exactly one pipeline"),
        ({"statuss": "failed"}, "statuss", "unknown query parameter 'statuss'"),
        ({"param.": "x"}, "param.", "needs a name"),
        ({"param.week-ending": "x"}, "param.week-ending", "is not valid"),
        ({"param.week_ending": ""}, "param.week_ending", "has no value"),
        ({"param.n": "x" * 201}, "param.n", "longer than 200 characters"),
        ({"q": "x" * 201}, "q", "q is longer than 200 characters"),
    ],
)
def test_bad_list_queries_are_400_naming_the_parameter(
    client: TestClient, query: dict[str, str], field: str, phrase: str
) -> None:
    body = assert_problem(client.get("/v1/executions", params=query), 400)
    assert [e["field"] for e in body["errors"]] == [field]
    assert phrase.lower() in body["detail"].lower()


def test_too_many_parameter_filters_are_400(client: TestClient) -> None:
    query = [("param.n", str(i)) for i in range(11)]
    body = assert_problem(client.get("/v1/executions", params=query), 400, "At most 10")
    assert [e["field"] for e in body["errors"]] == ["param."]


def test_parameter_filters_and_free_text_narrow_and_are_echoed(
    client: TestClient, sqlite_db: Database
) -> None:
    now = utcnow()
    with sqlite_db.write() as conn:
        week = make_execution(conn, params={"week_ending": "2025-12-22", "n": 5}, created_at=now)
        make_execution(conn, params={"week_ending": "2025-12-22", "n": 6}, created_at=now)
        make_execution(conn, params={"week_ending": "2025-12-29", "n": 5}, created_at=now)
        sleeper = make_execution(conn, pipeline="runplane.sleep", status="failed", created_at=now)
    query = [("param.week_ending", "2025-12-22"), ("param.n", "5.0"), ("status", "completed")]
    page = client.get("/v1/executions", params=query).json()
    assert [e["execution_id"] for e in page["items"]] == [week.execution_id]
    assert page["filters"]["param"] == {"week_ending": ["2025-12-22"], "n": ["5.0"]}
    assert (page["counts"]["total"], page["counts"]["capped"]) == (1, False)
    found = client.get("/v1/executions", params={"q": "SLEEP", "preset": "recent-failures"})
    assert [e["execution_id"] for e in found.json()["items"]] == [sleeper.execution_id]
    assert found.json()["filters"]["q"] == "SLEEP"


def test_a_list_of_a_pipeline_that_neither_exists_nor_ran_is_404(client: TestClient) -> None:
    response = client.get("/v1/executions", params={"pipeline": "nobody.runs_this"})
    body = assert_problem(response, 404, "is registered or has run")
    assert body["type"] == "urn:runplane:problem:unknown-pipeline"


def test_compatible_preset_and_filter_are_accepted(client: TestClient, sqlite_db: Database) -> None:
    response = client.get(
        "/v1/executions",
        params={"preset": "recent-failures", "status": "failed", "range": "24h"},
    )
    assert response.status_code == 200
    this = client.get(
        "/v1/executions", params={"preset": "this-pipeline", "pipeline": "runplane.noop"}
    ).json()
    assert this["filters"]["pipeline"] == ["runplane.noop"]
    assert this["filters"]["range"] == "24h"


def test_an_unregistered_pipeline_that_ran_can_be_filtered(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        old = make_execution(conn, pipeline="retired.pipeline", created_at=utcnow())
    page = client.get("/v1/executions", params={"pipeline": "retired.pipeline"}).json()
    assert [e["execution_id"] for e in page["items"]] == [old.execution_id]


def test_detail_shows_parent_children_and_retry_chain(
    client: TestClient, sqlite_db: Database
) -> None:
    t0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    with sqlite_db.write() as conn:
        parent = make_execution(conn, pipeline="tests.fan_out", created_at=t0)
        first = make_execution(conn, status="failed", parent_id=parent.execution_id, created_at=t0)
        second = make_execution(
            conn,
            status="failed",
            parent_id=parent.execution_id,
            retry_of=first.execution_id,
            attempt=2,
            created_at=t0 + timedelta(seconds=1),
        )
        third = make_execution(
            conn,
            parent_id=parent.execution_id,
            retry_of=second.execution_id,
            attempt=3,
            created_at=t0 + timedelta(seconds=2),
        )
    body = client.get(f"/v1/executions/{second.execution_id}").json()
    assert [a["execution_id"] for a in body["retry_chain"]] == [
        first.execution_id,
        second.execution_id,
        third.execution_id,
    ]
    assert body["previous_attempt"]["execution_id"] == first.execution_id
    assert body["next_attempt"]["execution_id"] == third.execution_id
    assert body["parent"]["execution_id"] == parent.execution_id
    children = client.get(f"/v1/executions/{parent.execution_id}").json()["children"]
    assert {c["execution_id"] for c in children} == {
        first.execution_id,
        second.execution_id,
        third.execution_id,
    }


def test_counts_are_reused_while_fresh_per_filter(client: TestClient, sqlite_db: Database) -> None:
    client.app.state.list_caches = ListCaches(counts=CountCache(ttl=600))  # type: ignore[attr-defined]
    with sqlite_db.write() as conn:
        make_execution(conn, status="failed", created_at=utcnow())
    assert client.get("/v1/executions").json()["counts"]["failed"] == 1
    with sqlite_db.write() as conn:
        make_execution(conn, status="failed", created_at=utcnow())
    again = client.get("/v1/executions").json()
    assert len(again["items"]) == 2
    assert again["counts"]["failed"] == 1  # the cached figure
    other = client.get("/v1/executions", params={"status": "failed"}).json()
    assert other["counts"]["failed"] == 2  # another filter has its own entry


def test_finished_rows_come_from_the_cache_and_unfinished_ones_are_reread(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        done = make_execution(conn, status="completed", created_at=utcnow(), rows_processed=7)
        running = make_execution(conn, status="running", created_at=utcnow())
    first = {e["execution_id"]: e for e in client.get("/v1/executions").json()["items"]}
    assert first[done.execution_id]["rows_processed"] == 7
    with sqlite_db.write() as conn:
        store.update_status(
            conn,
            running.execution_id,
            ExecutionStatus.RUNNING,
            ExecutionStatus.COMPLETED,
            completed_at=utcnow(),
            rows_processed=3,
        )
    second = {e["execution_id"]: e for e in client.get("/v1/executions").json()["items"]}
    assert second[running.execution_id]["status"] == "completed"
    assert second[running.execution_id]["rows_processed"] == 3
    assert second[done.execution_id] == first[done.execution_id]


def test_nul_byte_in_an_id_is_simply_not_found(client: TestClient) -> None:
    assert_problem(client.get("/v1/executions/abc%00def"), 404)


def test_detail_says_how_often_a_failure_like_it_happened(
    client: TestClient, sqlite_db: Database
) -> None:
    t0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)
    error = ExecutionError(
        type="TransientError", message="HTTP 503 from 127.0.0.1", fingerprint="fp-503",
        classification=ErrorClass.TRANSIENT, title="HTTP 503", summary="The upstream said 503.",
    )  # fmt: skip
    with sqlite_db.write() as conn:
        failures = [
            make_execution(conn, status="failed", error=error, created_at=t0 + timedelta(days=d))
            for d in (-8, 0, 1, 2)
        ]
        completed = make_execution(conn, created_at=t0)
    body = client.get(f"/v1/executions/{failures[-1].execution_id}").json()
    assert body["recurrence"]["window_days"] == 7
    assert body["recurrence"]["count"] == 3
    assert body["recurrence"]["previous"]["execution_id"] == failures[2].execution_id
    first = client.get(f"/v1/executions/{failures[0].execution_id}").json()["recurrence"]
    assert first == {"window_days": 7, "count": 1, "previous": None}
    assert client.get(f"/v1/executions/{completed.execution_id}").json()["recurrence"] is None


def test_an_id_prefix_of_six_or_more_characters_names_one_execution(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        one = make_execution(conn, execution_id="45934f8b-0000-4000-8000-000000000001")
        make_execution(conn, execution_id="abcdef01-0000-4000-8000-000000000001")
        make_execution(conn, execution_id="abcdef02-0000-4000-8000-000000000002")
    shown = client.get("/v1/executions/45934f8b")
    assert shown.status_code == 200, shown.text
    assert shown.json()["execution_id"] == one.execution_id
    assert client.get("/v1/executions/45934f8b/logs").json()["execution_id"] == one.execution_id
    body = assert_problem(client.get("/v1/executions/abcdef"), 404, "give more characters")
    assert "abcdef01-0000-4000-8000-000000000001" in body["detail"]
    assert "abcdef02-0000-4000-8000-000000000002" in body["detail"]
    assert_problem(client.get("/v1/executions/45934"), 404, "at least 6 characters")


# --- the baseline and the comparison of two executions ----------------------------------


@pytest.fixture
def advanced_client(sqlite_db: Database, tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    settings = fast_settings(tmp_path, sqlite_url, tier="advanced")
    with TestClient(create_app(sqlite_db, settings)) as test_client:
        yield test_client


def slow_runs(db: Database, durations: list[float]) -> list[str]:
    """Completed runs of tests.readings an hour apart, taking `durations` seconds."""
    start = datetime(2025, 12, 1, tzinfo=UTC)
    ids = []
    with db.write() as conn:
        for hour, seconds in enumerate(durations):
            created = start + timedelta(hours=hour)
            ids.append(make_execution(
                conn, pipeline="tests.readings", params={"region": "emea", "day": "2025-12-01"},
                created_at=created, completed_at=created + timedelta(seconds=seconds),
                rows_processed=100,
            ).execution_id)  # fmt: skip
    return ids


def test_the_detail_carries_the_baseline_in_the_advanced_tier(
    advanced_client: TestClient, sqlite_db: Database
) -> None:
    *usual, slow = slow_runs(sqlite_db, [70.0, 70.0, 80.0, 130.0])
    body = advanced_client.get(f"/v1/executions/{slow}").json()["baseline"]
    assert body["runs"] == 3
    assert body["duration"] == {"value": 130.0, "median": 70.0, "p90": 78.0, "delta_pct": 85.7}
    assert body["rows"]["delta_pct"] == 0.0
    assert body["peak_rss"] is None
    assert body["cost"] is None
    assert body["outside_p90"] == ["duration"]
    assert body["class_params"] == {"region": "emea"}
    assert body["last_success"] == usual[-1]
    assert body["summary"][0] == (
        "+86 % slower than usual (2m 10s vs 1m 10s median), above the p90 of 1m 18s"
    )
    first = advanced_client.get(f"/v1/executions/{usual[0]}").json()["baseline"]
    assert (first["runs"], first["duration"], first["outside_p90"]) == (0, None, [])
    assert first["summary"] == ["not enough history (0 of 3 successful runs)"]
    listed = advanced_client.get("/v1/executions", params={"range": "30d"}).json()["items"]
    assert all("baseline" not in item for item in listed)


def test_the_baseline_is_null_below_the_advanced_tier(
    client: TestClient, sqlite_db: Database
) -> None:
    *_, slow = slow_runs(sqlite_db, [70.0, 70.0, 80.0, 130.0])
    body = client.get(f"/v1/executions/{slow}").json()
    assert "baseline" in body
    assert body["baseline"] is None


def test_compare_sets_two_executions_side_by_side(client: TestClient, sqlite_db: Database) -> None:
    a, b = slow_runs(sqlite_db, [70.0, 130.0])
    body = client.get("/v1/executions/compare", params={"a": a[:8], "b": b}).json()
    assert (body["a"]["execution_id"], body["b"]["execution_id"]) == (a, b)
    assert body["measures"]["duration"] == {"a": 70.0, "b": 130.0}
    assert body["measures"]["peak_rss"] is None  # locked below advanced
    assert body["params"]["same"] == {"region": "emea", "day": "2025-12-01"}
    assert body["logs"]["result"] == "identical"


@pytest.mark.parametrize(
    ("query", "status", "phrase"),
    [
        ({"a": "nope", "b": "nope2"}, 404, "No execution with id 'nope'"),
        ({"a": "x"}, 400, "(b: required)"),
        ({"a": "x", "b": "y", "c": "z"}, 400, "Unknown query parameter 'c'"),
    ],
)
def test_compare_refuses_unknown_and_missing_ids(
    client: TestClient, query: dict[str, str], status: int, phrase: str
) -> None:
    assert_problem(client.get("/v1/executions/compare", params=query), status, phrase)


def test_compare_over_http(shared_server: Server) -> None:
    ids = []
    for _ in range(2):
        created = shared_server.client.post("/v1/pipelines/runplane.noop/run")
        ids.append(created.json()["execution_id"])
    for execution_id in ids:
        assert shared_server.wait_for_final(execution_id)["status"] == "completed"
    response = shared_server.client.get("/v1/executions/compare", params={"a": ids[0], "b": ids[1]})
    assert response.status_code == 200, response.text
    assert response.json()["figures"] == [{"name": "rows_processed", "a": 0, "b": 0}]


# --- SLA breach indicators (advanced tier) -------------------------------------------------


def _sla_rows(db: Database) -> dict[str, str]:
    now = utcnow()
    limits: dict[str, str | None] = {"max_duration": "10m", "complete_within": None}
    states = {
        "breached": SlaStatus(
            SlaState.BREACHED, limits, SlaKind.MAX_DURATION, 120.0, now - timedelta(minutes=3)
        ),
        "at_risk": SlaStatus(
            SlaState.AT_RISK, limits, SlaKind.MAX_DURATION, since=now - timedelta(minutes=1)
        ),
        "met": SlaStatus(SlaState.MET, limits, settled=True),
    }
    with db.write() as conn:
        found = {
            name: make_execution(
                conn, pipeline="tests.sla", status="running", sla=sla,
                created_at=now - timedelta(minutes=20 + i),
            ).execution_id
            for i, (name, sla) in enumerate(states.items())
        }  # fmt: skip
        found["none"] = make_execution(conn, created_at=now - timedelta(minutes=30)).execution_id
    return found


@pytest.fixture
def advanced(sqlite_db: Database, sqlite_settings: Settings) -> Iterator[TestClient]:
    app = create_app(sqlite_db, sqlite_settings.model_copy(update={"tier": Tier.ADVANCED}))
    with TestClient(app) as test_client:
        yield test_client


def test_the_sla_filter_and_preset_show_only_flagged_rows(
    advanced: TestClient, sqlite_db: Database
) -> None:
    rows = _sla_rows(sqlite_db)
    breached = advanced.get("/v1/executions", params={"sla": "breached"}).json()
    assert [e["execution_id"] for e in breached["items"]] == [rows["breached"]]
    assert breached["filters"]["sla"] == ["breached"]
    assert breached["counts"]["running"] == 1
    assert breached["items"][0]["sla"] == {
        "state": "breached",
        "limits": {"max_duration": "10m", "complete_within": None},
        "kind": "max_duration",
        "breached_by_seconds": 120.0,
        "since": breached["items"][0]["sla"]["since"],
    }
    preset = advanced.get("/v1/executions", params={"preset": "sla-breaches"}).json()
    assert [e["execution_id"] for e in preset["items"]] == [rows["breached"], rows["at_risk"]]
    assert preset["filters"]["preset"] == "sla-breaches"
    assert preset["counts"]["total"] == 2
    every = advanced.get("/v1/executions", params={"range": "1h"}).json()["items"]
    assert {e["execution_id"]: (e["sla"] or {}).get("state") for e in every} == {
        rows["breached"]: "breached",
        rows["at_risk"]: "at_risk",
        rows["met"]: "met",
        rows["none"]: None,
    }
    detail = advanced.get(f"/v1/executions/{rows['at_risk']}").json()
    assert detail["sla"]["state"] == "at_risk"


def test_a_bad_sla_value_is_a_400_naming_the_allowed_ones(advanced: TestClient) -> None:
    response = advanced.get("/v1/executions", params={"sla": "late"})
    assert response.status_code == 400
    assert response.json()["detail"] == "Unknown SLA state 'late'; use one of breached, at_risk."


def test_the_sla_filter_reads_the_partial_index(sqlite_db: Database) -> None:
    query = store.ExecutionFilter(sla_states=frozenset({"breached"}), since=utcnow())
    statement = (
        select(executions.c.execution_id)
        .where(*query.where("sqlite"))
        .order_by(executions.c.created_at.desc())
    )
    with sqlite_db.read() as conn:
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " / ".join(r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_executions_sla_state" in plan, plan


def test_sla_is_locked_in_the_intermediate_tier(client: TestClient, sqlite_db: Database) -> None:
    rows = _sla_rows(sqlite_db)
    items = client.get("/v1/executions").json()["items"]
    assert items
    assert all(e["sla"] is None for e in items)
    assert client.get(f"/v1/executions/{rows['breached']}").json()["sla"] is None
    for params in ({"sla": "breached"}, {"preset": "sla-breaches"}):
        response = client.get("/v1/executions", params=params)
        assert response.status_code == 403
        assert response.json()["detail"] == (
            "SLA breach indicators are available in the Advanced tier."
        )


def tier_client(sqlite_db: Database, tmp_path: Any, tier: str = "advanced") -> TestClient:
    """The application in `tier` on the test's database (nothing runs executions)."""
    url = str(sqlite_db.engine.url)
    return TestClient(create_app(sqlite_db, fast_settings(tmp_path, url, tier=tier)))


def costed(conn: Any, **overrides: Any) -> Any:
    values = {
        "cost_amount": 0.25, "cost_currency": "USD", "cpu_seconds": 4.0, "gb_seconds": 2.0,
        "cost_rates_version": "v1234567", "created_at": utcnow() - timedelta(hours=1),
    }  # fmt: skip
    return make_execution(conn, **(values | overrides))


def test_the_execution_json_carries_its_cost_in_the_advanced_tier(
    sqlite_db: Database, tmp_path: Any
) -> None:
    with sqlite_db.write() as conn:
        done = costed(conn)
        running = make_execution(conn, status="running", created_at=utcnow())
    with tier_client(sqlite_db, tmp_path) as client:
        detail = client.get(f"/v1/executions/{done.execution_id}").json()
        items = {i["execution_id"]: i for i in client.get("/v1/executions").json()["items"]}
    cost = {
        "amount": 0.25, "currency": "USD", "cpu_seconds": 4.0, "gb_seconds": 2.0,
        "rates_version": "v1234567",
    }  # fmt: skip
    assert detail["cost"] == cost
    assert items[done.execution_id]["cost"] == cost
    assert items[running.execution_id]["cost"] is None  # not finished yet


def test_below_the_advanced_tier_cost_is_null_and_the_summary_locked(
    sqlite_db: Database, tmp_path: Any
) -> None:
    with sqlite_db.write() as conn:
        done = costed(conn)
    with tier_client(sqlite_db, tmp_path, tier="intermediate") as client:
        detail = client.get(f"/v1/executions/{done.execution_id}").json()
        items = client.get("/v1/executions").json()["items"]
        summary = client.get("/v1/executions/summary")
    assert detail["cost"] is None
    assert [i["cost"] for i in items] == [None]
    assert_problem(summary, 403, "Cost attribution is available in the Advanced tier")


def test_the_summary_sums_cost_by_pipeline_and_trigger_for_the_lists_filters(
    sqlite_db: Database, tmp_path: Any
) -> None:
    with sqlite_db.write() as conn:
        costed(conn, pipeline="runplane.noop", trigger=Trigger.API, cost_amount=0.5)
        costed(conn, pipeline="runplane.noop", trigger=Trigger.SCHEDULED, cost_amount=0.25)
        costed(conn, pipeline="runplane.sleep", trigger=Trigger.API, cost_amount=1.0)
        costed(conn, pipeline="runplane.sleep", status="failed", cost_amount=2.0)
        costed(conn, created_at=utcnow() - timedelta(days=3), cost_amount=8.0)
    with tier_client(sqlite_db, tmp_path) as client:
        day = client.get("/v1/executions/summary").json()
        month = client.get("/v1/executions/summary", params={"range": "30d"}).json()
        api = client.get(
            "/v1/executions/summary", params={"trigger": "api", "status": "completed"}
        ).json()
        bad = client.get("/v1/executions/summary", params={"range": "1y"})
        typo = client.get("/v1/executions/summary", params={"limit": "5"})
    assert day["currency"] == "USD"
    assert day["total"]["cost"] == pytest.approx(3.75)
    assert [(r["pipeline"], r["cost"]) for r in day["by_pipeline"]] == [
        ("runplane.sleep", 3.0), ("runplane.noop", 0.75),
    ]  # fmt: skip
    assert {r["trigger"]: r["cost"] for r in day["by_trigger"]} == {
        "api": 1.5, "scheduled": 0.25, "manual": 2.0,
    }  # fmt: skip
    assert month["total"] == {"executions": 5, "cost": 11.75, "cpu_seconds": 20.0}
    assert {r["pipeline"]: r["cost"] for r in api["by_pipeline"]} == {
        "runplane.noop": 0.5, "runplane.sleep": 1.0,
    }  # fmt: skip
    assert api["filters"]["trigger"] == ["api"]
    assert_problem(bad, 400, "range")
    assert_problem(typo, 400, "limit")
