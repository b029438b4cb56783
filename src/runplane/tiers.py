"""The product tiers (`RUNPLANE_TIER`) and the features each includes: the one table every
adapter asks, and the one sentence that explains a locked feature.

    locked_reason(Feature.SCHEDULING, Tier.BASIC)
    # 'Scheduling is available in the Intermediate tier. Basic tier supports sync
    #  execution with immediate results.'
"""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.value.capitalize()


class Feature(StrEnum):
    """What a tier may include; the names are those of `GET /v1/capabilities`."""

    HISTORY = "history"
    SCHEDULING = "scheduling"
    SLA = "sla"
    COST = "cost"
    RESOURCES = "resources"
    BASELINE = "baseline"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def tier(self) -> Tier:
        """The lowest tier that includes this feature."""
        return Tier.INTERMEDIATE if self in _INTERMEDIATE else Tier.ADVANCED


_INTERMEDIATE = frozenset({Feature.HISTORY, Feature.SCHEDULING})
_ORDER = list(Tier)
_LABELS = {
    Feature.HISTORY: "Execution history",
    Feature.SCHEDULING: "Scheduling",
    Feature.SLA: "SLA breach indicators",
    Feature.COST: "Cost attribution",
    Feature.RESOURCES: "Resource utilisation graphs",
    Feature.BASELINE: "Comparison with baseline",
}
BASIC_RUNS = "Basic tier supports sync execution with immediate results."
"""What the basic tier offers instead of what it locks (the spec's locked card)."""


def includes(tier: Tier, feature: Feature) -> bool:
    return _ORDER.index(tier) >= _ORDER.index(feature.tier)


def features(tier: Tier) -> dict[str, bool]:
    """Every feature by name, and whether `tier` includes it."""
    return {str(feature): includes(tier, feature) for feature in Feature}


def locked_reasons(tier: Tier) -> dict[str, str | None]:
    """Every feature by name, with why `tier` locks it (None where it is included)."""
    return {str(feature): locked_reason(feature, tier) for feature in Feature}


def locked_reason(feature: Feature, tier: Tier) -> str | None:
    """Why `feature` is not available in `tier`, in one wording everywhere; None if it is."""
    if includes(tier, feature):
        return None
    verb = "are" if feature.label.endswith("s") else "is"
    reason = f"{feature.label} {verb} available in the {feature.tier.title} tier."
    return f"{reason} {BASIC_RUNS}" if tier is Tier.BASIC else reason
