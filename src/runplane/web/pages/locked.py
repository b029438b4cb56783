"""The locked card the basic tier shows instead of execution history (spec: Tier Behavior)."""

from __future__ import annotations

from fastapi import Request, Response

from runplane.web.templating import render


def locked_page(request: Request) -> Response:
    """200, not 403: the page is there, and it explains what the tier includes."""
    return render(request, "locked.html", title="Execution history", nav="executions")
