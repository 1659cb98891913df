"""People: one by id or by an agency's record, as a federation entity, and the lists on a person.

A person's lists are read through the request's data loaders, each kind once per level of the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import views
from hub.access.identity import LinkView
from hub.access.views import PersonView
from hub.resolvers.loaders import loaders
from hub.resolvers.records import record
from hub.schema.identity import ComparisonEvidence, IdentityLink
from hub.schema.people import Involvement, Person
from hub.schema.records import PersonRecord, Role
from hub.schema.serial import RecordRef


@dataclass(frozen=True)
class _Reads:
    """A person's ``PersonReads``: what the grant let through with the person, and the request's loaders for the
    rest."""

    info: Info
    view: PersonView

    def records(self) -> list[PersonRecord]:
        return [record(self.info, v) for v in self.view.records]

    async def incidents(self) -> list[Involvement]:
        rows = await loaders(self.info).involvements.load(self.view.id)
        return [Involvement(role=Role(role), incident=record(self.info, v)) for role, v in rows]

    async def recorded(self, entity: str) -> list[Any]:
        return [record(self.info, v) for v in await loaders(self.info).records.load((self.view.id, entity))]

    async def identity_links(self) -> list[IdentityLink]:
        return [_link(link) for link in await loaders(self.info).identity_links.load(self.view)]


def _ref(key: str) -> RecordRef:
    agency, local_id = key.split(":", 1)
    return RecordRef(agency=agency, local_id=local_id)


def _link(link: LinkView) -> IdentityLink:
    return IdentityLink(
        record=_ref(link.record),
        linked_with=_ref(link.other),
        match_probability=link.probability,
        method=link.method,
        rule=link.rule,
        comparisons=[
            ComparisonEvidence(comparison=name, level=level, match_weight=weight, fields=fields)
            for name, level, weight, fields in link.comparisons
        ],
        subject=link.person,
        rule_fields=link.rule_fields,
    )


def person(info: Info, view: PersonView | None) -> Person | None:
    return Person(id=strawberry.ID(view.id), reads=_Reads(info, view)) if view else None


async def person_by_id(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person's id.")]
) -> Person | None:
    access, graph = info.context["access"], info.context["graph"]
    return person(info, await run_in_threadpool(views.find_person, access, graph, person_id=str(id)))


async def person_by_record(
    info: Info,
    agency: Annotated[str, strawberry.argument(description="The code of the agency that holds the record.")],
    local_id: Annotated[str, strawberry.argument(description="The agency's own reference for the person.")],
) -> Person | None:
    access, graph = info.context["access"], info.context["graph"]
    return person(info, await run_in_threadpool(views.find_person, access, graph, agency=agency, local_id=local_id))


async def person_reference(info: Info, id: str) -> Person | None:
    """``_entities``: a person the caller may not see resolves to null, like one who does not exist."""
    return person(info, await loaders(info).people.load(str(id)))
