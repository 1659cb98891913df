"""People: the federation entity partners extend, and what is recorded about them, through the trust layer.

Every list on a person is read through the request's data loaders (``hub.schema.loaders``), so a page of people costs
a fixed number of graph reads whatever its length.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import views
from hub.access.views import PersonView
from hub.schema.loaders import loaders
from hub.schema.records import (
    Disclosure,
    Incident,
    PersonRecord,
    ProtectiveOrder,
    Referral,
    Relationship,
    RiskAssessment,
    SupportNeed,
    from_view,
)


@strawberry.enum(description="How a person is involved in an incident.")
class Role(Enum):
    PERPETRATOR = strawberry.enum_value("PERPETRATOR", description="Recorded as suspect or offender (aged 16+).")
    VICTIM = strawberry.enum_value("VICTIM", description="Recorded as a victim.")
    CHILD_PRESENT = strawberry.enum_value("CHILD_PRESENT", description="A child present at the incident.")
    CHILD_HARM_CONCERN = strawberry.enum_value(
        "CHILD_HARM_CONCERN",
        description="Harmful behaviour by a child under 16: a safeguarding concern. Under-16s are never perpetrators.",
    )


@strawberry.type(description="A person's part in an incident.")
class Involvement:
    role: Role = strawberry.field(description="How the person is involved.")
    incident: Incident = strawberry.field(description="The incident, as the caller may see it.")


@strawberry.type(description="Someone an incident names, and how.")
class Participant:
    role: Role = strawberry.field(description="How the person is named in the incident.")
    person_id: strawberry.ID = strawberry.field(description="The resolved person's id (see `person(id)`).")


@strawberry.federation.type(
    keys=["id"],
    description="A person as the hub resolves them across agencies. Only what the caller's agreement and purpose "
    "allow is shown; a person the caller may not see does not exist for them.",
)
class Person:
    id: strawberry.ID = strawberry.field(
        description="The hub's stable id for the resolved person (`HP-...`): partners keep it in case files."
    )
    view: strawberry.Private[PersonView]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Person | None:
        return person(await loaders(info).people.load(str(id)))

    @strawberry.field(description="The agency records that make up this person, those the caller may see.")
    def records(self) -> list[PersonRecord]:
        return [from_view(v) for v in self.view.records]

    @strawberry.field(description="Incidents this person is linked to, oldest first, within the retention window.")
    async def incidents(self, info: Info) -> list[Involvement]:
        rows = await loaders(info).involvements.load(self.view.id)
        return [Involvement(role=Role(role), incident=from_view(v)) for role, v in rows]

    async def _records(self, info: Info, entity: str) -> list:
        return [from_view(v) for v in await loaders(info).records.load((self.view.id, entity))]

    @strawberry.field(description="Personal connections recorded about this person.")
    async def relationships(self, info: Info) -> list[Relationship]:
        return await self._records(info, "relationship")

    @strawberry.field(description="Protective orders about or protecting this person.")
    async def orders(self, info: Info) -> list[ProtectiveOrder]:
        return await self._records(info, "order")

    @strawberry.field(description="Referrals about this person.")
    async def referrals(self, info: Info) -> list[Referral]:
        return await self._records(info, "referral")

    @strawberry.field(description="Risk assessments about this person.")
    async def risk_assessments(self, info: Info) -> list[RiskAssessment]:
        return await self._records(info, "risk_assessment")

    @strawberry.field(description="DVDS applications about this person or made by them.")
    async def disclosures(self, info: Info) -> list[Disclosure]:
        return await self._records(info, "disclosure")

    @strawberry.field(description="Support needs (special category data: shared only where an agreement says so).")
    async def support_needs(self, info: Info) -> list[SupportNeed]:
        return await self._records(info, "support_need")


def person(view: PersonView | None) -> Person | None:
    return Person(id=strawberry.ID(view.id), view=view) if view else None


async def person_by_id(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The resolved person's id.")]
) -> Person | None:
    access, graph = info.context["access"], info.context["graph"]
    return person(await run_in_threadpool(views.find_person, access, graph, person_id=str(id)))


async def person_by_record(
    info: Info,
    agency: Annotated[str, strawberry.argument(description="The code of the agency that holds the record.")],
    local_id: Annotated[str, strawberry.argument(description="The agency's own reference for the person.")],
) -> Person | None:
    access, graph = info.context["access"], info.context["graph"]
    return person(await run_in_threadpool(views.find_person, access, graph, agency=agency, local_id=local_id))


async def incident_people(info: Info, incident: Incident) -> list[Participant]:
    found = await loaders(info).participants.load((incident.key, incident.agency))
    return [Participant(role=Role(role), person_id=strawberry.ID(p)) for role, p in found]
