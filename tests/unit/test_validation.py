"""The validator's verdict is the contract schema's verdict; its messages name the field at fault."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import RECORD_TYPES
from graph.validation import RecordValidator, parse_datetime, partner_schema, utc_text
from tests.helpers import REPO
from tests.strategies import REFERENCE, any_record

VALIDATOR = RecordValidator()


def test_packaged_schema_is_the_shared_contract() -> None:
    shared = REPO.parent / "shared" / "partner-records.schema.json"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert json.loads(shared.read_text()) == partner_schema()


def test_reference_fields_in_the_model_are_exactly_the_schemas() -> None:
    marker = "local_id of a person record submitted by the same agency"
    for branch in partner_schema()["oneOf"]:
        kind = branch["properties"]["type"]["const"]
        expected = {
            name
            for name, prop in branch["properties"].items()
            if prop.get("description") == marker or prop.get("items", {}).get("description") == marker
        }
        assert set(RECORD_TYPES[kind].references) == expected, kind


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    record=any_record,
    mutation=st.sampled_from(["none", "drop", "null", "number", "string"]),
    pick=st.integers(),
)
def test_verdict_matches_the_reference_implementation(record: dict[str, Any], mutation: str, pick: int) -> None:
    record = dict(record)
    if mutation != "none":
        name = sorted(record)[pick % len(record)]
        if mutation == "drop":
            record.pop(name)
        else:
            record[name] = {"null": None, "number": -1, "string": "x"}[mutation]
    assert (VALIDATOR.check(record) is None) == REFERENCE.is_valid(record)


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ([], ("(line)", "must be a JSON object, not an array")),
        ({"agency": "ab", "local_id": "x"}, ("type", "is required")),
        (
            {"type": "x"},
            (
                "type",
                "must be one of person, relationship, incident, risk_assessment, order, "
                "referral, disclosure, support_need",
            ),
        ),
        (
            {"type": "person", "agency": "AB", "local_id": "x"},
            ("agency", "does not match the pattern ^[a-z0-9][a-z0-9-]{1,62}$"),
        ),
        ({"type": "person", "agency": "ab", "local_id": ""}, ("local_id", "'' should be non-empty")),
        (
            {"type": "person", "agency": "ab", "local_id": "x", "dob": "01/02/1990"},
            ("dob", "not a valid date (YYYY-MM-DD)"),
        ),
        (
            {"type": "person", "agency": "ab", "local_id": "x", "other_names": ["a", 1]},
            ("other_names[1]", "must be string, not a number"),
        ),
        (
            {
                "type": "risk_assessment",
                "agency": "ab",
                "local_id": "x",
                "subject": "p",
                "tool": "DASH",
                "assessed_at": "2024-01-01T10:00:00",
            },
            ("assessed_at", "not a valid date-time (RFC 3339, e.g. 2024-05-01T21:30:00Z)"),
        ),
        (
            {
                "type": "incident",
                "agency": "ab",
                "local_id": "x",
                "occurred_at": "2024-01-01T10:00:00Z",
                "category": "physical",
                "perpetrators": ["a", "a"],
                "victims": ["b"],
            },
            ("perpetrators", "has repeated items"),
        ),
    ],
)
def test_problems_name_the_field(record: Any, problem: tuple[str, str]) -> None:
    assert VALIDATOR.check(record) == problem


def test_datetimes_are_normalised_to_utc() -> None:
    assert parse_datetime("2024-06-01T23:30:00+01:00") == dt.datetime(2024, 6, 1, 22, 30, tzinfo=dt.UTC)
    assert parse_datetime("2024-06-01t22:30:00.123456789z").microsecond == 123456
    assert parse_datetime("0001-01-01T00:00:00+01:00").year == 1  # clamped, not an error
    assert utc_text("2024-06-01T22:30:00Z") == "2024-06-01T22:30:00Z"
    assert utc_text("2024-06-01t22:30:00z") == "2024-06-01T22:30:00+00:00"
    assert utc_text("2024-06-01T23:30:00+01:00") == "2024-06-01T22:30:00+00:00"


def test_schema_copy_is_packaged(tmp_path: Path) -> None:
    assert partner_schema()["title"] == "Partner record"
