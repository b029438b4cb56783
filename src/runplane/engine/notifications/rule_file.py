"""Notification rules defined in the file `serve --schedules FILE` loads, beside schedules:

    [notifications.on-call]
    on = ["failed", "recovered"]         # events
    pipelines = ["sales.*"]              # names or globs; default all
    error_classes = ["data", "transient"]
    triggers = ["scheduled"]
    webhook_env = "ONCALL_WEBHOOK_URL"   # names of variables, never the secrets themselves
    slack_env = "ONCALL_SLACK_URL"
    email = ["oncall@example.com"]
    secret_env = "ONCALL_WEBHOOK_SECRET"
    window = "1h"
    enabled = true

As for schedules, the file wins for the names it holds, and a rule it defined before and
no longer holds is removed. A file with any problem loads nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runplane.engine.errors import InvalidRule
from runplane.engine.notifications.rules import RuleSpec, validate_rule
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import FILE_SOURCE, Rule
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as store

_LISTS = {"on": "events", "pipelines": "pipelines", "error_classes": "error_classes"}
_LISTS |= {"triggers": "triggers", "email": "emails"}
_NAMES = ("webhook_env", "slack_env", "secret_env")
KEYS = (*_LISTS, *_NAMES, "window", "enabled")


@dataclass(frozen=True)
class RuleLoad:
    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def read_rules(
    path: Path, settings: Settings, *, environ: Mapping[str, str] | None = None
) -> list[Rule]:
    """The file's `[notifications.NAME]` tables, validated; `InvalidRule` names every problem."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidRule(f"cannot read {path}: {exc}") from None
    tables = document.get("notifications", {})
    if not isinstance(tables, dict):
        raise InvalidRule(f"{path}: define each rule as a [notifications.NAME] table")
    rules: list[Rule] = []
    problems: list[str] = []
    for name, table in tables.items():
        try:
            rules.append(validate_rule(_spec(name, table), settings, environ=environ))
        except InvalidRule as exc:
            problems.append(f"[notifications.{name}] {exc}")
    if problems:
        raise InvalidRule(f"{path}: " + "; ".join(problems))
    return rules


def load_rules(
    db: Database,
    path: Path,
    settings: Settings,
    *,
    by: str,
    clock: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
) -> RuleLoad:
    """Upsert the file's rules by name in one transaction; see the module docstring."""
    path = path.resolve()
    rules = read_rules(path, settings, environ=environ)
    result = RuleLoad(source=FILE_SOURCE + str(path))
    now = clock()
    with db.write(lock="notifications:rules") as conn:
        existing = {rule.name: rule for rule in store.list_rules(conn)}
        for rule in rules:
            old = existing.get(rule.name)
            new = replace(
                rule,
                source=result.source,
                created_at=now if old is None else old.created_at,
                created_by=by if old is None else old.created_by,
                updated_at=now,
                updated_by=by,
            )
            if old is None:
                store.insert_rule(conn, new)
                result.added.append(rule.name)
            elif old.to_json() != new.to_json():
                store.update_rule(conn, new)
                result.updated.append(rule.name)
        names = {rule.name for rule in rules}
        for old in existing.values():
            if old.source == result.source and old.name not in names:
                store.delete_rule(conn, old.name)
                result.removed.append(old.name)
    return result


def _spec(name: str, table: Any) -> RuleSpec:
    if not isinstance(table, dict):
        raise InvalidRule("must be a table of keys (on = [...], webhook_env = ...)")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise InvalidRule(f"unknown key {unknown[0]!r}; a rule takes {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key, attribute in _LISTS.items():
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidRule(f'{key} must be a list of strings, e.g. {key} = ["..."]')
        values[attribute] = value
    for key in _NAMES:
        if key in table and not isinstance(table[key], str):
            raise InvalidRule(f"{key} must be the name of an environment variable")
        values[key] = table.get(key)
    if not isinstance(table.get("enabled", True), bool):
        raise InvalidRule("enabled must be true or false")
    window = table.get("window")
    if window is not None and not isinstance(window, str | int):
        raise InvalidRule('window must be a duration such as "1h"')
    return RuleSpec(name=name, window=window, enabled=table.get("enabled", True), **values)
