"""Listings for analysts: people and incidents a page at a time, as Relay connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import listings
from hub.access.pages import DEFAULT_PAGE, MAX_PAGE, Page
from hub.resolvers.people import person
from hub.resolvers.records import record
from hub.schema.listings import IncidentFilter, IncidentOrder, PeopleFilter
from hub.schema.pagination import Connection, Edge, PageInfo
from hub.schema.people import Person
from hub.schema.records import Incident

T = TypeVar("T")
N = TypeVar("N")

FIRST = (
    f"How many to return: 1 to {MAX_PAGE}, default {DEFAULT_PAGE}. A larger value is refused (BAD_REQUEST), never cut."
)
AFTER = "Start after this cursor: a previous page's `pageInfo.endCursor`, unchanged."


def connection(page: Page[N], node: Callable[[N], T], count: Callable[[], Awaitable[int]]) -> Connection[T]:
    return Connection(
        edges=[Edge(cursor=cursor, node=node(item)) for cursor, item in page.items],
        page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        count=count,
    )


async def people(
    info: Info,
    filter: Annotated[PeopleFilter | None, strawberry.argument(description="Which people to list.")] = None,
    first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_PAGE,
    after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
) -> Connection[Person]:
    access, graph = info.context["access"], info.context["graph"]
    where = listings.PeopleFilter(
        agency=filter.agency if filter else None, family_name=filter.family_name if filter else None
    )
    page = await run_in_threadpool(listings.list_people, access, graph, where, first, after)

    async def count() -> int:
        return await run_in_threadpool(listings.count_people, access, graph, where)

    return connection(page, partial(person, info), count)  # type: ignore[arg-type]  # every listed view is a person


async def incidents(
    info: Info,
    filter: Annotated[IncidentFilter | None, strawberry.argument(description="Which incidents to list.")] = None,
    order_by: Annotated[
        IncidentOrder, strawberry.argument(description="The order: by when they happened, newest first by default.")
    ] = IncidentOrder.OCCURRED_AT_DESC,
    first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_PAGE,
    after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
) -> Connection[Incident]:
    access, graph = info.context["access"], info.context["graph"]
    f = filter or IncidentFilter()
    where = listings.IncidentFilter(
        start=f.start,
        end=f.end,
        categories=tuple(f.categories) if f.categories is not None else None,
        agency=f.agency,
        newest_first=order_by is IncidentOrder.OCCURRED_AT_DESC,
    )
    page = await run_in_threadpool(partial(listings.list_incidents, access, graph, where, first, after))

    async def count() -> int:
        return await run_in_threadpool(listings.count_incidents, access, graph, where)

    return connection(page, partial(record, info), count)
