"""Signing in and out of the dashboard. The login page is public; a login checks the
password (argon2, on a thread of its own so the store's one SQLite thread keeps serving),
opens a server-side session and sets its cookie: HttpOnly, SameSite=Lax, Secure when
users reach the server over HTTPS, expiring with the session. Each login gets a new
session (the old cookie's session ends), so a session id never outlives a login.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine.access.sessions import login, logout
from runplane.engine.errors import LoginFailed, LoginLocked
from runplane.identity import Caller
from runplane.origins import Origins
from runplane.views.access import users_exist
from runplane.web.deps import CallerDep, StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.security import SESSION_COOKIE, FormDep, local_target
from runplane.web.templating import render
from runplane.web.urls import LOGIN, PREFIX

router = APIRouter(route_class=DashboardRoute)

_HASHING = CapacityLimiter(2)
"""Logins check passwords on these threads, never on the one the store's sync work uses."""


@router.get("/login")
def login_page(request: Request, s: StateDep) -> Response:
    """The login form (public)."""
    return _form(request, s, name="", error=None, back=request.query_params.get("next"))


@router.post("/login")
async def login_action(
    request: Request, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """Check the password, open a session, and go where the user was going."""
    name = (values.get("name") or [""])[-1].strip()[:200]
    back = (values.get("next") or [""])[-1]
    password = (values.get("password") or [""])[-1]
    lifetime = timedelta(hours=s.settings.session_hours)
    previous = request.cookies.get(SESSION_COOKIE)
    try:
        _, secret = await anyio.to_thread.run_sync(
            partial(
                login, s.db, name, password, origin=caller.origin, lifetime=lifetime,
                previous=previous, clock=s.clock,
            ),
            limiter=_HASHING,
        )  # fmt: skip
    except LoginLocked as exc:
        page = await run_in_threadpool(
            _form, request, s, name=name, error=_sentence(exc), back=back, status=429
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except LoginFailed as exc:
        return await run_in_threadpool(
            _form, request, s, name=name, error=_sentence(exc), back=back, status=401
        )
    if previous:
        request.app.state.credentials.forget("session", previous)  # it ended with this login
    target = local_target(back, PREFIX)
    response = RedirectResponse(target, status_code=303)
    origins: Origins = request.app.state.origins
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=int(lifetime.total_seconds()), path="/",
        httponly=True, samesite="lax", secure=origins.secure,
    )  # fmt: skip
    return response


@router.post("/logout")
async def logout_action(
    request: Request, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """End this browser's session everywhere at once, then show the login page."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await run_in_threadpool(partial(logout, s.db, secret, origin=caller.origin, clock=s.clock))
        request.app.state.credentials.forget("session", secret)
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _form(
    request: Request,
    s: StateDep,
    *,
    name: str,
    error: str | None,
    back: str | None,
    status: int = 200,
) -> Response:
    with s.db.read() as conn:
        configured = users_exist(conn)
    caller: Caller | None = request.scope.get("state", {}).get("caller")
    back = local_target(back, PREFIX)
    return render(
        request, "login.html", title="Sign in", status=status, users_exist=configured,
        next=back, login_name=name, error=error,
        signed_in=caller is not None and caller.signed_in,
    )  # fmt: skip


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + "."
