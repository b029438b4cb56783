"""The dashboard inside the API's application: the root redirect, static files and caching,
unknown addresses, and an unreachable database."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from runplane.server import create_app
from runplane.store import Database
from runplane.web.templating import static_url
from tests.conftest import fast_settings
from tests.web.conftest import text


def test_root_opens_the_dashboard(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/dashboard"
    assert client.get("/").url.path == "/dashboard"


def test_versioned_static_files_are_cached_for_a_year(client: TestClient) -> None:
    url = static_url("app.js")
    assert "?v=" in url
    response = client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert "data-" in response.text
    assert client.get("/dashboard/static/app.css").headers["cache-control"] == "no-cache"


def test_dashboard_routes_stay_out_of_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/dashboard")]


def test_an_unknown_address_is_a_404_page_in_the_shell(client: TestClient) -> None:
    response = client.get("/dashboard/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'aria-label="Sections"' in response.text
    assert "There is no dashboard page at /dashboard/nowhere." in text(response.text)


def test_an_unreachable_database_shows_a_banner_not_a_blank_page(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    db = Database(url)
    app = create_app(db, fast_settings(tmp_path, url))
    with TestClient(app) as client:
        for path in ("/dashboard/executions", "/dashboard", "/dashboard/pipelines"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert 'class="banner" role="alert"' in response.text
            assert "The database does not answer" in text(response.text)
            assert "Database unavailable" in text(response.text)
    db.dispose()


def test_the_header_shows_the_state_health_answers(sqlite_db: Database, tmp_path: Path) -> None:
    app = create_app(sqlite_db, fast_settings(tmp_path, str(sqlite_db.url)))
    with TestClient(app) as client:
        assert sqlite_db.path is not None
        sqlite_db.path.unlink()
        page = client.get("/dashboard/pipelines")
        health = client.get("/health").json()
    words = text(page.text)
    assert 'class="health h-down"' in page.text
    assert "Down" in words
    assert health["message"] in words
