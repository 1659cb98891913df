"""Cursor pagination: bounded page sizes and opaque cursors that only the listing and order that gave them accept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.access.context import BadRequest
from hub.access.pages import DEFAULT_PAGE, MAX_PAGE, decode, encode, page_size


def test_page_sizes_are_bounded_and_never_silently_cut() -> None:
    assert page_size(None) == DEFAULT_PAGE and page_size(1) == 1 and page_size(MAX_PAGE) == MAX_PAGE
    for size in (0, -5, MAX_PAGE + 1, 10**9):
        with pytest.raises(BadRequest, match=f"between 1 and {MAX_PAGE}"):
            page_size(size)


@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=3))
def test_a_cursor_round_trips_and_is_opaque(position: list[str]) -> None:
    cursor = encode("people", position)
    assert decode("people", cursor, len(position)) == position
    assert cursor.isascii() and cursor.replace("-", "").replace("_", "").isalnum(), "URL-safe, no padding"


def test_a_cursor_from_elsewhere_is_refused() -> None:
    cursor = encode("incidents-asc", ["2026-01-01T00:00Z", "cleveland-police:I1"])
    assert decode("people", None, 1) is None
    for kind, parts, text in (
        ("incidents-desc", 2, cursor),  # the other order
        ("people", 1, cursor),  # another listing
        ("incidents-asc", 2, cursor[:-2]),  # cut short
        ("incidents-asc", 2, "bm90IGEgY3Vyc29y"),  # base64, not ours
        ("incidents-asc", 2, "!!"),
        ("incidents-asc", 2, encode("incidents-asc", ["", "x"])),  # an empty part
    ):
        with pytest.raises(BadRequest, match="not a cursor"):
            decode(kind, text, parts)
