"""Networks, paths and timelines: who is connected to whom through which records, as the caller may see them."""

from __future__ import annotations

import strawberry

from hub.schema.records import Record


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
