"""Where the dashboard lives and the addresses of its pages, built in one place."""

from __future__ import annotations

from urllib.parse import quote

PREFIX = "/dashboard"
EXECUTIONS = f"{PREFIX}/executions"


def execution_url(execution_id: str) -> str:
    return f"{EXECUTIONS}/{quote(execution_id, safe='')}"


def executions_url(query: str = "") -> str:
    """The list, with the query string of a view (`status=failed&range=7d`)."""
    return f"{EXECUTIONS}?{query}" if query else EXECUTIONS


def pipeline_url(name: str) -> str:
    return f"{PREFIX}/pipelines/{quote(name, safe='')}"


LOGIN = f"{PREFIX}/login"
LOGOUT = f"{PREFIX}/logout"


def login_url(back: str | None = None) -> str:
    """The login page, returning to `back` (a dashboard path) once signed in."""
    return f"{LOGIN}?next={quote(back, safe='/')}" if back and back != LOGIN else LOGIN
