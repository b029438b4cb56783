"""The log search language: words, phrases, prefixes, level filters and the errors that say
where a query is wrong."""

from __future__ import annotations

import pytest

from runplane.model.log_query import (
    MAX_QUERY,
    LogQueryError,
    LogSearch,
    Phrase,
    parse_log_search,
)


def test_words_phrases_prefixes_and_levels_parse_into_required_parts() -> None:
    parsed = parse_log_search('level:error "Disk  Full" upstream time* LEVEL:Warn')
    assert parsed == LogSearch(
        phrases=(Phrase(("disk", "full")), Phrase(("upstream",)), Phrase(("time",), True)),
        levels=("ERROR", "WARNING"),
    )
    assert str(parsed) == '"disk full" upstream time* level:error level:warning'


def test_a_word_with_punctuation_becomes_the_phrase_of_its_pieces() -> None:
    assert parse_log_search("finra.otc").phrases == (Phrase(("finra", "otc")),)
    assert parse_log_search("a1b2-c3").phrases == (Phrase(("a1b2", "c3")),)
    assert parse_log_search("ERROR:").phrases == (Phrase(("error",)),)
    assert parse_log_search("finra.ot*").phrases == (Phrase(("finra", "ot"), True),)
    assert parse_log_search('"finra.otc ingest"*').phrases == (
        Phrase(("finra", "otc", "ingest"), True),
    )


def test_fts_keywords_are_plain_words() -> None:
    assert parse_log_search("NOT AND OR NEAR").phrases == tuple(
        Phrase((w,)) for w in ("not", "and", "or", "near")
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('timeout "disk full', 'unbalanced quote at position 9: close the phrase with "'),
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("* - :: ...", "a * at position 1 follows no word"),
        ("- :: ...", "nothing to search for in '- :: ...'"),
        ('""', "empty phrase at position 1"),
        ("fo*o", "a * at position 3 is inside a word"),
        ("level:", "level: at position 1 names no level"),
        ("x level:loud", "unknown level 'loud' at position 9: use one of debug, info"),
        ("a" * (MAX_QUERY + 1), f"the query is {MAX_QUERY + 1} characters long"),
        (" ".join(["w"] * 17), "more than 16 words or phrases"),
        ("a\x00b", "NUL character at position 2"),
    ],
)
def test_a_malformed_query_says_what_is_wrong_and_where(query: str, message: str) -> None:
    with pytest.raises(LogQueryError) as caught:
        parse_log_search(query)
    assert str(caught.value).startswith(message)
