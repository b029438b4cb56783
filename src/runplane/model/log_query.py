"""The log search language: words, "phrases", prefix* and `level:NAME`, all required.

Parsed here into plain values that `store/log_search.py` compiles for each backend, so a
user's text never reaches FTS5 or tsquery syntax. A word is cut at every character that is
not a letter or digit, as the index cuts lines: `sales.eu` becomes the phrase "sales eu".

    parse_log_search('level:error "disk full" sales.eu time*')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runplane.model.execution import LOG_LEVELS

MAX_QUERY = 500
MAX_PHRASES = 16
LEVEL_ALIASES = {"warn": "WARNING", "err": "ERROR", "fatal": "CRITICAL"}
_PIECE = re.compile(r"[^\W_]+")
_HINT = 'search for words, "a phrase", a prefix* or level:error'


@dataclass(frozen=True)
class Phrase:
    """Words that must follow one another in a line; `prefix` makes the last a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def __str__(self) -> str:
        text = " ".join(self.words)
        return (f'"{text}"' if len(self.words) > 1 else text) + ("*" if self.prefix else "")


@dataclass(frozen=True)
class LogSearch:
    """A parsed query: every phrase must match a line; `levels` (any of them) narrow it."""

    phrases: tuple[Phrase, ...]
    levels: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [str(p) for p in self.phrases] + [f"level:{v.lower()}" for v in self.levels]
        return " ".join(parts)


class LogQueryError(ValueError):
    """A query that cannot be searched; the message names the position (from 1) and the fix."""


def parse_log_search(text: str) -> LogSearch:
    """Parse a query; raises `LogQueryError` saying which character is wrong and why."""
    if len(text) > MAX_QUERY:
        raise LogQueryError(
            f"the query is {len(text)} characters long; shorten it to {MAX_QUERY} or fewer"
        )
    if "\x00" in text:
        raise LogQueryError(f"NUL character at position {text.index(chr(0)) + 1}: remove it")
    if not text.strip():
        raise LogQueryError(f"the query is empty: {_HINT}")
    phrases: list[Phrase] = []
    levels: list[str] = []
    at = 0
    while at < len(text):
        if text[at].isspace():
            at += 1
        elif text[at] == '"':
            at = _quoted(text, at, phrases)
        else:
            end = at
            while end < len(text) and not text[end].isspace() and text[end] != '"':
                end += 1
            _word(text[at:end], at, phrases, levels)
            at = end
        if len(phrases) > MAX_PHRASES:
            raise LogQueryError(f"more than {MAX_PHRASES} words or phrases: leave some out")
    if not phrases and not levels:
        raise LogQueryError(f"nothing to search for in {text.strip()[:40]!r}: {_HINT}")
    return LogSearch(tuple(phrases), tuple(dict.fromkeys(levels)))


def pieces(text: str) -> tuple[str, ...]:
    """The words of `text` as the index sees them: runs of letters and digits, lower case."""
    return tuple(piece.lower() for piece in _PIECE.findall(text))


def _quoted(text: str, at: int, phrases: list[Phrase]) -> int:
    close = text.find('"', at + 1)
    if close < 0:
        raise LogQueryError(f'unbalanced quote at position {at + 1}: close the phrase with "')
    words = pieces(text[at + 1 : close])
    if not words:
        raise LogQueryError(
            f"empty phrase at position {at + 1}: put words between the quotes or remove them"
        )
    prefix = text.startswith("*", close + 1)
    phrases.append(Phrase(words, prefix))
    return close + 2 if prefix else close + 1


def _word(word: str, at: int, phrases: list[Phrase], levels: list[str]) -> None:
    if word.lower().startswith("level:"):
        levels.append(_level(word[6:], at))
        return
    prefix = word.endswith("*")
    body = word.rstrip("*") if prefix else word
    if "*" in body:
        star = at + body.index("*") + 1
        raise LogQueryError(
            f"a * at position {star} is inside a word: a * ends a word to match its prefix"
        )
    words = pieces(body)
    if words:
        phrases.append(Phrase(words, prefix))
    elif prefix:
        raise LogQueryError(f"a * at position {at + 1} follows no word: write a prefix before it")


def _level(value: str, at: int) -> str:
    name = value.strip().lower()
    if not name:
        raise LogQueryError(f"level: at position {at + 1} names no level, e.g. level:error")
    level = LEVEL_ALIASES.get(name, name.upper())
    if level not in LOG_LEVELS:
        known = ", ".join(v.lower() for v in LOG_LEVELS)
        raise LogQueryError(f"unknown level {value!r} at position {at + 7}: use one of {known}")
    return level
