"""Networks, paths and timelines: who is connected to whom through which records, as the caller may see them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import network
from hub.schema.records import Record, from_view


@strawberry.type(description="Two people named by one record, and how each is named in it.")
class Connection:
    a: strawberry.ID = strawberry.field(description="One person's resolved id.")
    b: strawberry.ID = strawberry.field(description="The other person's resolved id.")
    a_role: str = strawberry.field(description="How `a` is named (PERPETRATOR, VICTIM, CHILD_PRESENT, PERSON...).")
    b_role: str = strawberry.field(description="How `b` is named.")
    record: Record = strawberry.field(description="The record that names both, as the caller may see it.")


@strawberry.type(description="A person's network: people within some hops, and the connections among them.")
class Network:
    people: list[strawberry.ID] = strawberry.field(description="The person first, then by distance.")
    connections: list[Connection] = strawberry.field(description="The connections among them the caller may see.")
    truncated: bool = strawberry.field(description="True when the network was cut at its size limit.")


@strawberry.type(description="One thing recorded about a person, in time order.")
class TimelineEntry:
    at: str | None = strawberry.field(description="When (the record's date, as far as the caller may see it).")
    link: str = strawberry.field(description="How the person is named in the record.")
    record: Record = strawberry.field(description="The record, as the caller may see it.")


def _connection(c: network.Connection) -> Connection:
    return Connection(
        a=strawberry.ID(c.a), b=strawberry.ID(c.b), a_role=c.a_role, b_role=c.b_role, record=from_view(c.record)
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
        connections=[_connection(c) for c in connections],
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
    return None if found is None else [_connection(c) for c in found]


async def person_timeline(
    info: Info, person_id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person.")]
) -> list[TimelineEntry]:
    entries = await run_in_threadpool(network.timeline, info.context["access"], info.context["graph"], str(person_id))
    return [TimelineEntry(at=at, link=link, record=from_view(view)) for at, link, view in entries]
