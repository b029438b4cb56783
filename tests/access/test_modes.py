"""The front door with no users (the local admin, still refusing cross-site writes and
foreign hosts) and behind a trusted reverse proxy (forwarded address, SSO user header)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runplane.server import create_app
from runplane.store import Database
from tests.conftest import fast_settings
from tests.factories import make_user

RUN = "/v1/pipelines/runplane.noop/run"


@pytest.fixture
def local(sqlite_db: Database, tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    settings = fast_settings(tmp_path, sqlite_url)
    with TestClient(create_app(sqlite_db, settings)) as client:
        yield client


def test_with_no_users_everyone_on_loopback_is_the_local_admin(local: TestClient) -> None:
    response = local.post(RUN, json={})
    assert response.status_code == 201
    assert response.json()["triggered_by"] == "local"
    assert "database" in local.get("/health").json()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["cross-site-form", "no-cors-fetch-without-body", "cross-site-fetch"],
)
def test_with_no_users_cross_site_writes_are_still_403(
    local: TestClient, headers: dict[str, str]
) -> None:
    for path in (RUN, "/v1/schedules/x/disable"):
        assert local.post(path, content=b"", headers=headers).status_code == 403


def test_with_no_users_a_form_body_is_415_and_a_foreign_host_400(local: TestClient) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert local.post(RUN, content=b"a=1", headers=form).status_code == 415
    assert local.post(RUN, content=b"{}").status_code == 415  # a body says what it is
    assert local.get("/v1/executions", headers={"Host": "evil.example"}).status_code == 400
    assert local.post(RUN, json={}, headers={"Origin": "http://localhost:8000"}).status_code == 201


def test_the_default_hosts_are_loopback_and_the_bind_address(
    sqlite_db: Database, tmp_path: Path, sqlite_url: str
) -> None:
    settings = fast_settings(tmp_path, sqlite_url, allowed_hosts=[])
    app = create_app(sqlite_db, settings, bind="10.1.2.3")
    with TestClient(app, base_url="http://10.1.2.3:8000") as client:
        assert client.get("/v1/capabilities").status_code == 200
        for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
            assert client.get("/v1/capabilities", headers={"Host": host}).status_code == 200
        assert client.get("/v1/capabilities", headers={"Host": "testserver"}).status_code == 400


@pytest.fixture
def proxied(sqlite_db: Database, tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    with sqlite_db.write() as conn:
        make_user(conn, "alice", "operator")
    settings = fast_settings(
        tmp_path, sqlite_url, trusted_proxies=["127.0.0.0/8"],
        trusted_user_header="X-Forwarded-User", public_url="https://runplane.example.com",
    )  # fmt: skip
    with TestClient(create_app(sqlite_db, settings), client=("127.0.0.1", 5000)) as client:
        yield client


def test_a_trusted_proxys_user_header_signs_in_a_runplane_user(proxied: TestClient) -> None:
    forwarded = {"X-Forwarded-User": "alice", "X-Forwarded-For": "203.0.113.9",
                 "Host": "runplane.example.com", "Origin": "https://runplane.example.com"}  # fmt: skip
    response = proxied.post(RUN, json={}, headers=forwarded)
    assert response.status_code == 201, response.text
    assert response.json()["triggered_by"] == "user:alice"
    stranger = proxied.post(RUN, json={}, headers=forwarded | {"X-Forwarded-User": "mallory"})
    assert stranger.status_code == 403
    assert "not a Runplane user" in stranger.json()["detail"]
    assert proxied.get("/v1/executions").status_code == 401


def test_the_user_header_is_ignored_from_an_untrusted_peer(
    sqlite_db: Database, tmp_path: Path, sqlite_url: str
) -> None:
    with sqlite_db.write() as conn:
        make_user(conn, "alice", "admin")
    settings = fast_settings(tmp_path, sqlite_url, trusted_user_header="X-Forwarded-User")
    with TestClient(create_app(sqlite_db, settings)) as client:
        response = client.get("/v1/executions", headers={"X-Forwarded-User": "alice"})
    assert response.status_code == 401
