"""Record types as the caller may see them. Every personal field is nullable: null when the agreement does not share
it with this caller for this purpose, or masks it away. The exception is an incident's id (its agency and local id, its
federation key): an incident is shown with it or not at all. Types only: ``hub.resolvers.records`` builds them from
what ``hub.access`` lets through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import strawberry


@strawberry.interface(description="A record some agency submitted: where it came from, and its own reference.")
class Record:
    agency: str = strawberry.field(description="The code of the agency whose record this is (see `agency(code)`).")
    local_id: str | None = strawberry.field(
        default=None, description="The agency's own reference (URN, case number...); null when not shared."
    )
    # which catalogue entity the record is, and whose data it is: for the audit of what was disclosed
    entity: strawberry.Private[str] = ""
    subject: strawberry.Private[str | None] = None


@strawberry.type(description="A resolved person another record names, and how.")
class PersonLink:
    field: str = strawberry.field(description="The record's field that names the person (e.g. `other`, `protected`).")
    person_id: strawberry.ID = strawberry.field(description="The resolved person's id (see `person(id)`).")


@strawberry.type(description="A national identifier an agency holds for the person.")
class Identifier:
    scheme: str = strawberry.field(description="Which identifier: `pnc_id`, `nhs_number`, `ni_number`...")
    value: str = strawberry.field(description="The identifier as the agency recorded it.")


@strawberry.type(description="One agency's record of a person.")
class PersonRecord(Record):
    given_name: str | None = strawberry.field(default=None, description="Given name, or its initial when masked.")
    family_name: str | None = strawberry.field(default=None, description="Family name, or its initial when masked.")
    other_names: list[str] | None = strawberry.field(default=None, description="Aliases, previous or married names.")
    dob: str | None = strawberry.field(default=None, description="Date of birth: ISO date, or its year when masked.")
    gender: str | None = strawberry.field(
        default=None, description="Gender as recorded: female, male, non_binary, other or unknown."
    )
    postcode: str | None = strawberry.field(default=None, description="Postcode, or its district when masked.")
    address: str | None = strawberry.field(default=None, description="Address as recorded.")
    identifiers: list[Identifier] | None = strawberry.field(
        default=None, description="National identifiers the agency holds for the person."
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


@strawberry.type(description="Someone an incident names, and how.")
class Participant:
    role: Role = strawberry.field(description="How the person is named in the incident.")
    person_id: strawberry.ID = strawberry.field(description="The resolved person's id (see `person(id)`).")


@strawberry.federation.type(
    keys=["id"],
    description="A domestic abuse incident an agency recorded. A federation entity keyed by `id` "
    "(`agency:localId`); an incident the caller may not see resolves to null, exactly like one that does not exist.",
)
class Incident(Record):
    id: strawberry.ID = strawberry.field(
        default=strawberry.ID(""),
        description="The incident's stable id, `agency:localId` (an agreement that does not share an incident's "
        "reference as recorded shares no incidents with it).",
    )
    occurred_at: str | None = strawberry.field(default=None, description="When it happened (UTC, ISO 8601).")
    category: str | None = strawberry.field(default=None, description="Kind of abuse: the brief circumstances.")
    crime: bool | None = strawberry.field(
        default=None, description="Recorded as a crime (true) or a non-crime incident."
    )
    offence: str | None = strawberry.field(default=None, description="Offence code or name, where crimed.")
    harm_score: float | None = strawberry.field(
        default=None, description="Gravity on the agency's scale, e.g. a crime harm index."
    )
    risk_level: str | None = strawberry.field(default=None, description="Risk level: standard, medium or high.")
    outcome: str | None = strawberry.field(
        default=None, description="Outcome: arrest, charge, summons, caution, conviction, no_further_action..."
    )
    key: strawberry.Private[str] = ""

    # the people it names, read when asked for (the request's data loaders, ``hub.resolvers.records``)
    participants: strawberry.Private[Callable[[], Awaitable[list[Participant]]]]

    @strawberry.field(description="The people the incident names, in the roles the caller may see.")
    async def people(self) -> list[Participant]:
        return await self.participants()


@strawberry.type(description="A personal connection between two people.")
class Relationship(Record):
    kind: str | None = strawberry.field(
        default=None, description="intimate_partner, ex_partner, family_member, parent_of, co_parent..."
    )
    start: str | None = strawberry.field(default=None, description="When it began (ISO date).")
    end: str | None = strawberry.field(default=None, description="When it ended (ISO date).")
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="The people it connects, as the caller may see them."
    )


@strawberry.type(description="A protective order (DVPN, DVPO, DAPO, restraining order...).")
class ProtectiveOrder(Record):
    kind: str | None = strawberry.field(default=None, description="DVPN, DVPO, DAPN, DAPO, restraining_order...")
    start: str | None = strawberry.field(default=None, description="When it took effect (ISO date).")
    end: str | None = strawberry.field(default=None, description="When it ends (ISO date).")
    status: str | None = strawberry.field(
        default=None, description="applied, granted, refused, breached, expired or discharged."
    )
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="Its subject and the people it protects, as the caller may see them."
    )


@strawberry.type(description="A referral to a forum or service (MARAC, MATAC, IDVA, programmes...).")
class Referral(Record):
    forum: str | None = strawberry.field(
        default=None, description="MARAC, MATAC, MASH, IDVA, perpetrator_programme, MAPPA, IOM or other."
    )
    role: str | None = strawberry.field(
        default=None, description="The subject's role: victim, perpetrator, child or other."
    )
    referred_at: str | None = strawberry.field(default=None, description="When the referral was made (UTC, ISO 8601).")
    status: str | None = strawberry.field(
        default=None, description="open, accepted, declined, engaged, disengaged or closed."
    )
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="Its subject, as the caller may see them."
    )


@strawberry.type(description="A risk assessment (for example DASH).")
class RiskAssessment(Record):
    tool: str | None = strawberry.field(default=None, description="DASH, DARA, SARA, perpetrator DASH...")
    score: float | None = strawberry.field(default=None, description="The tool's score.")
    level: str | None = strawberry.field(default=None, description="standard, medium or high.")
    assessed_at: str | None = strawberry.field(default=None, description="When it was assessed (UTC, ISO 8601).")
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="Whom it assesses, as the caller may see them."
    )


@strawberry.type(description="A Domestic Violence Disclosure Scheme (Clare's Law) application.")
class Disclosure(Record):
    scheme: str | None = strawberry.field(default=None, description="right_to_ask or right_to_know.")
    applied_at: str | None = strawberry.field(default=None, description="When it was applied for (UTC, ISO 8601).")
    decided_at: str | None = strawberry.field(default=None, description="When it was decided (UTC, ISO 8601).")
    outcome: str | None = strawberry.field(default=None, description="pending, disclosed or not_disclosed.")
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="Its subject and its recipient, as the caller may see them."
    )


@strawberry.type(description="A support need (special category data where it concerns health).")
class SupportNeed(Record):
    need: str | None = strawberry.field(
        default=None, description="substance_misuse, alcohol, mental_health, physical_health, housing..."
    )
    noted_at: str | None = strawberry.field(default=None, description="When it was noted (UTC, ISO 8601).")
    people: list[PersonLink] = strawberry.field(
        default_factory=list, description="Whose need it is, as the caller may see them."
    )


TYPES: dict[str, type[Any]] = {
    "person": PersonRecord,
    "incident": Incident,
    "relationship": Relationship,
    "order": ProtectiveOrder,
    "referral": Referral,
    "risk_assessment": RiskAssessment,
    "disclosure": Disclosure,
    "support_need": SupportNeed,
}
