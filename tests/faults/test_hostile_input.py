"""What a hostile client sends, over real HTTP: a second retry of the same execution, an
instant at the end of time, loosely typed JSON, an overlong path. Each gets a documented
answer naming the field at fault; none a 500, none a half-made execution."""

from __future__ import annotations

import pytest

from runplane.model import ExecutionStatus
from runplane.store import Database
from tests.faults.conftest import Serve, assert_settled, submit, wait_final

pytestmark = pytest.mark.slow


def test_the_same_failed_execution_retried_twice_answers_for_every_attempt(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        failed = submit(client, "runplane.fail", error="data")
        assert wait_final(db, failed).status is ExecutionStatus.FAILED
        first = client.post(f"/v1/executions/{failed}/retry").json()["execution_id"]
        wait_final(db, first)
        second = client.post(f"/v1/executions/{failed}/retry").json()["execution_id"]
        wait_final(db, second)
        for execution_id in (failed, first, second):
            response = client.get(f"/v1/executions/{execution_id}")
            assert response.status_code == 200, response.text
        chain = client.get(f"/v1/executions/{second}").json()["retry_chain"]
    assert [link["execution_id"] for link in chain] == [failed, second]  # its own line
    assert_settled(db, [failed, first, second])
    db.dispose()


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00+14:00"])
def test_an_instant_at_the_end_of_time_is_a_400_naming_the_range(serve: Serve, value: str) -> None:
    serve.start()
    with serve.client() as client:
        api = client.get("/v1/executions", params={"since": value})
        page = client.get("/dashboard/executions", params={"since": value})
    assert api.status_code == 400
    assert "between 1900-01-01 and 2999-12-31" in api.json()["detail"]
    assert page.status_code == 400
    assert "between 1900-01-01 and 2999-12-31" in page.text


@pytest.mark.parametrize(
    ("pipeline", "body", "field"),
    [
        ("runplane.sleep", {"params": {"seconds": True}}, "params.seconds"),
        ("runplane.noop", {"dry_run": "yes"}, "dry_run"),
        ("runplane.sleep", {"params": {"seconds": "0.2"}}, "params.seconds"),
        ("runplane.fail", {"params": {"message": "x" * 20_000}}, "params"),
    ],
)
def test_loosely_typed_json_is_refused_field_by_field(
    serve: Serve, pipeline: str, body: dict[str, object], field: str
) -> None:
    serve.start()
    with serve.client() as client:
        response = client.post(f"/v1/pipelines/{pipeline}/run", json=body)
        listed = client.get("/v1/executions").json()["items"]
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert listed == []


def test_a_path_too_long_for_the_file_system_is_a_classified_failure(serve: Serve) -> None:
    serve.start()
    db = Database(serve.settings.resolved_database_url)
    with serve.client() as client:
        execution_id = submit(
            client,
            "finra.otc_transparency.ingest_week",
            week_ending="2025-12-22",
            source="a" * 2000,
        )
    final = wait_final(db, execution_id)
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification in ("config", "data"), final.error
    assert final.error.type != "OSError"
    db.dispose()
