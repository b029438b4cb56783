"""`/v1/sample-feed`: the days the feed has published."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from runplane.api.blocking import read
from runplane.api.deps import DbDep
from runplane.model.json import iso
from tests.support.sample_feed.queries import list_days

router = APIRouter(prefix="/v1/sample-feed", tags=["sample-feed"])


@router.get("/days")
async def list_published_days(db: DbDep) -> dict[str, Any]:
    """Days with published readings, newest first."""
    days = await read(db, list_days)
    return {
        "days": [
            {"day": d.day.isoformat(), "readings": d.readings, "published_at": iso(d.published_at)}
            for d in days
        ]
    }
