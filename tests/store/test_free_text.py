"""Free text asks the indexes first what it can match (SQLite), and finds what the test
per row finds: ids by prefix, pipeline names by a part, parameter values by prefix, ASCII
letters in any case, LIKE's wildcards as plain text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from runplane.store import Database
from runplane.store import executions as store
from runplane.store.free_text import SearchTerms, resolve
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def _found(db: Database, text: str) -> set[str]:
    with db.read() as conn:
        found = store.list_executions(conn, store.ExecutionFilter(search=text), limit=100)
        counted, _ = store.count_matching(conn, store.ExecutionFilter(search=text), cap=100)
    assert sum(counted.values()) == len(found)
    return {e.execution_id for e in found}


def _terms(db: Database, text: str) -> SearchTerms | None:
    with db.read() as conn:
        return resolve(conn, text)


def test_text_naming_only_pipelines_becomes_their_names(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        sleeper = make_execution(conn, pipeline="runplane.sleep", created_at=T0)
        make_execution(conn, params={"tier": "OTC"}, created_at=T0)
    assert _terms(sqlite_db, "SLEE") == SearchTerms("SLEE", ("runplane.sleep",), False, False)
    assert _found(sqlite_db, "SLEE") == {sleeper.execution_id}
    assert _terms(sqlite_db, "nothing here") == SearchTerms("nothing here", (), False, False)
    assert _found(sqlite_db, "nothing here") == set()


def test_ids_and_values_that_may_match_keep_the_test_per_row(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        made = make_execution(conn, params={"tier": "OtC"}, created_at=T0)
    by_id = _terms(sqlite_db, made.execution_id[:7].upper())
    assert by_id is not None
    assert (by_id.ids, by_id.values) == (True, False)
    by_value = _terms(sqlite_db, "oTc")
    assert by_value is not None
    assert (by_value.ids, by_value.values) == (False, True)


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"n": 1234}, "12"),  # a number's canonical text
        ({"n": 2.5}, "2.5"),
        ({"flag": True}, "tr"),
        ({"note": 'say "hi"'}, 'say "h'),  # a quote, escaped in the row's JSON
        ({"city": "Zürich"}, "zü"),  # escaped as \\u00fc in the row's JSON
        ({"city": "Zürich"}, "ZÜ"),  # lower-cased as Python does, then compared as it is
        ({"tier": "OTC_T1"}, "otc_"),  # LIKE's _ is a plain character
        ({"tier": "NMS"}, "nms"),
    ],
)
def test_each_kind_of_value_is_found_by_its_prefix(
    db: Database, params: dict[str, Any], text: str
) -> None:
    with db.write() as conn:
        wanted = make_execution(conn, params=params, created_at=T0)
        make_execution(conn, params={"other": "value"}, created_at=T0)
    assert _found(db, text) == {wanted.execution_id}


def test_a_prefix_longer_than_its_spelt_letters_is_still_exact(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        wanted = make_execution(conn, params={"tier": "abcdefgh"}, created_at=T0)
        make_execution(conn, params={"tier": "ABCxyz"}, created_at=T0)
        make_execution(conn, pipeline="runplane.sleep", created_at=T0)
    assert _found(sqlite_db, "ABCDEF") == {wanted.execution_id}
    assert len(_found(sqlite_db, "abc")) == 2
