"""FINRA's file format: the header check and the row rules normalize applies."""

from __future__ import annotations

import pytest

from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import HEADER_LINE, Row, Where, normalise, records
from runplane.pipelines import DataError

WHERE = Where("w.psv", file="/data/w.psv")
GOOD = [
    "OTC",
    "eari ",
    "Entertainment  Arts Research Inc",
    "OTCN OTC LINK",
    "otcn",
    "87187446",
    "42",
    "2025-12-22",
]


def test_records_start_after_the_header_and_keep_every_field() -> None:
    lines = [HEADER_LINE + "\r\n", "OTC|A|B|C|D|1|2|2025-12-22\r\n", "OTC|E|F"]
    assert list(records(lines, WHERE)) == [
        ["OTC", "A", "B", "C", "D", "1", "2", "2025-12-22"],
        ["OTC", "E", "F"],
    ]


def test_a_byte_order_mark_before_the_header_is_tolerated() -> None:
    assert list(records(["\ufeff" + HEADER_LINE + "\n"], WHERE)) == []


def test_quotes_are_data_not_csv_quoting() -> None:
    line = 'OTC|A|The "Best" Corp|C|D|1|2|2025-12-22\n'
    assert next(iter(records([HEADER_LINE + "\n", line], WHERE)))[2] == 'The "Best" Corp'


def test_a_wrong_header_names_the_file_line_one_and_the_expected_header() -> None:
    with pytest.raises(DataError) as failure:
        records(["a|b\n"], WHERE)
    assert str(failure.value).startswith("w.psv line 1: not a FINRA OTC transparency file")
    assert HEADER_LINE in str(failure.value)
    assert (failure.value.file, failure.value.row) == ("/data/w.psv", 1)


def test_a_good_row_is_trimmed_and_upper_cased_with_integer_volumes() -> None:
    assert normalise(list(GOOD)) == Row(
        tier=MarketTier.OTC,
        symbol="EARI",
        issue_name="Entertainment Arts Research Inc",
        participant_name="OTCN OTC LINK",
        mpid="OTCN",
        shares=87_187_446,
        trades=42,
    )


def test_nms_tier_names_map_to_their_parameter_values() -> None:
    row = normalise(["NMS Tier 2", *GOOD[1:]])
    assert isinstance(row, Row)
    assert row.tier is MarketTier.NMS_TIER_2


@pytest.mark.parametrize(
    ("index", "value", "reason"),
    [
        (1, "", "empty symbol"),
        (1, "  ", "empty symbol"),
        (4, "", "empty MPID"),
        (2, "", "empty issue name"),
        (5, "12x", "totalWeeklyShareQuantity '12x' is not a whole number"),
        (5, "-5", "totalWeeklyShareQuantity '-5' is not a whole number"),
        (5, "1.5", "totalWeeklyShareQuantity '1.5' is not a whole number"),
        (6, "", "empty trade count"),
        (5, "9" * 20, "is not a whole number of at most 19 digits"),
        (0, "Pink", "tierDescription 'Pink' is not OTC, NMS Tier 1 or NMS Tier 2"),
        (1, "AB CD", "symbol 'AB CD' is not a ticker symbol"),
        (4, "OTC-N", "MPID 'OTC-N' is not a market participant id"),
    ],
)
def test_a_bad_field_rejects_the_row_with_a_reason(index: int, value: str, reason: str) -> None:
    fields = list(GOOD)
    fields[index] = value
    result = normalise(fields)
    assert isinstance(result, str)
    assert reason in result


def test_a_missing_field_rejects_the_row() -> None:
    assert normalise([*GOOD[:7], None]) == "expected 8 fields, found 7"
