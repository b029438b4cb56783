"""Forms generated from a pipeline's parameter JSON Schema: the fields to render, the
parameters a submitted form means, and what changed against the original run.

Fields are named `p.<parameter>`; the engine validates the result (field errors come back
as `InvalidParams` and are shown next to each field).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

from runplane.pipelines.params import property_schema
from runplane.web.display import param_text

PREFIX = "p."


@dataclass(frozen=True)
class FormField:
    """One input of a parameter form, with the HTML constraints the schema implies."""

    name: str
    kind: str
    """`text`, `number`, `integer`, `date`, `select`, `checkbox`, `choices` or `list`."""
    required: bool
    description: str = ""
    default: str | None = None
    options: tuple[str, ...] = ()
    value: str = ""
    values: tuple[str, ...] = ()
    original: str = ""
    nullable: bool = False
    attrs: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace("_", "-")


def form_fields(
    schema: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    *,
    original: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The fields of a parameter form, filled from `values` (else the defaults)."""
    required = set(schema.get("required", ()))
    defs = schema.get("$defs", {})
    fields = []
    for name, raw in schema.get("properties", {}).items():
        spec, nullable = property_schema(raw, defs)
        kind, options = _kind(spec, defs)
        has_default = "default" in raw
        if values is not None and name in values:
            current: Any = values[name]
        else:
            current = raw.get("default") if has_default else None
        fields.append(
            FormField(
                name=name,
                kind=kind,
                required=name in required,
                description=raw.get("description") or spec.get("description") or "",
                default=param_text(raw["default"]) if raw.get("default") is not None else None,
                options=options,
                value="" if current is None or kind == "choices" else _text(current),
                values=tuple(str(v) for v in current) if isinstance(current, list) else (),
                original="" if original is None else _text(original.get(name)),
                nullable=nullable,
                attrs=_attrs(spec, kind),
                error=(errors or {}).get(name),
            )
        )
    return fields


MAX_FORM_BYTES = 64 * 1024


class FormTooLarge(ValueError):
    """A posted form larger than the dashboard reads (its forms hold a few parameters)."""


async def read_form(request: Request) -> dict[str, list[str]]:
    """The values of a posted form by name (`application/x-www-form-urlencoded`; the
    dashboard's forms upload no files, so no multipart parser is needed).

    Raises `FormTooLarge` past `MAX_FORM_BYTES`, read no further than that.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge(
                f"the form is larger than the {MAX_FORM_BYTES // 1024} KB the dashboard reads"
            )
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def submitted_params(
    schema: Mapping[str, Any], form: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """The parameters a submitted form stands for; the engine validates and converts them.

    An empty optional field is left out (its default applies), or None when it may be null;
    checkboxes send `false` from a hidden input before the box, so the last value counts.
    """
    params: dict[str, Any] = {}
    defs = schema.get("$defs", {})
    for name, raw in schema.get("properties", {}).items():
        spec, nullable = property_schema(raw, defs)
        kind, _ = _kind(spec, defs)
        sent = list(form.get(PREFIX + name, ()))
        if kind == "checkbox":
            if sent:
                params[name] = sent[-1] == "true"
        elif kind == "choices":
            params[name] = [v for v in sent if v]
        elif kind == "list":
            text = sent[-1] if sent else ""
            items = [part.strip() for part in text.split(",") if part.strip()]
            if items or name in schema.get("required", ()):
                params[name] = items
        else:
            text = sent[-1].strip() if sent else ""
            if text:
                params[name] = text
            elif nullable:
                params[name] = None
    return params


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


def diff(original: Mapping[str, Any], changed: Mapping[str, Any]) -> list[Change]:
    """Parameters whose value differs, in the order of `changed`, as operators read them."""
    return [
        Change(name, param_text(original.get(name)), param_text(value))
        for name, value in changed.items()
        if param_text(original.get(name)) != param_text(value)
    ]


def _kind(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    if "enum" in spec:
        return "select", tuple(str(v) for v in spec["enum"])
    kind = spec.get("type")
    if kind == "boolean":
        return "checkbox", ()
    if kind == "integer":
        return "integer", ()
    if kind == "number":
        return "number", ()
    if kind == "array":
        items, _ = property_schema(spec.get("items", {}), defs)
        if "enum" in items:
            return "choices", tuple(str(v) for v in items["enum"])
        return "list", ()
    if kind == "string" and spec.get("format") == "date":
        return "date", ()
    return "text", ()


def _attrs(spec: Mapping[str, Any], kind: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if kind in ("integer", "number"):
        attrs["step"] = "1" if kind == "integer" else "any"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in spec:
                attrs[attr] = str(spec[key])
        if "exclusiveMinimum" in spec:
            attrs["data-above"] = str(spec["exclusiveMinimum"])
    if kind in ("text", "list"):
        if "maxLength" in spec:
            attrs["maxlength"] = str(spec["maxLength"])
        if "minLength" in spec:
            attrs["minlength"] = str(spec["minLength"])
        if "pattern" in spec:
            attrs["pattern"] = str(spec["pattern"])
    return attrs


def _text(value: Any) -> str:
    if value is None:
        return ""
    return param_text(value)
