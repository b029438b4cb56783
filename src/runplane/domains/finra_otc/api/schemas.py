"""Bodies of `/v1/assets`: the FINRA OTC weeks, symbols and captures."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runplane.api.schemas.values import Instant


class CaptureOut(BaseModel):
    """A published capture of one stage of a week, with its headline figures."""

    capture_id: str
    stage: str = Field(description="ingest, normalize, aggregate or rolling.")
    tier: str
    week_ending: str = Field(json_schema_extra={"format": "date"})
    rows: int
    rows_rejected: int
    symbols: int | None
    published_at: Instant
    execution_id: str
    source_capture_id: str | None
    symbols_added: int | None
    total_shares: int | None
    top_symbol: str | None
    top_shares: int | None
    weeks_used: int | None


class WeekOut(BaseModel):
    tier: str
    week_ending: str = Field(json_schema_extra={"format": "date"})
    rows: int = Field(description="Rows of the ingest capture readers see.")
    captures: int = Field(description="Published captures of the week, all stages.")
    stages: dict[str, CaptureOut] = Field(description="The capture readers see, per stage.")


class WeekListOut(BaseModel):
    weeks: list[WeekOut]


class VenueOut(BaseModel):
    mpid: str
    participant_name: str
    shares: int
    trades: int
    share: float = Field(description="Fraction of the symbol's weekly shares, 0..1.")


class SymbolVolumeOut(BaseModel):
    rank: int
    symbol: str
    issue_name: str
    shares: int
    trades: int
    hhi: float = Field(description="Venue concentration (Herfindahl-Hirschman), 0..1.")
    venues: list[VenueOut]


class WeekSymbolsOut(BaseModel):
    capture: CaptureOut
    total: int = Field(description="Symbols in the week.")
    symbols: list[SymbolVolumeOut]


class CaptureRecordOut(BaseModel):
    capture_id: str
    stage: str
    execution_id: str
    pipeline: str
    created_at: Instant
    published_at: Instant | None = Field(description="Null: never published (failed/cancelled).")
    rows: int | None
    current: bool = Field(description="The capture readers see for this stage.")


class SymbolWeekOut(BaseModel):
    week_ending: str = Field(json_schema_extra={"format": "date"})
    capture_id: str
    rank: int
    shares: int
    trades: int
    venues: int
    hhi: float
    average_shares: float | None
    change: float | None = Field(description="Week-over-week change of shares, as a fraction.")
    weeks_used: int | None


class SymbolHistoryOut(BaseModel):
    tier: str
    symbol: str
    weeks: list[SymbolWeekOut]
