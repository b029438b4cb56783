"""Typed parameters: validation messages, JSON Schema for forms, the identity hash."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import pytest
from pydantic import Field

from runplane.pipelines import InvalidParams, Params
from runplane.pipelines.params import canonical_params, params_hash, params_schema, validate_params


class Tier(StrEnum):
    OTC = "OTC"
    NMS_TIER_1 = "NMS_TIER_1"


class Example(Params):
    week_ending: date = Field(description="FINRA's week date.")
    tier: Tier = Tier.OTC
    force: bool = False


def test_strings_from_the_command_line_are_converted_to_their_types() -> None:
    params = validate_params("p.q", Example, {"week_ending": "2025-12-22", "force": "true"})
    assert canonical_params(params) == {"week_ending": "2025-12-22", "tier": "OTC", "force": True}


def test_errors_name_each_field_and_say_what_is_allowed() -> None:
    with pytest.raises(InvalidParams) as caught:
        validate_params("p.q", Example, {"week_ending": "last monday", "tier": "PINK", "extra": 1})
    errors = caught.value.errors
    assert set(errors) == {"week_ending", "tier", "extra"}
    assert "'OTC' or 'NMS_TIER_1'" in errors["tier"]
    assert errors["extra"] == "unknown parameter (this pipeline takes: week_ending, tier, force)"


def test_schema_carries_descriptions_defaults_and_enums_for_forms() -> None:
    schema = params_schema(Example)
    assert schema["required"] == ["week_ending"]
    assert schema["properties"]["week_ending"]["format"] == "date"
    assert schema["properties"]["week_ending"]["description"] == "FINRA's week date."
    assert schema["$defs"]["Tier"]["enum"] == ["OTC", "NMS_TIER_1"]


def test_identity_hash_ignores_key_order_but_not_values_or_pipeline() -> None:
    a = params_hash("p.q", {"tier": "OTC", "week_ending": "2025-12-22"})
    assert a == params_hash("p.q", {"week_ending": "2025-12-22", "tier": "OTC"})
    assert a != params_hash("p.q", {"week_ending": "2025-12-29", "tier": "OTC"})
    assert a != params_hash("p.r", {"tier": "OTC", "week_ending": "2025-12-22"})


def test_strict_json_refuses_a_boolean_for_a_number_and_text_for_a_boolean() -> None:
    class Run(Params):
        seconds: float = 1.0
        verbose: bool = False

    with pytest.raises(InvalidParams) as caught:
        validate_params("p.q", Run, {"seconds": True, "verbose": "yes"}, strict=True)
    assert set(caught.value.errors) == {"seconds", "verbose"}
    assert canonical_params(validate_params("p.q", Run, {"seconds": 2}, strict=True)) == {
        "seconds": 2.0,
        "verbose": False,
    }


def test_strict_json_keeps_iso_dates_and_enum_values_valid() -> None:
    raw = {"week_ending": "2025-12-22", "tier": "NMS_TIER_1", "force": True}
    params = validate_params("p.q", Example, raw, strict=True)
    assert canonical_params(params) == raw


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_dates_outside_the_accepted_range_are_refused_naming_it(week: str) -> None:
    for strict in (False, True):
        with pytest.raises(InvalidParams) as caught:
            validate_params("p.q", Example, {"week_ending": week}, strict=strict)
        assert caught.value.errors == {
            "week_ending": f"must be between 1900-01-01 and 2999-12-31 (got {week})"
        }
