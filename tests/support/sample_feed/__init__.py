"""A second data domain, only the tests install: a customer's daily feed of readings.

It plugs in exactly as FINRA's does — its pipeline, its table in an Alembic branch of its
own, an API router, a dashboard page with its template, a navigation entry, an Overview
card, a link from a run's output and a schedule template — and is loaded by the code that
loads entry points, through `RUNPLANE_PIPELINE_MODULES=tests.support.sample_feed:domain`.
ARCHITECTURE.md walks through it as the example of adding a domain.
"""

from datetime import date
from pathlib import Path

from runplane.plugins import Domain

HERE = Path(__file__).parent


def first_of_month(day: date) -> date:
    """`{{ first_of_month }}`: the first day of the month `day` is in."""
    return day.replace(day=1)


domain = Domain(
    name="sample_feed",
    pipelines=("tests.support.sample_feed.pipelines",),
    migrations=HERE / "migrations",
    schedule_templates={"first_of_month": first_of_month},
    api=("tests.support.sample_feed.api:router",),
    dashboard="tests.support.sample_feed.web:dashboard",
)
REFERENCE = "tests.support.sample_feed:domain"
"""How settings name it (`pipeline_modules`), as an entry point would."""
