"""Every state-changing API endpoint, tried as a hostile client would: without credentials,
with a role that may not, from another site, with a form body, a foreign Host, a revoked or
expired token. Each is refused and changes nothing but the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runplane.model.access import Role
from tests.access.conftest import World
from tests.factories import make_token

WRITES: list[tuple[str, str, Role, dict[str, Any] | None]] = [
    ("POST", "/v1/pipelines/runplane.noop/run", Role.OPERATOR, {}),
    ("POST", "/v1/executions/{failed}/retry", Role.OPERATOR, None),
    ("POST", "/v1/executions/{pending}/cancel", Role.OPERATOR, None),
    (
        "POST",
        "/v1/bulk",
        Role.OPERATOR,
        {"action": "retry", "filter": {"status": "failed", "range": "30d"}, "preview": True},
    ),
    ("POST", "/v1/bulk/{bulk}/cancel", Role.OPERATOR, None),
    ("PUT", "/v1/schedules/nightly", Role.ADMIN, {"pipeline": "runplane.noop", "cron": "@daily"}),
    ("DELETE", "/v1/schedules/every-minute", Role.ADMIN, None),
    ("POST", "/v1/schedules/every-minute/enable", Role.ADMIN, None),
    ("POST", "/v1/schedules/every-minute/disable", Role.ADMIN, None),
]
IDS = [f"{method} {path}" for method, path, _, _ in WRITES]


def _send(world: World, method: str, path: str, body: Any, **kwargs: Any) -> Any:
    url = path.format(
        failed=world.failed.execution_id,
        pending=world.pending.execution_id,
        bulk=world.bulk.bulk_id,
    )
    if body is not None and "content" not in kwargs:
        kwargs["json"] = body
    return world.client.request(method, url, **kwargs)


def _refused(world: World, status: int, method: str, path: str, body: Any, **kwargs: Any) -> Any:
    before, refused = world.snapshot(), world.refused_count()
    response = _send(world, method, path, body, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert world.snapshot() == before
    if status in (401, 403):
        assert world.refused_count() == refused + 1
    return response


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
def test_without_credentials_a_write_is_401(
    world: World, method: str, path: str, role: Role, body: Any
) -> None:
    response = _refused(world, 401, method, path, body)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
def test_a_role_below_the_one_needed_is_403(
    world: World, method: str, path: str, role: Role, body: Any
) -> None:
    below = Role.VIEWER if role is Role.OPERATOR else Role.OPERATOR
    response = _refused(world, 403, method, path, body, headers=world.bearer(below))
    assert f"needs the {role} role" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["foreign-origin", "null-origin", "cross-site-fetch"],
)
def test_a_cross_site_write_is_403_even_with_a_token(
    world: World, method: str, path: str, role: Role, body: Any, headers: dict[str, str]
) -> None:
    _refused(world, 403, method, path, body, headers=world.bearer(Role.ADMIN) | headers)


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
def test_a_form_body_is_415(world: World, method: str, path: str, role: Role, body: Any) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _refused(world, 415, method, path, None, content=b"", headers=world.bearer(Role.ADMIN) | form)


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
def test_a_foreign_host_is_400_before_routing(
    world: World, method: str, path: str, role: Role, body: Any
) -> None:
    rebinding = {"Host": "evil.example", "Origin": "http://evil.example"}
    _refused(world, 400, method, path, body, headers=world.bearer(Role.ADMIN) | rebinding)


@pytest.mark.parametrize(("method", "path", "role", "body"), WRITES, ids=IDS)
def test_the_role_needed_may(world: World, method: str, path: str, role: Role, body: Any) -> None:
    response = _send(world, method, path, body, headers=world.bearer(role))
    assert response.status_code < 300, response.text


def test_a_revoked_or_expired_token_is_401_and_a_malformed_one_too(world: World) -> None:
    with world.db.write() as conn:
        revoked = make_token(conn, "admin", "old", revoked_at=datetime(2025, 12, 1, tzinfo=UTC))
        expiring = make_token(conn, "admin", "short", expires_at=world.clock() + timedelta(hours=1))
    listing = "/v1/executions"
    assert (
        world.client.get(listing, headers={"Authorization": f"Bearer {expiring}"}).status_code
        == 200
    )
    world.clock.advance(hours=2)
    for secret in (revoked, expiring, "rp_short", "not-a-token"):
        response = world.client.get(listing, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401, secret
    expired = world.client.get(listing, headers={"Authorization": f"Bearer {expiring}"})
    assert "expired" in expired.json()["detail"]
    basic = world.client.get(listing, headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert basic.status_code == 401


def test_cookies_never_authenticate_the_api(world: World) -> None:
    secret, _ = world.sessions["admin"]
    world.client.cookies.set("runplane_session", secret)
    response = world.client.get("/v1/executions")
    assert response.status_code == 401


def test_public_addresses_answer_without_credentials_and_health_says_no_figures(
    world: World,
) -> None:
    health = world.client.get("/health").json()
    assert set(health) == {"status", "message", "checked_at"}
    full = world.client.get("/health", headers=world.bearer(Role.VIEWER)).json()
    assert "database" in full
    assert world.client.get("/v1/capabilities").status_code == 200
    for private in ("/metrics", "/docs", "/openapi.json", "/v1/pipelines", "/v1/schedules"):
        assert world.client.get(private).status_code == 401, private
        assert world.client.get(private, headers=world.bearer(Role.VIEWER)).status_code == 200


def test_the_audit_trail_is_for_admins_and_names_who_did_what(world: World) -> None:
    run = world.client.post(
        "/v1/pipelines/runplane.noop/run", json={"params": {}}, headers=world.bearer(Role.OPERATOR)
    )
    assert run.status_code == 201
    assert world.client.get("/v1/audit", headers=world.bearer(Role.OPERATOR)).status_code == 403
    page = world.client.get(
        "/v1/audit", params={"action": "execution.run"}, headers=world.bearer(Role.ADMIN)
    ).json()
    (entry,) = page["items"]
    assert entry["actor"] == "user:operator"
    assert entry["token"] == "operator-ci"
    assert entry["target"] == f"execution:{run.json()['execution_id']}"
    assert entry["address"] == "testclient"
    assert run.json()["triggered_by"] == "user:operator"


def test_audit_pages_follow_the_cursor_and_filters_are_checked(world: World) -> None:
    admin = world.bearer(Role.ADMIN)
    for _ in range(3):
        world.client.post("/v1/pipelines/runplane.noop/run", json={}, headers=admin)
    first = world.client.get("/v1/audit", params={"limit": 2}, headers=admin).json()
    assert first["has_more"]
    assert len(first["items"]) == 2
    rest = world.client.get(
        "/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin
    ).json()
    assert rest["items"][0]["entry_id"] < first["items"][-1]["entry_id"]
    for bad in ({"action": "nope"}, {"cursor": "x"}, {"since": "yesterday"}, {"limit": "0"}):
        assert world.client.get("/v1/audit", params=bad, headers=admin).status_code == 400


def test_refusals_from_one_address_in_a_minute_are_one_entry(world: World) -> None:
    for _ in range(20):
        world.client.post("/v1/pipelines/runplane.noop/run", json={})
    page = world.client.get(
        "/v1/audit", params={"action": "request.refused"}, headers=world.bearer(Role.ADMIN)
    ).json()
    assert [e["count"] for e in page["items"]] == [20]
    world.clock.advance(minutes=1)
    world.client.post("/v1/pipelines/runplane.noop/run", json={})
    again = world.client.get(
        "/v1/audit", params={"action": "request.refused"}, headers=world.bearer(Role.ADMIN)
    ).json()
    assert [e["count"] for e in again["items"]] == [1, 20]
