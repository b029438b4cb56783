"""What the FINRA data reads answer stays as recorded: `/v1/assets/...`, `/dashboard/assets`,
the Overview's "Latest data per tier" and navigation, and the Output tab's link to the data.

Weeks go through the real pipelines; ids and instants are replaced by stable labels
(`<execution 3>`, `<capture 3>`, `<instant>`), so the recording compares byte for byte.
After a deliberate change: `RUNPLANE_UPDATE_CONTRACT=1 pytest tests/contract`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import HEADER_LINE
from runplane.domains.finra_otc.synthetic import write_weeks
from runplane.engine.serving.runtime import ServingRuntime
from runplane.server import create_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from tests.conftest import fast_settings
from tests.domains.finra_otc.support import INGEST, ROLLING, run, run_chain

pytestmark = pytest.mark.slow
RECORDING = Path(__file__).parent / "asset_reads.txt"

OTC_WEEKS = (date(2025, 12, 15), date(2025, 12, 22))
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
API = (
    "/v1/assets/weeks",
    "/v1/assets/weeks?tier=NMS_TIER_1",
    "/v1/assets/weeks?tier=PINK",
    "/v1/assets/weeks?tiers=OTC",
    "/v1/assets/weeks/OTC/2025-12-22?limit=3",
    "/v1/assets/weeks/OTC/2025-12-22?limit=2&offset=3",
    "/v1/assets/weeks/OTC/2025-12-29",
    "/v1/assets/weeks/OTC/last-week",
    "/v1/assets/weeks/PINK/2025-12-22",
    "/v1/assets/weeks/OTC/2025-12-22/captures",
    "/v1/assets/weeks/NMS_TIER_1/2025-12-15/captures",
    "/v1/assets/symbols/NMS_TIER_1/nope",
)
PAGES = (
    "/dashboard/assets",
    "/dashboard/assets?week=2025-12-22&tier=OTC",
    "/dashboard/assets?week=2025-12-15",
    "/dashboard/assets?week=2025-12-22&tier=OTC&offset=50",
    "/dashboard/assets?week=2025-12-15&tier=NMS_TIER_1",
    "/dashboard/assets?week=christmas",
)


class Recording:
    """Responses as text, with every id and instant of this run replaced by a label."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.parts: list[str] = []

    def labels(self) -> dict[str, str]:
        with self.db.read() as conn:
            executions = execution_store.list_executions(conn, limit=1000)
        found: dict[str, str] = {}
        for n, e in enumerate(reversed(executions), start=1):
            found[e.execution_id] = f"<execution {n}>"
            found[e.capture_id] = f"<capture {n}>"
        for value, label in list(found.items()):
            if label.startswith("<execution"):
                found[value[:8]] = label.replace(">", " prefix>")
        return found

    def add(self, title: str, body: str) -> None:
        text = f"### {title}\n{body.rstrip()}\n"
        for value, label in sorted(self.labels().items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, label)
        self.parts.append(UTC_TEXT.sub("<utc>", ISO.sub("<instant>", text)))

    def api(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        body = json.dumps(response.json(), indent=1)
        self.add(f"GET {path} -> {response.status_code} {response.headers['content-type']}", body)

    def page(self, client: TestClient, path: str, *, start: str, end: str, label: str = "") -> None:
        response = client.get(path)
        self.add(f"GET {path} {label}-> {response.status_code}", section(response.text, start, end))

    def text(self) -> str:
        return "\n".join(self.parts)


def section(page: str, start: str, end: str) -> str:
    """The part of `page` from `start` to the first `end` after it, both included."""
    begin = page.index(start)
    return page[begin : page.index(end, begin) + len(end)]


MAIN = ('<main id="page"', "</main>")
WEEKS_CARD = ('<section class="card" aria-labelledby="weeks-title">', "</section>")
NAV = ('<nav class="side"', "</nav>")
OUTPUT = ('<div data-part="output">', "</section>")


def _header_only(settings: Settings) -> str:
    """A file with FINRA's header and no rows: the ingest fails and publishes nothing."""
    path = settings.data_dir / "empty.psv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER_LINE + "\n")
    return "empty.psv"


def _overview(record: Recording, client: TestClient, label: str) -> None:
    record.page(client, "/dashboard", start=WEEKS_CARD[0], end=WEEKS_CARD[1], label=label)


@pytest.fixture
def clients(sqlite_db: Database, sqlite_settings: Settings, tmp_path: Path) -> Iterator[
    tuple[TestClient, TestClient]
]:  # fmt: skip
    basic = fast_settings(tmp_path, str(sqlite_db.url), tier="basic")
    with (
        TestClient(create_app(sqlite_db, sqlite_settings)) as client,
        TestClient(create_app(sqlite_db, basic)) as basic_client,
    ):
        yield client, basic_client


def _ingest_weeks(db: Database, settings: Settings) -> str:
    """Two OTC weeks through the chain (rolling on the second), one NMS_TIER_1 ingest, a
    forced second ingest and a failed one; returns the forced ingest's execution id."""
    write_weeks(settings.data_dir, tier=MarketTier.OTC, weeks=list(OTC_WEEKS), rows=120)
    write_weeks(settings.data_dir, tier=MarketTier.NMS_TIER_1, weeks=[OTC_WEEKS[0]], rows=80)
    runtime = ServingRuntime(db, settings)
    runtime.start()
    try:
        for week in OTC_WEEKS:
            run_chain(db, week.isoformat())
        week = OTC_WEEKS[1].isoformat()
        rolling = run(db, ROLLING, week_ending=week, tier="OTC")
        nms = run(db, INGEST, week_ending=OTC_WEEKS[0].isoformat(), tier="NMS_TIER_1")
        forced = run(db, INGEST, week_ending=week, tier="OTC", force=True)
        failed = run(db, INGEST, week_ending=week, force=True, source=_header_only(settings))
    finally:
        runtime.stop()
    assert [rolling.status, nms.status, forced.status] == ["completed"] * 3
    assert failed.status == "failed"
    return forced.execution_id


def test_the_asset_reads_answer_as_recorded(
    clients: tuple[TestClient, TestClient], sqlite_db: Database, sqlite_settings: Settings
) -> None:
    client, basic = clients
    record = Recording(sqlite_db)
    record.page(client, "/dashboard/assets", start=MAIN[0], end=MAIN[1], label="(empty) ")
    _overview(record, client, "(empty) ")
    record.api(client, "/v1/assets/weeks")

    forced = _ingest_weeks(sqlite_db, sqlite_settings)
    for path in API:
        record.api(client, path)
    top = client.get("/v1/assets/weeks/OTC/2025-12-22?limit=1").json()["symbols"][0]["symbol"]
    record.api(client, f"/v1/assets/symbols/OTC/{top.lower()}")
    weeks = client.get("/v1/assets/weeks?tier=OTC").json()["weeks"]
    for week in weeks:  # an aggregate read by its id, of its own week and of another
        capture = week["stages"]["aggregate"]["capture_id"]
        record.api(client, f"/v1/assets/weeks/OTC/2025-12-22?limit=1&capture_id={capture}")
    for path in PAGES:
        record.page(client, path, start=MAIN[0], end=MAIN[1])
    record.page(basic, "/dashboard/assets?week=2025-12-15&tier=NMS_TIER_1", start=MAIN[0],
                end=MAIN[1], label="(basic tier) ")  # fmt: skip
    _overview(record, client, "")
    _overview(record, basic, "(basic tier) ")
    record.page(client, "/dashboard", start=NAV[0], end=NAV[1], label="(navigation) ")
    headings = re.findall(r"<h2 [^>]*>.*?</h2>", client.get("/dashboard").text)
    record.add("GET /dashboard (the cards in order)", "\n".join(headings))
    record.page(client, f"/dashboard/executions/{forced}?tab=output", start=OUTPUT[0],
                end=OUTPUT[1])  # fmt: skip
    if os.environ.get("RUNPLANE_UPDATE_CONTRACT") == "1":
        RECORDING.write_text(record.text())
    assert record.text() == RECORDING.read_text(), (
        "the asset reads changed; if on purpose, run RUNPLANE_UPDATE_CONTRACT=1 pytest tests/contract"
    )
