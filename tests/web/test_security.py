"""Security headers and compression on dashboard responses only, the same-origin check on
form posts, and local-only redirect targets."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

from runplane.model.clock import utcnow
from runplane.store import Database
from runplane.web.security import CSP, local_target
from tests.factories import make_execution


def test_dashboard_pages_carry_a_csp_without_inline_scripts(client: TestClient) -> None:
    response = client.get("/dashboard/executions")
    policy = response.headers["content-security-policy"]
    assert policy == CSP
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text
    assert " onclick=" not in response.text
    assert " style=" not in response.text


def test_the_api_is_left_without_dashboard_headers(client: TestClient) -> None:
    response = client.get("/v1/executions")
    assert "content-security-policy" not in response.headers


def test_large_dashboard_responses_are_gzipped(client: TestClient, sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        for _ in range(30):
            make_execution(conn, created_at=utcnow())
    response = client.get("/dashboard/executions", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/dashboard/executions", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 3


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://evil.example"}, {"Referer": "http://evil.example/page"}],
    ids=["no-origin", "other-origin", "other-referer"],
)
def test_form_posts_from_elsewhere_are_refused_and_change_nothing(
    client: TestClient, sqlite_db: Database, headers: dict[str, str]
) -> None:
    with sqlite_db.write() as conn:
        running = make_execution(conn, status="pending")
    response = client.post(f"/dashboard/executions/{running.execution_id}/cancel", headers=headers)
    assert response.status_code == 403
    assert "refused" in response.text
    page = client.get(f"/dashboard/executions/{running.execution_id}")
    assert "PENDING" in page.text


def test_a_same_origin_referer_is_enough_without_origin(
    client: TestClient, sqlite_db: Database
) -> None:
    with sqlite_db.write() as conn:
        pending = make_execution(conn, status="pending")
    response = client.post(
        f"/dashboard/executions/{pending.execution_id}/cancel",
        headers={"Referer": "http://testserver/dashboard/executions"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_redirect_targets_must_be_dashboard_paths() -> None:
    default = "/dashboard/executions"
    assert local_target("/dashboard/executions?status=failed", default) == (
        "/dashboard/executions?status=failed"
    )
    for bad in (
        "https://evil.example/dashboard",
        "//evil.example/dashboard",
        "/v1/x",
        "/\\evil",
        "",
    ):
        assert local_target(bad, default) == default
