"""People: the federation entity partners extend, and what is recorded about them.

A person's lists are read only when a response asks for them, through the ``PersonReads`` that the resolver which
found the person supplies (``hub.resolvers.people``: the request's data loaders over ``hub.access``), so a page of
people costs a fixed number of graph reads whatever its length, and this module needs no part of the reading.
"""

from __future__ import annotations

from typing import Any, Protocol

import strawberry

from hub.schema.identity import IdentityLink
from hub.schema.records import (
    Disclosure,
    Incident,
    PersonRecord,
    ProtectiveOrder,
    Referral,
    Relationship,
    RiskAssessment,
    Role,
    SupportNeed,
)


@strawberry.type(description="A person's part in an incident.")
class Involvement:
    role: Role = strawberry.field(description="How the person is involved.")
    incident: Incident = strawberry.field(description="The incident, as the caller may see it.")


class PersonReads(Protocol):
    """What a person's fields read, within the request's grant."""

    def records(self) -> list[PersonRecord]: ...

    async def incidents(self) -> list[Involvement]: ...

    async def identity_links(self) -> list[IdentityLink]: ...

    async def recorded(self, entity: str) -> list[Any]:
        """The person's records of one type (``relationship``, ``order``...)."""
        ...


@strawberry.federation.type(
    keys=["id"],
    description="A person as the hub resolves them across agencies. Only what the caller's agreement and purpose "
    "allow is shown; a person the caller may not see does not exist for them.",
)
class Person:
    id: strawberry.ID = strawberry.field(
        description="The hub's stable id for the resolved person (`HP-...`): partners keep it in case files."
    )
    reads: strawberry.Private[PersonReads]

    @strawberry.field(description="The agency records that make up this person, those the caller may see.")
    def records(self) -> list[PersonRecord]:
        return self.reads.records()

    @strawberry.field(
        description="For identity review: how this person's records were joined, one link per record the caller sees "
        "with its local id, where the record it was joined with is one the caller sees too; any other link is left "
        "out, uncounted. Confirm or split one with `decideIdentity`."
    )
    async def identity_links(self) -> list[IdentityLink]:
        return await self.reads.identity_links()

    @strawberry.field(description="Incidents this person is linked to, oldest first, within the retention window.")
    async def incidents(self) -> list[Involvement]:
        return await self.reads.incidents()

    @strawberry.field(description="Personal connections recorded about this person.")
    async def relationships(self) -> list[Relationship]:
        return await self.reads.recorded("relationship")

    @strawberry.field(description="Protective orders about or protecting this person.")
    async def orders(self) -> list[ProtectiveOrder]:
        return await self.reads.recorded("order")

    @strawberry.field(description="Referrals about this person.")
    async def referrals(self) -> list[Referral]:
        return await self.reads.recorded("referral")

    @strawberry.field(description="Risk assessments about this person.")
    async def risk_assessments(self) -> list[RiskAssessment]:
        return await self.reads.recorded("risk_assessment")

    @strawberry.field(description="DVDS applications about this person or made by them.")
    async def disclosures(self) -> list[Disclosure]:
        return await self.reads.recorded("disclosure")

    @strawberry.field(description="Support needs (special category data: shared only where an agreement says so).")
    async def support_needs(self) -> list[SupportNeed]:
        return await self.reads.recorded("support_need")
