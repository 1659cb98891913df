"""Cursor pagination: page sizes within bounds, and opaque cursors that say where a page ended.

A cursor is the position of the last item of a page (its sort key), encoded so that clients treat it as a token: it
names no record the caller could not already see on that page, and a forged one can only move the page's start, never
widen what the scope reads. A cursor from one listing or ordering is refused by another.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.access.context import BadRequest

T = TypeVar("T")

MAX_PAGE = 100
DEFAULT_PAGE = 20
_PREFIX = "hub1:"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: each item with its cursor, and whether another page follows."""

    items: list[tuple[str, T]]
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return self.items[-1][0] if self.items else None


def page_size(first: int | None) -> int:
    """The page size asked for, or BAD_REQUEST when it is out of bounds (never silently cut)."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadRequest(f"first must be between 1 and {MAX_PAGE} (got {size}): page through with `after`")
    return size


def encode(kind: str, position: Sequence[str]) -> str:
    raw = json.dumps([kind, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_PREFIX.encode() + raw).decode().rstrip("=")


def decode(kind: str, cursor: str | None, parts: int) -> list[str] | None:
    """The position a cursor from ``kind`` holds (``parts`` strings), None for no cursor; BAD_REQUEST otherwise."""
    if cursor is None:
        return None
    try:
        if len(cursor) > 2000:
            raise ValueError("longer than any cursor the hub gives")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.removeprefix(_PREFIX.encode())) if raw.startswith(_PREFIX.encode()) else None
    except (binascii.Error, ValueError):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != parts + 1
        or value[0] != kind
        or not all(isinstance(v, str) and 0 < len(v) <= 300 for v in value[1:])
    ):
        raise BadRequest("after: not a cursor this field gave (pass a page's endCursor unchanged, with the same order)")
    return value[1:]
