"""Networks, paths and timelines, as the caller's grant shows them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import network
from hub.resolvers.records import record
from hub.schema.network import Connection, Network, TimelineEntry


def _connection(info: Info, c: network.Connection) -> Connection:
    return Connection(
        a=strawberry.ID(c.a), b=strawberry.ID(c.b), a_role=c.a_role, b_role=c.b_role, record=record(info, c.record)
    )


async def person_network(
    info: Info,
    person_id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person at the centre.")],
    hops: Annotated[int, strawberry.argument(description="How many connections away, 1 to 3.")] = 1,
) -> Network | None:
    people, connections, truncated = await run_in_threadpool(
        network.person_network, info.context["access"], info.context["graph"], str(person_id), hops
    )
    if not people:
        return None
    return Network(
        people=[strawberry.ID(p) for p in people],
        connections=[_connection(info, c) for c in connections],
        truncated=truncated,
    )


async def person_path(
    info: Info,
    start: Annotated[strawberry.ID, strawberry.argument(description="The resolved person to start from.")],
    goal: Annotated[strawberry.ID, strawberry.argument(description="The resolved person to reach.")],
) -> list[Connection] | None:
    found = await run_in_threadpool(
        network.person_path, info.context["access"], info.context["graph"], str(start), str(goal)
    )
    return None if found is None else [_connection(info, c) for c in found]


async def person_timeline(
    info: Info, person_id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person.")]
) -> list[TimelineEntry]:
    entries = await run_in_threadpool(network.timeline, info.context["access"], info.context["graph"], str(person_id))
    return [TimelineEntry(at=at, link=link, record=record(info, view)) for at, link, view in entries]
