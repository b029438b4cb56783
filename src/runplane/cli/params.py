"""Parsing `-p key=value` options."""

from __future__ import annotations

from collections.abc import Sequence

import click


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """`["day=2025-12-22", "region=emea"]` -> a dict; the pipeline's types validate values."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{pair!r} is not key=value (e.g. -p seconds=5)", param_hint="-p"
            )
        params[key.strip()] = value
    return params
