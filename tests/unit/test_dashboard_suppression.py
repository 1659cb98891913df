"""The dashboard's suppression: below the minimum cell size, and wherever a difference between two counts it gives
(a part and a measure it belongs to, or the rest of a whole after its parts that never overlap) would be small."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.dashboard import DISJOINT, MEASURES
from hub.access.context import BadRequest
from hub.access.counts import shown
from hub.access.dashboard import _WITHIN, _protect_differences, quarter_bounds


def given_counts(raw: dict[str, int], minimum: int = 10) -> dict[str, int | None]:
    out = {name: shown(count, minimum) for name, count in raw.items()}
    _protect_differences(raw, out, minimum)
    return out


def test_quarters() -> None:
    assert quarter_bounds("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 4, 1))
    assert quarter_bounds(" 2025-Q4 ") == (dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    for bad in ("2026-Q0", "2026-Q5", "2026Q1", "26-Q1", "", "2026-q1"):
        with pytest.raises(BadRequest):
            quarter_bounds(bad)


def test_a_part_is_suppressed_when_the_rest_of_its_whole_is_small() -> None:
    assert given_counts({"incidents": 20, "arrests": 15}) == {"incidents": 20, "arrests": None}
    assert given_counts({"incidents": 20, "arrests": 20}) == {"incidents": 20, "arrests": 20}, "none left: nothing"
    assert given_counts({"incidents": 30, "arrests": 15}) == {"incidents": 30, "arrests": 15}
    assert given_counts({"incidents": 5, "arrests": 3}) == {"incidents": None, "arrests": None}


def test_a_part_of_a_part_is_checked_against_every_whole_above_it() -> None:
    raw = {"dvds_applications": 14, "dvds_decided": 12, "dvds_disclosed": 10}
    assert given_counts(raw) == {"dvds_applications": 14, "dvds_decided": None, "dvds_disclosed": None}
    raw = {"dvds_applications": 40, "dvds_decided": 30, "dvds_disclosed": 10}
    assert given_counts(raw) == raw


def test_parts_that_never_overlap_leave_no_small_rest() -> None:
    raw = {"incidents": 32, "arrests": 12, "charges": 11}
    assert given_counts(raw) == {"incidents": 32, "arrests": 12, "charges": None}


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_no_small_number_can_be_worked_out_from_what_is_given(arrests: int, charges: int, other: int, crimes: int):
    incidents = arrests + charges + other
    raw = {"incidents": incidents, "arrests": arrests, "charges": charges, "crimes": min(crimes, incidents)}
    out = given_counts(raw)
    given_values = {k: v for k, v in out.items() if v is not None}
    assert all(v >= 10 for v in given_values.values())
    # every difference between a given part and a given whole is zero or not small
    for part, value in given_values.items():
        whole = _WITHIN.get(part)
        if whole in given_values:
            assert given_values[whole] - value == 0 or given_values[whole] - value >= 10
    if {"incidents", "arrests", "charges"} <= set(given_values):
        rest = given_values["incidents"] - given_values["arrests"] - given_values["charges"]
        assert rest == 0 or rest >= 10


def test_every_part_belongs_to_a_measure_that_exists() -> None:
    names = {m.name for m in MEASURES}
    assert all(m.within in names for m in MEASURES if m.within)
    assert all(whole in names and set(parts) <= names for whole, parts in DISJOINT)
