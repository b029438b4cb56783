"""The synthetic week generator: exact sizes, any tier, FINRA's format, labelled synthetic."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.psv import HEADER
from runplane.domains.finra_otc.synthetic import write_week, write_weeks


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle, delimiter="|"))


@pytest.mark.parametrize(
    ("tier", "name"), [(MarketTier.OTC, "OTC"), (MarketTier.NMS_TIER_1, "NMS Tier 1")]
)
def test_a_week_has_the_rows_asked_for_in_finras_format(
    tmp_path: Path, tier: MarketTier, name: str
) -> None:
    week = write_week(tmp_path / "w.psv", tier=tier, week_ending=date(2025, 12, 8), rows=2_500)
    header, *rows = _rows(week.path)
    assert tuple(header) == HEADER
    assert len(rows) == week.rows == 2_500
    assert {r[0] for r in rows} == {name}
    assert {r[7] for r in rows} == {"2025-12-08"}
    assert all(r[2].endswith("(synthetic)") for r in rows)
    assert all(int(r[5]) >= 1 and int(r[6]) >= 1 for r in rows)
    keys = [(r[1], r[4]) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert week.symbols == len({r[1] for r in rows})


def test_bad_rows_have_an_empty_symbol(tmp_path: Path) -> None:
    week = write_week(
        tmp_path / "w.psv", tier=MarketTier.OTC, week_ending=date(2025, 12, 8), rows=300, bad_rows=2
    )
    assert sum(1 for r in _rows(week.path)[1:] if r[1] == "") == 2


def test_consecutive_weeks_share_most_symbols_and_add_some(tmp_path: Path) -> None:
    first, second = write_weeks(
        tmp_path, tier=MarketTier.OTC, weeks=[date(2025, 12, 1), date(2025, 12, 8)], rows=3_000
    )
    assert second.path == tmp_path / "finra-otc" / "OTC" / "2025-12-08.psv"
    one = {r[1] for r in _rows(first.path)[1:]}
    two = {r[1] for r in _rows(second.path)[1:]}
    assert 0.7 < len(one & two) / len(two) < 1
    assert (
        first.path.read_bytes()
        == write_week(
            tmp_path / "again.psv", tier=MarketTier.OTC, week_ending=date(2025, 12, 1), rows=3_000
        ).path.read_bytes()
    )
