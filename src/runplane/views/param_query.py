"""Parameter filters and free text of a list request: `param.NAME=VALUE` (repeatable; the
names AND, a name's repeated values OR) and `q=TEXT`, validated into what the store asks.
Shared by the API, the dashboard and the CLI's `--where NAME=VALUE` and `--search TEXT`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from runplane.model.param_filters import (
    MAX_FILTERS,
    MAX_NAME,
    MAX_SEARCH,
    MAX_VALUE,
    NAME,
    PREFIX,
    ParamMatch,
)
from runplane.views.list_errors import ListingError

URL_FORM = "param.{}"
CLI_FORM = "--where {}"


def param_pairs(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The `(NAME, VALUE)` of each `param.NAME=VALUE` among a query's items."""
    return [(key[len(PREFIX) :], value) for key, value in items if key.startswith(PREFIX)]


def parse_params(pairs: Sequence[tuple[str, str]], form: str = URL_FORM) -> tuple[ParamMatch, ...]:
    """Validate `(name, value)` pairs into one match per name, in the order first given;
    raises `ListingError` naming the filter at fault, spelt as `form` (`param.{}`)."""
    example = form.format("day") + "=2025-12-22"
    values: dict[str, list[str]] = {}
    for raw_name, raw_value in pairs:
        name, value = raw_name.strip(), raw_value.strip()
        key, shown = f"{PREFIX}{name}", form.format(name)
        if not name:
            raise ListingError(
                PREFIX,
                f"a parameter filter needs a name: {form.format('NAME')}=VALUE, e.g. {example}",
            )
        if len(name) > MAX_NAME or not NAME.match(name):
            raise ListingError(
                key,
                f"parameter name {name[:80]!r} is not valid: use letters, digits and _ "
                f"(at most {MAX_NAME}), e.g. {example}",
            )
        if not value:
            raise ListingError(
                key, f"the filter {shown} has no value: give one ({shown}=VALUE) or drop it"
            )
        if len(value) > MAX_VALUE:
            raise ListingError(key, f"the value of {shown} is longer than {MAX_VALUE} characters")
        chosen = values.setdefault(name, [])
        if value not in chosen:
            chosen.append(value)
    given = sum(len(v) for v in values.values())
    if given > MAX_FILTERS:
        raise ListingError(
            PREFIX, f"at most {MAX_FILTERS} parameter filters at once (got {given}); drop some"
        )
    return tuple(ParamMatch(name, tuple(chosen)) for name, chosen in values.items())


def parse_search(text: str | None) -> str | None:
    """Free text (`q`), stripped; None when empty."""
    found = (text or "").strip()
    if len(found) > MAX_SEARCH:
        raise ListingError("q", f"q is longer than {MAX_SEARCH} characters; shorten the search")
    return found or None


def parse_where(conditions: Sequence[str]) -> tuple[ParamMatch, ...]:
    """The CLI's `--where NAME=VALUE` conditions, as `param.NAME=VALUE` would be."""
    pairs = []
    for condition in conditions:
        name, equals, value = condition.partition("=")
        if not equals:
            raise ListingError(
                "--where", f"--where {condition!r} is not NAME=VALUE, e.g. --where day=2025-12-22"
            )
        pairs.append((name, value))
    return parse_params(pairs, CLI_FORM)
