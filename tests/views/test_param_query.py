"""Parameter filters and free text as a list request gives them: validated, with one
clear sentence for each mistake."""

from __future__ import annotations

import pytest

from runplane.model.param_filters import MAX_FILTERS, ParamMatch
from runplane.views.list_errors import ListingError
from runplane.views.param_query import param_pairs, parse_params, parse_search, parse_where


def test_pairs_come_from_param_dot_keys_only() -> None:
    items = [("param.day", "2025-12-22"), ("status", "failed"), ("param.", "x"), ("q", "a")]
    assert param_pairs(items) == [("day", "2025-12-22"), ("", "x")]


def test_a_repeated_name_is_one_match_of_several_values_in_the_order_given() -> None:
    found = parse_params([("day", "b"), ("tier", "OTC"), ("day", "a"), ("day", "b")])
    assert found == (ParamMatch("day", ("b", "a")), ParamMatch("tier", ("OTC",)))


@pytest.mark.parametrize(
    ("pairs", "param", "words"),
    [
        ([("", "x")], "param.", "needs a name"),
        ([("week-ending", "x")], "param.week-ending", "is not valid"),
        ([("1day", "x")], "param.1day", "is not valid"),
        ([("day", " ")], "param.day", "has no value"),
        ([("day", "x" * 201)], "param.day", "longer than 200"),
        ([("n", str(i)) for i in range(MAX_FILTERS + 1)], "param.", "at most 10"),
    ],
)
def test_bad_filters_are_refused_naming_the_filter(
    pairs: list[tuple[str, str]], param: str, words: str
) -> None:
    with pytest.raises(ListingError, match=words) as refused:
        parse_params(pairs)
    assert refused.value.param == param


def test_search_is_stripped_empty_is_none_and_a_long_one_refused() -> None:
    assert parse_search("  otc ") == "otc"
    assert parse_search("   ") is None
    with pytest.raises(ListingError, match="q is longer than 200"):
        parse_search("x" * 201)


def test_where_conditions_read_as_name_equals_value() -> None:
    assert parse_where(["day=2025-12-22", "expr=a=b"]) == (
        ParamMatch("day", ("2025-12-22",)),
        ParamMatch("expr", ("a=b",)),
    )
    with pytest.raises(ListingError, match="is not NAME=VALUE"):
        parse_where(["day"])
