"""Validation of partner records against the partner record format (the contract in ``shared/``).

The format is a ``oneOf`` over record types that each pin ``type`` to a constant, so a record is
valid exactly when it is valid under the branch its ``type`` names. Validating that one branch
gives the same verdict as the ``oneOf``, far faster, and an error that names the field at fault
instead of "is not valid under any of the given schemas".

Two libraries, one verdict: ``fastjsonschema`` (the branch compiled to Python, about 15 times
faster) answers for the valid lines that make up nearly every submission; ``jsonschema``, the
reference implementation, has the last word on any line the fast path doubts and describes what
is wrong with it. The fast path's date checks may doubt a valid value (then the reference decides)
but never pass an invalid one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

Problem = tuple[str, str]  # (field, reason)

_FORMAT_HINTS = {"date": "YYYY-MM-DD", "date-time": "RFC 3339, e.g. 2024-05-01T21:30:00Z"}
_FRACTION = re.compile(r"(\.\d{6})\d+")


@cache
def partner_schema() -> dict[str, Any]:
    text = resources.files("graph").joinpath("partner-records.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


class RecordValidator:
    """Checks one decoded line; ``check`` returns the first problem, or None when the record is valid."""

    def __init__(self, schema: dict[str, Any] | None = None) -> None:
        schema = schema or partner_schema()
        Draft202012Validator.check_schema(schema)
        checker = Draft202012Validator.FORMAT_CHECKER
        self._by_type = {
            name: Draft202012Validator(branch, format_checker=checker) for name, branch in self._branches(schema)
        }
        quick = {"date": _quick_date, "date-time": _quick_datetime}
        self._fast = {name: fastjsonschema.compile(branch, formats=quick) for name, branch in self._branches(schema)}
        self.types = tuple(self._by_type)
        self._date_fields = {name: _format_fields(branch, "date") for name, branch in self._branches(schema)}
        self._datetime_fields = {name: _format_fields(branch, "date-time") for name, branch in self._branches(schema)}
        self._known = {name: frozenset(branch["properties"]) for name, branch in self._branches(schema)}

    @staticmethod
    def _branches(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(b["properties"]["type"]["const"], b) for b in schema["oneOf"]]

    def check(self, record: Any) -> Problem | None:
        if not isinstance(record, dict):
            return ("(line)", f"must be a JSON object, not {_json_type(record)}")
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in self._by_type:
            if "type" not in record:
                return ("type", "is required")
            return ("type", f"must be one of {', '.join(self.types)}")
        try:
            self._fast[kind](record)
            return None
        except fastjsonschema.JsonSchemaException:
            error = best_match(self._by_type[kind].iter_errors(record))
        return None if error is None else _describe(error)

    def date_fields(self, kind: str) -> tuple[str, ...]:
        return self._date_fields[kind]

    def datetime_fields(self, kind: str) -> tuple[str, ...]:
        return self._datetime_fields[kind]

    def known_fields(self, kind: str) -> frozenset[str]:
        return self._known[kind]


_QUICK_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUICK_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)")


def _quick_date(value: str) -> bool:
    try:
        return bool(_QUICK_DATE.fullmatch(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def _quick_datetime(value: str) -> bool:
    # the pattern pins the shape and the offset; fromisoformat checks the calendar and the clock
    try:
        return bool(_QUICK_DATETIME.fullmatch(value)) and bool(dt.datetime.fromisoformat(value))
    except ValueError:
        return False


@cache
def default_validator() -> RecordValidator:
    """The validator for the packaged contract, built once per process (it compiles nine schemas)."""
    return RecordValidator()


def _format_fields(branch: dict[str, Any], fmt: str) -> tuple[str, ...]:
    return tuple(name for name, prop in branch["properties"].items() if prop.get("format") == fmt)


def _describe(error: ValidationError) -> Problem:
    path = _path(error)
    kind = error.validator
    if kind == "required":
        missing = re.match(r"'(.*)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return (f"{path}.{name}" if path else name, "is required")
    field = path or "(line)"
    if kind == "format":
        fmt = str(error.validator_value)
        return (field, f"not a valid {fmt} ({_FORMAT_HINTS.get(fmt, fmt)})")
    if kind == "enum":
        return (field, f"must be one of {', '.join(map(str, error.validator_value))}")
    if kind == "type":
        return (field, f"must be {error.validator_value}, not {_json_type(error.instance)}")
    if kind == "pattern":
        return (field, f"does not match the pattern {error.validator_value}")
    if kind == "uniqueItems":
        return (field, "has repeated items")
    return (field, error.message)


def _path(error: ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def utc_text(text: str) -> str:
    """An RFC 3339 date-time (already format-checked) as UTC text that Cypher's ``datetime()`` reads.

    Text already in UTC with an upper-case ``T`` and ``Z`` passes through untouched (the common case,
    and the cheap one); anything else is parsed and rewritten.
    """
    if text.endswith("Z") and text[10] == "T" and len(text) <= 30:
        return text
    return parse_datetime(text).isoformat()


def parse_datetime(text: str) -> dt.datetime:
    """An RFC 3339 date-time (already format-checked) as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.upper()))
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        # only within hours of year 1 or 9999, which no real record holds: clamp rather than reject
        return (dt.datetime.min if value.year == 1 else dt.datetime.max).replace(tzinfo=dt.UTC)
