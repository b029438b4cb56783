"""What a data domain adds to the dashboard: its pages, its templates and static files, its
navigation entries, its Overview cards and the links from a run's output to its pages.

A domain names one `DashboardPart` in `Domain.dashboard`; `web/app.py` mounts its routers
after the core's pages, and finds its templates and static files under the domain's name
(`render(request, "sample_feed/days.html", ...)`, which may extend `base.html`;
`static('sample_feed/feed.css')`). The core renders the shell, the navigation, the cards
it is given, and links every domain's stylesheets from every page (cards need them too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fastapi import APIRouter

from runplane.web.deps import State
from runplane.web.urls import PREFIX


@dataclass(frozen=True)
class NavEntry:
    """A sidebar entry after the core's: its pages render with `nav=key`."""

    key: str
    label: str
    path: str
    """Under the dashboard, e.g. `/sample-feed` for /dashboard/sample-feed."""

    @property
    def link(self) -> tuple[str, str, str]:
        """As the shell lists its entries: key, label, address."""
        return self.key, self.label, PREFIX + self.path


@dataclass(frozen=True)
class Card:
    """A card of the Overview: one of the domain's templates and the values it shows (the
    template also sees `locked`, the tier's locked features)."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputLink:
    """A button on an execution's Output tab to the page showing an asset it wrote."""

    href: str
    text: str
    detail: str
    """Said to screen readers after the text, e.g. `2025-12-22`."""


OverviewCard = Callable[[State], Card | None]
"""Reads what its card shows (None: no card); called on every Overview."""
AssetLinker = Callable[[Mapping[str, str]], OutputLink | None]
"""An output asset's keys -> the link to it, or None when its page cannot show it."""


@dataclass(frozen=True)
class DashboardPart:
    """One domain's pages and what the shell shows of it; `asset_links` by asset kind,
    `stylesheets` by their names in `static`."""

    routers: Sequence[APIRouter] = ()
    templates: Path | None = None
    static: Path | None = None
    stylesheets: Sequence[str] = ()
    nav: Sequence[NavEntry] = ()
    cards: Sequence[OverviewCard] = ()
    asset_links: Mapping[str, AssetLinker] = field(default_factory=lambda: MappingProxyType({}))


CORE_NAV = (
    NavEntry("overview", "Overview", ""),
    NavEntry("pipelines", "Pipelines", "/pipelines"),
    NavEntry("executions", "Executions", "/executions"),
    NavEntry("notifications", "Notifications", "/notifications"),
)


@dataclass(frozen=True)
class MountedParts:
    """The domains' parts as one application mounted them (`app.state.dashboard_parts`)."""

    parts: Sequence[DashboardPart] = ()
    stylesheets: Sequence[str] = ()
    """Each as `static()` takes it: `domain/name.css`."""

    @property
    def nav(self) -> list[tuple[str, str, str]]:
        """The core's entries, then each domain's."""
        return [entry.link for entry in (*CORE_NAV, *(e for p in self.parts for e in p.nav))]

    @property
    def cards(self) -> list[OverviewCard]:
        return [card for part in self.parts for card in part.cards]

    def output_links(self, output: Mapping[str, Any] | None) -> list[OutputLink]:
        """Links to the assets an execution's output names that a domain's page shows."""
        linkers = {kind: linker for part in self.parts for kind, linker in part.asset_links.items()}
        links = []
        for asset in (output or {}).get("assets") or []:
            linker = linkers.get(asset.get("kind"))
            link = None if linker is None else linker(asset.get("keys") or {})
            if link is not None:
                links.append(link)
        return links
