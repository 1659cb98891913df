"""Hypothesis strategies: partner records generated from the contract schema itself.

``from_schema`` turns the JSON Schema keywords the contract uses into strategies, and refuses any
keyword it does not know, so a change to the contract cannot silently narrow what is generated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from graph.model import RECORD_TYPES
from graph.validation import partner_schema

SCHEMA = partner_schema()
REFERENCE = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


_KNOWN = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "const",
    "enum",
    "pattern",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "items",
    "uniqueItems",
    "minItems",
    "title",
    "description",
}
_json_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def _datetime_text(value: dt.datetime) -> str:
    text = value.isoformat()
    return text.replace("+00:00", "Z") if text.endswith("+00:00") else text


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise NotImplementedError(f"schema keywords not generated: {sorted(unknown)}")
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(dt.date.isoformat)
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=_offsets).map(_datetime_text)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))
    if kind == "boolean":
        return st.booleans()
    if kind == "number":
        low = schema.get("minimum")
        return st.integers(min_value=low) | st.floats(min_value=low, allow_nan=False, allow_infinity=False)
    if kind == "array":
        items = from_schema(schema["items"])
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=4, unique=schema.get("uniqueItems", False))
    if kind == "object" or "properties" in schema:
        return _object(schema)
    raise NotImplementedError(f"schema not generated: {schema}")


@st.composite
def _object(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    out = {name: draw(from_schema(properties[name])) for name in sorted(required)}
    for name in sorted(set(properties) - required):
        if draw(st.booleans()):
            out[name] = draw(from_schema(properties[name]))
    extra = schema.get("additionalProperties", True)
    if extra is not False:
        values = _json if extra is True else from_schema(extra)
        for key, value in draw(st.dictionaries(st.text(max_size=12), values, max_size=2)).items():
            out.setdefault(key, value)
    return out


def _branch(kind: str) -> dict[str, Any]:
    return next(b for b in SCHEMA["oneOf"] if b["properties"]["type"]["const"] == kind)


any_record = st.one_of([from_schema(_branch(kind)) for kind in RECORD_TYPES])


def references(record: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name in RECORD_TYPES[record["type"]].references:
        value = record.get(name)
        out.extend(value if isinstance(value, list) else [] if value is None else [value])
    return out


@st.composite
def submissions(draw: st.DrawFn, agency: str, max_size: int = 12) -> list[dict[str, Any]]:
    """A schema-valid, referentially complete submission for one agency."""
    records = [dict(r, agency=agency) for r in draw(st.lists(any_record, min_size=1, max_size=max_size))]
    records = [r for r in records if REFERENCE.is_valid(r)]
    people = {r["local_id"] for r in records if r["type"] == "person"}
    missing = sorted({ref for r in records for ref in references(r)} - people)
    records += [{"type": "person", "agency": agency, "local_id": ref} for ref in missing]
    return records
