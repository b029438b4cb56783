"""`/v1/assets`: the FINRA OTC data assets — weeks per tier, a week's symbols with their
venue breakdown, one symbol's history, and the capture history of a week.

Readers see each week's latest published capture; `capture_id` reads an earlier one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from runplane.api.blocking import read
from runplane.api.deps import DbDep, only_query
from runplane.api.errors import ApiProblem, problems
from runplane.api.openapi import query_schema
from runplane.domains.finra_otc import queries
from runplane.domains.finra_otc.api.schemas import (
    CaptureRecordOut,
    SymbolHistoryOut,
    WeekListOut,
    WeekSymbolsOut,
)
from runplane.domains.finra_otc.params import MarketTier
from runplane.model.json import iso
from runplane.views.list_query import ListingError

router = APIRouter(prefix="/v1/assets", tags=["assets"])

TierPath = Annotated[MarketTier, Path(description="OTC, NMS_TIER_1 or NMS_TIER_2.")]
WeekPath = Annotated[
    str,
    Path(
        description="FINRA's week date as in `lastUpdateDate`, e.g. 2025-12-22.",
        json_schema_extra={"format": "date"},
    ),
]


@router.get(
    "/weeks",
    response_model=WeekListOut,
    responses=problems(400),
    dependencies=[Depends(only_query("tier"))],
)
async def list_weeks(
    db: DbDep,
    tier: Annotated[
        str | None,
        Query(
            description="Only this tier.",
            json_schema_extra=query_schema(type="string", enum=[str(t) for t in MarketTier]),
        ),
    ] = None,
) -> dict[str, Any]:
    """Weeks with published data per tier, newest first, with captures, rows and symbols."""
    weeks = await read(db, queries.list_weeks, None if tier is None else str(_tier(tier)))
    return {
        "weeks": [
            {
                "tier": w.tier,
                "week_ending": w.week_ending.isoformat(),
                "rows": w.rows,
                "captures": w.captures,
                "stages": {str(stage): _capture(info) for stage, info in w.stages.items()},
            }
            for w in weeks
        ]
    }


@router.get(
    "/weeks/{tier}/{week_ending}",
    response_model=WeekSymbolsOut,
    responses=problems(400, 404),
    dependencies=[Depends(only_query("limit", "offset", "capture_id"))],
)
async def get_week_symbols(
    db: DbDep,
    tier: TierPath,
    week_ending: WeekPath,
    limit: Annotated[int, Query(ge=1, le=500, description="Symbols per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    capture_id: Annotated[str | None, Query(description="Read this capture instead.")] = None,
) -> dict[str, Any]:
    """A week's symbols ranked by volume, each with its venues' shares and concentration."""
    week = _week(week_ending)
    found = await read(
        db, queries.list_week_symbols, str(tier), week, capture_id=capture_id, limit=limit,
        offset=offset,
    )  # fmt: skip
    if found is None:
        raise ApiProblem(
            404,
            "not-found",
            "No aggregated data",
            f"no published aggregate for {tier} week {week} — run "
            "finra.otc_transparency.aggregate_week for it first",
        )
    return {
        "capture": _capture(found.capture),
        "total": found.total,
        "symbols": [
            {
                "rank": s.rank,
                "symbol": s.symbol,
                "issue_name": s.issue_name,
                "shares": s.shares,
                "trades": s.trades,
                "hhi": s.hhi,
                "venues": [vars(v) for v in s.venues],
            }
            for s in found.symbols
        ],
    }


@router.get(
    "/weeks/{tier}/{week_ending}/captures",
    response_model=list[CaptureRecordOut],
    responses=problems(400),
    dependencies=[Depends(only_query())],
)
async def list_week_captures(
    db: DbDep, tier: TierPath, week_ending: WeekPath
) -> list[dict[str, Any]]:
    """Every capture of the week, newest first, published or not; `current` is what readers see."""
    week = _week(week_ending)
    records = await read(db, queries.list_week_captures, str(tier), week)
    return [
        {
            "capture_id": r.capture_id,
            "stage": str(r.stage),
            "execution_id": r.execution_id,
            "pipeline": r.pipeline,
            "created_at": iso(r.created_at),
            "published_at": iso(r.published_at),
            "rows": r.rows,
            "current": r.current,
        }
        for r in records
    ]


@router.get(
    "/symbols/{tier}/{symbol}",
    response_model=SymbolHistoryOut,
    responses=problems(400),
    dependencies=[Depends(only_query())],
)
async def get_symbol_history(
    db: DbDep,
    tier: TierPath,
    symbol: Annotated[str, Path(max_length=20, description="An issue symbol, e.g. AABB.")],
) -> dict[str, Any]:
    """One symbol across every aggregated week of the tier, oldest first, with rolling figures."""
    history = await read(db, queries.list_symbol_history, str(tier), symbol)
    return {
        "tier": str(tier),
        "symbol": symbol.strip().upper(),
        "weeks": [{**vars(h), "week_ending": h.week_ending.isoformat()} for h in history],
    }


def _capture(info: queries.CaptureInfo) -> dict[str, Any]:
    data = dict(vars(info))
    data["stage"] = str(info.stage)
    data["week_ending"] = info.week_ending.isoformat()
    data["published_at"] = iso(info.published_at)
    return data


def _tier(value: str) -> MarketTier:
    try:
        return MarketTier(value)
    except ValueError:
        raise ListingError(
            "tier", f"unknown tier {value!r}; use OTC, NMS_TIER_1 or NMS_TIER_2"
        ) from None


def _week(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ListingError(
            "week_ending", f"{value[:40]!r} is not a date; give the week as YYYY-MM-DD"
        ) from None
