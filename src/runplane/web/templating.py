"""The Jinja2 environment (autoescape on) and `render`, which wraps a page in the shell:
header with the health indicator and tier badge, sidebar, and any banner.

The core's templates are found by name (`overview.html`), a data domain's under its name
(`sample_feed/days.html`), from the folder its dashboard part gives.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
import weakref
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from runplane.identity import ANONYMOUS
from runplane.model import LOG_LEVELS
from runplane.model.cost import figure, memory, money
from runplane.model.param_filters import canonical
from runplane.model.timefmt import duration, ordinal
from runplane.store import Database
from runplane.tiers import Feature, locked_reasons
from runplane.views.baseline import baseline_lines
from runplane.views.health import HealthReport, HealthStatus, check_health
from runplane.web import charts, display
from runplane.web.deps import State, app_state, denied
from runplane.web.parts import Card
from runplane.web.security import csrf_token, set_csrf_cookie
from runplane.web.urls import PREFIX

HERE = Path(__file__).parent
STATIC = HERE / "static"
_DOMAIN_TEMPLATES: dict[str, BaseLoader] = {}
"""Each mounted domain's template folder, by the domain's name."""
_DOMAIN_STATIC: dict[str, Path] = {}
"""Each mounted domain's static folder, by the domain's name."""


@cache
def static_url(name: str) -> str:
    """`/dashboard/static/app.js?v=1a2b3c4d`: the version changes with the file, so
    browsers may cache each version for a year. A domain's: `sample_feed/feed.css`."""
    domain, _, rest = name.partition("/")
    folder = _DOMAIN_STATIC.get(domain) if rest else None
    path = STATIC / name if folder is None else folder / rest
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{PREFIX}/static/{name}?v={digest}"


def _query(pairs: list[tuple[str, str]] | dict[str, Any]) -> str:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return urllib.parse.urlencode([(k, v) for k, v in items if v not in (None, "")])


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(HERE / "templates"), PrefixLoader(_DOMAIN_TEMPLATES)]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(
        PREFIX=Markup(PREFIX),
        static=static_url,
        status_look=display.status_look,
        error_look=display.error_look,
        STATUS=display.STATUS,
        ERROR_CLASS=display.ERROR_CLASS,
        LOG_LEVELS=LOG_LEVELS,
        TRIGGERS=display.TRIGGER_LABELS,
        when=display.when,
        elapsed=display.since,
        elapsed_run=display.elapsed,
        queued_for=display.queued_for,
        trend=display.trend,
        action_icon=display.action_icon,
        resource_chart=charts.resource_chart,
        baseline_lines=baseline_lines,
        sla_badge=display.sla_badge,
        sla_sentence=display.sla_sentence,
        FEATURE_LABELS={str(f): f.label for f in Feature},
        HEALTH_WORDS=display.HEALTH_WORDS,
        CHECK_LABELS=display.CHECK_LABELS,
    )
    env.filters.update(
        utc=display.utc,
        iso_z=display.iso_z,
        rows=display.rows,
        seconds=duration,
        number=display.number,
        ordinal=ordinal,
        param=display.param_text,
        filter_text=canonical,
        query=_query,
        urlquote=lambda s: urllib.parse.quote(str(s), safe=""),
        form_pairs=lambda params: [(f"p.{k}", display.param_text(v)) for k, v in params.items()],
        log_time=display.log_time,
        brief=display.brief,
        named=display.named,
        dotted=display.dotted,
        ticks=display.ticks,
        money=money,
        figure=figure,
        memory=memory,
    )
    return env


env = _environment()


def add_domain_files(domain: str, templates: Path | None, static: Path | None) -> None:
    """Find `domain/<name>.html` in `templates` and `static('domain/<name>')` in `static`;
    a second call for the domain must name the same folders."""
    known = _DOMAIN_TEMPLATES.get(domain)
    if isinstance(known, FileSystemLoader) and templates not in (None, Path(known.searchpath[0])):
        raise ValueError(f"the domain {domain} has its templates in {known.searchpath[0]}")
    if _DOMAIN_STATIC.get(domain, static) != static:
        raise ValueError(f"the domain {domain} has its static files in {_DOMAIN_STATIC[domain]}")
    if templates is not None:
        _DOMAIN_TEMPLATES[domain] = FileSystemLoader(templates)
    if static is not None:
        _DOMAIN_STATIC[domain] = static


HEALTH_TTL = 1.0
"""Seconds a health check serves the header indicator before the next page checks again."""
_health: weakref.WeakKeyDictionary[Database, tuple[float, HealthReport]] = (
    weakref.WeakKeyDictionary()
)


def health_now(s: State) -> HealthReport:
    """The health check `/health` answers, with this server's facts and storage probe."""
    return check_health(s.db, s.settings, s.serving(), storage=s.storage.facts(), clock=s.clock)


def recent_health(s: State) -> HealthReport:
    """The health check, at most `HEALTH_TTL` seconds old."""
    cached = _health.get(s.db)
    if cached is not None and time.monotonic() - cached[0] < HEALTH_TTL:
        return cached[1]
    report = health_now(s)
    _health[s.db] = (time.monotonic(), report)
    return report


def render_card(s: State, card: Card) -> Markup:
    """A domain's Overview card, with the tier's locked features beside its values."""
    html = env.get_template(card.template).render(
        locked=locked_reasons(s.settings.tier), **card.values
    )
    return Markup(html)


def render_fragment(
    name: str, status: int = 200, *, request: Request | None = None, **context: Any
) -> HTMLResponse:
    """A template without the shell, for in-place updates and modals (with `request`, its
    forms get the CSRF token and its buttons the caller's permissions)."""
    if request is not None:
        context = {**access_context(request), **context}
    response = HTMLResponse(env.get_template(name).render(**context), status_code=status)
    if request is not None:
        set_csrf_cookie(request, response)
    return response


def access_context(request: Request) -> dict[str, Any]:
    """What every page's forms and buttons need: the CSRF token, the caller, and why each
    action is unavailable to them (`denied.cancel`: a sentence, or None)."""
    caller = request.scope.get("state", {}).get("caller") or ANONYMOUS
    return {"csrf": csrf_token(request), "caller": caller, "denied": denied(caller)}


def render(
    request: Request,
    name: str,
    *,
    title: str,
    nav: str | None = None,
    status: int = 200,
    health: HealthReport | None = None,
    banner: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page inside the shell. The health check runs here unless the caller already has one."""
    s = app_state(request)
    if health is None:
        health = recent_health(s)
    if banner is None and health.status is HealthStatus.DOWN:
        banner = health.message
    context = {**access_context(request), **context}
    html = env.get_template(name).render(
        request=request,
        title=title,
        nav=nav,
        NAV=s.parts.nav,
        STYLESHEETS=s.parts.stylesheets,
        health=health,
        tier=str(s.settings.tier),
        locked=locked_reasons(s.settings.tier),
        banner=banner,
        now=context.pop("now", None) or s.clock(),
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-cache"})
    set_csrf_cookie(request, response)
    return response
