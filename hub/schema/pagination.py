"""Relay-style connections: ``edges { cursor node }``, ``pageInfo { hasNextPage endCursor }`` and ``totalCount``.

Pages are at most ``hub.access.pages.MAX_PAGE`` long (a larger ``first`` is a BAD_REQUEST, never silently cut);
cursors are opaque. ``totalCount`` counts only what the caller may see, with the same scope and filters as the page,
and costs one more graph read only when it is asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")


@strawberry.type(description="Where a page ends, and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows this one.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last edge: pass it as `after` for the next page. Null on an empty page."
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="An opaque position: pass it as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a listing: its items (edges), where it ends, and how many there are in all.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in the listing's order.")
    page_info: PageInfo = strawberry.field(description="Where this page ends, and whether another follows.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]  # the listing's resolver supplies it

    @strawberry.field(
        description="How many items the whole listing holds over all its pages: only what the caller may see, "
        "with the same filters."
    )
    async def total_count(self) -> int:
        return await self.count()
