"""Data domains: what a package plugs into Runplane through the `runplane.pipelines` entry
point — its pipelines, its tables' migrations (an Alembic branch of its own), its schedule
templates, its API routers, its dashboard part and its demo.

It sits beside settings.py and imports no layer, because every layer takes one part of a
domain: the framework's registry imports its pipelines, the store runs its migrations, the
scheduler fills in its templates, the server mounts its routers and pages. Routers, the
dashboard part and the demo are named as `module:attribute` and imported only by the code
that uses them, so the process that runs an execution loads pipelines without FastAPI.

    domain = Domain(
        name="sample_feed",
        pipelines=("sample_feed.pipelines",),
        migrations=Path(__file__).parent / "migrations",
        schedule_templates={"first_of_month": first_of_month},
        api=("sample_feed.api:router",),
        dashboard="sample_feed.web:dashboard",
    )

    [project.entry-points."runplane.pipelines"]
    sample_feed = "sample_feed:domain"

A plain module of pipelines (`builtin = "runplane.pipelines.builtin"`) registers the same
way, as does a `module` or `module:attribute` listed in RUNPLANE_PIPELINE_MODULES.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any

ENTRY_POINT_GROUP = "runplane.pipelines"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

ScheduleTemplate = Callable[[date], date]
"""A schedule template's value on a day of the schedule's wall clock: `{{ name }}` -> ISO date."""


@dataclass(frozen=True)
class Domain:
    """One data domain, as its package exposes it (see the module's example).

    `name` names its Alembic branch (and prefixes its revision ids), its template folder
    (`name/page.html`) and its place in error messages; `migrations` is a folder of Alembic
    revisions whose first has `branch_labels = (name,)` and no `down_revision`. `api` names
    FastAPI routers mounted after the core ones; `dashboard` names a
    `runplane.web.parts.DashboardPart` (pages, templates, navigation, Overview cards, links
    from an execution's output); `demo` names a `DemoPlanner` that `runplane demo` runs.
    """

    name: str
    pipelines: Sequence[str] = ()
    migrations: Path | None = None
    schedule_templates: Mapping[str, ScheduleTemplate] = field(
        default_factory=lambda: MappingProxyType({})
    )
    api: Sequence[str] = ()
    dashboard: str | None = None
    demo: str | None = None
    source_hosts: Sequence[str] = ()
    """Hosts its pipelines fetch from, allowed unless RUNPLANE_ALLOWED_SOURCE_HOSTS says
    otherwise (`host`, or `host:port`)."""
    capture_tables: str | None = None
    """Names (`module:attribute`) its tables keyed by `capture_id`: the rows of a capture
    its execution ended without publishing are deleted from them by the housekeeping."""

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"domain name {self.name!r} must be lowercase, e.g. sales_feed")


@dataclass(frozen=True)
class DemoRun:
    """One execution the demo submits."""

    pipeline: str
    params: Mapping[str, Any] = field(default_factory=dict)
    dry_run: bool = False


@dataclass(frozen=True)
class DemoSchedule:
    """A schedule the demo saves once its runs have ended."""

    name: str
    pipeline: str
    cron: str
    timezone: str = "UTC"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoPast:
    """One execution of the demo's synthetic history, created `at` (UTC, in the past) and
    written as ended `seconds` after it started, never run: the dashboard opens on weeks of
    plausible activity.

    `status` is an end state (`completed`, `failed`, `cancelled`, `dry_run`); `trigger` is
    `scheduled` (by `schedule`), `manual` or `api`; a failure's `error` is classified as a
    live one would be (none: its worker was lost). `retry_of` and `after` are indexes of earlier entries of the same
    history: an automatic retry of that attempt (`auto` false: an operator's retry), or a
    run queued behind that one (a chain's next stage).
    """

    pipeline: str
    params: Mapping[str, Any]
    at: datetime
    seconds: float
    status: str = "completed"
    trigger: str = "scheduled"
    schedule: str | None = None
    rows: int | None = None
    summary: Sequence[str] = ()
    figures: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    error: BaseException | None = None
    retry_of: int | None = None
    auto: bool = True
    after: int | None = None


@dataclass(frozen=True)
class DemoPlan:
    """What a domain shows in `runplane demo`: runs, schedules, a synthetic history, and
    lines telling what it did."""

    runs: Sequence[DemoRun] = ()
    schedules: Sequence[DemoSchedule] = ()
    notes: Sequence[str] = ()
    history: Sequence[DemoPast] = ()


DemoPlanner = Callable[[Path, int, str], DemoPlan]
"""`plan(data_dir, rows, unavailable_url)`: writes the domain's sample data (about `rows`
rows per file) under `data_dir` and says what to run; `unavailable_url` answers HTTP 503."""


def resolve(reference: str) -> Any:
    """`package.module` (the module) or `package.module:attribute` (that attribute), as
    entry points name objects."""
    module, _, attribute = reference.partition(":")
    found: Any = import_module(module.strip())
    for name in filter(None, attribute.strip().split(".")):
        found = getattr(found, name)
    return found


@cache
def _installed() -> tuple[Any, ...]:
    """What the installed entry points name, loaded once per process."""
    return tuple(entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP))


def load_domains(
    references: Sequence[str] = (), *, installed: Iterable[EntryPoint] | None = None
) -> tuple[Domain, ...]:
    """The domains of the installed entry points (or of `installed`), then those
    `references` name (RUNPLANE_PIPELINE_MODULES), each once, with their pipelines imported.

    Other objects registered the same way are plain modules of pipelines: importing them
    registered their pipelines. Raises `ValueError` for two domains of one name.
    """
    found = list(_installed() if installed is None else (e.load() for e in installed))
    found += [resolve(reference) for reference in references]
    domains: dict[str, Domain] = {}
    for item in found:
        if not isinstance(item, Domain):
            continue
        known = domains.setdefault(item.name, item)
        if known is not item:
            raise ValueError(f"two installed domains are named {item.name!r}")
        for module in item.pipelines:
            import_module(module)
    return tuple(domains.values())


def resolve_capture_tables(domains: Iterable[Domain]) -> list[Any]:
    """Every domain's tables keyed by `capture_id` (SQLAlchemy `Table`s), in order."""
    return [table for tables in resolve_all(domains, "capture_tables") for table in tables]


def resolve_all(domains: Iterable[Domain], attribute: str) -> list[Any]:
    """Every object the domains name in `attribute` (`api`, `dashboard` or `demo`), in order."""
    objects = []
    for domain in domains:
        value = getattr(domain, attribute)
        references = [value] if isinstance(value, str) else list(value or ())
        objects += [resolve(reference) for reference in references]
    return objects
