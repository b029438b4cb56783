"""`/docs`: Swagger UI for the published document, served from this server alone.

FastAPI's own page loads Swagger UI from a CDN, so it is blank without internet and needs
an inline script. Here the assets come from the `fastapi-offline` package, the page starts
them from `static/docs.js`, and a Content-Security-Policy without inline scripts applies.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
OWN = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/own/docs.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Add `/docs` (and send `/redoc` there) to an app made with `docs_url=None`."""
    page = PAGE.format(title=app.title, openapi=app.openapi_url)
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}

    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    async def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=307)

    app.add_api_route("/docs", docs, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)
    app.mount("/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets")
    app.mount("/docs/own", StaticFiles(directory=OWN), name="docs-own")
