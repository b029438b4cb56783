"""Parameters of the FINRA OTC pipelines: the week, the tier, and per-pipeline options."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import (
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from runplane.pipelines import Params


class MarketTier(StrEnum):
    """FINRA's transparency tiers, as parameter values (the file says `NMS Tier 1` etc.)."""

    OTC = "OTC"
    NMS_TIER_1 = "NMS_TIER_1"
    NMS_TIER_2 = "NMS_TIER_2"

    @property
    def description(self) -> str:
        """The `tierDescription` FINRA writes in its files for this tier."""
        return TIER_DESCRIPTIONS[self]

    @classmethod
    def from_description(cls, text: str) -> MarketTier | None:
        return _BY_DESCRIPTION.get(text.strip())

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Published as `Tier` (`$defs.Tier`), the name parameter schemas have always used."""
        schema = dict(handler(source))
        schema["ref"] = f"{__name__}.Tier:{id(cls)}"
        return cast(CoreSchema, schema)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        published = handler.resolve_ref_schema(handler(schema))
        published["title"] = "Tier"
        return published


TIER_DESCRIPTIONS = {
    MarketTier.OTC: "OTC",
    MarketTier.NMS_TIER_1: "NMS Tier 1",
    MarketTier.NMS_TIER_2: "NMS Tier 2",
}
_BY_DESCRIPTION = {text: tier for tier, text in TIER_DESCRIPTIONS.items()}

WEEK_DESCRIPTION = (
    "FINRA's week date, exactly as written in the file's lastUpdateDate column "
    "(a Monday in FINRA's files, e.g. 2025-12-22)."
)
TIER_DESCRIPTION = "Transparency tier: OTC, NMS_TIER_1 or NMS_TIER_2 (FINRA's tierDescription)."


class WeekParams(Params):
    """One week of one tier: what normalize and aggregate work on."""

    week_ending: date = Field(..., description=WEEK_DESCRIPTION)
    tier: MarketTier = Field(MarketTier.OTC, description=TIER_DESCRIPTION)

    def keys(self) -> dict[str, str]:
        """The parameters as a child run or a `DependencyError` names them."""
        return {"week_ending": self.week_ending.isoformat(), "tier": str(self.tier)}


class IngestParams(WeekParams):
    source: str | None = Field(
        None,
        description=(
            "A file path inside RUNPLANE_DATA_DIR (relative paths start there), or an http(s) "
            "URL serving the same pipe-delimited format. Default: "
            "$RUNPLANE_DATA_DIR/finra-otc/{tier}/{week_ending}.psv"
        ),
        max_length=2000,
    )
    force: bool = Field(
        False,
        description="Ingest again even if this week and tier already has a published capture.",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="How long an http(s) source may take to answer."
    )


ROLLING_WEEKS = 6


class RollingParams(WeekParams):
    weeks: int = Field(
        ROLLING_WEEKS,
        ge=2,
        le=ROLLING_WEEKS,
        description="Window of the rolling average, in weeks ending at week_ending.",
    )


MAX_BACKFILL_WEEKS = 104


class BackfillParams(Params):
    start: date = Field(..., description="First week_ending of the range (FINRA's week date).")
    end: date = Field(..., description="Last week_ending of the range; weeks are 7 days apart.")
    tiers: list[MarketTier] = Field(
        default_factory=lambda: [MarketTier.OTC],
        min_length=1,
        description="Tiers to backfill, e.g. OTC or OTC,NMS_TIER_1.",
    )
    force: bool = Field(False, description="Ingest weeks again that already have a capture.")
    rolling: bool = Field(True, description="Also compute rolling figures once weeks aggregate.")

    @field_validator("tiers", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_range(self) -> BackfillParams:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if len(self.weeks) > MAX_BACKFILL_WEEKS:
            raise ValueError(
                f"the range holds {len(self.weeks)} weeks; backfill at most "
                f"{MAX_BACKFILL_WEEKS} at once"
            )
        return self

    @property
    def weeks(self) -> list[date]:
        """`start`, then every 7 days up to `end`."""
        count = (self.end - self.start).days // 7 + 1
        return [self.start + timedelta(weeks=i) for i in range(count)]
