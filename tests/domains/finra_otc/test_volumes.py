"""Shares per symbol kept as tables: the same totals, top symbol and new symbols as adding
them up line by line, also past what 64 bits hold."""

from __future__ import annotations

import pyarrow as pa

from runplane.domains.finra_otc.volumes import Volumes


def sums(**shares: int) -> pa.Table:
    symbols = pa.array(list(shares), pa.string())
    return pa.table({"symbol": symbols, "shares": pa.array(shares.values(), pa.int64())})


def test_blocks_and_lines_add_up_per_symbol() -> None:
    volumes = Volumes()
    volumes.add_table(sums(ABCD=100, WXYZ=5), bound=200)
    volumes.add("ABCD", 1)
    volumes.add("QRST", 7)
    volumes.add_table(sums(WXYZ=10, EFGH=7), bound=20)
    assert volumes.totals() == {"ABCD": 101, "WXYZ": 15, "QRST": 7, "EFGH": 7}
    assert volumes.count() == 4
    assert volumes.count_new({"ABCD", "ZZZZ"}) == 3
    assert volumes.top() == ("ABCD", 101)


def test_a_tie_goes_to_the_greater_symbol_as_before() -> None:
    volumes = Volumes()
    volumes.add_table(sums(AAAA=9, BBBB=9), bound=9)
    assert volumes.top() == ("BBBB", 9)
    only_lines = Volumes()
    only_lines.add("AAAA", 9)
    only_lines.add("BBBB", 9)
    assert only_lines.top() == ("BBBB", 9)
    assert only_lines.count_new(set()) == 2


def test_nothing_counted_has_no_top() -> None:
    volumes = Volumes()
    assert (volumes.count(), volumes.top(), volumes.totals()) == (0, None, {})
    volumes.add_table(sums(), bound=0)
    assert (volumes.count(), volumes.top(), volumes.count_new({"ABCD"})) == (0, None, 0)


def test_sums_past_64_bits_go_on_as_python_integers() -> None:
    big = 2**62
    volumes = Volumes()
    volumes.add_table(sums(ABCD=big), bound=big)
    volumes.add_table(sums(ABCD=big), bound=big)
    volumes.add_table(sums(ABCD=big, WXYZ=1), bound=big)
    assert volumes.totals() == {"ABCD": 3 * big, "WXYZ": 1}
    assert volumes.top() == ("ABCD", 3 * big)
    assert volumes.count() == 2
