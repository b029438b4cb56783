"""Parameter forms generated from JSON Schema: fields, submitted values, and the diff."""

from __future__ import annotations

from runplane.pipelines import registry
from runplane.web.forms import diff, form_fields, submitted_params

INGEST = "finra.otc_transparency.ingest_week"
BACKFILL = "finra.otc_transparency.backfill_range"


def test_fields_follow_the_schema_types_defaults_and_bounds() -> None:
    fields = {f.name: f for f in form_fields(registry.get(INGEST).schema)}
    assert fields["week_ending"].kind == "date"
    assert fields["week_ending"].required
    assert fields["tier"].kind == "select"
    assert fields["tier"].options == ("OTC", "NMS_TIER_1", "NMS_TIER_2")
    assert fields["tier"].value == "OTC"
    assert fields["source"].kind == "text"
    assert fields["source"].nullable
    assert fields["source"].attrs == {"maxlength": "2000"}
    assert fields["force"].kind == "checkbox"
    assert fields["timeout_seconds"].attrs == {"step": "any", "max": "600", "data-above": "0"}
    sleep = {f.name: f for f in form_fields(registry.get("runplane.sleep").schema)}
    assert sleep["lines_per_second"].kind == "integer"
    assert sleep["lines_per_second"].attrs == {"step": "1", "min": "0", "max": "100000"}


def test_fields_are_filled_from_values_and_carry_the_original_and_errors() -> None:
    schema = registry.get(INGEST).schema
    original = {"week_ending": "2025-12-22", "tier": "OTC", "source": None, "force": False}
    errors = {"week_ending": "Input should be a valid date"}
    changed = {**original, "tier": "NMS_TIER_1"}
    fields = {f.name: f for f in form_fields(schema, changed, original=original, errors=errors)}
    assert fields["tier"].value == "NMS_TIER_1"
    assert fields["tier"].original == "OTC"
    assert fields["week_ending"].error == "Input should be a valid date"
    assert fields["source"].value == ""


def test_array_of_enum_is_a_group_of_boxes_and_other_arrays_are_comma_separated() -> None:
    schema = registry.get(BACKFILL).schema
    fields = {f.name: f for f in form_fields(schema, {"tiers": ["OTC", "NMS_TIER_2"]})}
    assert fields["tiers"].kind == "choices"
    assert fields["tiers"].values == ("OTC", "NMS_TIER_2")
    form = {
        "p.start": ["2025-12-01"], "p.end": ["2025-12-15"], "p.tiers": ["OTC", "NMS_TIER_1"],
        "p.force": ["false", "true"], "p.rolling": ["false"],
    }  # fmt: skip
    assert submitted_params(schema, form) == {
        "start": "2025-12-01",
        "end": "2025-12-15",
        "tiers": ["OTC", "NMS_TIER_1"],
        "force": True,
        "rolling": False,
    }


def test_empty_fields_fall_back_to_defaults_or_null() -> None:
    schema = registry.get(INGEST).schema
    sent = {"p.week_ending": ["2025-12-22"], "p.source": ["  "], "p.timeout_seconds": [""]}
    assert submitted_params(schema, sent) == {"week_ending": "2025-12-22", "source": None}


def test_diff_lists_only_changed_parameters_as_operators_read_them() -> None:
    changes = diff(
        {"week_ending": "2025-12-22", "tier": "OTC", "force": False},
        {"week_ending": "2025-12-29", "tier": "OTC", "force": True},
    )
    assert [(c.name, c.before, c.after) for c in changes] == [
        ("week_ending", "2025-12-22", "2025-12-29"),
        ("force", "false", "true"),
    ]
