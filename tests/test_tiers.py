"""The tier table and the one wording of a locked feature."""

from __future__ import annotations

import pytest

from runplane.tiers import Feature, Tier, features, includes, locked_reason


def test_each_tier_includes_what_the_product_table_lists() -> None:
    assert not any(features(Tier.BASIC).values())
    assert features(Tier.INTERMEDIATE) == {
        "history": True,
        "scheduling": True,
        "sla": False,
        "cost": False,
        "resources": False,
        "baseline": False,
    }
    assert all(features(Tier.ADVANCED).values())


@pytest.mark.parametrize("feature", list(Feature))
def test_a_higher_tier_includes_everything_a_lower_one_does(feature: Feature) -> None:
    included = [includes(tier, feature) for tier in Tier]
    assert included == sorted(included), f"{feature} is dropped by a higher tier"


def test_the_basic_tier_explains_what_it_offers_instead() -> None:
    assert locked_reason(Feature.SCHEDULING, Tier.BASIC) == (
        "Scheduling is available in the Intermediate tier. "
        "Basic tier supports sync execution with immediate results."
    )
    assert locked_reason(Feature.HISTORY, Tier.BASIC) == (
        "Execution history is available in the Intermediate tier. "
        "Basic tier supports sync execution with immediate results."
    )


def test_advanced_features_name_the_advanced_tier_and_included_ones_have_no_reason() -> None:
    assert locked_reason(Feature.SLA, Tier.INTERMEDIATE) == (
        "SLA breach indicators are available in the Advanced tier."
    )
    assert locked_reason(Feature.COST, Tier.INTERMEDIATE) == (
        "Cost attribution is available in the Advanced tier."
    )
    assert locked_reason(Feature.SCHEDULING, Tier.INTERMEDIATE) is None
    assert locked_reason(Feature.BASELINE, Tier.ADVANCED) is None
