"""Listings for analysts: ``people`` and ``incidents`` as Relay connections, filtered and ordered.

The rules (who may list, what a filter may read) are in ``hub.access.listings``; this module is wiring.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import partial
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import listings
from hub.access.pages import DEFAULT_PAGE
from hub.schema.pagination import AFTER, FIRST, Connection, connection
from hub.schema.people import Person, person
from hub.schema.records import Incident, from_view


@strawberry.input(description="Which people to list. Every filter given must hold.")
class PeopleFilter:
    agency: str | None = strawberry.field(
        default=None, description="Only people with a current record from this agency (code)."
    )
    family_name: str | None = strawberry.field(
        default=None,
        description="Only people with this family name (as typed, or in lower case, capitals or capitalised) on a "
        "record whose agency shares family names as recorded with the caller.",
    )


@strawberry.input(description="Which incidents to list. Every filter given must hold.")
class IncidentFilter:
    start: dt.date | None = strawberry.field(
        default=None, name="from", description="Only incidents on or after this day (UTC)."
    )
    end: dt.date | None = strawberry.field(
        default=None, name="to", description="Only incidents on or before this day (UTC)."
    )
    categories: list[str] | None = strawberry.field(
        default=None,
        description="Only incidents of these categories (physical, coercive_control, stalking_harassment...).",
    )
    agency: str | None = strawberry.field(default=None, description="Only incidents this agency recorded (code).")


@strawberry.enum(description="The order of an incident listing.")
class IncidentOrder(Enum):
    OCCURRED_AT_DESC = strawberry.enum_value("OCCURRED_AT_DESC", description="Newest first (the default).")
    OCCURRED_AT_ASC = strawberry.enum_value("OCCURRED_AT_ASC", description="Oldest first.")


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

    return connection(page, person, count)  # type: ignore[arg-type]  # every listed view is a person


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

    return connection(page, from_view, count)
