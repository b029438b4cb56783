"""Typed pipeline parameters: validation with field-level messages, JSON Schema, identity hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class Params(BaseModel):
    """Base class for a pipeline's parameters; unknown names are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


def validate_params(pipeline: str, model: type[Params], raw: dict[str, Any]) -> Params:
    """Validate and apply defaults; raises `InvalidParams` naming each bad field."""
    from runplane.pipelines.errors import InvalidParams

    try:
        return model.model_validate(raw)
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
