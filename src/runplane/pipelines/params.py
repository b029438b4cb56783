"""Typed pipeline parameters: validation with field-level messages, JSON Schema, identity hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from runplane.model.bounds import RANGE_TEXT, in_range


class Params(BaseModel):
    """Base class for a pipeline's parameters; unknown names are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


def validate_params(
    pipeline: str, model: type[Params], raw: dict[str, Any], *, strict: bool = False
) -> Params:
    """Validate and apply defaults; raises `InvalidParams` naming each bad field.

    `strict` is for values that came as JSON (the API's bodies): pydantic's strict JSON
    mode, so `true` is no number and `"yes"` no boolean, while ISO dates as strings stay
    valid. Text (CLI `-p`, dashboard forms, schedule templates) is converted as before.
    Dates outside the range of `model/bounds.py` are refused either way.
    """
    from runplane.pipelines.errors import InvalidParams

    try:
        if strict:
            params = model.model_validate_json(json.dumps(raw), strict=True)
        else:
            params = model.model_validate(raw)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"]) or "params"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                known = ", ".join(model.model_fields) or "none"
                message = f"unknown parameter (this pipeline takes: {known})"
            errors.setdefault(field, message)
        raise InvalidParams(pipeline, errors) from None
    far = {field: f"must be {RANGE_TEXT} (got {value})" for field, value in _dates(params)}
    if far:
        raise InvalidParams(pipeline, far)
    return params


def _dates(value: Any, path: str = "") -> Iterator[tuple[str, date]]:
    """Every date and datetime in validated parameters outside the accepted range."""
    if isinstance(value, date):
        if not in_range(value):
            yield path or "params", value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _dates(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dates(item, f"{path}.{key}")


def canonical_params(params: Params) -> dict[str, Any]:
    """The parameters as plain JSON values, defaults applied."""
    return params.model_dump(mode="json")


def params_hash(pipeline: str, params: dict[str, Any]) -> str:
    """Identity of a run's inputs: SHA-256 of the pipeline name and canonical JSON parameters."""
    text = json.dumps([pipeline, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def params_schema(model: type[Params]) -> dict[str, Any]:
    """JSON Schema for the run form."""
    return model.model_json_schema()


def property_schema(raw: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """A parameter's JSON Schema with what pydantic wraps around it unwrapped: `$ref` (enums
    live under `$defs`), `allOf: [{$ref}]` and `anyOf: [X, null]`; and whether it may be
    null. The property's own keys (description, default) win over the referenced ones."""
    spec = dict(raw)
    nullable = False
    if "anyOf" in spec:
        options = [o for o in spec["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(spec["anyOf"])
        if len(options) == 1:
            spec = {**spec, **options[0]}
            del spec["anyOf"]
    ref = spec.pop("$ref", None) or next((s.get("$ref") for s in spec.pop("allOf", [])), None)
    if ref is not None:
        spec = {**defs.get(ref.rsplit("/", 1)[-1], {}), **spec}
    return spec, nullable


@cache
def date_fields(model: type[Params]) -> frozenset[str]:
    """The parameters whose schema type is a date or a date-time (`format` date, date-time):
    what a baseline leaves out of a run's class by default."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    return frozenset(
        name
        for name, raw in schema.get("properties", {}).items()
        if property_schema(raw, defs)[0].get("format") in ("date", "date-time")
    )
