"""The canonical text parameters are indexed by, and what a filter value matches."""

from __future__ import annotations

from typing import Any

import pytest

from runplane.model.param_filters import ParamMatch, canonical, indexed, number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2025-12-22", "2025-12-22"),
        (5, "5"),
        (5.0, "5"),
        (-0.0, "0"),
        (2.5, "2.5"),
        (1e20, "100000000000000000000"),
        (True, "true"),
        (False, "false"),
        (None, None),
        (["a"], None),
        ({"a": 1}, None),
        ("x" * 201, None),
        (float("nan"), None),
    ],
)
def test_canonical_text(value: Any, text: str | None) -> None:
    assert canonical(value) == text


def test_indexed_pairs_skip_what_is_not_indexed() -> None:
    assert indexed({"day": "2025-12-22", "n": 5.0, "tags": ["a"], "x" * 65: "long name"}) == [
        ("day", "2025-12-22"),
        ("n", "5"),
    ]


@pytest.mark.parametrize(
    ("text", "found"), [("5", 5), ("-1e3", -1000.0), ("05", None), ("5.", None), ("1e999", None)]
)
def test_numbers_are_json_numbers(text: str, found: float | None) -> None:
    assert number(text) == found


def test_a_number_matches_as_written_and_in_canonical_form() -> None:
    assert ParamMatch("n", ("5.0", "05")).texts() == ("5.0", "5", "05")
    assert ParamMatch("n", ("5.0",)).json_values() == ("5.0", "5", 5.0)
    assert ParamMatch("flag", ("true",)).json_values() == ("true", True)
