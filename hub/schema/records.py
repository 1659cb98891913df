"""Record types as the caller may see them. Every personal field is nullable: null when the agreement does not share
it with this caller for this purpose, or masks it away. Resolvers here are wiring; the rules live in ``hub.access``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from hub.access.views import RecordView

if TYPE_CHECKING:
    from hub.schema.people import Participant


@strawberry.interface(description="A record some agency submitted: where it came from, and its own reference.")
class Record:
    agency: str = strawberry.field(description="The agency whose record this is.")
    local_id: str | None = strawberry.field(default=None, description="The agency's own reference (URN...).")
    # which catalogue entity the record is, and whose data it is: for the audit of what was disclosed
    entity: strawberry.Private[str] = ""
    subject: strawberry.Private[str | None] = None


@strawberry.type(description="A resolved person another record names, and how.")
class PersonLink:
    field: str = strawberry.field(description="The record's field that names the person (e.g. `other`, `protected`).")
    person_id: strawberry.ID


@strawberry.type(description="A national identifier an agency holds for the person.")
class Identifier:
    scheme: str
    value: str


@strawberry.type(description="One agency's record of a person.")
class PersonRecord(Record):
    given_name: str | None = None
    family_name: str | None = None
    other_names: list[str] | None = None
    dob: str | None = strawberry.field(default=None, description="Date of birth: ISO date, or its year when masked.")
    gender: str | None = None
    postcode: str | None = strawberry.field(default=None, description="Postcode, or its district when masked.")
    address: str | None = None
    identifiers: list[Identifier] | None = None


@strawberry.type(description="A domestic abuse incident an agency recorded.")
class Incident(Record):
    occurred_at: str | None = strawberry.field(default=None, description="When it happened (UTC, ISO 8601).")
    category: str | None = strawberry.field(default=None, description="Kind of abuse: the brief circumstances.")
    crime: bool | None = None
    offence: str | None = None
    harm_score: float | None = None
    risk_level: str | None = None
    outcome: str | None = None
    key: strawberry.Private[str] = ""

    @strawberry.field(description="The people the incident names, in the roles the caller may see.")
    async def people(self, info: Info) -> list[Annotated[Participant, strawberry.lazy("hub.schema.people")]]:
        from hub.schema.people import incident_people

        return await incident_people(info, self)


@strawberry.type(description="A personal connection between two people.")
class Relationship(Record):
    kind: str | None = None
    start: str | None = None
    end: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


@strawberry.type(description="A protective order (DVPN, DVPO, DAPO, restraining order...).")
class ProtectiveOrder(Record):
    kind: str | None = None
    start: str | None = None
    end: str | None = None
    status: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


@strawberry.type(description="A referral to a forum or service (MARAC, MATAC, IDVA, programmes...).")
class Referral(Record):
    forum: str | None = None
    role: str | None = None
    referred_at: str | None = None
    status: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


@strawberry.type(description="A risk assessment (for example DASH).")
class RiskAssessment(Record):
    tool: str | None = None
    score: float | None = None
    level: str | None = None
    assessed_at: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


@strawberry.type(description="A Domestic Violence Disclosure Scheme application.")
class Disclosure(Record):
    scheme: str | None = None
    applied_at: str | None = None
    decided_at: str | None = None
    outcome: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


@strawberry.type(description="A support need (special category data where it concerns health).")
class SupportNeed(Record):
    need: str | None = None
    noted_at: str | None = None
    people: list[PersonLink] = strawberry.field(default_factory=list)


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


def from_view(view: RecordView) -> Any:
    values = dict(view.values)
    if view.entity == "person" and values.get("identifiers") is not None:
        values["identifiers"] = [Identifier(scheme=s, value=v) for s, v in values["identifiers"]]
    kind = TYPES[view.entity]
    extra: dict[str, Any] = {"key": view.key} if view.entity == "incident" else {}
    if view.entity not in ("person", "incident"):
        extra["people"] = [PersonLink(field=f, person_id=strawberry.ID(p)) for f, p in view.links]
    return kind(agency=view.source, entity=view.entity, subject=view.subject, **values, **extra)
