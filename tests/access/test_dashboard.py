"""Every dashboard action, tried as a hostile page would: signed out (redirected to the
login page), as a viewer, without or with a wrong CSRF token, from another origin, and by
DNS rebinding (a foreign Host and Origin). Each is refused with nothing changed but the
audit trail; the login itself locks after five failures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from runplane.model.access import Role
from tests.access.conftest import BASE, World
from tests.factories import PASSWORD

ACTIONS: list[tuple[str, Role, dict[str, str]]] = [
    ("/dashboard/pipelines/runplane.noop/run", Role.OPERATOR, {}),
    ("/dashboard/executions/{failed}/retry", Role.OPERATOR, {}),
    ("/dashboard/executions/{pending}/cancel", Role.OPERATOR, {}),
    ("/dashboard/schedules/every-minute/disable", Role.ADMIN, {}),
]
IDS = [path for path, _, _ in ACTIONS]


def _post(world: World, path: str, role: Role | None, *, csrf: str | None = "", **kw: Any) -> Any:
    url = path.format(failed=world.failed.execution_id, pending=world.pending.execution_id)
    world.client.cookies.clear()
    data: dict[str, str] = {}
    if role is not None:
        secret, token = world.sessions[role]
        world.client.cookies.set("runplane_session", secret)
        data["csrf"] = token if csrf == "" else (csrf or "")
        if csrf is None:
            del data["csrf"]
    headers = {"Origin": BASE} | kw.pop("headers", {})
    return world.client.post(url, data=data, headers=headers, follow_redirects=False, **kw)


def _refused(world: World, status: int, path: str, role: Role | None, **kw: Any) -> Any:
    before, refused = world.snapshot(), world.refused_count()
    response = _post(world, path, role, **kw)
    assert response.status_code == status, response.text[:300]
    assert world.snapshot() == before
    if status in (303, 403):
        assert world.refused_count() == refused + 1
    return response


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
def test_signed_out_an_action_goes_to_the_login_page(
    world: World, path: str, role: Role, data: dict[str, str]
) -> None:
    response = _refused(world, 303, path, None)
    assert response.headers["location"].startswith("/dashboard/login?next=")


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
def test_a_role_below_the_one_needed_gets_403(
    world: World, path: str, role: Role, data: dict[str, str]
) -> None:
    below = Role.VIEWER if role is Role.OPERATOR else Role.OPERATOR
    response = _refused(world, 403, path, below)
    assert f"needs the {role} role" in response.text


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
@pytest.mark.parametrize("csrf", [None, "wrong-token"], ids=["no-csrf", "wrong-csrf"])
def test_a_missing_or_wrong_csrf_token_is_refused(
    world: World, path: str, role: Role, data: dict[str, str], csrf: str | None
) -> None:
    response = _refused(world, 403, path, role, csrf=csrf)
    assert "CSRF token" in response.text


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
def test_a_foreign_origin_is_refused(
    world: World, path: str, role: Role, data: dict[str, str]
) -> None:
    _refused(world, 403, path, role, headers={"Origin": "http://evil.example"})


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
def test_dns_rebinding_is_refused_before_routing(
    world: World, path: str, role: Role, data: dict[str, str]
) -> None:
    rebinding = {"Host": "evil.example", "Origin": "http://evil.example"}
    _refused(world, 400, path, role, headers=rebinding)


@pytest.mark.parametrize(("path", "role", "data"), ACTIONS, ids=IDS)
def test_the_role_needed_with_its_token_may(
    world: World, path: str, role: Role, data: dict[str, str]
) -> None:
    assert _post(world, path, role).status_code == 303


def test_a_viewer_sees_actions_disabled_with_the_reason(world: World) -> None:
    world.client.cookies.set("runplane_session", world.sessions[Role.VIEWER][0])
    page = world.client.get(f"/dashboard/executions/{world.failed.execution_id}").text
    assert re.search(r'<button type="button" class="btn" disabled[^>]*>⟳ Retry</button>', page)
    assert "Retrying an execution needs the operator role; you are viewer" in page
    pipeline = world.client.get("/dashboard/pipelines/runplane.noop").text
    assert "Running a pipeline needs the operator role" in pipeline
    rows = world.client.get("/dashboard/executions?range=30d").text
    assert "Cancelling an execution needs the operator role" in rows


def test_pages_need_a_session_and_static_files_and_login_do_not(world: World) -> None:
    page = world.client.get("/dashboard/executions?status=failed", follow_redirects=False)
    assert page.status_code == 303
    assert (
        page.headers["location"] == "/dashboard/login?next=/dashboard/executions%3Fstatus%3Dfailed"
    )
    assert world.client.get("/dashboard/login").status_code == 200
    assert world.client.get("/dashboard/static/app.js").status_code == 200


def _csrf(world: World) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', world.client.get("/dashboard/login").text)
    assert found
    return found[1]


def test_login_sets_a_fresh_httponly_lax_session_cookie_and_logout_ends_it(world: World) -> None:
    old = world.sessions[Role.OPERATOR][0]
    world.client.cookies.set("runplane_session", old)
    response = world.client.post(
        "/dashboard/login",
        data={"csrf": _csrf(world), "name": "operator", "password": PASSWORD,
              "next": "/dashboard/executions"},
        headers={"Origin": BASE}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/executions"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=43200" in cookie
    found = re.match(r"runplane_session=([^;]+);", cookie)
    assert found
    new = found[1]
    assert new != old
    world.client.cookies.clear()
    world.client.cookies.set("runplane_session", new)
    assert world.client.get("/dashboard/executions").status_code == 200
    world.client.cookies.clear()
    world.client.cookies.set("runplane_session", old)  # rotated: the old session ended
    assert world.client.get("/dashboard", follow_redirects=False).status_code == 303
    world.client.cookies.clear()
    world.client.cookies.set("runplane_session", new)
    page = world.client.get("/dashboard").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    out = world.client.post("/dashboard/logout", data={"csrf": token[1]}, headers={"Origin": BASE},
                            follow_redirects=False)  # fmt: skip
    assert out.status_code == 303
    world.client.cookies.clear()
    world.client.cookies.set("runplane_session", new)
    assert world.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_the_sixth_wrong_password_in_ten_minutes_is_429_with_retry_after(world: World) -> None:
    csrf = _csrf(world)
    form = {"csrf": csrf, "name": "admin", "password": "wrong password"}
    for _ in range(5):
        failed = world.client.post("/dashboard/login", data=form, headers={"Origin": BASE})
        assert failed.status_code == 401
        assert "Wrong user name or password" in failed.text
    right = {**form, "password": PASSWORD}
    locked = world.client.post("/dashboard/login", data=right, headers={"Origin": BASE})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 600
    trail = world.client.get(
        "/v1/audit", params={"action": ["login.failure", "login.locked"]},
        headers=world.bearer(Role.ADMIN),
    ).json()["items"]  # fmt: skip
    assert [e["action"] for e in trail] == ["login.locked"] + ["login.failure"] * 5
    world.clock.advance(minutes=10, seconds=1)
    again = world.client.post(
        "/dashboard/login", data=right, headers={"Origin": BASE}, follow_redirects=False
    )
    assert again.status_code == 303


def test_html_in_parameters_logs_and_errors_renders_as_text(world: World) -> None:
    from runplane.model import LogLine
    from runplane.model.errors import ErrorClass, ExecutionError
    from runplane.store import logs as log_store
    from tests.factories import make_execution

    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    with world.db.write() as conn:
        e = make_execution(
            conn, status="failed", params={"note": evil},
            error=ExecutionError(type="ValueError", message=evil, classification=ErrorClass.DATA,
                                 title=evil, summary=evil),
        )  # fmt: skip
        log_store.insert_log_lines(conn, [LogLine(e.execution_id, 1, e.created_at, "ERROR", evil)])
    world.client.cookies.set("runplane_session", world.sessions[Role.ADMIN][0])
    for tab in ("summary", "parameters", "logs"):
        page = world.client.get(f"/dashboard/executions/{e.execution_id}?tab={tab}").text
        assert evil not in page
        assert "<script>alert" not in page
    assert "&lt;script&gt;" in world.client.get(f"/dashboard/executions/{e.execution_id}").text


def test_the_execution_page_shows_its_part_of_the_trail(world: World) -> None:
    run = world.client.post(
        "/v1/pipelines/runplane.noop/run", json={}, headers=world.bearer(Role.OPERATOR)
    ).json()
    world.client.cookies.set("runplane_session", world.sessions[Role.ADMIN][0])
    page = world.client.get(f"/dashboard/executions/{run['execution_id']}?tab=parameters").text
    assert "Audit trail" in page
    assert "execution.run" in page
    assert "operator-ci" in page
    assert "testclient" in page  # admins see where it came from
    world.client.cookies.clear()
    world.client.cookies.set("runplane_session", world.sessions[Role.VIEWER][0])
    viewer = world.client.get(f"/dashboard/executions/{run['execution_id']}?tab=parameters").text
    assert "execution.run" in viewer
    assert "testclient" not in viewer
