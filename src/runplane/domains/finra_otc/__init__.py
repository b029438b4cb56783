"""FINRA's weekly OTC transparency data: pipelines, their tables, and data-asset queries.

Plugged in as the data domain `domain` through the `runplane.pipelines` entry point
(`runplane.domains.finra_otc:domain`), exactly as a third-party package plugs in its own.
"""

from pathlib import Path

from runplane.domains.finra_otc import allocator  # noqa: F401  (before pyarrow is imported)
from runplane.domains.finra_otc.weeks import last_week_ending
from runplane.plugins import Domain

SOURCE_HOSTS = ("cdn.finra.org", "api.finra.org", "otctransparency.finra.org")
"""Where FINRA publishes the weekly files and its API: the hosts an ingest may fetch from
unless RUNPLANE_ALLOWED_SOURCE_HOSTS says otherwise."""

domain = Domain(
    name="finra_otc",
    pipelines=("runplane.domains.finra_otc.pipelines",),
    migrations=Path(__file__).parent / "migrations",
    schedule_templates={"last_week_ending": last_week_ending},
    api=("runplane.domains.finra_otc.api.assets:router",),
    dashboard="runplane.domains.finra_otc.web:dashboard",
    demo="runplane.domains.finra_otc.demo:plan",
    source_hosts=SOURCE_HOSTS,
    capture_tables="runplane.domains.finra_otc.tables:CAPTURE_TABLES",
)
