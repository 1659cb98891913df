"""Investigations: save the view on screen, list the caller's own, open one; saving is audited before it takes
effect, opening in the request's own event (the people it disclosed)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import investigations
from hub.access.investigations import Filters, Opened
from hub.resolvers.people import person
from hub.schema.investigations import Investigation, InvestigationFilters, InvestigationInput


def _investigation(info: Info, opened: Opened) -> Investigation:
    inv, f = opened.investigation, opened.filters
    people = [p for p in (person(info, view) for view in opened.people) if p is not None]
    return Investigation(
        id=strawberry.ID(inv.id),
        name=inv.name,
        saved_at=inv.saved_at,
        purpose=inv.purpose,
        justification=inv.justification,
        person_ids=[strawberry.ID(v.id) for v in opened.people],
        people=people,
        filters=InvestigationFilters(
            area=f.area,
            agency=f.agency,
            start=f.start,
            end=f.end,
            centre_person_id=strawberry.ID(f.centre) if f.centre else None,
            hops=f.hops,
        ),
    )


async def save_investigation(
    info: Info,
    name: Annotated[str, strawberry.argument(description="A name for it, 1 to 120 characters.")],
    view: Annotated[InvestigationInput, strawberry.argument(description="What is on screen.")],
) -> Investigation:
    access, graph, request = info.context["access"], info.context["graph"], info.context["request"]
    f = view.filters
    given = Filters(
        area=f.area if f else None,
        agency=f.agency if f else None,
        start=f.start if f else None,
        end=f.end if f else None,
        centre=str(f.centre_person_id) if f and f.centre_person_id is not None else None,
        hops=f.hops if f else None,
    )
    made = await run_in_threadpool(investigations.draft, access, graph, name, [str(p) for p in view.person_ids], given)
    event = investigations.save_event(access, made, request.headers.get("traceparent"))
    if event is not None:  # the trail first: no trail, no change
        await request.app.state.audit_writer.record(event)
    return _investigation(info, await run_in_threadpool(investigations.save, access, graph, made))


async def investigation_list(
    info: Info,
    first: Annotated[int, strawberry.argument(description="How many, newest first (1 to 100).")] = 20,
) -> list[Investigation]:
    found = await run_in_threadpool(
        investigations.list_investigations, info.context["access"], info.context["graph"], first
    )
    return [_investigation(info, opened) for opened in found]


async def investigation_by_id(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The investigation's id.")]
) -> Investigation | None:
    found = await run_in_threadpool(
        investigations.open_investigation, info.context["access"], info.context["graph"], str(id)
    )
    return _investigation(info, found) if found is not None else None
