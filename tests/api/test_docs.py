"""`/docs` is served from this server: its assets and start script are files here, and
the page has no inline script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_load_swagger_ui_from_this_server_under_a_strict_policy(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'<script src="([^"]+)"', page.text)
    assert sources == ["/docs/assets/swagger-ui-bundle.js", "/docs/own/docs.js"]
    assert "<script>" not in page.text
    for source in [*sources, "/docs/assets/swagger-ui.css"]:
        assert client.get(source).status_code == 200, source
    assert client.get("/redoc", follow_redirects=False).headers["location"] == "/docs"
